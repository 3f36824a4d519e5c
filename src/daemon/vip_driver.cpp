#include "vipd/daemon/vip_driver.hpp"

#include <algorithm>

namespace vipd::daemon {
namespace {

spdlog::level::level_enum level_of(vip_cause cause) {
    switch (cause) {
        case vip_cause::role:
            return spdlog::level::debug;
        case vip_cause::resync:
            return spdlog::level::warn;
        case vip_cause::start:
        case vip_cause::shutdown:
            return spdlog::level::info;
    }
    return spdlog::level::info;
}

}  // namespace

std::set<vips::address> managed_vips(const config::daemon_config& config) {
    std::set<vips::address> out;
    for (const auto& vip : config.static_vips) {
        out.insert({*vip.device, vip.prefix});
    }
    for (const auto& instance : config.vrrp) {
        if (instance.priority == vrrp::k_owner_priority) {
            continue;
        }
        for (const auto& vip : instance.vips) {
            out.insert({instance.device_of(vip), vip.prefix});
        }
    }
    return out;
}

vip_driver::vip_driver(net::address_port& port, const logging::log_set& logs,
                       std::function<time_point()> clock, record_function record)
    : port_(port), logs_(logs), clock_(std::move(clock)), record_(std::move(record)) {}

void vip_driver::adopt_record(const std::set<vips::address>& recorded) {
    owned_.insert(recorded.begin(), recorded.end());
}

std::vector<vips::observed_address> vip_driver::observe() {
    std::vector<net::host_address> host;
    std::vector<vips::observed_address> observed;
    if (auto error = port_.list(host)) {
        if (error_log_limit_.admit(clock_()).allowed) {
            logs_.netlink().error("cannot read the host's addresses: {}; assuming ours are up",
                                  error.message());
        }
        // Removing an absent address and adding a present one are both harmless: acting on
        // what we believe keeps wanted VIPs up and ours going while the kernel cannot be read.
        for (const auto& where : owned_) {
            observed.push_back({where, false});
        }
        return observed;
    }
    // Linux >= 5.18 reports a non-zero IFA_PROTO: on the IPv6 addresses it makes itself (::1,
    // link-locals) and on ours; older kernels never do. Until one shows up, tags are not
    // trusted, and a later dump that shows one (our first VIP) still turns them on.
    const bool reported = std::any_of(host.begin(), host.end(), [](const net::host_address& a) {
        return a.tag != net::address_tag::not_reported;
    });
    if (reported) {
        tags_kept_ = true;
    } else if (!tags_kept_ && !host.empty()) {
        tags_kept_ = false;
    }
    observed.reserve(host.size());
    for (const auto& a : host) {
        observed.push_back({{a.interface, a.prefix}, a.tag == net::address_tag::vipd});
    }
    return observed;
}

void vip_driver::record() {
    if (record_) {
        record_(owned_);
    }
}

vip_outcome vip_driver::converge(const std::set<vips::address>& desired, vip_cause cause) {
    const auto host = observe();
    const auto plan = vips::reconcile({.desired = desired,
                                       .configured = configured_,
                                       .owned = owned_,
                                       .tags_kept = tags_kept_.value_or(false)},
                                      host);
    const auto before = owned_;
    for (const auto& where : plan.adopted) {
        owned_.insert(where);
        if (warned_.insert(where).second) {
            logs_.netlink().warn(
                "{} was already up and not added by vipd (by hand, another daemon, or a crashed "
                "run on a kernel without address tags): vipd manages it from now on",
                where.to_string());
        }
    }
    for (const auto& where : plan.forgotten) {
        owned_.erase(where);
    }
    if (!plan.add.empty()) {
        // Recorded before they exist: a crash right after an addition still names it.
        auto will_own = owned_;
        will_own.insert(plan.add.begin(), plan.add.end());
        if (record_) {
            record_(will_own);
        }
    }
    // Removals first: a VIP moving to another device or prefix length is never up twice.
    vip_outcome outcome;
    for (const auto& removal : plan.remove) {
        if (remove(removal, cause)) {
            outcome.removed.push_back(removal.where);
        } else {
            ++outcome.failed;
        }
    }
    for (const auto& where : plan.add) {
        if (add(where, cause)) {
            outcome.added.push_back(where);
        } else {
            ++outcome.failed;
        }
    }
    if (owned_ != before || !plan.add.empty()) {
        record();
    }
    return outcome;
}

bool vip_driver::add(const vips::address& where, vip_cause cause) {
    if (where.device.starts_with("dummy")) {
        if (auto error = port_.ensure_dummy(where.device)) {
            logs_.netlink().error("cannot create dummy interface {}: {}", where.device,
                                  error.message());
        }
    }
    const auto error = port_.add(where.device, where.prefix);
    if (error == std::errc::file_exists) {
        // Appeared between the dump and the request: up is what we wanted, but it is not ours
        // unless the configuration manages it.
        if (configured_.count(where) > 0) {
            owned_.insert(where);
        }
        return true;
    }
    if (error) {
        logs_.netlink().error("cannot add {}: {}", where.to_string(), error.message());
        return false;
    }
    owned_.insert(where);
    logs_.netlink().log(level_of(cause), "{}{}",
                        cause == vip_cause::resync ? "re-added " : "added ", where.to_string());
    return true;
}

bool vip_driver::remove(const vips::removal& removal, vip_cause cause) {
    if (auto error = port_.remove(removal.where.device, removal.where.prefix)) {
        logs_.netlink().error("cannot remove {}: {}", removal.where.to_string(), error.message());
        return false;
    }
    owned_.erase(removal.where);
    logs_.netlink().log(level_of(cause), "removed {} ({})", removal.where.to_string(),
                        vips::to_string(removal.reason));
    return true;
}

}  // namespace vipd::daemon
