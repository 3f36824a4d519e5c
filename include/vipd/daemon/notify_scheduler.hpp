#pragma once
/// When each notify hook runs, as data: transitions and finished hooks in, the hooks to start
/// out. It starts no process and reads no clock; notify_hooks starts what it returns and tells
/// it when each has finished.
///
/// Per instance, hooks run one at a time in transition order: a transition's state-specific
/// command (notify_master, notify_backup, notify_fault), then the generic `notify`, then the
/// next transition's. A transition whose first hook has started completes: its generic hook
/// runs after its specific one even when later transitions arrived meanwhile, and even across a
/// reload (with the commands it started with). A transition not yet started waits, and a later
/// one replaces it (counted in `coalesced`): a flapping instance runs, when its hooks finish,
/// the transition it is in by then, never a backlog, so the last hook that runs names the state
/// it ended in. A waiting transition runs the commands of the configuration current when it
/// starts: none for an instance that a reload left without notify commands.
///
/// When vipd stops (`stopping()`), an instance entering INIT runs its notify_stop, then the
/// generic `notify` with STOP as the state; `groups_stopped()` then runs each sync group's
/// notify_stop (keepalived passes STOP to no group's generic command). Outside a stop, INIT (a
/// reload removing an instance) runs nothing.
///
/// A real's notify_up / notify_down and a virtual server's quorum_up / quorum_down run the same
/// way, each real and each service's quorum in a lane of its own: one hook at a time, in order,
/// a change that waits replaced by a later one (a flapping real runs, when its hook ends, the
/// state it is in by then). A waiting change runs the commands current when it starts: none for
/// a real or service that a reload removed or left without hooks. They take no arguments, as in
/// keepalived, and none starts once vipd stops (keepalived without `omega`).
///
/// At most `max_running` hooks run at once across all instances, groups, reals and services. An
/// instance with a hook to start and no free slot queues for one; instances are served in the order
/// they became ready, and one that finishes a hook queues again behind those already waiting, so a
/// flapping instance cannot keep the others out.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "vipd/config/config.hpp"
#include "vipd/core/time.hpp"
#include "vipd/health/check.hpp"
#include "vipd/vrrp/instance.hpp"

namespace vipd::daemon {

/// Hooks running at once across all instances: enough for a director's instances to be notified
/// together after a failover, few enough that a storm of transitions cannot flood the host with
/// processes.
inline constexpr std::size_t k_max_running_hooks = 8;

/// Whose hooks: a [[vrrp]] instance's, a [[sync_group]]'s, a real's (notify_up / notify_down)
/// or a virtual server's quorum hooks. Each has lanes of its own, and a group may share its name
/// with an instance.
enum class notify_subject : std::uint8_t { instance, group, real, quorum };

/// What a real's or a quorum hook is told (its environment).
struct health_notice {
    std::string service;  // VIPD_SERVICE: the virtual server's name, else its key as text
    std::string real;     // VIPD_REAL: "ADDR:PORT"; empty for a quorum hook
    bool up = false;      // VIPD_STATE: UP or DOWN
    friend bool operator==(const health_notice&, const health_notice&) = default;
};

/// One command to start for `instance` (or the group of that name) entering `change.to`, or
/// for a real or a service's quorum going up or down (`health`).
struct notify_job {
    /// The lane's name: the instance or group; for a real "SERVICE-KEY REAL", for a quorum
    /// "SERVICE-KEY" (keys as ipvs::to_string writes them, stable across renames).
    std::string instance;
    vrrp::state_changed change;  // an instance's or group's transition; unset for the others'
    /// The configured command; the generic `notify` gets keepalived's arguments appended:
    /// INSTANCE (or GROUP), the name, the new state and the priority (0 for a group).
    std::vector<std::string> argv;
    health::run_as user;
    microseconds timeout{0};
    notify_subject subject = notify_subject::instance;
    std::optional<health_notice> health{};  // a real's or quorum hook's; nullopt for the others'
    friend bool operator==(const notify_job&, const notify_job&) = default;
};

/// The name of the lane of `real` of `service`, and of `service`'s quorum (notify_job::instance).
std::string real_lane_name(const ipvs::service_key& service, const ipvs::destination_key& real);
std::string quorum_lane_name(const ipvs::service_key& service);

/// keepalived's word for an instance or group entering `to`: MASTER, BACKUP, FAULT, and STOP
/// for INIT while vipd stops. nullopt for INIT otherwise (an instance a reload removes or
/// replaces), which keepalived's notify and FIFO never name either.
std::optional<std::string_view> notify_state_word(vrrp::state to, bool stopping) noexcept;

class notify_scheduler {
  public:
    explicit notify_scheduler(const config::daemon_config& config,
                              std::size_t max_running = k_max_running_hooks);

    /// A reload: transitions that start from now on run the new commands. Hooks running and
    /// the rest of a started transition are left as they are.
    void reconfigure(const config::daemon_config& config);

    /// `instance` entered `change.to`; returns the hooks to start now. An instance without
    /// notify commands is ignored. INIT runs the stop hooks once `stopping()` was called, else
    /// nothing; either way it replaces a waiting transition: nothing stale runs after it.
    [[nodiscard]] std::vector<notify_job> on_transition(const std::string& instance,
                                                        const vrrp::state_changed& change);
    /// The same for a sync group, with the group's commands.
    [[nodiscard]] std::vector<notify_job> on_group_transition(const std::string& group,
                                                              const vrrp::state_changed& change);

    /// `real` of `service` reached rise (`up`) or fall: its notify_up or notify_down, if any.
    [[nodiscard]] std::vector<notify_job> on_real(const ipvs::service_key& service,
                                                  const ipvs::destination_key& real, bool up);
    /// `service` gained (`up`) or lost its quorum: its quorum_up or quorum_down, if any.
    [[nodiscard]] std::vector<notify_job> on_quorum(const ipvs::service_key& service, bool up);

    /// The hook last started for `instance` (or group) has ended (any outcome: exit, kill,
    /// timeout, spawn failure); returns the hooks to start now. Ignored when none of its hooks
    /// runs.
    [[nodiscard]] std::vector<notify_job> on_hook_finished(
        const std::string& instance, notify_subject subject = notify_subject::instance);

    /// vipd stops: from now on INIT means STOP (see above).
    void stopping() noexcept { stopping_ = true; }
    bool is_stopping() const noexcept { return stopping_; }
    /// After the instances stopped: every sync group with hooks enters INIT (STOP) from the
    /// state it was last told of; returns the hooks to start now.
    [[nodiscard]] std::vector<notify_job> groups_stopped();

    std::size_t running() const noexcept { return running_; }
    /// No hook is running or waiting to run.
    bool idle() const noexcept { return lanes_.empty(); }
    /// Transitions (and real or quorum changes) dropped because a later one of the same lane
    /// replaced them while waiting.
    std::uint64_t coalesced() const noexcept { return coalesced_; }

  private:
    /// A real or a service's quorum went up (true) or down.
    struct health_turn {
        bool up = false;
    };
    using lane_event = std::variant<vrrp::state_changed, health_turn>;

    struct lane {
        std::deque<notify_job> steps;       // the started transition's hooks not yet started
        std::optional<lane_event> waiting;  // the latest transition not started
        bool running = false;
        bool queued = false;  // in ready_
    };

    /// A real's or a service's hooks and what their environment names.
    struct health_hooks {
        config::up_down_commands commands;
        health::run_as user;
        microseconds timeout{0};
        std::string service;  // VIPD_SERVICE
        std::string real;     // VIPD_REAL; empty for a quorum
    };

    using subject_key = std::pair<notify_subject, std::string>;

    std::vector<notify_job> transition(const subject_key& key, const lane_event& event);
    std::vector<notify_job> plan(const subject_key& key, const lane_event& event) const;
    std::vector<notify_job> plan_transition(const subject_key& key,
                                            const vrrp::state_changed& change) const;
    std::vector<notify_job> plan_health(const subject_key& key, health_turn turn) const;
    void queue_if_ready(const subject_key& key, lane& l);
    std::vector<notify_job> start_ready();

    std::map<subject_key, config::notify_settings> settings_;  // instances and groups
    std::map<subject_key, health_hooks> health_settings_;      // reals and quorums
    std::size_t max_running_;
    std::map<subject_key, lane> lanes_;  // subjects with a hook running or waiting
    std::deque<subject_key> ready_;      // subjects waiting for a slot, first come first
    std::map<subject_key, vrrp::state> last_state_;  // what each subject was last told
    std::size_t running_ = 0;
    std::uint64_t coalesced_ = 0;
    bool stopping_ = false;
};

}  // namespace vipd::daemon
