#include <array>

#include "ipvs_section.hpp"

namespace vipd::config::detail {
namespace {

constexpr std::array<std::string_view, 3> k_ipvs_keys{"mode", "resync_interval", "sync"};
constexpr std::array<std::string_view, 2> k_sync_keys{"interface", "sync_id"};
constexpr std::array<foreign_key_hint, 2> k_sync_hints{{
    {"lvs_sync_daemon_interface", "keepalived's lvs_sync_daemon_interface is interface here"},
    {"syncid", "write sync_id = N (0..255)"},
}};

// Below this the periodic dump would cost more than the drift it repairs.
constexpr microseconds k_min_resync{100'000};
constexpr microseconds k_max_resync{3'600'000'000};

const toml::table* sub_table(const toml::node* node, std::string_view key, std::string_view how,
                             diagnostics& diag) {
    if (node == nullptr) {
        return nullptr;
    }
    const auto* table = node->as_table();
    if (table == nullptr) {
        diag.report(node->source(), std::string(key),
                    std::string(key) + " must be a table: write " + std::string(how) +
                        " on its own line, got " + std::string(describe(node->type())));
    }
    return table;
}

std::optional<ipvs_sync_settings> read_sync(const table_reader& parent) {
    const auto* table = sub_table(parent.find("sync"), "ipvs.sync", "[ipvs.sync]", parent.diag());
    if (table == nullptr) {
        return std::nullopt;
    }
    const table_reader reader(*table, "ipvs.sync", k_sync_keys, parent.diag(), k_sync_hints);
    ipvs_sync_settings sync;
    bool ok = true;
    if (auto interface = reader.string("interface",
                                       "the interface the sync multicast uses, "
                                       "such as \"eth1\"",
                                       presence::required)) {
        if (auto problem = interface_name_problem(*interface)) {
            reader.report("interface",
                          "interface " + *problem + ": " + show(*reader.find("interface")));
            ok = false;
        } else {
            sync.interface = *interface;
        }
    } else {
        ok = false;
    }
    // The kernel's sync messages carry the id in 8 bits; backups ignore other ids.
    if (auto id = reader.integer("sync_id", 0, 255)) {
        sync.sync_id = static_cast<std::uint8_t>(*id);
    }
    reader.report_unknown_keys();
    return ok ? std::optional{sync} : std::nullopt;
}

}  // namespace

ipvs_settings read_ipvs_settings(const toml::table& root, diagnostics& diag) {
    ipvs_settings settings;
    const auto* table = sub_table(root.get("ipvs"), "ipvs", "[ipvs]", diag);
    if (table == nullptr) {
        return settings;
    }
    const table_reader reader(*table, "ipvs", k_ipvs_keys, diag);
    if (auto mode = reader.string("mode", "\"master\" or \"always\"")) {
        if (*mode == "master") {
            settings.mode = ipvs_mode::master;
        } else if (*mode == "always") {
            settings.mode = ipvs_mode::always;
        } else {
            reader.report("mode",
                          "mode must be \"master\" (services only on the director that "
                          "is MASTER for their VIP) or \"always\" (on every director), "
                          "got " +
                              show(*reader.find("mode")));
        }
    }
    if (auto interval = reader.duration("resync_interval", k_min_resync, k_max_resync)) {
        settings.resync_interval = *interval;
    }
    settings.sync = read_sync(reader);
    reader.report_unknown_keys();
    return settings;
}

std::vector<static_vip_draft> read_static_vips(const table_reader& global) {
    std::vector<static_vip_draft> out;
    const toml::node* node = global.find("static_vips");
    if (node == nullptr) {
        return out;
    }
    const auto* array = node->as_array();
    if (array == nullptr) {
        global.report("static_vips",
                      "static_vips must be an array such as [\"192.168.100.1/32 dev dummy1\"], "
                      "got " +
                          std::string(describe(node->type())));
        return out;
    }
    for (std::size_t i = 0; i < array->size(); ++i) {
        const toml::node& element = *array->get(i);
        const std::string key = global.key_path("static_vips[" + std::to_string(i) + "]");
        auto parsed = parse_vip(element);
        if (!parsed.value) {
            global.diag().report(element.source(), key, std::move(parsed.problem));
            continue;
        }
        if (!parsed.value->device) {
            global.diag().report(element.source(), key,
                                 "a static VIP needs \"dev IFNAME\" (no instance interface to "
                                 "default to), such as \"" +
                                     parsed.value->prefix.to_string() + " dev dummy1\"");
            continue;
        }
        out.push_back(static_vip_draft{std::move(*parsed.value), key,
                                       global.diag().position_of(element.source())});
    }
    return out;
}

}  // namespace vipd::config::detail
