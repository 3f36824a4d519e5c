#pragma once
/// The validated, immutable configuration. Everything here has passed validation: consumers
/// never re-check ranges. Produced by `config::load_file` / `config::load_string` (loader.hpp).

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vipd/core/address.hpp"
#include "vipd/core/time.hpp"
#include "vipd/health/check.hpp"
#include "vipd/ipvs/model.hpp"
#include "vipd/vrrp/instance.hpp"
#include "vipd/vrrp/packet.hpp"

namespace vipd::config {

/// Where a value came from, for messages about it after loading (e.g. a host warning).
struct source_position {
    std::string file;
    std::uint32_t line = 0;
    std::uint32_t column = 0;
    friend bool operator==(const source_position&, const source_position&) = default;
};

/// One entry of `vips`: "172.28.128.210/24" or "192.168.100.1/32 dev dummy1".
struct vip {
    ip_prefix prefix;
    /// The interface the address goes on; nullopt = the instance's interface.
    std::optional<std::string> device;
    friend bool operator==(const vip&, const vip&) = default;
};

/// A tracker's weight is added to the priority while the tracked object is down (-254..-1),
/// or 0: down means Fault. Positive weights (keepalived: added while up) are refused by config,
/// except for track files, whose weight multiplies the file's number.
using track_weight = std::int16_t;

/// track_interfaces: the link of another interface (down, or gone).
struct tracked_interface {
    std::string name;
    track_weight weight = 0;
    friend bool operator==(const tracked_interface&, const tracked_interface&) = default;
};

/// track_scripts: a command run periodically with rise/fall; down while it fails.
struct tracked_script {
    std::string name;  // for logs: `name`, else the command's file name
    health::script_check script;
    health::check_timing timing;
    track_weight weight = 0;
    friend bool operator==(const tracked_script&, const tracked_script&) = default;
};

/// track_virtual_servers: down while the named virtual server has lost quorum.
struct tracked_virtual_server {
    std::string name;
    track_weight weight = 0;
    friend bool operator==(const tracked_virtual_server&, const tracked_virtual_server&) = default;
};

/// track_files (keepalived's track_file): a file holding an integer -254..254 (beyond counts as
/// the bound). The priority moves by value × weight; weight 0 means Fault on any non-zero value;
/// a product of -254 or less is Fault too. A missing or unreadable file, or one that holds no
/// number, counts as 0.
struct tracked_file {
    std::string name;                  // for logs; unique in the instance
    std::string path;                  // absolute
    track_weight weight = 1;           // -254..254 (keepalived's `reverse` is a negative weight)
    std::optional<std::int16_t> init;  // written at start when the file does not exist
    friend bool operator==(const tracked_file&, const tracked_file&) = default;
};

/// track_processes (keepalived's vrrp_track_process): down while fewer than `quorum` processes
/// match, once that has lasted `delay`.
struct tracked_process {
    std::string name;                 // for logs: `name`, else `process`; unique in the instance
    std::string process;              // the comm or the file name of argv[0]
    std::optional<std::string> args;  // the rest of the command line, exactly; nullopt = any
    std::uint32_t quorum = 1;
    microseconds delay{0};
    track_weight weight = 0;
    friend bool operator==(const tracked_process&, const tracked_process&) = default;
};

/// The user notify commands run as when notify_user is left out, if the daemon can switch:
/// keepalived's default, since hooks commonly change the host (routes, services).
inline constexpr std::string_view k_default_notify_user = "root";

/// Commands run on transitions (keepalived's notify scripts), asynchronously with a timeout.
struct notify_settings {
    /// `notify`: run on every transition with keepalived's arguments: INSTANCE NAME STATE
    /// PRIORITY. Empty = none. Each command is an argv (absolute program path, no shell).
    std::vector<std::string> any;
    std::vector<std::string> master;  // notify_master: run on entering MASTER, no extra args
    std::vector<std::string> backup;  // notify_backup
    std::vector<std::string> fault;   // notify_fault
    /// notify_stop: run when vipd stops, once the VIPs are gone (the generic `notify` then gets
    /// STOP as the state; a sync group's does not, as in keepalived).
    std::vector<std::string> stop;
    health::run_as user;               // notify_user; default root (k_default_notify_user)
    microseconds timeout{10'000'000};  // notify_timeout
    bool empty() const noexcept {
        return any.empty() && master.empty() && backup.empty() && fault.empty() && stop.empty();
    }
    friend bool operator==(const notify_settings&, const notify_settings&) = default;
};

/// Commands run when a health state changes, without arguments (keepalived's notify_up /
/// notify_down of a real, quorum_up / quorum_down of a virtual server). Each is an argv
/// (absolute program path, no shell); empty = none.
struct up_down_commands {
    std::vector<std::string> up;
    std::vector<std::string> down;
    bool empty() const noexcept { return up.empty() && down.empty(); }
    friend bool operator==(const up_down_commands&, const up_down_commands&) = default;
};

/// Adverts to a list of peers instead of the multicast group ([[vrrp]] unicast_peers), for
/// networks without multicast (clouds, some switches). IPv4 only for now.
struct unicast_settings {
    std::vector<ip_address> peers;  // at least one, unique; adverts are accepted from them only
    /// The adverts' source address (unicast_source); nullopt = the interface's primary address.
    std::optional<ip_address> source;
    /// The lowest TTL accepted: 255 (RFC 5798 §5.1.1.3) unless unicast_ttl_check = false, then
    /// unicast_min_ttl (default 1), for peers a router or more away.
    std::uint8_t min_ttl = 255;
    friend bool operator==(const unicast_settings&, const unicast_settings&) = default;
};

struct vrrp_instance {
    std::string name;
    std::string interface;
    std::uint8_t vrid = 1;
    std::uint8_t priority = 100;
    vrrp::version version = vrrp::version::v3;
    centiseconds advert_interval{100};
    bool preempt = true;
    microseconds preempt_delay{0};
    std::optional<vrrp::auth_pass> auth_pass;  // v2 only
    std::vector<vip> vips;                     // at least one; one family
    vrrp::garp_settings garp;
    vrrp::checksum_mode v3_checksum = vrrp::checksum_mode::pseudo_header;
    std::optional<unicast_settings> unicast;  // nullopt = multicast to 224.0.0.18 / ff02::12
    /// use_vmac: the name of the virtual MAC interface (a macvlan on `interface` with the
    /// virtual router MAC) that carries the VIPs without a device; nullopt = none.
    std::optional<std::string> vmac;
    std::vector<tracked_interface> track_interfaces;
    std::vector<tracked_script> track_scripts;
    std::vector<tracked_virtual_server> track_virtual_servers;  // names of virtual servers
    std::vector<tracked_file> track_files;
    std::vector<tracked_process> track_processes;
    notify_settings notify;
    /// The [[sync_group]] this instance is a member of (filled in by the loader).
    std::optional<std::string> sync_group;
    source_position position;  // of the [[vrrp]] table

    address_family family() const noexcept { return vips.front().prefix.address.family(); }
    /// The interface a VIP lives on: its own device, else the VMAC, else the interface.
    const std::string& device_of(const vip& v) const {
        return v.device ? *v.device : (vmac ? *vmac : interface);
    }
    /// The pure state machine's view of this instance.
    vrrp::instance_config instance_config() const;
    friend bool operator==(const vrrp_instance&, const vrrp_instance&) = default;
};

/// [[sync_group]] (keepalived's vrrp_sync_group): instances that are Master together or not at
/// all, such as a NAT director's outside VIP and its inside gateway. When one member faults,
/// every member does; when one leaves Master, the others follow; they take Master together once
/// every member's master is down (or one is already Master).
struct sync_group {
    std::string name;
    std::vector<std::string> members;  // [[vrrp]] names, at least two, each in one group only
    /// The group's own hooks, run on the group's transitions; the generic `notify` gets
    /// keepalived's arguments GROUP NAME STATE 0.
    notify_settings notify;
    source_position position;  // of the [[sync_group]] table
    friend bool operator==(const sync_group&, const sync_group&) = default;
};

/// Where the Prometheus metrics endpoint listens: [global] metrics_listen.
struct metrics_endpoint {
    ip_address address;      // 0.0.0.0 or :: = every address of the family
    std::uint16_t port = 0;  // 1..65535
    friend bool operator==(const metrics_endpoint&, const metrics_endpoint&) = default;
};

/// The control socket's default path ([global] control_socket).
inline constexpr std::string_view k_default_control_socket = "/run/vipd/vipd.sock";
inline constexpr std::string_view k_default_state_file = "/run/vipd/state";

struct global_settings {
    std::string router_id;  // default: the host name
    /// The unix socket `vipctl` talks to: an absolute path of at most 107 bytes (sun_path);
    /// nullopt = none (control_socket = "").
    std::optional<std::string> control_socket{std::string(k_default_control_socket)};
    /// nullopt = no metrics endpoint (the default).
    std::optional<metrics_endpoint> metrics_listen;
    /// Where vipd records the VIPs and IPVS services it may have put in the kernel, so that a
    /// start after a crash removes those it no longer wants, on any kernel. On tmpfs: the kernel's
    /// table does not outlive a reboot either. nullopt = no record (state_file = "").
    std::optional<std::string> state_file{std::string(k_default_state_file)};
    /// How often the host's addresses are re-read and VIP drift repaired (a Master's VIP
    /// deleted by hand comes back; one up where this director is not MASTER goes).
    microseconds vip_resync_interval{5'000'000};
    /// How often track files are read and /proc is scanned for tracked processes.
    microseconds track_interval{1'000'000};
    /// keepalived's notify_fifo: a FIFO that gets one line per instance, sync group, service
    /// quorum and real transition, in keepalived's format; created (mode 0600) when missing.
    /// nullopt = none (the default).
    std::optional<std::string> notify_fifo;
    friend bool operator==(const global_settings&, const global_settings&) = default;
};

/// One [[virtual_server.real]]: `key.port` is already resolved (the service port for DR/TUN,
/// 0 for DR/TUN reals of fwmark services) and `settings` has the service's forwarding and
/// tunnel defaults applied.
struct real_server {
    ipvs::destination_key key;
    ipvs::destination_settings settings;
    /// Its own check, else the service's default; nullopt = never checked, always up.
    std::optional<health::check_spec> check;
    /// notify_up / notify_down: run as the service's hook_user when the check reaches rise or
    /// fall.
    up_down_commands notify;
    source_position position;  // of the [[virtual_server.real]] table
    friend bool operator==(const real_server&, const real_server&) = default;
};

/// One [[virtual_server]].
struct virtual_server {
    std::optional<std::string> name;  // for logs; unique when given
    ipvs::service_key key;
    ipvs::service_settings settings;
    std::vector<real_server> reals;  // unique keys; may be empty (the service still exists)
    bool quiescent = false;          // a failed real gets weight 0 instead of leaving
    std::uint32_t quorum = 1;        // minimum total weight of healthy reals
    /// Put in while quorum is lost; the service's forwarding, weight 1.
    std::optional<real_server> fallback;
    /// The instance whose MASTER state gates the service: the one named by `vrrp`, else the
    /// one owning the service address. nullopt = always pushed (no instance owns the VIP, or a
    /// fwmark service that names none).
    std::optional<std::string> vrrp;
    up_down_commands quorum_notify;  // quorum_up / quorum_down
    /// notify_user and notify_timeout: how the quorum hooks and the reals' notify_up /
    /// notify_down run. Default root (k_default_notify_user) and 10 s, as an instance's hooks.
    health::run_as hook_user;
    microseconds hook_timeout{10'000'000};
    /// Whether the service or any of its reals has a hook (and so a hook_user to bind).
    bool has_hooks() const noexcept {
        return !quorum_notify.empty() ||
               std::any_of(reals.begin(), reals.end(),
                           [](const real_server& real) { return !real.notify.empty(); });
    }
    source_position position;  // of the [[virtual_server]] table
    friend bool operator==(const virtual_server&, const virtual_server&) = default;
};

/// When the gated services are in the kernel.
enum class ipvs_mode : std::uint8_t {
    master,  ///< only while the gating instance is MASTER (the default)
    always,  ///< on every director, whatever the VRRP state (keepalived's behaviour)
};

/// [ipvs.sync]: the kernel's connection synchronisation daemons.
struct ipvs_sync_settings {
    std::string interface;
    std::uint8_t sync_id = 0;
    friend bool operator==(const ipvs_sync_settings&, const ipvs_sync_settings&) = default;
};

struct ipvs_settings {
    ipvs_mode mode = ipvs_mode::master;
    /// How often the kernel table is dumped and drift repaired.
    microseconds resync_interval{5'000'000};
    std::optional<ipvs_sync_settings> sync;
    friend bool operator==(const ipvs_settings&, const ipvs_settings&) = default;
};

/// [bgp]: where announced VIPs go in the kernel, for a routing daemon (FRR's zebra, `ip
/// import-table TABLE`) to pick up and bgpd to announce. vipd speaks no BGP itself.
struct bgp_settings {
    /// The routing table of the announce routes: 1..252, the range zebra's import-table takes.
    std::uint32_t table = 100;
    /// The routes' metric (RTA_PRIORITY), which zebra passes to bgpd as the MED.
    std::uint32_t metric = 10;
    /// The routes' protocol (rtm_protocol): vipd owns exactly the routes that carry it.
    std::uint8_t protocol = 86;
    /// How long a withdrawn VIP's accept route outlives its announce route, for the packets
    /// routers sent before they heard of the withdrawal; 0 = both go together.
    microseconds accept_linger{2'000'000};
    friend bool operator==(const bgp_settings&, const bgp_settings&) = default;
};

/// When a [[bgp_vip]]'s virtual servers let it be announced.
enum class bgp_gate : std::uint8_t {
    all,  ///< every listed virtual server has its quorum (the default)
    any,  ///< at least one has
};

/// One [[bgp_vip]]: a VIP announced over BGP (through the routing daemon) while its gate holds.
struct bgp_vip {
    std::string name;    // for the journal and vipctl demote; unique among bgp_vips and vrrp
    ip_address address;  // announced as a /32 (/128)
    std::vector<std::string> virtual_servers;  // names of [[virtual_server]] tables
    bgp_gate gate = bgp_gate::all;
    /// Announced only while this [[vrrp]] instance is MASTER; nullopt = whatever VRRP says.
    std::optional<std::string> follow_instance;
    source_position position;  // of the [[bgp_vip]] table
    friend bool operator==(const bgp_vip&, const bgp_vip&) = default;
};

struct daemon_config {
    std::string file;  // the main file it was loaded from
    /// Every file read: `file`, then each `include` fragment in the order it was merged. What a
    /// reload reads again (a fragment added to a glob's directory is picked up then too).
    std::vector<std::string> files;
    global_settings global;
    std::vector<vrrp_instance> vrrp;
    std::vector<sync_group> sync_groups;
    std::vector<virtual_server> virtual_servers;  // service keys unique
    ipvs_settings ipvs;
    /// [global] static_vips: held always, no VRRP. Each has a device (required there, since no
    /// instance interface exists to default to); none is also an instance VIP.
    std::vector<vip> static_vips;
    bgp_settings bgp;
    std::vector<bgp_vip> bgp_vips;  // names and addresses unique
    friend bool operator==(const daemon_config&, const daemon_config&) = default;
};

}  // namespace vipd::config
