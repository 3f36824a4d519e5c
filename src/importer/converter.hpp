#pragma once
// The converter's state and its table of keywords (private to the importer).

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "toml_section.hpp"
#include "vipd/importer/convert.hpp"

namespace vipd::importer::detail {

/// Where a keyword is written in keepalived.conf.
enum class block : std::uint8_t {
    top,
    global_defs,
    vrrp_instance,
    authentication,
    vrrp_sync_group,
    vrrp_script,
    vrrp_track_file,
    vrrp_track_process,
    virtual_server,
    real_server,
    checker,
    url,
};

std::string_view block_name(block where) noexcept;

struct converter;
struct keyword_row;
using handler = void (*)(const node&, const keyword_row&, converter&);

/// One keyword: what it becomes (`vipd_key`, in the section of the block being read; a key
/// "check.X" goes to the checks' defaults and "[[vrrp]] X" to every instance's defaults) and how
/// (`handle`), or the reason it is dropped (`handle` null, `note`).
struct keyword_row {
    block where;
    std::string_view keyword;
    std::string_view vipd_key;
    std::string_view note;
    handler handle;
};

/// The table: every keyword the importer knows, grouped by block.
std::span<const keyword_row> keyword_table();

struct converter {
    toml_section global{"[global]", {}, {}};
    std::vector<toml_section> instances;
    std::vector<toml_section> sync_groups;
    std::vector<toml_section> services;
    toml_section ipvs{"[ipvs]", {}, {}};
    /// global_defs' defaults for every instance (version, garp) and every script (user).
    toml_section instance_defaults;
    /// Definitions that instances name: vrrp_script, vrrp_track_file, vrrp_track_process, each
    /// as the keys of an inline table of track_scripts / track_files / track_processes.
    std::map<std::string, toml_section> scripts;
    std::map<std::string, toml_section> track_files;
    std::map<std::string, toml_section> track_processes;
    std::map<std::string, const node*> server_groups;
    std::set<std::string> sync_members;  // quoted instance names
    toml_section* service = nullptr;     // the virtual_server being read
    std::vector<dropped_item> dropped;
    /// For each dropped item, the index of the top-level statement it belongs to.
    std::vector<std::size_t> drop_order;
    std::size_t statement_index = 0;
    /// The section the block being read writes to.
    toml_section* target = nullptr;

    void drop(const node& n, std::string reason);
    /// Drops `n` unless it has min..max arguments.
    bool want_args(const node& n, std::size_t min, std::size_t max);
    /// Reads a block's statements through the table, writing to `section`.
    void walk(std::span<const node> nodes, block where, toml_section& section);
    /// The section a row's key goes to, and the key's name there.
    std::pair<toml_section*, std::string_view> destination(std::string_view vipd_key);
};

/// The statement `keyword` among `nodes` (the last one, as keepalived keeps the last value).
const node* find_statement(const std::vector<node>& nodes, std::string_view keyword);

// Arguments.
std::optional<std::int64_t> integer_of(std::string_view text);
/// keepalived's TIMER (seconds, a decimal fraction allowed: "3", "0.5") as a vipd duration.
std::optional<std::string> duration_of_seconds(std::string_view text);
std::optional<std::int64_t> microseconds_of(std::string_view vipd_duration);
std::string duration_text(std::int64_t microseconds);
/// A command line as keepalived splits it: blanks separate, quotes group.
std::vector<std::string> split_command(std::string_view text);
std::string lowercase(std::string_view text);
/// A rendered TOML string's text (no escapes are undone: durations and names have none).
std::string unquoted(const std::string& rendered);
/// `["a", "b"]`.
std::string string_array(const std::vector<std::string>& items);

// Handlers shared by several blocks (the table's generic ones).
void set_string(const node&, const keyword_row&, converter&);
void set_lowercase(const node&, const keyword_row&, converter&);
void set_integer(const node&, const keyword_row&, converter&);
void set_duration(const node&, const keyword_row&, converter&);
void set_true(const node&, const keyword_row&, converter&);
void set_false(const node&, const keyword_row&, converter&);
void set_down(const node&, const keyword_row&, converter&);
void accept_as_is(const node&, const keyword_row&, converter&);

// Top level and global_defs (global_rows.cpp).
void read_misplaced_include(const node&, const keyword_row&, converter&);
void read_global_defs(const node&, const keyword_row&, converter&);
void read_static_ipaddress(const node&, const keyword_row&, converter&);
void read_lvs_sync_daemon(const node&, const keyword_row&, converter&);
void read_lvs_sync_interface(const node&, const keyword_row&, converter&);

// VRRP (vrrp_rows.cpp, sync_rows.cpp).
void read_vrrp_instance(const node&, const keyword_row&, converter&);
void read_authentication(const node&, const keyword_row&, converter&);
void read_auth_type(const node&, const keyword_row&, converter&);
void read_auth_pass(const node&, const keyword_row&, converter&);
void read_virtual_ipaddress(const node&, const keyword_row&, converter&);
void read_unicast_peer(const node&, const keyword_row&, converter&);
void read_use_vmac(const node&, const keyword_row&, converter&);
void read_notify(const node&, const keyword_row&, converter&);
void read_vrrp_sync_group(const node&, const keyword_row&, converter&);
void read_group_members(const node&, const keyword_row&, converter&);

// Tracking (tracking_rows.cpp).
void read_vrrp_script(const node&, const keyword_row&, converter&);
void read_vrrp_track_file(const node&, const keyword_row&, converter&);
void read_vrrp_track_process(const node&, const keyword_row&, converter&);
void read_script_command(const node&, const keyword_row&, converter&);
void read_default_script_user(const node&, const keyword_row&, converter&);
void read_script_user(const node&, const keyword_row&, converter&);
void read_init_file(const node&, const keyword_row&, converter&);
void read_tracker_weight(const node&, const keyword_row&, converter&);
void read_track_interface(const node&, const keyword_row&, converter&);
void read_track_script(const node&, const keyword_row&, converter&);
void read_track_file(const node&, const keyword_row&, converter&);
void read_track_process(const node&, const keyword_row&, converter&);

// IPVS (service_rows.cpp, check_rows.cpp).
void read_virtual_server_group(const node&, const keyword_row&, converter&);
void read_virtual_server(const node&, const keyword_row&, converter&);
void read_ip_family(const node&, const keyword_row&, converter&);
void read_persistence(const node&, const keyword_row&, converter&);
void read_sorry_server(const node&, const keyword_row&, converter&);
void read_inhibit_on_failure(const node&, const keyword_row&, converter&);
void read_real_inhibit(const node&, const keyword_row&, converter&);
void read_real_server(const node&, const keyword_row&, converter&);
void read_checker(const node&, const keyword_row&, converter&);
void read_retry(const node&, const keyword_row&, converter&);
void read_url(const node&, const keyword_row&, converter&);
void read_status_code(const node&, const keyword_row&, converter&);
void read_dns_type(const node&, const keyword_row&, converter&);

// Finishing (finish.cpp): keepalived's defaults written out, and what only the whole
// instance or service decides.
void finish_instance(const node& n, toml_section& instance, converter& c);
void finish_service(const node& n, toml_section& service, converter& c);

}  // namespace vipd::importer::detail
