#pragma once
/// Internal to the config module: one [[vrrp]] table, and the checks that span instances.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "diagnostics.hpp"
#include "table_reader.hpp"
#include "vipd/config/config.hpp"

namespace vipd::config::detail {

/// An instance as far as it could be read. `value` holds defaults for anything missing or
/// invalid; the flags say which fields the cross-instance checks may trust.
struct instance_draft {
    vrrp_instance value;
    std::string path;  // "vrrp[1]"
    bool name_ok = false;
    bool interface_ok = false;
    bool vrid_ok = false;
    bool vips_ok = false;  // every entry valid, so `value.family()` is meaningful
    source_position name_at;
    source_position vrid_at;
    std::vector<source_position> vip_at;  // parallel to value.vips
    std::vector<std::size_t> vip_index;   // parallel to value.vips: the index in the TOML array
    source_position vmac_at;              // use_vmac, or vmac_name when given
    bool vmac_named = false;
    /// Parallel to value.track_virtual_servers: where each name was written, and its key path.
    std::vector<std::pair<source_position, std::string>> tracked_server_at;
};

instance_draft read_vrrp_instance(const toml::table& table, std::size_t index, diagnostics& diag);

/// track_interfaces, track_scripts, track_virtual_servers, track_files and track_processes into
/// `draft.value`.
void read_tracking(const table_reader& reader, instance_draft& draft);

/// track_files and track_processes (the trackers the daemon polls) into `draft.value`.
void read_polled_tracking(const table_reader& reader, instance_draft& draft);

/// notify, notify_master, notify_backup, notify_fault, notify_user, notify_timeout.
void read_notify(const table_reader& reader, instance_draft& draft);
/// The same keys of any table ([[vrrp]], [[sync_group]]).
notify_settings read_notify_settings(const table_reader& reader);
/// A hook command under `key`: "/path/program" (no arguments) or ["/path/program", "arg", ...],
/// the program an absolute path; empty when absent or invalid (reported).
std::vector<std::string> read_command(const table_reader& reader, std::string_view key);
/// notify_user and notify_timeout into `user` and `timeout`, which keep their values when the
/// keys are absent or invalid (reported).
void read_hook_runner(const table_reader& reader, health::run_as& user, microseconds& timeout);

/// A [[sync_group]] as far as it could be read.
struct sync_group_draft {
    sync_group value;
    std::string path;                                                // "sync_group[0]"
    std::vector<std::pair<source_position, std::string>> member_at;  // parallel to members
};

/// Every [[sync_group]] table of the main file.
std::vector<sync_group_draft> read_sync_groups(const toml::table& root, diagnostics& diag);

/// Members name existing instances, each in one group; names unique; and what a group cannot
/// honour is refused (an address owner, a tracker with a weight). Sets each member's
/// `sync_group`.
void check_sync_groups(std::vector<sync_group_draft>& groups,
                       std::vector<instance_draft>& instances, diagnostics& diag);

/// unicast_peers, unicast_source, unicast_ttl_check and unicast_min_ttl into
/// `draft.value.unicast` (left nullopt, i.e. multicast, without unicast_peers or on any error).
/// Runs after read_vips: peers and source are checked against the instance's VIPs and family.
void read_unicast(const table_reader& reader, instance_draft& draft);

/// use_vmac and vmac_name into `draft.value.vmac`; runs after read_vips (IPv4 only).
void read_vmac(const table_reader& reader, instance_draft& draft);
/// VMAC names unique, and none the interface of an instance.
void check_vmac_names(const std::vector<instance_draft>& drafts, diagnostics& diag);

/// Names unique; (interface, family, vrid) unique; no address a VIP of two instances.
void check_across_instances(const std::vector<instance_draft>& drafts, diagnostics& diag);

/// "vrrp[1] \"web\" (line 12)": how messages about one instance name it; the line becomes
/// "FILE:LINE" when `d` is in another file than `from`, the position being reported on.
std::string describe_instance(const instance_draft& d, const source_position& from);

/// Why `name` is not a usable Linux interface name, or nullopt if it is.
std::optional<std::string> interface_name_problem(std::string_view name);

/// Letters, digits, '_', '.', '-' and not empty: instance and service names.
bool is_valid_name(std::string_view name);

/// "IPv4" / "IPv6", as users write it.
std::string_view family_name(address_family family) noexcept;

/// How a VIP entry is written, for messages.
inline constexpr std::string_view k_vip_form = "\"ADDR/LEN\" or \"ADDR/LEN dev IFNAME\"";

/// One VIP entry parsed: `value` set, or `problem` says why not (a message for that entry).
struct parsed_vip {
    std::optional<vip> value;
    std::string problem;
};
/// Parses one "ADDR/LEN [dev IFNAME]" array element (shared by vips and static_vips).
parsed_vip parse_vip(const toml::node& element);

/// All-zero address (0.0.0.0, ::): never a usable VIP or real server.
bool is_unspecified(const ip_address& address);

/// Reads `vips` into `draft` (value.vips, vip_at, vip_index, vips_ok); reports each bad entry.
void read_vips(const table_reader& reader, instance_draft& draft);

}  // namespace vipd::config::detail
