#pragma once
/// The running daemon: owns the configuration in force and every component built from it (the
/// VRRP router, the health driver, the IPVS driver, the notify hooks) on one io_context, and
/// replaces the configuration in place on a reload. The kernel comes in through runtime_ports,
/// built by the shell (daemon.cpp, from linux_ports) or by tests (fakes). The shell owns the
/// process: signals, systemd notifications, the control socket and the metrics endpoint.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "vipd/config/config.hpp"
#include "vipd/daemon/health_driver.hpp"
#include "vipd/daemon/ipvs_driver.hpp"
#include "vipd/daemon/route_driver.hpp"
#include "vipd/daemon/runtime_ports.hpp"
#include "vipd/daemon/state_file.hpp"
#include "vipd/daemon/track_poller.hpp"
#include "vipd/daemon/vrrp_router.hpp"
#include "vipd/io/asio.hpp"
#include "vipd/logging/logging.hpp"
#include "vipd/policy/drains.hpp"

namespace vipd::health::checkers {
class child_ledger;  // vipd/health/checkers/process_runner.hpp
}

namespace vipd::daemon {

class notify_hooks;           // src/daemon/notify_hooks.hpp
class periodic_timer;         // src/daemon/periodic_timer.hpp
class unreaped_children_log;  // src/daemon/unreaped_children_log.hpp

/// How the last reload went, for status and the journal.
struct reload_outcome {
    bool ok = false;
    std::chrono::system_clock::time_point at;
    std::string message;  // the summary, or why the new configuration was refused
};

class runtime {
  public:
    /// Builds every component on `ports`, which must outlive the runtime. Touches no kernel
    /// state until start().
    runtime(asio::io_context& io, config::daemon_config config, std::string config_file,
            std::string default_router_id, const logging::log_set& logs, runtime_ports ports);
    ~runtime();
    runtime(const runtime&) = delete;
    runtime& operator=(const runtime&) = delete;

    /// Health checks first (initial states count from the first table), then the IPVS table
    /// (leftovers out, ungated services in), then every instance.
    void start();

    /// Re-reads the configuration file. An invalid one changes nothing and is reported; a
    /// valid one is applied as a difference (see vrrp_router::reconfigure): unchanged
    /// instances keep their state and VIPs, unchanged reals their health.
    const reload_outcome& reload();

    /// Graceful stop: the announce routes out at once, so routers stop sending here; then,
    /// once the withdrawn VIPs' accept routes have lingered ([bgp] accept_linger, at most
    /// `linger_bound`), the accept routes out, VIPs out (Masters resign), the stop hooks
    /// (notify_stop) started, every managed IPVS service out, and `stopped` called. During the
    /// linger VRRP and the health checks run on, so what still arrives is served, and a reload
    /// is refused. Without a lingering route it all happens before this returns.
    void shutdown_after_linger(microseconds linger_bound, std::function<void()> stopped);
    /// The same without the linger, all before it returns (for a loop that will not run
    /// again). Nothing puts the routes, VIPs or services back afterwards, however long the loop
    /// runs on.
    void shutdown();
    /// After shutdown(): calls `done` once every notify hook has finished, or after `bound`,
    /// killing the hooks still running.
    void wait_for_hooks(microseconds bound, std::function<void()> done);

    /// `vipctl drain`: `real` (a configured one) goes to weight 0 and stays there, whatever its
    /// health, until undrained, a reload drops it, vipd restarts or, with `period`, that long
    /// from now; draining it again replaces the deadline. Logs it and converges the table.
    /// True when it was not drained before.
    bool drain(const policy::real_ref& real, std::optional<microseconds> period);
    /// `vipctl undrain`: back to its configured weight (as health allows). False when it was
    /// not drained.
    bool undrain(const policy::real_ref& real);
    const policy::drain_set& drains() const noexcept { return drains_; }

    /// `vipctl demote NAME` / `promote NAME` for a [[bgp_vip]]: its routes are withdrawn (and
    /// stay so until promoted, across reloads, not restarts), or announced again as its gate
    /// allows. False for a name no [[bgp_vip]] has.
    bool set_bgp_demoted(const std::string& name, bool demoted);
    /// The [[bgp_vip]] names a `vipctl demote` withdraws now.
    const std::set<std::string>& bgp_demoted() const noexcept { return bgp_demoted_; }
    /// The [[bgp_vip]] announcements as of now, and the route driver (null without a route
    /// port).
    std::vector<policy::announcement> announcements() const;
    const route_driver* routes() const noexcept { return routes_.get(); }

    const config::daemon_config& config() const noexcept { return *config_; }
    vrrp_router& router() noexcept { return *router_; }
    const vrrp_router& router() const noexcept { return *router_; }
    const health_driver& health() const noexcept { return *health_; }
    const ipvs_driver& ipvs() const noexcept { return *ipvs_; }
    ipvs::ipvs_port& ipvs_port() noexcept { return ports_.ipvs; }
    const notify_hooks& notify() const noexcept { return *notify_; }
    /// The children of scripts and hooks that outlived their SIGKILL (the loop's ledger).
    const health::checkers::child_ledger& children() const noexcept { return children_; }
    const std::optional<reload_outcome>& last_reload() const noexcept { return last_reload_; }
    std::chrono::system_clock::time_point started() const noexcept { return started_; }
    std::uint64_t reloads(bool ok) const noexcept { return ok ? reloads_ok_ : reloads_refused_; }

  private:
    class roles;
    std::unique_ptr<health_driver> make_health(const config::daemon_config& config);
    std::unique_ptr<track_poller> make_tracks(const config::daemon_config& config);
    /// Writes missing init files, polls once at once (the first adverts already carry what the
    /// trackers say) and then every [global] track_interval.
    void start_tracks();
    void arm_router_timer();
    void arm_health_timer();
    void restart_resync();
    /// The services a restart after a crash must clean up: `keys` (none while IPVS is
    /// unavailable) and those whose removal has not succeeded yet (ipvs_driver::unremoved).
    void record_services(const std::set<ipvs::service_key>& keys);
    /// Writes `[global] state_file` when the record changed since it was last written.
    void write_record();
    void restart_vip_resync();
    /// Converges the announce routes now (withdrawn first when stopping), and waits for the
    /// next accept route whose linger ends.
    void announce_routes(route_cause cause);
    void arm_linger_timer();
    /// The stop's first step: announcements end, and routers hear of it; accept routes linger.
    void begin_stop();
    /// The rest of the stop: accept routes, VIPs, services.
    void finish_stop();
    /// The same behind whatever the loop has ready, once however often it is asked: a role
    /// change or a quorum change is asked for mid-event, before the router has settled.
    void schedule_routes();
    /// Runs the resync's next slice and, while more remain, queues the one after it behind
    /// whatever the loop has ready (adverts, packets), so a big table never blocks them.
    void continue_resync();
    /// Runs the role change's next IPVS slice behind whatever the loop has ready; once none is
    /// left, the instances waiting for their services bring their VIPs up.
    void continue_roles();
    std::string apply(std::unique_ptr<const config::daemon_config> next);
    /// Waits for the earliest `--for` deadline, if any.
    void arm_drain_timer();
    /// Ends the drains whose deadline passed.
    void expire_drains();
    /// The IPVS table follows a drain change, unless vipd stopped.
    void drains_changed();

    asio::io_context& io_;
    std::string config_file_;
    std::string default_router_id_;
    const logging::log_set& logs_;
    std::unique_ptr<const config::daemon_config> config_;
    std::chrono::system_clock::time_point started_;
    std::optional<reload_outcome> last_reload_;
    std::uint64_t reloads_ok_ = 0;
    std::uint64_t reloads_refused_ = 0;

    runtime_ports ports_;

    asio::steady_timer router_timer_;
    asio::steady_timer health_timer_;
    /// Every probe result asks for a re-arm; most leave the earliest deadline where it was, and
    /// thousands of results a second should not each cancel and re-post the timer.
    std::optional<time_point> health_armed_;
    asio::steady_timer converge_timer_;
    bool converge_pending_ = false;

    std::unique_ptr<health_driver> health_;
    std::unique_ptr<ipvs_driver> ipvs_;
    std::unique_ptr<route_driver> routes_;  // null without a route port
    std::set<std::string> bgp_demoted_;
    asio::steady_timer route_timer_;
    bool routes_scheduled_ = false;
    asio::steady_timer linger_timer_;  // the next accept route whose linger ends
    asio::steady_timer stop_timer_;    // the stop's wait for the last one
    std::unique_ptr<roles> roles_;
    asio::steady_timer role_slice_timer_;
    bool role_slices_scheduled_ = false;
    std::unique_ptr<notify_hooks> notify_;
    health::checkers::child_ledger& children_;
    std::unique_ptr<unreaped_children_log> unreaped_log_;
    std::unique_ptr<vrrp_router> router_;
    std::unique_ptr<periodic_timer> resync_;
    std::unique_ptr<periodic_timer> vip_resync_;
    std::unique_ptr<track_poller> tracks_;
    std::unique_ptr<periodic_timer> track_timer_;
    state_record record_;                  // what the state file should say
    std::optional<state_record> written_;  // what it says; nullopt = not written yet
    asio::steady_timer resync_slice_timer_;
    policy::drain_set drains_;
    asio::steady_timer drain_timer_;
    bool stopping_ = false;  // a stop began: nothing is announced, reloads are refused
    bool stopped_ = false;   // the stop withdrew everything
};

}  // namespace vipd::daemon
