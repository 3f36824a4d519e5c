#include "bgp_section.hpp"

#include <algorithm>
#include <array>
#include <map>

namespace vipd::config::detail {
namespace {

constexpr std::array<std::string_view, 4> k_bgp_keys{"table", "metric", "protocol",
                                                     "accept_linger"};
constexpr std::array<std::string_view, 5> k_bgp_vip_keys{"name", "address", "virtual_servers",
                                                         "gate", "follow_instance"};
constexpr std::array<foreign_key_hint, 2> k_bgp_vip_hints{{
    {"vrrp", "a [[bgp_vip]] follows an instance with follow_instance = \"NAME\""},
    {"prefix", "write the address alone: a [[bgp_vip]] is always a /32 (IPv4) or /128 (IPv6)"},
}};

/// zebra's `ip import-table` takes 1..252; 253..255 are the kernel's default, main and local.
constexpr std::int64_t k_max_table = 252;

/// A withdrawal reaches the routers in milliseconds; more than this is a typo ("2m" for "2s")
/// that would keep a withdrawn VIP local for minutes.
constexpr microseconds k_max_accept_linger = std::chrono::seconds(30);

/// Why vipd must not tag its routes with `protocol`, or empty. 0..4 are the kernel's own (it
/// interprets them); zebra treats 11 and 186..198 as its own daemons' routes and removes them
/// when it starts; 18 is keepalived's.
std::string protocol_problem(std::int64_t protocol) {
    if (protocol <= 4) {
        return "0..4 are the kernel's own route protocols";
    }
    if (protocol == 11 || (protocol >= 186 && protocol <= 198)) {
        return "FRR's zebra uses it for its own routes and removes them when it starts";
    }
    if (protocol == 18) {
        return "it is keepalived's (RTPROT_KEEPALIVED)";
    }
    return {};
}

/// "192.0.2.10", "192.0.2.10/32", "2001:db8::10" or "2001:db8::10/128".
void read_address(const table_reader& reader, bgp_vip_draft& draft) {
    const auto text =
        reader.string("address", "an address such as \"192.0.2.10\"", presence::required);
    if (!text) {
        return;
    }
    const auto parsed = ip_prefix::parse(*text);
    if (!parsed || is_unspecified(parsed->address) || parsed->address.is_multicast()) {
        reader.report("address",
                      "address must be a unicast address such as \"192.0.2.10\" or "
                      "\"2001:db8::10\", got \"" +
                          *text + "\"");
        return;
    }
    const std::uint8_t full = parsed->address.is_v4() ? 32 : 128;
    if (parsed->length != full) {
        reader.report("address", "a [[bgp_vip]] is announced as a host route: write \"" +
                                     parsed->address.to_string() + "\" (a /" +
                                     std::to_string(full) + "), got \"" + *text + "\"");
        return;
    }
    draft.value.address = parsed->address;
    draft.address_ok = true;
    draft.address_at = reader.diag().position_of(reader.find("address")->source());
}

void read_server_names(const table_reader& reader, bgp_vip_draft& draft) {
    const toml::node* node = reader.find("virtual_servers");
    if (node == nullptr) {
        return;  // announced on VRRP alone, or always
    }
    const auto* array = node->as_array();
    if (array == nullptr) {
        reader.report("virtual_servers",
                      "virtual_servers must be a list of [[virtual_server]] names such as "
                      "[\"web-80\"], got " +
                          std::string(describe(node->type())));
        return;
    }
    for (std::size_t i = 0; i < array->size(); ++i) {
        const toml::node& element = *array->get(i);
        const auto path = reader.key_path("virtual_servers[" + std::to_string(i) + "]");
        const auto* text = element.as_string();
        if (text == nullptr) {
            reader.diag().report(element.source(), path,
                                 "each entry must be the name of a [[virtual_server]], got " +
                                     std::string(describe(element.type())));
            continue;
        }
        auto& names = draft.value.virtual_servers;
        if (std::find(names.begin(), names.end(), text->get()) != names.end()) {
            reader.diag().report(element.source(), path,
                                 "\"" + text->get() + "\" is already listed");
            continue;
        }
        names.push_back(text->get());
        draft.server_at.emplace_back(reader.diag().position_of(element.source()), path);
    }
}

bgp_vip_draft read_bgp_vip(const toml::table& table, std::size_t index, diagnostics& diag) {
    bgp_vip_draft draft;
    draft.path = "bgp_vip[" + std::to_string(index) + "]";
    draft.value.position = diag.position_of(table.source());
    const table_reader reader(table, draft.path, k_bgp_vip_keys, diag, k_bgp_vip_hints);
    if (auto name = reader.string("name", "a name such as \"web\"", presence::required)) {
        if (is_valid_name(*name)) {
            draft.value.name = *name;
            draft.name_ok = true;
            draft.name_at = diag.position_of(reader.find("name")->source());
        } else {
            reader.report("name",
                          "name must be letters, digits, '_', '.' or '-', got \"" + *name + "\"");
        }
    }
    read_address(reader, draft);
    read_server_names(reader, draft);
    if (auto gate = reader.string("gate", "\"all\" or \"any\"")) {
        if (*gate == "all" || *gate == "any") {
            draft.value.gate = *gate == "all" ? bgp_gate::all : bgp_gate::any;
        } else {
            reader.report("gate",
                          "gate must be \"all\" (every listed virtual server has its "
                          "quorum) or \"any\" (one has), got \"" +
                              *gate + "\"");
        }
    }
    if (auto follow = reader.string("follow_instance", "the name of a [[vrrp]] instance")) {
        draft.value.follow_instance = *follow;
        draft.follow_at = diag.position_of(reader.find("follow_instance")->source());
    }
    reader.report_unknown_keys();
    return draft;
}

/// "\"web-80\", \"web-443\"": the names a "no such name" message offers.
std::string listing(const std::vector<std::string_view>& names) {
    std::string out;
    for (const auto& name : names) {
        out += (out.empty() ? "\"" : ", \"") + std::string(name) + "\"";
    }
    return out;
}

void report_unknown_name(diagnostics& diag, const source_position& at, const std::string& key,
                         const std::string& name, std::string_view what,
                         const std::vector<std::string_view>& names) {
    std::string message = "no " + std::string(what) + " is named \"" + name + "\"";
    if (const auto near = closest_match(name, names); !near.empty()) {
        message += " (did you mean \"" + std::string(near) + "\"?)";
    }
    message += names.empty() ? "; this configuration has none" : "; names: " + listing(names);
    diag.report(at, key, std::move(message));
}

void check_names(const std::vector<bgp_vip_draft>& vips,
                 const std::vector<instance_draft>& instances, diagnostics& diag) {
    std::map<std::string, const bgp_vip_draft*> names;
    for (const auto& vip : vips) {
        if (!vip.name_ok) {
            continue;
        }
        const auto key = vip.path + ".name";
        if (auto [it, fresh] = names.emplace(vip.value.name, &vip); !fresh) {
            diag.report(vip.name_at, key,
                        "a [[bgp_vip]] named \"" + vip.value.name + "\" already exists (" +
                            line_reference(it->second->value.position, vip.name_at) + ")");
            continue;
        }
        const auto clash = std::find_if(instances.begin(), instances.end(), [&](const auto& d) {
            return d.name_ok && d.value.name == vip.value.name;
        });
        if (clash != instances.end()) {
            diag.report(vip.name_at, key,
                        "\"" + vip.value.name + "\" also names " +
                            describe_instance(*clash, vip.name_at) +
                            "; vipctl demote takes either, so the names must differ");
        }
    }
}

void check_addresses(const std::vector<bgp_vip_draft>& vips,
                     const std::vector<instance_draft>& instances,
                     const std::vector<static_vip_draft>& statics, diagnostics& diag) {
    std::map<ip_address, std::string> on_interfaces;
    for (const auto& instance : instances) {
        for (const auto& v : instance.value.vips) {
            on_interfaces.emplace(v.prefix.address, "a VIP of " + instance.path);
        }
    }
    for (const auto& s : statics) {
        on_interfaces.emplace(s.value.prefix.address, "a static VIP (" + s.key + ")");
    }
    std::map<ip_address, const bgp_vip_draft*> seen;
    for (const auto& vip : vips) {
        if (!vip.address_ok) {
            continue;
        }
        const auto key = vip.path + ".address";
        const auto& address = vip.value.address;
        if (auto it = on_interfaces.find(address); it != on_interfaces.end()) {
            // zebra prefers the connected route of an interface address to any imported one,
            // so bgpd would never see the announce route.
            diag.report(vip.address_at, key,
                        address.to_string() + " is also " + it->second +
                            ": vipd makes a [[bgp_vip]] local with a route of its own, and an "
                            "address on an interface would hide the announce route from FRR");
            continue;
        }
        if (auto [it, fresh] = seen.emplace(address, &vip); !fresh) {
            diag.report(vip.address_at, key,
                        address.to_string() + " is already announced by " + it->second->path +
                            " (" + line_reference(it->second->value.position, vip.address_at) +
                            ")");
        }
    }
}

void check_references(const bgp_vip_draft& vip, const std::vector<instance_draft>& instances,
                      const std::vector<virtual_server_draft>& servers, diagnostics& diag) {
    std::vector<std::string_view> server_names;
    for (const auto& server : servers) {
        if (server.name_ok) {
            server_names.push_back(*server.value.name);
        }
    }
    for (std::size_t i = 0; i < vip.value.virtual_servers.size(); ++i) {
        const auto& name = vip.value.virtual_servers[i];
        if (std::find(server_names.begin(), server_names.end(), name) == server_names.end()) {
            const auto& [at, key] = vip.server_at[i];
            report_unknown_name(diag, at, key, name, "[[virtual_server]]", server_names);
        }
    }
    if (!vip.value.follow_instance) {
        return;
    }
    std::vector<std::string_view> instance_names;
    for (const auto& instance : instances) {
        if (instance.name_ok) {
            instance_names.push_back(instance.value.name);
        }
    }
    const auto& follow = *vip.value.follow_instance;
    if (std::find(instance_names.begin(), instance_names.end(), follow) == instance_names.end()) {
        report_unknown_name(diag, vip.follow_at, vip.path + ".follow_instance", follow,
                            "[[vrrp]] instance", instance_names);
    }
}

}  // namespace

bgp_settings read_bgp_settings(const toml::table& root, diagnostics& diag) {
    bgp_settings out;
    const toml::node* node = root.get("bgp");
    if (node == nullptr) {
        return out;
    }
    const auto* table = node->as_table();
    if (table == nullptr) {
        diag.report(node->source(), "bgp",
                    "bgp must be a table: write [bgp] on its own line, got " +
                        std::string(describe(node->type())));
        return out;
    }
    const table_reader reader(*table, "bgp", k_bgp_keys, diag);
    if (auto value = reader.integer("table", 1, k_max_table)) {
        out.table = static_cast<std::uint32_t>(*value);
    }
    if (auto value = reader.integer("metric", 0, 0xFFFFFFFF)) {
        out.metric = static_cast<std::uint32_t>(*value);
    }
    if (auto value = reader.integer("protocol", 0, 255)) {
        if (auto problem = protocol_problem(*value); !problem.empty()) {
            reader.report("protocol", "protocol " + std::to_string(*value) +
                                          " cannot be vipd's: " + problem +
                                          "; leave it out for 86, which nothing else uses");
        } else {
            out.protocol = static_cast<std::uint8_t>(*value);
        }
    }
    if (auto value = reader.duration("accept_linger", microseconds{0}, k_max_accept_linger)) {
        out.accept_linger = *value;
    }
    reader.report_unknown_keys();
    return out;
}

std::vector<bgp_vip_draft> read_bgp_vips(const toml::table& root, diagnostics& diag) {
    std::vector<bgp_vip_draft> drafts;
    for_each_table(root, "bgp_vip", "announced VIP", diag,
                   [&](const toml::table& table, std::size_t index) {
                       drafts.push_back(read_bgp_vip(table, index, diag));
                   });
    return drafts;
}

void check_bgp_vips(const std::vector<bgp_vip_draft>& vips,
                    const std::vector<instance_draft>& instances,
                    const std::vector<virtual_server_draft>& servers,
                    const std::vector<static_vip_draft>& statics, diagnostics& diag) {
    check_names(vips, instances, diag);
    check_addresses(vips, instances, statics, diag);
    for (const auto& vip : vips) {
        check_references(vip, instances, servers, diag);
    }
}

}  // namespace vipd::config::detail
