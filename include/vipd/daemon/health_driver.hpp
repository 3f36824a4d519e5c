#pragma once
/// Runs every health check of the configuration — the reals' checks and the instances'
/// track_scripts — on the daemon's event loop, on every director whatever its VRRP role (a new
/// Master starts with a warm view). Knows no Asio: probes come from an injected factory and the
/// shell owns the one timer, asking `next_deadline()` after each event.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vipd/config/config.hpp"
#include "vipd/core/time.hpp"
#include "vipd/daemon/vrrp_router.hpp"
#include "vipd/health/policy.hpp"
#include "vipd/health/probe.hpp"
#include "vipd/logging/logging.hpp"

namespace vipd::daemon {

using probe_factory = std::function<std::unique_ptr<health::probe>(
    const health::check_spec& spec, const health::probe_target& target)>;

/// What the rest of the daemon hears from the health driver.
struct health_events {
    /// A real went up or down, or a service's fallback came or went: the IPVS table changes.
    std::function<void()> reals_changed;
    /// A tracked script or tracked virtual server went down or came back.
    std::function<void(const std::string& instance, tracker_kind kind, const std::string& name,
                       bool down)>
        tracker_changed;
    /// Called after every event so the shell can re-arm its timer.
    std::function<void()> deadlines_changed;
    /// A real of `server` reached rise or fall: up or down now (the notify FIFO, the real's
    /// notify_up / notify_down). May be empty.
    std::function<void(const config::virtual_server& server, const ipvs::destination_key& real,
                       bool up)>
        real_changed;
    /// `server` gained or lost its quorum, or starts without it (after a reload: only when
    /// that differs from what the configuration before reported). May be empty.
    std::function<void(const config::virtual_server& server, bool up)> quorum_changed;
};

struct health_stats {
    std::uint64_t probes = 0;
    std::uint64_t failures = 0;
    std::uint64_t transitions = 0;
};

/// One real's view, for status and tests.
struct real_status {
    std::string service;  // the virtual server's name, else its key as text
    ipvs::service_key service_key;
    ipvs::destination_key real;
    health::health_state state;
    std::optional<health::probe_result> last;
};

class health_driver {
  public:
    health_driver(const config::daemon_config& config, probe_factory factory,
                  const logging::log_set& logs, clock_function clock, health_events events);
    ~health_driver();
    health_driver(const health_driver&) = delete;
    health_driver& operator=(const health_driver&) = delete;

    /// Before `start` on a reload: every check this configuration shares with `previous` (same
    /// service, real and check; same instance, script name and script) starts in the state
    /// `previous` reached, so a reload neither flaps reals nor re-counts rise and fall.
    void inherit(const health_driver& previous);

    /// Schedules every check, the first probes spread over each interval, and reports the
    /// initial state of tracked virtual servers whose quorum starts lost (initial = "down").
    void start();

    /// Reports the current state of every tracked script and tracked virtual server (after a
    /// reload gave the router new trackers).
    void report_trackers();
    /// Starts the probes that are due at `now`.
    void on_timer(time_point now);
    std::optional<time_point> next_deadline() const { return schedule_.next_deadline(); }

    /// Whether a real passes its check now; reals without a check are always up.
    bool is_up(const ipvs::service_key& service, const ipvs::destination_key& real) const;

    /// Whether the virtual server named `server` has its quorum now; false for an unknown name.
    bool has_quorum(std::string_view server) const;

    std::size_t size() const noexcept { return targets_.size(); }
    const health_stats& stats() const noexcept { return stats_; }
    std::vector<real_status> reals() const;

  private:
    struct target;
    void on_result(std::size_t index, time_point due, const health::probe_result& result);
    /// Re-derives a service's quorum; reports a change (at start: only a lost quorum) in the log
    /// and to the instances tracking the service.
    void update_quorum(std::size_t server_index, bool initial);
    std::optional<health::health_state> inherited_state(const target& t) const;

    const config::daemon_config& config_;
    probe_factory factory_;
    const logging::log_set& logs_;
    clock_function clock_;
    health_events events_;
    health::schedule schedule_;
    std::vector<std::unique_ptr<target>> targets_;  // by schedule index
    std::map<std::pair<ipvs::service_key, ipvs::destination_key>, std::size_t> real_targets_;
    std::vector<bool> quorum_;              // by virtual server index
    std::vector<std::uint64_t> up_weight_;  // by virtual server index: weights of up reals
    /// From `inherit`: the checks of the previous configuration and the states they reached.
    std::map<std::pair<ipvs::service_key, ipvs::destination_key>,
             std::pair<health::check_spec, health::health_state>>
        inherited_reals_;
    std::map<std::pair<std::string, std::string>,  // instance, script name
             std::pair<health::check_spec, health::health_state>>
        inherited_scripts_;
    /// From `inherit`: whether each service had its quorum, so a reload reports only changes.
    std::map<ipvs::service_key, bool> inherited_quorum_;
    health_stats stats_;
};

}  // namespace vipd::daemon
