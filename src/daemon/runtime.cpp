#include "vipd/daemon/runtime.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "daemon.hpp"
#include "notify_hooks.hpp"
#include "periodic_timer.hpp"
#include "unreaped_children_log.hpp"
#include "vipd/config/loader.hpp"
#include "vipd/daemon/state_file.hpp"
#include "vipd/daemon/user_binding.hpp"
#include "vipd/policy/desired_table.hpp"

namespace vipd::daemon {
namespace {

/// How long health changes are gathered before the IPVS table follows them.
constexpr milliseconds k_health_converge_window{20};

/// Every service key the configuration names: the only ones vipd ever touches.
std::set<ipvs::service_key> configured_services(const config::daemon_config& config) {
    std::set<ipvs::service_key> keys;
    for (const auto& server : config.virtual_servers) {
        keys.insert(server.key);
    }
    return keys;
}

bool names_bgp_vip(const config::daemon_config& config, const std::string& name) {
    return std::any_of(config.bgp_vips.begin(), config.bgp_vips.end(),
                       [&name](const config::bgp_vip& vip) { return vip.name == name; });
}

std::optional<sync_plan> sync_plan_of(const config::daemon_config& config) {
    if (!config.ipvs.sync) {
        return std::nullopt;
    }
    const auto gating = policy::gating_instances(config);
    return sync_plan{config.ipvs.sync->interface, config.ipvs.sync->sync_id,
                     std::set<std::string>(gating.begin(), gating.end())};
}

/// Thousands of checks need thousands of sockets: lift the soft open-file limit to the hard one.
void raise_open_file_limit(const logging::log_set& logs, std::size_t checks) {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) {
        return;
    }
    const auto before = limit.rlim_cur;
    limit.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
        return;
    }
    if (checks + 64 > before) {
        logs.daemon().info("open-file limit raised from {} to {} for {} health check(s)", before,
                           limit.rlim_cur, checks);
    }
}

/// "10m", "90s", "1500ms": the largest unit that divides `period`, as durations are written.
std::string duration_text(microseconds period) {
    constexpr std::array<std::pair<std::int64_t, const char*>, 4> k_units{
        {{3'600'000'000, "h"}, {60'000'000, "m"}, {1'000'000, "s"}, {1'000, "ms"}}};
    for (const auto& [micros, suffix] : k_units) {
        if (period.count() % micros == 0) {
            return fmt::format("{}{}", period.count() / micros, suffix);
        }
    }
    return fmt::format("{}us", period.count());
}

std::string names(const std::vector<std::string>& list) {
    return fmt::format("{}", fmt::join(list, ", "));
}

std::string describe(const reload_summary& summary) {
    std::vector<std::string> parts;
    auto add = [&parts](const char* what, const std::vector<std::string>& list) {
        if (!list.empty()) {
            parts.push_back(fmt::format("{} {}", what, names(list)));
        }
    };
    add("added", summary.added);
    add("removed", summary.removed);
    add("replaced", summary.replaced);
    add("changed", summary.changed);
    parts.push_back(fmt::format("{} unchanged", summary.unchanged));
    if (summary.vips_added + summary.vips_removed > 0) {
        parts.push_back(fmt::format("VIPs +{} -{}", summary.vips_added, summary.vips_removed));
    }
    return fmt::format("instances: {}", fmt::join(parts, "; "));
}

}  // namespace

/// The router's role listener: the IPVS driver, whose big tables go in over several loop
/// turns that this adapter schedules.
class runtime::roles final : public role_listener {
  public:
    explicit roles(runtime& owner) : owner_(owner) {}
    bool entering_master(const std::string& instance) override {
        owner_.schedule_routes();  // a [[bgp_vip]] may follow the instance
        const bool done = owner_.ipvs_->entering_master(instance);
        if (!done) {
            owner_.continue_roles();
        }
        return done;
    }
    void left_master(const std::string& instance) override {
        owner_.schedule_routes();
        owner_.ipvs_->left_master(instance);
        if (owner_.ipvs_->role_pending()) {
            owner_.continue_roles();
        }
    }

  private:
    runtime& owner_;
};

runtime::runtime(asio::io_context& io, config::daemon_config config, std::string config_file,
                 std::string default_router_id, const logging::log_set& logs, runtime_ports ports)
    : io_(io),
      config_file_(std::move(config_file)),
      default_router_id_(std::move(default_router_id)),
      logs_(logs),
      config_(std::make_unique<const config::daemon_config>(std::move(config))),
      started_(std::chrono::system_clock::now()),
      ports_(std::move(ports)),
      router_timer_(io),
      health_timer_(io),
      converge_timer_(io),
      route_timer_(io),
      linger_timer_(io),
      stop_timer_(io),
      role_slice_timer_(io),
      children_(asio::use_service<health::checkers::child_ledger>(io)),
      resync_slice_timer_(io),
      drain_timer_(io) {
    // Health checks run on every director; their results shape the IPVS table and the
    // priorities of instances that track scripts or virtual servers.
    health_ = make_health(*config_);
    ipvs_ = std::make_unique<ipvs_driver>(
        ports_.ipvs,
        [this](const std::set<std::string>& masters) {
            return policy::desired_table(
                *config_,
                [&masters](std::string_view instance) {
                    return masters.count(std::string(instance)) > 0;
                },
                [this](const ipvs::service_key& service, const ipvs::destination_key& real) {
                    return health_->is_up(service, real);
                },
                [this](const ipvs::service_key& service, const ipvs::destination_key& real) {
                    return drains_.contains(service, real);
                });
        },
        configured_services(*config_), logs_, sync_plan_of(*config_));
    if (ports_.routes != nullptr) {
        routes_ = std::make_unique<route_driver>(*ports_.routes, logs_,
                                                 [] { return steady_clock::now(); });
    }
    notify_ = std::make_unique<notify_hooks>(io, *config_, logs_);
    unreaped_log_ = std::make_unique<unreaped_children_log>(children_, logs_,
                                                            [] { return steady_clock::now(); });
    roles_ = std::make_unique<roles>(*this);
    router_ = std::make_unique<vrrp_router>(
        *config_,
        router_ports{ports_.addresses, ports_.frames, ports_.links, ports_.channels, roles_.get(),
                     notify_.get(),
                     [this](const std::set<vips::address>& owned) {
                         record_.addresses = owned;
                         write_record();
                     },
                     ports_.vmacs},
        logs_, [] { return steady_clock::now(); }, [this] { arm_router_timer(); });
    tracks_ = make_tracks(*config_);
}

runtime::~runtime() = default;

std::unique_ptr<health_driver> runtime::make_health(const config::daemon_config& config) {
    health_events events;
    // Reals changing together (a rack losing power, thousands of checks failing within one
    // interval) cost one IPVS converge per window, not one dump and diff each.
    events.reals_changed = [this] {
        if (converge_pending_ || stopped_) {
            return;  // stopped: the services are withdrawn and stay so
        }
        converge_pending_ = true;
        converge_timer_.expires_after(k_health_converge_window);
        converge_timer_.async_wait([this](const boost::system::error_code& error) {
            converge_pending_ = false;
            if (!error && !stopped_) {
                ipvs_->health_changed();
            }
        });
    };
    events.tracker_changed = [this](const std::string& instance, tracker_kind kind,
                                    const std::string& name, bool down) {
        if (router_ && !stopped_) {
            router_->set_tracked(instance, kind, name, down);
        }
    };
    events.deadlines_changed = [this] { arm_health_timer(); };
    events.real_changed = [this](const config::virtual_server& server,
                                 const ipvs::destination_key& real, bool up) {
        if (notify_) {
            notify_->on_real(server.key, real, up);
        }
    };
    events.quorum_changed = [this](const config::virtual_server& server, bool up) {
        if (notify_) {
            notify_->on_quorum(server.key, up);
        }
        schedule_routes();
    };
    return std::make_unique<health_driver>(
        config, ports_.probes, logs_, [] { return steady_clock::now(); }, std::move(events));
}

std::unique_ptr<track_poller> runtime::make_tracks(const config::daemon_config& config) {
    track_events events;
    events.file_read = [this](const std::string& instance, const std::string& name,
                              std::int16_t value) {
        router_->set_tracked_file(instance, name, value);
    };
    events.process_changed = [this](const std::string& instance, const std::string& name,
                                    bool down) {
        router_->set_tracked(instance, tracker_kind::process, name, down);
    };
    return std::make_unique<track_poller>(config, ports_.tracks, logs_, std::move(events));
}

void runtime::start_tracks() {
    track_timer_.reset();
    tracks_->create_init_files();
    tracks_->poll(steady_clock::now());
    if (tracks_->empty()) {
        return;
    }
    track_timer_ = std::make_unique<periodic_timer>(io_, config_->global.track_interval, [this] {
        if (!stopped_) {
            tracks_->poll(steady_clock::now());
        }
    });
    track_timer_->start();
}

// The router asks for the timer to be re-armed after every event; one timer serves every
// instance, so adverts that fall due together leave in one batch.
void runtime::arm_router_timer() {
    auto deadline = router_->next_deadline();
    if (!deadline || stopped_) {
        router_timer_.cancel();
        return;
    }
    router_timer_.expires_at(*deadline);
    router_timer_.async_wait([this](const boost::system::error_code& error) {
        if (error || stopped_) {
            return;  // cancelled by a re-arm, or vipd stopped
        }
        router_->on_timer(steady_clock::now());  // re-arms through deadlines_changed
    });
}

void runtime::arm_health_timer() {
    auto deadline = health_->next_deadline();
    if (stopped_) {
        deadline.reset();  // probes in flight finish; no new one starts
    }
    if (deadline == health_armed_) {
        return;
    }
    health_armed_ = deadline;
    if (!deadline) {
        health_timer_.cancel();
        return;
    }
    health_timer_.expires_at(*deadline);
    health_timer_.async_wait([this](const boost::system::error_code& error) {
        if (!error && !stopped_) {
            health_armed_.reset();  // expired: the next request must arm it again
            health_->on_timer(steady_clock::now());
        }
    });
}

void runtime::restart_resync() {
    resync_.reset();
    if (ipvs_->active()) {
        resync_ = std::make_unique<periodic_timer>(io_, config_->ipvs.resync_interval, [this] {
            if (!stopped_ && !ipvs_->resync_pending()) {
                ipvs_->begin_resync();
                continue_resync();
            }
        });
        resync_->start();
    }
}

void runtime::restart_vip_resync() {
    vip_resync_ =
        std::make_unique<periodic_timer>(io_, config_->global.vip_resync_interval, [this] {
            if (!stopped_) {
                router_->resync_vips();
                announce_routes(route_cause::resync);
            }
        });
    vip_resync_->start();
}

void runtime::continue_roles() {
    if (role_slices_scheduled_) {
        return;
    }
    role_slices_scheduled_ = true;
    // A zero timer, not post(): the router's timer, already expired when an advert is due,
    // runs before the next slice.
    role_slice_timer_.expires_after(std::chrono::seconds(0));
    role_slice_timer_.async_wait([this](const boost::system::error_code& error) {
        role_slices_scheduled_ = false;
        if (error || stopped_) {
            return;
        }
        if (ipvs_->role_step()) {
            continue_roles();
            return;
        }
        router_->services_ready();
    });
}

void runtime::continue_resync() {
    if (!ipvs_->resync_step()) {
        // The pass may have removed (or found gone) services the record still names.
        record_services(configured_services(*config_));
        return;
    }
    resync_slice_timer_.expires_after(std::chrono::seconds(0));
    resync_slice_timer_.async_wait([this](const boost::system::error_code& error) {
        if (!error && !stopped_) {
            continue_resync();
        }
    });
}

void runtime::start() {
    raise_open_file_limit(logs_, health_->size());
    // Before anything else: reals with initial = "down" stay out of the first table, and a
    // track script that starts down is in the priority of the very first advert.
    health_->start();
    // What an earlier run recorded: its services and VIPs that this one no longer wants come
    // out (on kernels before 5.18 nothing else tells vipd's addresses from others').
    state_record previous;
    if (config_->global.state_file) {
        previous = read_state_file(*config_->global.state_file, logs_);
    }
    // Services that no instance gates (static VIPs, mode "always") go in before any VIP, and
    // leftovers of an earlier run that no instance is MASTER for yet come out, with the
    // services it recorded that this configuration no longer names. Those stay in the record
    // until they are gone.
    const auto configured = configured_services(*config_);
    record_.addresses = previous.addresses;
    ipvs_->adopt_record(previous.services);
    record_services(configured);
    ipvs_->start();
    record_services(configured);
    restart_resync();
    // Before the instances start, like the health checks: a file that lowers the priority or
    // a process that is missing counts in the very first advert.
    start_tracks();
    router_->start(previous.addresses);
    // After the services and the instances: a router may send traffic as soon as it hears.
    announce_routes(route_cause::change);
    restart_vip_resync();
}

std::vector<policy::announcement> runtime::announcements() const {
    const auto masters = router_->status();
    return policy::announcements(
        *config_,
        {.has_quorum = [this](std::string_view server) { return health_->has_quorum(server); },
         .is_master =
             [&masters](std::string_view instance) {
                 return std::any_of(masters.begin(), masters.end(), [&](const auto& s) {
                     return s.name == instance && s.state == vrrp::state::master;
                 });
             },
         .demoted = bgp_demoted_,
         .stopping = stopping_});
}

void runtime::announce_routes(route_cause cause) {
    if (!routes_) {
        return;
    }
    // Without [[bgp_vip]] the start and reloads still converge, so routes an earlier run or
    // configuration left come out; the periodic pass, two route dumps, is spared.
    if (cause == route_cause::resync && config_->bgp_vips.empty() && routes_->announced().empty() &&
        !routes_->next_linger_end()) {
        return;
    }
    routes_->converge(announcements(), config_->bgp, cause);
    arm_linger_timer();
}

void runtime::arm_linger_timer() {
    const auto deadline = routes_->next_linger_end();
    if (!deadline) {
        linger_timer_.cancel();
        return;
    }
    linger_timer_.expires_at(*deadline);
    linger_timer_.async_wait([this](const boost::system::error_code& error) {
        if (!error && !stopped_) {
            announce_routes(route_cause::change);  // re-arms for the next one
        }
    });
}

void runtime::schedule_routes() {
    if (!routes_ || routes_scheduled_ || stopped_) {
        return;
    }
    routes_scheduled_ = true;
    route_timer_.expires_after(std::chrono::seconds(0));
    route_timer_.async_wait([this](const boost::system::error_code& error) {
        routes_scheduled_ = false;
        if (!error && !stopped_) {
            announce_routes(route_cause::change);
        }
    });
}

bool runtime::set_bgp_demoted(const std::string& name, bool demoted) {
    if (!names_bgp_vip(*config_, name)) {
        return false;
    }
    if (demoted) {
        bgp_demoted_.insert(name);
    } else {
        bgp_demoted_.erase(name);
    }
    if (!stopped_) {
        announce_routes(route_cause::change);
    }
    return true;
}

void runtime::begin_stop() {
    if (stopping_) {
        return;
    }
    stopping_ = true;
    // Routers stop sending before anything that serves the traffic goes.
    route_timer_.cancel();
    announce_routes(route_cause::change);
}

void runtime::finish_stop() {
    if (stopped_) {
        return;
    }
    // The loop may run on for the stop hooks (wait_for_hooks): nothing may put a VIP or a
    // service back meanwhile. Every timer handler that could checks `stopped_` (a cancel does
    // not stop a handler that has already fallen due, and a destroyed timer's would run on a
    // dangling object), as do health results and drains.
    stopped_ = true;
    stop_timer_.cancel();
    linger_timer_.cancel();
    if (routes_) {
        routes_->end_lingers();
        announce_routes(route_cause::change);  // the accept routes, before the VIPs
    }
    health_timer_.cancel();
    health_armed_.reset();
    notify_->stopping();  // INIT is STOP from here: notify_stop runs...
    router_->shutdown();  // ...once adverts, then VIPs went (gated services follow them out)
    notify_->groups_stopped();
    ipvs_->withdraw();  // ...then every service vipd manages
    role_slice_timer_.cancel();
    resync_slice_timer_.cancel();
    record_services({});
}

void runtime::shutdown_after_linger(microseconds linger_bound, std::function<void()> stopped) {
    begin_stop();
    const auto last = routes_ ? routes_->last_linger_end() : std::nullopt;
    if (!last || stopped_) {
        finish_stop();
        stopped();
        return;
    }
    const auto until = std::min(*last, steady_clock::now() + linger_bound);
    logs_.daemon().info(
        "announce routes withdrawn; accepting what routers already sent for {} ms more",
        std::chrono::duration_cast<milliseconds>(until - steady_clock::now()).count());
    stop_timer_.expires_at(until);
    stop_timer_.async_wait(
        [this, stopped = std::move(stopped)](const boost::system::error_code& error) {
            if (error) {
                return;  // the runtime is going away
            }
            finish_stop();
            stopped();
        });
}

void runtime::shutdown() {
    begin_stop();
    finish_stop();
}

void runtime::wait_for_hooks(microseconds bound, std::function<void()> done) {
    notify_->when_idle(bound, std::move(done));
}

bool runtime::drain(const policy::real_ref& real, std::optional<microseconds> period) {
    std::optional<time_point> until;
    if (period) {
        until = steady_clock::now() + *period;
    }
    const bool added = drains_.drain(real, until);
    const auto name = policy::name_of(*config_, real);
    logs_.ipvs().info("{} {} {} by vipctl: weight 0, established connections finish, {}",
                      name.service, name.real, added ? "drained" : "drained again",
                      period ? "undrained by itself in " + duration_text(*period)
                             : std::string("until undrained"));
    arm_drain_timer();
    drains_changed();
    return added;
}

bool runtime::undrain(const policy::real_ref& real) {
    if (!drains_.undrain(real)) {
        return false;
    }
    const auto name = policy::name_of(*config_, real);
    logs_.ipvs().info("{} {} undrained by vipctl: back to its configured weight", name.service,
                      name.real);
    arm_drain_timer();
    drains_changed();
    return true;
}

void runtime::drains_changed() {
    if (!stopped_) {
        ipvs_->drains_changed();
    }
}

void runtime::arm_drain_timer() {
    const auto deadline = drains_.next_deadline();
    if (!deadline) {
        drain_timer_.cancel();
        return;
    }
    drain_timer_.expires_at(*deadline);
    drain_timer_.async_wait([this](const boost::system::error_code& error) {
        if (!error) {
            expire_drains();
        }
    });
}

void runtime::expire_drains() {
    const auto ended = drains_.expire(steady_clock::now());
    for (const auto& real : ended) {
        const auto name = policy::name_of(*config_, real);
        logs_.ipvs().info("{} {} undrained: its drain's --for ran out", name.service, name.real);
    }
    arm_drain_timer();
    if (!ended.empty()) {
        drains_changed();
    }
}

void runtime::record_services(const std::set<ipvs::service_key>& keys) {
    record_.services = ipvs_->active() ? keys : std::set<ipvs::service_key>{};
    // A removal that failed is retried by the resyncs, or by the next start after a crash.
    const auto& unremoved = ipvs_->unremoved();
    record_.services.insert(unremoved.begin(), unremoved.end());
    write_record();
}

void runtime::write_record() {
    if (config_->global.state_file && (!written_ || record_ != *written_)) {
        write_state_file(*config_->global.state_file, record_, logs_);
        written_ = record_;
    }
}

const reload_outcome& runtime::reload() {
    reload_outcome outcome;
    outcome.at = std::chrono::system_clock::now();
    if (stopping_) {
        // The stop lets accept routes linger and waits for its hooks with the loop running: a
        // reload now would announce VIPs and start instances again.
        outcome.message = "vipd is stopping: nothing was reloaded";
        logs_.daemon().warn("reload refused: {}", outcome.message);
        ++reloads_refused_;
        last_reload_ = std::move(outcome);
        return *last_reload_;
    }
    auto result = load_for_host(config_file_, default_router_id_, ports_.users);
    if (!result.ok()) {
        for (const auto& error : result.errors) {
            logs_.daemon().error("reload: {}", error.to_string());
        }
        outcome.message = fmt::format(
            "{} error(s) in the new configuration, still running the previous one; first: {}",
            result.errors.size(), result.errors.front().to_string());
        logs_.daemon().error("reload refused: {}", outcome.message);
    } else {
        outcome.ok = true;
        outcome.message =
            apply(std::make_unique<const config::daemon_config>(std::move(*result.config)));
        logs_.daemon().info("reloaded {} ({} file(s)): {}", config_file_,
                            std::max<std::size_t>(1, config_->files.size()), outcome.message);
    }
    ++(outcome.ok ? reloads_ok_ : reloads_refused_);
    last_reload_ = std::move(outcome);
    return *last_reload_;
}

std::string runtime::apply(std::unique_ptr<const config::daemon_config> next) {
    for (const auto& warning : host_warnings(*next)) {
        logs_.daemon().warn("{}", warning);
    }
    // Health first: the new driver starts every check the old one had in the state it reached,
    // so the tables built below see no flap. The old driver's probes die with it.
    auto next_health = make_health(*next);
    next_health->inherit(*health_);
    health_timer_.cancel();
    health_armed_.reset();
    health_ = std::move(next_health);
    std::swap(config_, next);  // `next` now holds the previous configuration
    // A drain outlives a reload only with its real: one that came back would otherwise come
    // back drained, long after anyone remembers why.
    for (const auto& real : drains_.retain_configured(*config_)) {
        const auto name = policy::name_of(*next, real);
        logs_.ipvs().warn("reload: the drain of {} {} ends: the real is no longer configured",
                          name.service, name.real);
    }
    arm_drain_timer();
    raise_open_file_limit(logs_, health_->size());
    // Before the checks start: a service whose quorum the new file changes runs its new hooks.
    notify_->reconfigure(*config_);
    health_->start();
    // Services in before new VIPs come up; removed services out after their VIPs went. The
    // record names both until then, in case vipd dies in between.
    const auto configured = configured_services(*config_);
    auto recorded = configured_services(*next);
    recorded.insert(configured.begin(), configured.end());
    record_services(recorded);
    ipvs_->reconfigure(configured, sync_plan_of(*config_));
    const auto summary = router_->reconfigure(*config_);
    ipvs_->retire_removed();
    record_services(configured);
    // New trackers in the router start up; tell it which are down now.
    health_->report_trackers();
    auto next_tracks = make_tracks(*config_);
    next_tracks->inherit(*tracks_);
    tracks_ = std::move(next_tracks);
    start_tracks();
    if (next->ipvs.resync_interval != config_->ipvs.resync_interval || !resync_) {
        restart_resync();
    }
    if (next->global.vip_resync_interval != config_->global.vip_resync_interval) {
        restart_vip_resync();
    }
    std::erase_if(bgp_demoted_,
                  [this](const std::string& name) { return !names_bgp_vip(*config_, name); });
    announce_routes(route_cause::change);
    return fmt::format("{}; {} virtual server(s), {} health check(s)", describe(summary),
                       config_->virtual_servers.size(), health_->size());
}

}  // namespace vipd::daemon
