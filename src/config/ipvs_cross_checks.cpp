#include <map>
#include <vector>

#include "ipvs_section.hpp"

namespace vipd::config::detail {
namespace {

std::string describe_server(const virtual_server_draft& d, const source_position& from) {
    std::string out = d.path;
    if (d.name_ok) {
        out += " \"" + *d.value.name + "\"";
    }
    return out + " (" + line_reference(d.value.position, from) + ")";
}

/// Every instance VIP address and the instance holding it.
std::map<ip_address, const instance_draft*> vip_owners(
    const std::vector<instance_draft>& instances) {
    std::map<ip_address, const instance_draft*> owners;
    for (const auto& instance : instances) {
        for (const auto& v : instance.value.vips) {
            owners.emplace(v.prefix.address, &instance);
        }
    }
    return owners;
}

void resolve_gating_instance(virtual_server_draft& server,
                             const std::vector<instance_draft>& instances,
                             const std::map<ip_address, const instance_draft*>& owners,
                             diagnostics& diag) {
    const instance_draft* owner = nullptr;
    const auto* endpoint =
        server.key_ok ? std::get_if<ipvs::endpoint_key>(&server.value.key) : nullptr;
    if (endpoint != nullptr) {
        if (auto it = owners.find(endpoint->address); it != owners.end()) {
            owner = it->second;
        }
    }
    if (!server.vrrp) {
        // No instance owns the address (or a fwmark service names none): always pushed.
        if (owner != nullptr && owner->name_ok) {
            server.value.vrrp = owner->value.name;
        }
        return;
    }
    const std::string key = server.path + ".vrrp";
    std::vector<std::string_view> names;
    const instance_draft* named = nullptr;
    for (const auto& instance : instances) {
        if (instance.name_ok) {
            names.push_back(instance.value.name);
            if (instance.value.name == *server.vrrp) {
                named = &instance;
            }
        }
    }
    if (named == nullptr) {
        std::string message = "no [[vrrp]] instance is named \"" + *server.vrrp + "\"";
        if (const auto near = closest_match(*server.vrrp, names); !near.empty()) {
            message += " (did you mean \"" + std::string(near) + "\"?)";
        }
        if (names.empty()) {
            message += "; this file has no instances: leave vrrp out to push the service always";
        } else {
            message += "; instances: ";
            for (std::size_t i = 0; i < names.size(); ++i) {
                message += (i == 0 ? "" : ", ") + std::string(names[i]);
            }
        }
        diag.report(server.vrrp_at, key, std::move(message));
        return;
    }
    if (owner != nullptr && owner != named) {
        // Gating on one instance while another moves the VIP would leave the service on a
        // director that does not hold its address.
        diag.report(server.vrrp_at, key,
                    endpoint->address.to_string() + " is a VIP of " +
                        describe_instance(*owner, server.vrrp_at) +
                        ", so that instance gates this service; remove vrrp or name \"" +
                        (owner->name_ok ? owner->value.name : std::string("?")) + "\"");
        return;
    }
    server.value.vrrp = named->value.name;
}

}  // namespace

void check_static_vips(const std::vector<static_vip_draft>& statics,
                       const std::vector<instance_draft>& instances, diagnostics& diag) {
    const auto owners = vip_owners(instances);
    std::map<ip_address, const static_vip_draft*> seen;
    for (const auto& s : statics) {
        const auto& address = s.value.prefix.address;
        if (auto it = owners.find(address); it != owners.end()) {
            diag.report(s.at, s.key,
                        address.to_string() + " is also a VIP of " +
                            describe_instance(*it->second, s.at) +
                            "; a static VIP is held always and cannot move with an instance");
            continue;
        }
        auto [it, fresh] = seen.emplace(address, &s);
        if (!fresh) {
            diag.report(s.at, s.key,
                        address.to_string() + " is listed twice in static_vips (first at line " +
                            std::to_string(it->second->at.line) + ")");
        }
    }
}

void check_virtual_servers(std::vector<virtual_server_draft>& servers,
                           const std::vector<instance_draft>& instances, const ipvs_settings& ipvs,
                           diagnostics& diag) {
    const auto owners = vip_owners(instances);
    std::map<std::string, const virtual_server_draft*> names;
    std::map<ipvs::service_key, const virtual_server_draft*> keys;
    for (auto& server : servers) {
        if (server.name_ok) {
            auto [it, fresh] = names.emplace(*server.value.name, &server);
            if (!fresh) {
                diag.report(server.name_at, server.path + ".name",
                            "name \"" + *server.value.name + "\" is already used by " +
                                describe_server(*it->second, server.name_at) +
                                "; virtual server names must be unique");
            }
        }
        if (server.key_ok) {
            auto [it, fresh] = keys.emplace(server.value.key, &server);
            if (!fresh) {
                const bool fwmark = std::holds_alternative<ipvs::fwmark_key>(server.value.key);
                diag.report(server.key_at, server.path + (fwmark ? ".fwmark" : ".address"),
                            ipvs::to_string(server.value.key) + " is already " +
                                describe_server(*it->second, server.key_at) +
                                "; merge the two, each service can be defined once");
            }
        }
        resolve_gating_instance(server, instances, owners, diag);
        // ip_vs_ctl.c refuses destinations of the other family while a sync daemon runs: the
        // sync protocol cannot describe them.
        if (ipvs.sync && server.mixed_family_key) {
            diag.report(server.mixed_family_at, *server.mixed_family_key,
                        "a real of the other address family cannot be used with [ipvs.sync]: "
                        "the kernel refuses mixed-family services while connection sync runs");
        }
    }
}

}  // namespace vipd::config::detail
