#include "vipd/config/loader.hpp"

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <toml++/toml.h>

#include "diagnostics.hpp"
#include "ipvs_section.hpp"
#include "table_reader.hpp"
#include "vrrp_section.hpp"

namespace vipd::config {
namespace {

constexpr std::array<std::string_view, 4> k_top_keys{"global", "vrrp", "virtual_server", "ipvs"};
constexpr std::array<std::string_view, 2> k_global_keys{"router_id", "static_vips"};

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
    const detail::table_reader reader(*table, "global", k_global_keys, diag);
    if (auto id = reader.string("router_id", "a non-empty string such as \"dir1\"")) {
        if (id->empty()) {
            reader.report("router_id",
                          "router_id must not be empty (leave it out to use the "
                          "host name)");
        } else {
            global.router_id = *id;
        }
    }
    auto statics = detail::read_static_vips(reader);
    reader.report_unknown_keys();
    return statics;
}

std::vector<detail::virtual_server_draft> read_virtual_servers(const toml::table& root,
                                                               detail::diagnostics& diag) {
    std::vector<detail::virtual_server_draft> drafts;
    const toml::node* node = root.get("virtual_server");
    if (node == nullptr) {
        return drafts;
    }
    const auto* array = node->as_array();
    if (array == nullptr) {
        diag.report(node->source(), "virtual_server",
                    "virtual_server must be an array of tables: write each service under "
                    "[[virtual_server]] (double brackets), got " +
                        std::string(detail::describe(node->type())));
        return drafts;
    }
    for (std::size_t i = 0; i < array->size(); ++i) {
        const toml::node& element = *array->get(i);
        if (const auto* table = element.as_table()) {
            drafts.push_back(detail::read_virtual_server(*table, i, diag));
        } else {
            diag.report(element.source(), "virtual_server[" + std::to_string(i) + "]",
                        "each virtual_server entry must be a table (write [[virtual_server]]), "
                        "got " +
                            std::string(detail::describe(element.type())));
        }
    }
    return drafts;
}

std::vector<detail::instance_draft> read_instances(const toml::table& root,
                                                   detail::diagnostics& diag) {
    std::vector<detail::instance_draft> drafts;
    const toml::node* node = root.get("vrrp");
    if (node == nullptr) {
        return drafts;
    }
    const auto* array = node->as_array();
    if (array == nullptr) {
        diag.report(node->source(), "vrrp",
                    "vrrp must be an array of tables: write each instance under [[vrrp]] (double "
                    "brackets), got " +
                        std::string(detail::describe(node->type())));
        return drafts;
    }
    for (std::size_t i = 0; i < array->size(); ++i) {
        const toml::node& element = *array->get(i);
        if (const auto* table = element.as_table()) {
            drafts.push_back(detail::read_vrrp_instance(*table, i, diag));
        } else {
            diag.report(element.source(), "vrrp[" + std::to_string(i) + "]",
                        "each vrrp entry must be a table (write [[vrrp]]), got " +
                            std::string(detail::describe(element.type())));
        }
    }
    return drafts;
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
    config.global.router_id = default_router_id;
    const auto statics = read_global(root, diag, config.global);
    auto drafts = read_instances(root, diag);
    detail::check_across_instances(drafts, diag);
    detail::check_static_vips(statics, drafts, diag);
    config.ipvs = detail::read_ipvs_settings(root, diag);
    auto servers = read_virtual_servers(root, diag);
    detail::check_virtual_servers(servers, drafts, config.ipvs, diag);
    detail::check_tracked_virtual_servers(drafts, servers, diag);
    detail::table_reader(root, "", k_top_keys, diag).report_unknown_keys();

    if (!diag.empty()) {
        return load_result{std::nullopt, diag.take()};
    }
    config.vrrp.reserve(drafts.size());
    for (auto& d : drafts) {
        config.vrrp.push_back(std::move(d.value));
    }
    for (const auto& s : statics) {
        config.static_vips.push_back(s.value);
    }
    config.virtual_servers.reserve(servers.size());
    for (auto& s : servers) {
        config.virtual_servers.push_back(std::move(s.value));
    }
    return load_result{std::move(config), {}};
}

load_result load_file(const std::string& path, const std::string& default_router_id) {
    auto failure = [&](std::string message) {
        return load_result{std::nullopt, {config_error{source_position{path, 0, 0}, "", message}}};
    };
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        return failure("cannot read the configuration: it is a directory");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return failure("cannot read the configuration: " + std::string(std::strerror(errno)));
    }
    // Read straight into one string sized from the file (a stringstream would grow and copy it
    // twice: 600 KB for 1,000 services, each copy new pages to fault in); a file that changes
    // size meanwhile is still read to its end.
    std::string text;
    if (const auto size = std::filesystem::file_size(path, ec); !ec) {
        text.reserve(static_cast<std::size_t>(size));
    }
    std::array<char, 65536> chunk{};
    while (in.read(chunk.data(), chunk.size()) || in.gcount() > 0) {
        text.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
    }
    if (in.bad()) {
        return failure("cannot read the configuration: " + std::string(std::strerror(errno)));
    }
    return load_string(text, path, default_router_id);
}

}  // namespace vipd::config
