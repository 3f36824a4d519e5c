#include "vipd/config/loader.hpp"

#include <array>
#include <iterator>

#include <toml++/toml.h>

#include "bgp_section.hpp"
#include "diagnostics.hpp"
#include "host_port.hpp"
#include "includes.hpp"
#include "ipvs_section.hpp"
#include "table_reader.hpp"
#include "vrrp_section.hpp"

namespace vipd::config {
namespace {

constexpr std::array<std::string_view, 8> k_top_keys{
    "global", "vrrp", "sync_group", "virtual_server", "ipvs", "include", "bgp", "bgp_vip"};
constexpr std::array<std::string_view, 8> k_global_keys{
    "router_id",  "static_vips",         "control_socket", "metrics_listen",
    "state_file", "vip_resync_interval", "track_interval", "notify_fifo"};
/// The periodic VIP pass: one address dump each time, so sub-second is pointless churn and an
/// hour is as good as never.
constexpr microseconds k_min_vip_resync{100'000};
constexpr microseconds k_max_vip_resync{3'600'000'000};
/// Track files and /proc are polled: faster than 100 ms spends the loop on reads, and a minute
/// is already slower than any failover anyone waits for.
constexpr microseconds k_min_track_interval{100'000};
constexpr microseconds k_max_track_interval{60'000'000};
/// A key after [global] belongs to it: the commonest misplacement of `include`.
constexpr std::array<detail::foreign_key_hint, 1> k_global_hints{{
    {"include", "include is a top-level key: write it above the first [table] of the file"},
}};
/// What an `include` fragment may hold: services, one file per service being the usual layout.
constexpr std::array<std::string_view, 2> k_fragment_keys{"vrrp", "virtual_server"};
/// sizeof(sockaddr_un::sun_path) less the terminating NUL.
constexpr std::size_t k_max_socket_path = 107;
/// PATH_MAX less the NUL and the ".new" of the file written before the rename.
constexpr std::size_t k_max_state_path = 4095 - 4;

/// `key` as an absolute path, "" meaning none: nullopt when absent or wrong (reported).
std::optional<std::optional<std::string>> read_optional_path(
    const detail::table_reader& reader, std::string_view key, std::string_view example,
    std::string_view empty_means, std::size_t max_size, std::string_view limit) {
    const std::string name(key);
    const auto path =
        reader.string(name, "an absolute path such as \"" + std::string(example) + "\"");
    if (!path) {
        return std::nullopt;
    }
    if (path->empty()) {
        return std::optional<std::string>{};
    }
    if (path->find('\0') != std::string::npos) {
        reader.report(name, name + " must not contain a NUL character");
    } else if (!path->starts_with('/')) {
        // Relative would mean relative to whatever directory the daemon was started in.
        reader.report(name, name + " must be an absolute path such as \"" + std::string(example) +
                                "\" (or \"\" for " + std::string(empty_means) + "), got " +
                                detail::show(*reader.find(name)));
    } else if (path->size() > max_size) {
        reader.report(name, name + " is " + std::to_string(path->size()) + " bytes long; " +
                                std::string(limit) + " holds at most " + std::to_string(max_size));
    } else {
        return std::optional<std::string>{*path};
    }
    return std::nullopt;
}

void read_paths(const detail::table_reader& reader, global_settings& global) {
    if (auto socket = read_optional_path(reader, "control_socket", k_default_control_socket,
                                         "no control socket", k_max_socket_path,
                                         "a unix socket path (sun_path)")) {
        global.control_socket = std::move(*socket);
    }
    if (auto state = read_optional_path(reader, "state_file", k_default_state_file, "no record",
                                        k_max_state_path, "a path")) {
        global.state_file = std::move(*state);
    }
    if (auto fifo = read_optional_path(reader, "notify_fifo", "/run/vipd/notify.fifo", "none",
                                       k_max_state_path, "a path")) {
        global.notify_fifo = std::move(*fifo);
    }
}

void read_metrics_listen(const detail::table_reader& reader, global_settings& global) {
    const auto text = reader.string("metrics_listen", "\"ADDR:PORT\" such as \"127.0.0.1:9650\"");
    if (!text) {
        return;
    }
    const auto parsed = detail::parse_host_port(*text);
    if (!parsed || parsed->address.is_multicast()) {
        reader.report("metrics_listen",
                      "metrics_listen must be \"ADDR:PORT\" or \"[IPV6]:PORT\" with a unicast "
                      "address and a port 1..65535, such as \"127.0.0.1:9650\", got " +
                          detail::show(*reader.find("metrics_listen")));
        return;
    }
    if (!parsed->port) {
        const std::string address = parsed->address.to_string();
        reader.report("metrics_listen",
                      "metrics_listen needs a port: write \"" +
                          (parsed->address.is_v6() ? "[" + address + "]" : address) +
                          ":9650\" (any port 1..65535)");
        return;
    }
    global.metrics_listen = metrics_endpoint{parsed->address, *parsed->port};
}

/// Reads [global] into `global`; returns its static VIPs for the cross checks.
std::vector<detail::static_vip_draft> read_global(const toml::table& root,
                                                  detail::diagnostics& diag,
                                                  global_settings& global) {
    const toml::node* node = root.get("global");
    if (node == nullptr) {
        return {};
    }
    const auto* table = node->as_table();
    if (table == nullptr) {
        diag.report(node->source(), "global",
                    "global must be a table: write [global] on its own line, got " +
                        std::string(detail::describe(node->type())));
        return {};
    }
    const detail::table_reader reader(*table, "global", k_global_keys, diag, k_global_hints);
    if (auto id = reader.string("router_id", "a non-empty string such as \"dir1\"")) {
        if (id->empty()) {
            reader.report("router_id",
                          "router_id must not be empty (leave it out to use the "
                          "host name)");
        } else {
            global.router_id = *id;
        }
    }
    read_paths(reader, global);
    read_metrics_listen(reader, global);
    if (auto interval =
            reader.duration("vip_resync_interval", k_min_vip_resync, k_max_vip_resync)) {
        global.vip_resync_interval = *interval;
    }
    if (auto interval =
            reader.duration("track_interval", k_min_track_interval, k_max_track_interval)) {
        global.track_interval = *interval;
    }
    auto statics = detail::read_static_vips(reader);
    reader.report_unknown_keys();
    return statics;
}

std::vector<detail::virtual_server_draft> read_virtual_servers(const toml::table& root,
                                                               detail::diagnostics& diag) {
    std::vector<detail::virtual_server_draft> drafts;
    detail::for_each_table(root, "virtual_server", "service", diag,
                           [&](const toml::table& table, std::size_t index) {
                               drafts.push_back(detail::read_virtual_server(table, index, diag));
                           });
    return drafts;
}

std::vector<detail::instance_draft> read_instances(const toml::table& root,
                                                   detail::diagnostics& diag) {
    std::vector<detail::instance_draft> drafts;
    detail::for_each_table(root, "vrrp", "instance", diag,
                           [&](const toml::table& table, std::size_t index) {
                               drafts.push_back(detail::read_vrrp_instance(table, index, diag));
                           });
    return drafts;
}

/// Refuses what only the main file may hold ([global], [ipvs], include) and unknown keys.
void check_fragment_keys(const toml::table& root, const std::string& main_file,
                         detail::diagnostics& diag) {
    for (auto&& [key, value] : root) {
        const std::string_view name = key.str();
        if (name == "vrrp" || name == "virtual_server") {
            continue;
        }
        std::string message;
        if (name == "sync_group") {
            // Its members may live in several fragments: one place names them all.
            message = "[[sync_group]] belongs in the main file (" + main_file +
                      "): a fragment holds only [[vrrp]] and [[virtual_server]] tables";
        } else if (name == "global" || name == "ipvs") {
            message = "[" + std::string(name) + "] belongs in the main file (" + main_file +
                      "): a fragment holds only [[vrrp]] and [[virtual_server]] tables";
        } else if (name == "include") {
            message = "include belongs in the main file (" + main_file +
                      "): fragments cannot include other files";
        } else {
            message = "unknown key \"" + std::string(name) + "\"";
            if (const auto near = detail::closest_match(name, k_fragment_keys); !near.empty()) {
                message += " (did you mean \"" + std::string(near) + "\"?)";
            }
            message += "; a fragment holds only [[vrrp]] and [[virtual_server]] tables";
        }
        diag.report(key.source(), std::string(name), std::move(message));
    }
}

/// Appends one fragment's instances and services to the main file's. False if it could not be
/// read or parsed.
bool read_fragment(const std::string& path, const std::string& main_file, detail::diagnostics& diag,
                   std::vector<detail::instance_draft>& instances,
                   std::vector<detail::virtual_server_draft>& servers) {
    diag.set_file(path);
    const auto file = detail::read_text_file(path);
    if (!file.text) {
        diag.report(source_position{path, 0, 0}, "",
                    "cannot read this fragment (included by " + main_file + "): " + file.problem);
        return false;
    }
    toml::table root;
    try {
        root = toml::parse(*file.text);
    } catch (const toml::parse_error& e) {
        diag.report(e.source(), "", "TOML syntax error: " + std::string(e.description()));
        return false;
    }
    check_fragment_keys(root, main_file, diag);
    auto fragment_instances = read_instances(root, diag);
    std::move(fragment_instances.begin(), fragment_instances.end(), std::back_inserter(instances));
    auto fragment_servers = read_virtual_servers(root, diag);
    std::move(fragment_servers.begin(), fragment_servers.end(), std::back_inserter(servers));
    return true;
}

}  // namespace

std::string config_error::to_string() const {
    std::string out = position.file;
    if (position.line != 0) {
        out += ":" + std::to_string(position.line) + ":" + std::to_string(position.column);
    }
    out += ": ";
    if (!key.empty()) {
        out += key + ": ";
    }
    return out + message;
}

load_result load_string(std::string_view text, const std::string& file_name,
                        const std::string& default_router_id) {
    detail::diagnostics diag(file_name);
    toml::table root;
    try {
        // No source path for toml++: every node would hold a shared_ptr to it (an atomic count
        // per node, 50,000 of them for 1,000 services), and positions come from `diag` anyway.
        root = toml::parse(text);
    } catch (const toml::parse_error& e) {
        // toml++ stops at the first syntax error: there is nothing sound to validate after it.
        diag.report(e.source(), "", "TOML syntax error: " + std::string(e.description()));
        return load_result{std::nullopt, diag.take()};
    }

    daemon_config config;
    config.file = file_name;
    config.files.push_back(file_name);
    config.global.router_id = default_router_id;
    const auto statics = read_global(root, diag, config.global);
    auto drafts = read_instances(root, diag);
    auto groups = detail::read_sync_groups(root, diag);
    config.ipvs = detail::read_ipvs_settings(root, diag);
    auto servers = read_virtual_servers(root, diag);
    config.bgp = detail::read_bgp_settings(root, diag);
    auto bgp_vips = detail::read_bgp_vips(root, diag);
    detail::table_reader(root, "", k_top_keys, diag).report_unknown_keys();

    // Fragments' entries follow the main file's, file by file, as the main file's own do.
    bool every_file_read = true;
    for (auto& fragment : detail::expand_includes(root, diag)) {
        every_file_read &= read_fragment(fragment, file_name, diag, drafts, servers);
        config.files.push_back(std::move(fragment));
    }
    diag.set_file(file_name);

    // The checks across entries need every entry: with a fragment unread they would report
    // names and VIPs "missing" that are only in it. Each file's own errors are reported anyway.
    if (every_file_read) {
        detail::check_across_instances(drafts, diag);
        detail::check_vmac_names(drafts, diag);
        detail::check_static_vips(statics, drafts, diag);
        detail::check_virtual_servers(servers, drafts, config.ipvs, diag);
        detail::check_tracked_virtual_servers(drafts, servers, diag);
        detail::check_sync_groups(groups, drafts, diag);
        detail::check_bgp_vips(bgp_vips, drafts, servers, statics, diag);
    }

    if (!diag.empty()) {
        return load_result{std::nullopt, diag.take()};
    }
    config.vrrp.reserve(drafts.size());
    for (auto& d : drafts) {
        config.vrrp.push_back(std::move(d.value));
    }
    for (auto& g : groups) {
        config.sync_groups.push_back(std::move(g.value));
    }
    for (const auto& s : statics) {
        config.static_vips.push_back(s.value);
    }
    for (auto& v : bgp_vips) {
        config.bgp_vips.push_back(std::move(v.value));
    }
    config.virtual_servers.reserve(servers.size());
    for (auto& s : servers) {
        config.virtual_servers.push_back(std::move(s.value));
    }
    return load_result{std::move(config), {}};
}

load_result load_file(const std::string& path, const std::string& default_router_id) {
    auto file = detail::read_text_file(path);
    if (!file.text) {
        return load_result{std::nullopt,
                           {config_error{source_position{path, 0, 0}, "",
                                         "cannot read the configuration: " + file.problem}}};
    }
    return load_string(*file.text, path, default_router_id);
}

}  // namespace vipd::config
