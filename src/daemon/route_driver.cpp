#include "vipd/daemon/route_driver.hpp"

#include <chrono>

#include <fmt/format.h>

namespace vipd::daemon {
namespace {

std::string announce_text(const policy::announcement& a) {
    return "bgp_vip " + a.vip->name + " " + a.vip->address.to_string();
}

}  // namespace

route_driver::route_driver(net::route_port& port, const logging::log_set& logs,
                           std::function<time_point()> clock)
    : port_(port), logs_(logs), clock_(std::move(clock)) {}

net::host_route route_driver::to_host(const routes::route& route,
                                      const config::bgp_settings& settings) const {
    const bool accept = route.kind == routes::route_kind::accept;
    return net::host_route{.type = accept ? net::route_type::local : net::route_type::unicast,
                           .destination = route.address,
                           .table = accept ? net::k_local_table : settings.table,
                           .protocol = settings.protocol,
                           .metric = route.metric};
}

std::vector<routes::route> route_driver::observe(const config::bgp_settings& settings) {
    std::vector<routes::route> observed;
    std::vector<net::host_route> found;
    for (const auto table : {net::k_local_table, settings.table}) {
        if (auto error = port_.list(table, settings.protocol, found)) {
            if (error_log_limit_.admit(clock_()).allowed) {
                logs_.netlink().error(
                    "cannot read routing table {}: {}; assuming vipd's routes "
                    "are as it left them",
                    table, error.message());
            }
            // Adding a present route and removing an absent one are both harmless.
            return {believed_.begin(), believed_.end()};
        }
        for (const auto& route : found) {
            const bool accept = route.type == net::route_type::local;
            if (accept != (table == net::k_local_table)) {
                continue;  // a local route in the announce table is not one vipd makes
            }
            observed.push_back({accept ? routes::route_kind::accept : routes::route_kind::announce,
                                route.destination, accept ? 0U : route.metric});
        }
    }
    return observed;
}

void route_driver::retire_previous(const config::bgp_settings& settings) {
    if (!previous_ ||
        (previous_->table == settings.table && previous_->protocol == settings.protocol)) {
        return;
    }
    // The routes of the previous [bgp] table or protocol: the reconciler would not see them.
    for (const auto& route : observe(*previous_)) {
        const auto host = to_host(route, *previous_);
        if (auto error = port_.remove(host)) {
            logs_.netlink().error("cannot remove {} (table {}, protocol {}): {}", route.to_string(),
                                  host.table, host.protocol, error.message());
        } else {
            logs_.netlink().info("removed {} from table {} (protocol {}): [bgp] changed",
                                 route.to_string(), host.table, host.protocol);
        }
    }
    believed_.clear();
}

void route_driver::journal(const std::vector<policy::announcement>& wanted,
                           const config::bgp_settings& settings) {
    std::map<std::string, std::string> reasons;
    std::set<ip_address> announced;
    for (const auto& a : wanted) {
        const auto line = (a.announced ? "announced: " : "withdrawn: ") + a.reason;
        if (a.announced) {
            announced.insert(a.vip->address);
        }
        const auto before = reasons_.find(a.vip->name);
        const bool was = announced_.count(a.vip->address) > 0;
        // A reason that changes while the VIP stays announced (or withdrawn) is not news.
        if (before == reasons_.end() || was != a.announced) {
            // Info either way: a lost quorum is already a warning of the health logger, and a
            // demote or a stop is what the operator asked for.
            const bool lingers = was && !a.announced && settings.accept_linger.count() > 0;
            logs_.daemon().info(
                "{} {}{}", announce_text(a), line,
                lingers
                    ? fmt::format(
                          "; its packets still accepted for {} ms",
                          std::chrono::duration_cast<milliseconds>(settings.accept_linger).count())
                    : std::string());
        }
        reasons.emplace(a.vip->name, line);
    }
    reasons_ = std::move(reasons);
    announced_ = std::move(announced);
}

route_outcome route_driver::converge(const std::vector<policy::announcement>& wanted,
                                     const config::bgp_settings& settings, route_cause cause) {
    retire_previous(settings);
    previous_ = settings;
    journal(wanted, settings);
    const auto desired =
        linger_.routes_at(announced_, settings.metric, clock_(), settings.accept_linger);
    const auto observed = observe(settings);
    std::set<routes::route> now(observed.begin(), observed.end());
    const auto steps = routes::reconcile(desired, observed);
    const auto level = cause == route_cause::resync ? spdlog::level::warn : spdlog::level::info;
    route_outcome outcome;
    for (const auto& step : steps) {
        const auto host = to_host(step.route, settings);
        const bool adding = step.op == routes::operation::add;
        auto error = adding ? port_.add(host) : port_.remove(host);
        if (adding && error == std::errc::file_exists) {
            error.clear();  // appeared between the dump and the request: what we wanted
        }
        if (error) {
            ++outcome.failed;
            logs_.netlink().error("cannot {} route {}: {}", adding ? "add" : "remove",
                                  step.route.to_string(), error.message());
            continue;
        }
        if (adding) {
            ++outcome.added;
            now.insert(step.route);
        } else {
            ++outcome.removed;
            now.erase(step.route);
        }
        logs_.netlink().log(level, "{} route {} (table {}){}", adding ? "added" : "removed",
                            step.route.to_string(), host.table,
                            cause == route_cause::resync ? ": it had drifted" : "");
    }
    believed_ = std::move(now);
    return outcome;
}

}  // namespace vipd::daemon
