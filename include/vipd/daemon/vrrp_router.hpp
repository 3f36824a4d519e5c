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
#include <tuple>
#include <utility>
#include <vector>

#include "vipd/config/config.hpp"
#include "vipd/core/rate_limiter.hpp"
#include "vipd/core/time.hpp"
#include "vipd/daemon/channel_factory.hpp"
#include "vipd/daemon/role_listener.hpp"
#include "vipd/logging/logging.hpp"
#include "vipd/net/ports.hpp"
#include "vipd/vrrp/drop_reason.hpp"
#include "vipd/vrrp/instance.hpp"

namespace vipd::daemon {

/// Hears of every instance state change (the notify hooks).
class transition_listener {
  public:
    virtual ~transition_listener() = default;
    virtual void on_transition(const std::string& instance, const vrrp::state_changed& change) = 0;
};

/// The kernel as the router sees it.
struct router_ports {
    net::address_port& addresses;
    net::frame_port& frames;
    net::link_monitor& links;
    daemon::channel_factory& channels;
    /// Told before an instance adds its VIPs and after it removed them (IPVS); may be null.
    role_listener* roles = nullptr;
    /// Told of every state change after it was logged (notify hooks); may be null.
    transition_listener* transitions = nullptr;
};

using clock_function = std::function<time_point()>;

/// What an instance can track (track_interfaces, track_scripts, track_virtual_servers).
enum class tracker_kind : std::uint8_t { interface, script, virtual_server };
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

    /// Removes leftovers of an earlier run (every address carrying vipd's tag), adds the static
    /// VIPs, opens channels, watches links and starts every instance.
    void start();

    /// Runs every instance timer that is due at `now`; adverts due together leave in one batch
    /// per channel.
    void on_timer(time_point now);

    /// The earliest instance deadline, nullopt when none is armed.
    std::optional<time_point> next_deadline() const;

    /// A tracked script or virtual server went down or came back (the health driver reports
    /// them; the router watches tracked interfaces itself). Recomputes the instance's priority
    /// and Fault (vrrp/tracking.hpp). Unknown instance or tracker names are ignored.
    void set_tracked(const std::string& instance, tracker_kind kind, const std::string& name,
                     bool down);

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

    /// Graceful stop: Masters resign with priority 0 and remove their VIPs; static VIPs go too.
    void shutdown();

    std::vector<instance_status> status() const;
    /// The configuration of every instance, in order (for status views).
    std::vector<const config::vrrp_instance*> instances() const;
    /// Rejected packets per reason, over all channels and instances.
    const vrrp::drop_counters& drops() const noexcept { return drops_; }

  private:
    struct channel;
    struct instance_slot;
    /// An address this router added and has not removed since.
    struct held_address {
        std::string device;
        ip_prefix prefix;
        friend bool operator<(const held_address& a, const held_address& b) {
            return std::tie(a.device, a.prefix.address, a.prefix.length) <
                   std::tie(b.device, b.prefix.address, b.prefix.length);
        }
    };

    /// Opens what `slot` needs (link watch, channel, trackers' link watches) and starts it.
    void start_slot(instance_slot& slot, time_point now);
    /// Unhooks `slot` from its channel, closing the channel when nobody else uses it.
    void detach(instance_slot& slot);
    void watch_links(instance_slot& slot);
    /// A kept instance takes its new settings: trackers (states kept by name), the state
    /// machine's config, the priority, and (while Master) the VIP difference.
    /// Whether a static VIP or a Master's VIP is `address`.
    bool wanted_up(const held_address& address) const;
    void reconfigure_slot(instance_slot& slot, const config::vrrp_instance& next, time_point now,
                          reload_summary& summary);

    void on_packet(channel& ch, const net::received_packet& packet);
    void on_link(const net::link_status& status);
    /// Closes channels bound to an interface that vanished or was re-created (new ifindex).
    void close_stale_channels(const net::link_status& status);
    void open_channel_if_needed(instance_slot& slot);
    /// `sender`: the advert's source when the actions answer a received packet (names it in
    /// drop logs); null for timer and link events, which never drop packets.
    void execute(instance_slot& slot, const vrrp::actions& actions,
                 const ip_address* sender = nullptr);
    void flush_adverts();
    const std::vector<std::uint8_t>& encoded_advert(instance_slot& slot, std::uint8_t priority);
    void count_drop(vrrp::drop_reason reason, const std::string& context, const ip_address& source);
    bool usable(const instance_slot& slot, const net::link_status* status) const;
    void on_tracked_link(const net::link_status& status);
    /// Re-derives priority and Fault from the trackers and feeds changes to the instance.
    void apply_tracking(instance_slot& slot, time_point now, std::string_view why);
    void add_address(const std::string& owner, const std::string& device, const ip_prefix& prefix);
    void remove_address(const std::string& owner, const std::string& device,
                        const ip_prefix& prefix);
    void add_vips(instance_slot& slot);
    void remove_vips(instance_slot& slot);
    void send_garp(instance_slot& slot);
    void send_garp(instance_slot& slot, const std::vector<config::vip>& vips);
    void log_transition(const instance_slot& slot, const vrrp::state_changed& change);

    router_ports ports_;
    const logging::log_set& logs_;
    clock_function clock_;
    std::function<void()> deadlines_changed_;
    std::vector<std::unique_ptr<instance_slot>> slots_;
    std::vector<config::vip> static_vips_;  // each with its device (validated)
    std::map<std::pair<std::string, address_family>, std::unique_ptr<channel>> channels_;
    std::set<std::string> watched_links_;  // instance interfaces
    std::set<std::string> tracked_links_;  // track_interfaces
    std::set<held_address> held_;
    /// During a reload: addresses the new configuration keeps up, which VIP removals skip (a
    /// VIP moving from a resigning instance to a Master one stays).
    const std::set<held_address>* retained_ = nullptr;
    vrrp::drop_counters drops_;
    rate_limiter drop_log_limit_{10, std::chrono::seconds(10)};
};

}  // namespace vipd::daemon
