#pragma once
/// Drives every configured VRRP instance: feeds it packets, link changes and timer expiries, and
/// performs the actions it returns through the kernel ports. Knows no Asio: the daemon's shell
/// owns the event loop and the one timer, and asks `next_deadline()` after each event.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "vipd/config/config.hpp"
#include "vipd/core/backoff.hpp"
#include "vipd/core/rate_limiter.hpp"
#include "vipd/core/time.hpp"
#include "vipd/daemon/role_listener.hpp"
#include "vipd/daemon/vip_driver.hpp"
#include "vipd/logging/logging.hpp"
#include "vipd/net/ports.hpp"
#include "vipd/vips/reconciler.hpp"
#include "vipd/vrrp/drop_reason.hpp"
#include "vipd/vrrp/instance.hpp"

namespace vipd::daemon {

/// Hears of every instance and sync group state change (the notify hooks).
class transition_listener {
  public:
    virtual ~transition_listener() = default;
    virtual void on_transition(const std::string& instance, const vrrp::state_changed& change) = 0;
    /// A sync group's state: FAULT when a member is, MASTER when every member is, else BACKUP.
    /// `change.reason` is sync_group and `change.priority` 0 (keepalived's group notify).
    virtual void on_group_transition(const std::string& group,
                                     const vrrp::state_changed& change) = 0;
};

/// The kernel as the router sees it.
struct router_ports {
    net::address_port& addresses;
    net::frame_port& frames;
    net::link_monitor& links;
    net::channel_factory& channels;
    /// Told before an instance adds its VIPs and after it removed them (IPVS); may be null.
    role_listener* roles = nullptr;
    /// Told of every state change after its VIPs changed (notify hooks); may be null.
    transition_listener* transitions = nullptr;
    /// Told of every change to the VIPs vipd owns (the state file); may be empty.
    vip_driver::record_function record_vips = {};
    /// Makes the instances' virtual MAC interfaces (use_vmac); null: instances with one stay in
    /// Fault.
    net::vmac_port* vmacs = nullptr;
};

using clock_function = std::function<time_point()>;

/// What an instance can track (track_interfaces, track_scripts, track_virtual_servers,
/// track_files, track_processes).
enum class tracker_kind : std::uint8_t { interface, script, virtual_server, file, process };
std::string_view to_string(tracker_kind kind) noexcept;  // "interface", "script", ...

/// A read-only view of one instance, for logs, status and tests.
struct instance_status {
    std::string name;
    vrrp::state state;
    std::uint8_t priority;  // effective: configured or overridden, plus tracker weights
    std::optional<ip_address> master;
    time_point since;
    std::uint64_t transitions;
    std::uint8_t configured_priority = 0;
    std::optional<std::uint8_t> priority_override;  // set by `demote` (vipctl)
    std::uint64_t adverts_sent = 0;                 // handed to the socket (resignations included)
    std::uint64_t adverts_received = 0;  // decoded and addressed to this VRID, accepted or not
    /// Packets the kernel dropped on the instance's socket (full receive queue) while it
    /// listened there; instances sharing a socket each count its drops.
    std::uint64_t socket_drops = 0;
    std::optional<std::string> sync_group;
};

/// What a reload did to the instances, by name.
struct reload_summary {
    std::vector<std::string> added;
    std::vector<std::string> removed;
    std::vector<std::string> replaced;  // identity changed (interface, VRID, family, version,
                                        // address ownership): stopped and started anew
    std::vector<std::string> changed;   // settings changed in place, state kept
    std::size_t unchanged = 0;
    std::size_t vips_added = 0;
    std::size_t vips_removed = 0;
};

class vrrp_router {
  public:
    /// `clock` stamps packets and link events as they arrive; `deadlines_changed` is called after
    /// every event so the shell can re-arm its single timer.
    vrrp_router(const config::daemon_config& config, router_ports ports,
                const logging::log_set& logs, clock_function clock,
                std::function<void()> deadlines_changed);
    ~vrrp_router();
    vrrp_router(const vrrp_router&) = delete;
    vrrp_router& operator=(const vrrp_router&) = delete;

    /// Opens channels, watches links and starts every instance, then converges the VIPs: the
    /// static ones and an address owner's go up, and leftovers of an earlier run come out
    /// (`recorded` by it in the state file, tagged where the kernel keeps tags, and any
    /// configured VIP of an instance that is not MASTER).
    void start(const std::set<vips::address>& recorded = {});

    /// The periodic pass ([global] vip_resync_interval): re-reads the host's addresses and
    /// repairs drift (a Master's VIP deleted by hand comes back and is announced; a VIP up on
    /// a director that is not MASTER for it goes), and reads again the interfaces whose status
    /// could not be read.
    void resync_vips();

    /// The role listener finished the services it said were still going in (entering_master
    /// returned false): the VIPs of those instances come up now, announced, and their
    /// notify_master runs.
    void services_ready();

    /// Whether the kernel keeps vipd's IFA_PROTO tags (Linux >= 5.18); nullopt until known.
    std::optional<bool> address_tags_kept() const noexcept { return vips_.tags_kept(); }
    /// The addresses vipd owns now (added, recorded or taken over).
    const std::set<vips::address>& owned_vips() const noexcept { return vips_.owned(); }

    /// Runs every instance timer that is due at `now`; adverts due together leave in one batch
    /// per channel.
    void on_timer(time_point now);

    /// The earliest instance deadline, nullopt when none is armed.
    std::optional<time_point> next_deadline() const;

    /// A tracked script, virtual server or process went down or came back (the health driver
    /// and the track poller report them; the router watches tracked interfaces itself).
    /// Recomputes the instance's priority and Fault (vrrp/tracking.hpp). Unknown instance or
    /// tracker names are ignored.
    void set_tracked(const std::string& instance, tracker_kind kind, const std::string& name,
                     bool down);
    /// A track file now reads `value` (-254..254; 0 for a missing or unreadable file), as the
    /// track poller reports it. The same recomputation; unknown names are ignored.
    void set_tracked_file(const std::string& instance, const std::string& name, std::int16_t value);

    /// A reload: converges the instances and static VIPs to `next` (already validated).
    /// Instances whose settings are unchanged keep their state, VIPs and timers untouched;
    /// changed ones keep their state and change only what changed (a Master adds and announces
    /// new VIPs, removes dropped ones); instances whose identity changed are stopped and
    /// started anew; removed ones resign. A VIP that moves between two instances this director
    /// is Master of stays up. Priority overrides (`demote`) survive.
    reload_summary reconfigure(const config::daemon_config& next);

    /// Maintenance (vipctl demote/promote): adverts carry `priority` (1..254) instead of the
    /// configured one, tracker weights still applying; nullopt restores the configured
    /// priority. Returns an error text for an unknown instance or an address owner (255).
    std::optional<std::string> set_priority_override(const std::string& instance,
                                                     std::optional<std::uint8_t> priority);

    /// vipctl garp: one more round of gratuitous ARP / unsolicited NA for a Master's VIPs.
    /// Returns an error text for an unknown instance or one that is not Master.
    std::optional<std::string> announce(const std::string& instance);

    /// Graceful stop: Masters resign with priority 0 (the adverts leave first), then every VIP
    /// vipd owns goes, static ones too.
    void shutdown();

    std::vector<instance_status> status() const;
    /// The configuration of every instance, in order (for status views).
    std::vector<const config::vrrp_instance*> instances() const;
    /// Rejected packets per reason, over all channels and instances.
    const vrrp::drop_counters& drops() const noexcept { return drops_; }
    /// Link notifications the kernel dropped on the way to the router's link monitor.
    std::uint64_t link_overruns() const { return ports_.links.overruns(); }

  private:
    struct channel;
    struct instance_slot;
    /// What the instances asked for during one event, performed by `commit` in one order.
    struct pending_effects {
        std::vector<std::pair<std::string, vrrp::state_changed>> transitions;
        std::vector<std::pair<std::string, vrrp::state_changed>> group_transitions;
        std::vector<std::string> entered;  // became MASTER
        std::vector<std::string> left;     // left MASTER
        std::vector<std::string> garp;     // one announcement round each
        bool vips = false;                 // the wanted VIPs may have changed
    };

    /// Opens what `slot` needs (link watch, channel, trackers' link watches) and starts it.
    void start_slot(instance_slot& slot, time_point now);
    /// start_slot without the start: at start-up every instance is prepared before any starts,
    /// so a sync group member sees whether its partners' links are usable.
    void prepare_slot(instance_slot& slot, time_point now);
    /// The state machine's start, Fault saying why: its own link, or its group.
    void run_start(instance_slot& slot, time_point now);
    /// Unhooks `slot` from its channel, closing the channel when nobody else uses it.
    void detach(instance_slot& slot);
    void watch_links(instance_slot& slot);
    /// The instances a reload keeps with their identity, and the overrides (vipctl demote) of
    /// those it replaces, by name.
    struct kept_slots {
        std::vector<std::unique_ptr<instance_slot>> slots;
        std::map<std::string, std::optional<std::uint8_t>> overrides;
    };
    /// Reload, first step: instances `next` removes or replaces resign (priority 0), their
    /// adverts leave and they let go of their channels; the others are handed back. Leaves
    /// `slots_` empty. Their VIPs go in the commit that ends the reload.
    kept_slots resign_leaving(const config::daemon_config& next, reload_summary& summary,
                              time_point now);
    /// Instances a reload removed or replaced, kept until their VIPs are gone (their VMACs
    /// go after).
    std::vector<std::unique_ptr<instance_slot>> departed_;
    /// Reload, second step: `slots_` in `next`'s order, kept instances reconfigured in place
    /// and new ones started (a replaced one keeps its override).
    void rebuild_slots(const config::daemon_config& next, kept_slots kept, reload_summary& summary,
                       time_point now);
    /// A kept instance takes its new settings: trackers (states kept by name), the state
    /// machine's config and the priority; a Master's VIP difference follows in `commit`.
    void reconfigure_slot(instance_slot& slot, const config::vrrp_instance& next, time_point now);

    void on_packet(channel& ch, const net::received_packet& packet);
    void on_link(const net::link_status& status);
    /// Closes channels bound to an interface that vanished or was re-created (new ifindex).
    void close_stale_channels(const net::link_status& status);
    void open_channel_if_needed(instance_slot& slot);
    /// use_vmac: makes the instance's VMAC and opens its sending socket there; a failure is
    /// retried with the channels.
    void ensure_vmac(instance_slot& slot);
    /// A watched announce link disappeared: an instance's VMAC deleted by hand is made again.
    void on_link_gone(const std::string& name);
    /// Deletes the VMACs of `leaving` (their VIPs are gone), and gives each parent no VMAC is
    /// left on its ARP settings back.
    void remove_vmacs(const std::vector<std::unique_ptr<instance_slot>>& leaving);
    /// Opens the sockets that failed before; instances that get one leave Fault.
    void retry_channels(time_point now);
    /// Queues the instance's actions: adverts on their channel, everything else in `effects_`.
    /// `sender`: the advert's source when the actions answer a received packet (names it in
    /// drop logs); null for timer and link events, which never drop packets.
    void execute(instance_slot& slot, const vrrp::actions& actions,
                 const ip_address* sender = nullptr);
    /// The one place effects happen, in this order: adverts, journal, services in, VIPs,
    /// services out, announcements, notify hooks; then the shell re-arms its timer.
    vip_outcome commit(vip_cause cause);
    /// After a converge: a refused VIP change brings the next try forward (backoff).
    void schedule_vip_retry(const vip_outcome& outcome);
    /// Tells the transition listener, in order; an awaiting instance's are held back, and so
    /// are its group's.
    void notify(const std::vector<std::pair<std::string, vrrp::state_changed>>& transitions,
                const std::vector<std::pair<std::string, vrrp::state_changed>>& group_transitions);
    void flush_adverts();
    void flush_vmac_adverts(instance_slot& slot);
    void set_vmac_active(instance_slot& slot, bool active);
    void send_pending(net::advert_channel& socket, std::vector<net::outgoing_advert>& pending,
                      const std::string& interface);
    /// Queues the slot's advert on its channel: one copy per destination.
    void queue_advert(instance_slot& slot, std::uint8_t priority);
    void count_drop(vrrp::drop_reason reason, const std::string& context, const ip_address& source);
    /// Whether the instance can run: its link and advert source, its socket, no weight-0
    /// tracker down, and (sync groups) the same for every other member of its group.
    bool usable(const instance_slot& slot, const net::link_status* status) const;
    bool usable_alone(const instance_slot& slot, const net::link_status* status) const;
    /// Whether a member of sync group `group` (other than `except`) cannot run alone: it holds
    /// the whole group in Fault.
    bool member_cannot_run(const std::string& group, const instance_slot* except = nullptr) const;
    /// A sync group: its members (those configured), and the state last reported for it.
    struct group_view {
        std::string name;
        std::vector<std::string> members;
        vrrp::state state = vrrp::state::initialize;
    };
    /// Rebuilds `groups_` from `config`, keeping the state of groups that stay.
    void configure_groups(const config::daemon_config& config);
    std::vector<instance_slot*> members_of(const group_view& group);
    /// Sync groups after an event (keepalived's vrrp_sync.c): a member faulted faults the group,
    /// one that left Master takes the other Masters to Backup, and members waiting for Master
    /// take it once all wait or one is Master already. Then the group's own state is reported.
    void settle_groups(time_point now);
    void settle_group(group_view& group, time_point now);
    void on_tracked_link(const net::link_status& status);
    /// Runs `update` on every tracker of `instance` (it returns whether it changed one), then
    /// re-derives the priority when one changed (`why` for the journal) and commits.
    template <typename Update>
    void update_trackers(const std::string& instance, const std::string& why, Update update);
    /// Re-derives priority and Fault from the trackers and feeds changes to the instance.
    void apply_tracking(instance_slot& slot, time_point now, std::string_view why);
    instance_slot* find(const std::string& name) const;
    bool is_master(const std::string& name) const;
    /// Static VIPs and every Master's VIPs (none once shutting down).
    std::set<vips::address> desired_vips() const;
    /// Tells the VIP driver and the link monitor (never an advert source) which VIPs `config`
    /// manages.
    void configure_vips(const config::daemon_config& config);
    /// One round for the VIPs `added` by this commit that a Master carries, unless it already
    /// announced them in the same commit: a VIP repaired or added by a reload.
    void announce_added(const std::vector<vips::address>& added,
                        const std::vector<std::string>& announced);
    void send_garp(instance_slot& slot);
    void send_garp(instance_slot& slot, const std::vector<config::vip>& vips);
    void log_transition(const std::string& instance, const vrrp::state_changed& change);
    void log_group_transition(const group_view& group, const vrrp::state_changed& change);
    void log_rival(const instance_slot& slot, const vrrp::rival_master& rival);
    /// Tells the state machine the address peers see our adverts from (elections tie on it).
    void learn_own_address(instance_slot& slot);

    router_ports ports_;
    const logging::log_set& logs_;
    clock_function clock_;
    std::function<void()> deadlines_changed_;
    std::vector<std::unique_ptr<instance_slot>> slots_;
    std::vector<config::vip> static_vips_;  // each with its device (validated)
    std::map<std::pair<std::string, address_family>, std::unique_ptr<channel>> channels_;
    std::set<std::string> watched_links_;  // instance interfaces
    std::set<std::string> tracked_links_;  // track_interfaces
    /// Other links VIPs live on ("dev eth2"), announced there with their own MAC.
    std::map<std::string, std::optional<net::link_status>> announce_links_;
    vip_driver vips_;
    /// MASTER, but their services are still going in: VIPs, GARP and notify_master wait.
    std::set<std::string> awaiting_services_;
    /// Transitions of awaiting instances, told to the listener once their VIPs are up.
    std::vector<std::pair<std::string, vrrp::state_changed>> deferred_notify_;
    std::vector<std::pair<std::string, vrrp::state_changed>> deferred_group_notify_;
    std::vector<group_view> groups_;
    std::optional<time_point> channel_retry_;  // a socket failed to open: try again then
    /// A VIP the kernel refused to add or remove is tried again this soon, not only at the
    /// next periodic resync ([global] vip_resync_interval): 250 ms, doubling up to 4 s.
    std::optional<time_point> vip_retry_;
    backoff vip_backoff_{milliseconds(250), milliseconds(4000)};
    pending_effects effects_;
    bool shutting_down_ = false;
    vrrp::drop_counters drops_;
    rate_limiter drop_log_limit_{10, std::chrono::seconds(10)};
    /// A budget of its own: a flood of bad packets must not silence our own adverts failing.
    rate_limiter send_log_limit_{10, std::chrono::seconds(10)};
    /// And one for rival masters: a one-way link makes one every advert interval.
    rate_limiter rival_log_limit_{10, std::chrono::seconds(10)};
};

}  // namespace vipd::daemon
