#pragma once
/// Keeps the kernel's IPVS table converged to what the current VRRP roles call for. A role,
/// health or reload change reads back and converges only the services whose wanted state
/// changed; the periodic resync reads every managed service a slice at a time, between which
/// the event loop runs (reading 10,000 destinations at once outlasted the master-down interval
/// under emulation), and repairs drift such as `ipvsadm -C`. Changes go in one batch each.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "vipd/daemon/role_listener.hpp"
#include "vipd/ipvs/model.hpp"
#include "vipd/ipvs/port.hpp"
#include "vipd/logging/logging.hpp"

namespace vipd::daemon {

struct ipvs_driver_stats {
    std::uint64_t reconciles = 0;
    std::uint64_t operations = 0;  // applied successfully
    std::uint64_t errors = 0;      // failed operations and failed dumps
};

/// `[ipvs.sync]`: the kernel's backup sync daemon runs on every director, its master sync daemon
/// while this director is MASTER of at least one gating instance (both at once in
/// active-active), so established connections survive a failover. The daemons are converged
/// like the table: what the kernel runs is read back and a daemon that should not run, or runs
/// with another interface or sync id (left by a crashed run, an ipvsadm), is stopped. Without
/// `[ipvs.sync]` vipd neither starts nor stops any sync daemon.
struct sync_plan {
    std::string interface;
    std::uint8_t sync_id = 0;
    std::set<std::string> gating_instances;
};

class ipvs_driver final : public role_listener {
  public:
    /// The desired table given the instances that are MASTER now.
    using desired_function = std::function<ipvs::table(const std::set<std::string>& masters)>;

    /// `managed`: every service key the configuration names; only these are ever touched.
    /// When the kernel has no IPVS, says so once and does nothing afterwards (VRRP goes on).
    /// `sync`: run the connection sync daemons as `sync_plan` describes.
    ipvs_driver(ipvs::ipvs_port& port, desired_function desired,
                std::set<ipvs::service_key> managed, const logging::log_set& logs,
                std::optional<sync_plan> sync = std::nullopt);

    /// A role change queues the services whose wanted state changed and converges the first
    /// slice at once; true when nothing is left. The rest goes a slice per `role_step`.
    bool entering_master(const std::string& instance) override;
    void left_master(const std::string& instance) override;
    /// Converges the next slice of the services role changes queued; true while more remain.
    /// The caller runs it once per loop turn, so adverts due meanwhile are not delayed.
    bool role_step();
    bool role_pending() const noexcept { return !role_queue_.empty(); }

    /// What an earlier run recorded (the state file), perhaps with another configuration: the
    /// services among them that are not configured are removed from now on, until gone. A
    /// kernel without IPVS has none of them.
    void adopt_record(const std::set<ipvs::service_key>& recorded);
    /// First convergence at start: pushes the services no instance gates and removes managed
    /// ones left by an earlier run, and the adopted leftovers; converges the sync daemons (a
    /// master daemon a crashed MASTER left goes, the backup daemon it left is kept).
    void start();
    /// Starts a periodic resync: converges the sync daemons, lists the kernel's services (one
    /// request) and queues every desired service and every managed or unremoved one the kernel
    /// has. Does nothing to the services while a resync is still under way.
    void begin_resync();
    /// Reads and repairs the next slice of the queued services (a few dozen services, a few
    /// hundred destinations); true while more remain. The caller runs it once per loop turn.
    bool resync_step();
    bool resync_pending() const noexcept { return !resync_queue_.empty(); }
    /// A real's health or a service's quorum changed: converge to the new desired table.
    void health_changed();
    /// A real was drained or undrained (vipctl): converge to the new desired table.
    void drains_changed();
    /// A reload, before the instances change: from now on `managed` are the configured
    /// services (the desired function already follows the new configuration). Converges the
    /// new and changed services but leaves services the reload removed in place until
    /// `retire_removed`, so services are in before new VIPs come up. Starts or stops the sync
    /// daemons as `sync` now says. A kernel without IPVS is probed again if services appear.
    void reconfigure(std::set<ipvs::service_key> managed, std::optional<sync_plan> sync);
    /// After the instances changed: removes the services the reload dropped (VIPs are out).
    void retire_removed();

    /// Removes every managed service and, with `[ipvs.sync]`, stops the sync daemons
    /// (graceful shutdown).
    void withdraw();

    bool active() const noexcept { return available_; }
    /// The services that are not (or no longer) configured and were not seen to go: adopted
    /// leftovers, services a reload dropped, every managed one after `withdraw`, whose removal
    /// failed or could not be tried. Each resync retries them; each drops out once its removal
    /// succeeds or the kernel no longer has it. The state file keeps naming them.
    const std::set<ipvs::service_key>& unremoved() const noexcept { return unremoved_; }
    const ipvs_driver_stats& stats() const noexcept { return stats_; }

  private:
    enum class trigger {
        startup,
        became_master,
        left_master,
        resync,
        health,
        drain,
        reload,
        shutdown
    };
    static const char* to_string(trigger t) noexcept;
    /// Reads back `scope` (null: the whole table) and applies the difference to `desired`.
    void converge(const ipvs::table& desired, trigger why,
                  const std::set<ipvs::service_key>* scope);
    /// Converges the services whose wanted state differs from the last converge's.
    void converge_changes(trigger why);
    /// Queues those services for `role_step` and runs the first slice; true when none is left.
    bool queue_changes(trigger why);
    /// The next slice of `queue` (services at the back): at most k_slice_services services or
    /// k_slice_destinations wanted destinations.
    std::set<ipvs::service_key> take_slice(std::vector<ipvs::service_key>& queue) const;
    /// Applies `ops` in one batch, logs them, and remembers the failures of `scope`'s
    /// services (null: all) so a failure that repeats is logged once.
    void apply(const std::vector<ipvs::operation>& ops, trigger why,
               const std::set<ipvs::service_key>* scope);
    /// The services of `scope` (null: all) a converge may take out: managed and unremoved ones.
    std::set<ipvs::service_key> removable(const std::set<ipvs::service_key>* scope) const;
    /// After a converge read `observed` for `scope` (null: all) and applied its operations:
    /// the unremoved services it found gone or removed are done with.
    void forget_removed(const ipvs::table& observed, const std::set<ipvs::service_key>* scope);
    /// Asks the kernel for IPVS once; says so, once, when it has none.
    void probe();
    /// The sync daemons `sync_` and the MASTER instances call for (none without `sync_`).
    ipvs::sync_daemons_by_role wanted_sync() const;
    /// A role change: converges the sync daemons when the wanted ones changed.
    void update_master_sync(trigger why);
    /// Reads the daemons the kernel runs and stops and starts them until they are `wanted`.
    void converge_sync(const ipvs::sync_daemons_by_role& wanted, trigger why);
    /// Stops the daemon of `role`, which runs as `running` and is wanted as `wanted` (null: not
    /// at all); false when it could not be stopped.
    bool stop_sync(ipvs::sync_role role, const ipvs::sync_daemon& running,
                   const ipvs::sync_daemon* wanted, trigger why);
    /// Starts the daemon of `role`; EEXIST is no failure when the kernel runs it as `wanted`.
    void start_sync(ipvs::sync_role role, const ipvs::sync_daemon& wanted);
    /// Counts and logs a failed start or stop, once while the same failure repeats.
    void sync_failed(std::string text);

    ipvs::ipvs_port& port_;
    desired_function desired_;
    std::set<ipvs::service_key> managed_;
    std::set<ipvs::service_key> retiring_;   // dropped by a reload, removed by retire_removed
    std::set<ipvs::service_key> unremoved_;  // see unremoved()
    bool probed_ = false;                    // whether the kernel was asked for IPVS
    const logging::log_set& logs_;
    std::set<std::string> masters_;
    std::optional<ipvs::table> last_desired_;  // what the last converge wanted
    /// Per service, "operation: error" of its last converge's failures (logged once).
    std::map<ipvs::service_key, std::set<std::string>> failing_;
    std::vector<ipvs::service_key> resync_queue_;  // in reverse: the next slice at the back
    std::vector<ipvs::service_key> role_queue_;    // likewise, for role changes
    trigger role_trigger_ = trigger::became_master;
    std::size_t resync_repairs_ = 0;  // operations the resync under way applied
    std::optional<sync_plan> sync_;
    /// What the last sync convergence that could read the kernel wanted.
    std::optional<ipvs::sync_daemons_by_role> sync_wanted_;
    std::set<std::string> sync_failed_before_;  // the failures of the convergence before
    std::set<std::string> sync_failing_;        // and of the one under way
    bool available_ = false;
    ipvs_driver_stats stats_;
};

}  // namespace vipd::daemon
