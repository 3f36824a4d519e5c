#pragma once
/// One VRRP virtual router (RFC 5798 §6, RFC 3768 §6) as a sans-IO state machine: events and
/// the current time go in, a list of actions comes out, and `next_deadline()` says when to call
/// `on_timer` next. It performs no I/O and reads no clock; a driver executes the actions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "vipd/core/address.hpp"
#include "vipd/core/time.hpp"
#include "vipd/vrrp/drop_reason.hpp"
#include "vipd/vrrp/packet.hpp"

namespace vipd::vrrp {

enum class state : std::uint8_t { initialize, backup, master, fault };
std::string_view to_string(state s) noexcept;  // "INIT", "BACKUP", "MASTER", "FAULT"

/// Gratuitous ARP / unsolicited NA schedule after becoming Master: wait `delay`, send `repeat`
/// rounds `interval` apart; `second_delay` after becoming Master (0 = never), a second burst of
/// `second_repeat` rounds (keepalived's garp_master_delay, for switches that learn late); then
/// one round every `refresh` while Master (0 = never). A second burst due while the first still
/// runs starts when the first ends.
struct garp_settings {
    microseconds delay{0};
    unsigned repeat = 5;
    microseconds interval{10'000};
    microseconds refresh{0};
    microseconds second_delay{0};
    unsigned second_repeat = 0;
    friend bool operator==(const garp_settings&, const garp_settings&) = default;
};

/// Everything an instance needs to know, already validated by config.
struct instance_config {
    std::string name;
    vrrp::version version = version::v3;
    address_family family = address_family::ipv4;
    std::uint8_t vrid = 1;
    std::uint8_t priority = 100;  // 255 = address owner
    centiseconds advert_interval{100};
    bool preempt = true;
    /// keepalived's preempt_delay: after start, or after first seeing a lower-priority master,
    /// wait this long before preempting it.
    microseconds preempt_delay{0};
    std::optional<auth_pass> password;  // v2 simple-text auth; nullopt = none
    /// The addresses carried in adverts: every VIP of this instance, one family.
    std::vector<ip_address> vips;
    garp_settings garp;
    /// A member of a sync group: its members are Master together or not at all, so when its
    /// Master_Down_Timer fires it only wants Master (`wants_master`), and the driver lets it go
    /// (`join_group_master`) once every member wants to or one already is (keepalived's rule:
    /// rather Backup than thrash).
    bool group_member = false;
    friend bool operator==(const instance_config&, const instance_config&) = default;
};

enum class transition_reason : std::uint8_t {
    startup,                 // Initialize -> Backup
    address_owner,           // priority 255 goes straight to Master (RFC 5798 §6.4.1)
    master_down_timer,       // no advert from a master for Master_Down_Interval
    higher_priority_advert,  // a better master exists (RFC 5798 §6.4.3)
    interface_down,          // link down or no usable primary address
    interface_up,
    shutdown,
    sync_group,  // another member of its sync group moved it (faulted, left or took Master)
};
std::string_view to_string(transition_reason reason) noexcept;

// ---- actions: what to do. When is the driver's (vrrp_router::commit: adverts first) ----
/// A state change, for the journal: "web: BACKUP -> MASTER (master down timer expired; priority
/// 150)".
struct state_changed {
    state from;
    state to;
    transition_reason reason;
    std::uint8_t priority;           // our priority at the moment of change
    std::optional<ip_address> peer;  // the advert's sender when an advert caused it
    std::optional<std::uint8_t> peer_priority;
    friend bool operator==(const state_changed&, const state_changed&) = default;
};
struct add_vips {
    friend bool operator==(add_vips, add_vips) = default;
};
struct remove_vips {
    friend bool operator==(remove_vips, remove_vips) = default;
};
/// Multicast one advert with this priority (0 = resigning).
struct send_advert {
    std::uint8_t priority;
    friend bool operator==(send_advert, send_advert) = default;
};
/// One round of gratuitous ARP (IPv4) or unsolicited NA (IPv6) for every VIP.
struct send_garp {
    friend bool operator==(send_garp, send_garp) = default;
};
/// Another router advertises itself as Master with less right to it than us (a lower priority,
/// or the same priority from a lower address): a partition has healed or a stopped Master has
/// resumed. The instance answers with an advert and, at most once a second, a gratuitous ARP
/// burst (`announced`); the driver logs it.
struct rival_master {
    ip_address peer;
    std::uint8_t priority;
    bool announced;
    friend bool operator==(const rival_master&, const rival_master&) = default;
};
/// A received advert the instance discarded (it is counted by the driver).
struct advert_dropped {
    drop_reason reason;
    friend bool operator==(advert_dropped, advert_dropped) = default;
};

using action = std::variant<state_changed, add_vips, remove_vips, send_advert, send_garp,
                            rival_master, advert_dropped>;
using actions = std::vector<action>;

class instance {
  public:
    explicit instance(instance_config config);

    /// Leaves Initialize (RFC 5798 §6.4.1): to Master if we own the addresses, else Backup; to
    /// Fault if the interface is not usable (`why`: interface_down, or sync_group when another
    /// member of its group cannot run).
    actions start(time_point now, bool interface_usable,
                  transition_reason why = transition_reason::interface_down);

    /// An advert already decoded and addressed to our VRID. Checks version, auth (v2), interval
    /// (v2), then applies RFC 5798 §6.4.2 (Backup) or §6.4.3 (Master).
    actions on_advert(time_point now, const advert& ad, const ip_address& source);

    /// Call when `now >= next_deadline()`; handles every timer that has fallen due.
    actions on_timer(time_point now);

    /// The interface went down/up or lost/regained its primary address (→ Fault / back).
    actions on_interface(time_point now, bool usable);
    /// The same for another cause: `sync_group` when a member of its group faulted (or no longer
    /// does). A Master faulted by its group resigns with a priority-0 advert on the way out: its
    /// own link works, and the peer's instance then takes over after Skew_Time.
    actions on_interface(time_point now, bool usable, transition_reason why);

    /// Sync groups: a Backup member whose Master_Down_Timer ran out and that waits for its group
    /// (the timer is armed again meanwhile). An accepted advert, or any transition, ends it.
    bool wants_master() const noexcept { return wants_master_; }
    /// Its group lets it take Master: every member wants to, or one already is. Nothing unless
    /// it `wants_master`.
    actions join_group_master(time_point now);
    /// Another member of its group left Master: a Master goes to Backup too, resigning with a
    /// priority-0 advert so the peer's instance takes over after Skew_Time, not a whole
    /// Master_Down_Interval. Nothing in other states.
    actions leave_master_with_group(time_point now);

    /// The address our adverts are sent from: the interface's primary IPv4 address or its IPv6
    /// link-local. Breaks equal-priority ties (RFC 5798 §6.4.3) and recognises our own packets.
    void set_primary_address(const ip_address& address);

    /// Tracking and maintenance change the priority adverts carry (1..254; 255 stays owner).
    actions set_priority(time_point now, std::uint8_t priority);

    /// A reload changed this instance's settings but not its identity (version, family, VRID,
    /// address ownership: the caller replaces the instance when those change). The state, the
    /// current master and the effective priority are kept (the caller re-applies priority with
    /// `set_priority`); running timers follow the new intervals. A Master whose adverts change
    /// (addresses or interval) sends one at once, so peers learn them without waiting.
    actions reconfigure(time_point now, instance_config next);

    /// A Master starts its gratuitous ARP / unsolicited NA schedule again from `now` (delay,
    /// repeat, refresh), as on entering Master: for a driver whose VIPs came up later than the
    /// transition. Nothing in other states.
    actions restart_announcements(time_point now);

    /// Graceful stop: a Master sends priority 0 and removes its VIPs (RFC 5798 §6.4.3).
    actions shutdown(time_point now);

    /// The earliest pending timer, or nullopt when nothing is armed (Initialize, Fault).
    std::optional<time_point> next_deadline() const noexcept;

    state current_state() const noexcept { return state_; }
    std::uint8_t priority() const noexcept { return priority_; }
    const instance_config& config() const noexcept { return config_; }
    /// The master we last heard from while Backup (nullopt while we are Master or know none).
    std::optional<ip_address> current_master() const noexcept { return master_; }
    /// Master_Adver_Interval: ours as Master; the master's as learned by a v3 Backup.
    centiseconds master_adver_interval() const noexcept { return master_adver_interval_; }
    time_point state_since() const noexcept { return since_; }
    std::uint64_t transitions() const noexcept { return transitions_; }

  private:
    // Entry into each state: emit the one state_changed, then the state's entry actions.
    void change_state(time_point now, state to, transition_reason reason, actions& out,
                      const ip_address* peer = nullptr,
                      std::optional<std::uint8_t> peer_priority = std::nullopt);
    void become_master(time_point now, transition_reason reason, actions& out,
                       const ip_address* peer = nullptr,
                       std::optional<std::uint8_t> peer_priority = std::nullopt);
    void become_backup(time_point now, transition_reason reason, actions& out,
                       const ip_address* peer = nullptr,
                       std::optional<std::uint8_t> peer_priority = std::nullopt);
    void leave_current_state(actions& out);
    void cancel_timers() noexcept;
    /// Master_Down_Timer = now + Master_Down_Interval (or + Skew_Time after a priority-0 advert).
    void arm_master_down(time_point now, bool skew_only);
    void arm_garp(time_point now);
    void fire_garp(time_point now, actions& out);
    void fire_adver(time_point now, actions& out);
    std::optional<drop_reason> receive_check(const advert& ad, const ip_address& source) const;
    void backup_on_advert(time_point now, const advert& ad, const ip_address& source, actions& out);
    void master_on_advert(time_point now, const advert& ad, const ip_address& source, actions& out);
    void answer_rival(time_point now, const advert& ad, const ip_address& source, actions& out);
    void learn_interval(const advert& ad) noexcept;

    instance_config config_;
    state state_ = state::initialize;
    std::uint8_t priority_;
    centiseconds master_adver_interval_;
    std::optional<ip_address> primary_;
    std::optional<ip_address> master_;
    time_point since_{};
    std::uint64_t transitions_ = 0;
    std::optional<time_point> adver_timer_;
    std::optional<time_point> resign_answered_;  // the last priority-0 advert answered
    std::optional<time_point> rival_answered_;   // the last lower-priority master answered
    std::optional<time_point> rival_announced_;  // the last GARP burst started for one
    std::optional<time_point> master_down_timer_;
    // When and how the master down timer was last armed, so a priority change can recompute it.
    time_point master_down_armed_at_{};
    bool master_down_skew_only_ = false;
    std::optional<time_point> garp_timer_;
    unsigned garp_rounds_left_ = 0;           // burst rounds still to send; 0 = refresh phase
    std::optional<time_point> second_burst_;  // when the second burst is due, until it starts
    /// preempt_delay (keepalived semantics): set on entering Backup and on first seeing a
    /// lower-priority master; cleared by an advert from a master we accept on priority.
    std::optional<time_point> preempt_hold_until_;
    bool wants_master_ = false;
};

}  // namespace vipd::vrrp
