#include "vipd/ipvs/reconciler.hpp"

#include <algorithm>

namespace vipd::ipvs {

namespace detail {
namespace {

constexpr std::uint8_t k_ipv4_width = 32;
constexpr std::uint8_t k_ipv6_width = 128;

std::uint8_t family_width(address_family family) noexcept {
    return family == address_family::ipv4 ? k_ipv4_width : k_ipv6_width;
}

// Appends the destination operations of one service that exists (or is being added) in the
// kernel: adds, then edits, then deletes, so a swapped real never leaves the service empty.
void reconcile_destinations(const service_key& key, const service& want, const service* have,
                            std::vector<operation>& ops) {
    std::vector<operation> edits;
    for (const auto& [dest_key, settings] : want.destinations) {
        const destination_settings* current = nullptr;
        if (have != nullptr) {
            if (auto found = have->destinations.find(dest_key); found != have->destinations.end()) {
                current = &found->second;
            }
        }
        if (current == nullptr) {
            ops.emplace_back(add_destination{key, dest_key, settings});
        } else if (normalize(*current) != normalize(settings)) {
            edits.emplace_back(edit_destination{key, dest_key, settings});
        }
    }
    ops.insert(ops.end(), edits.begin(), edits.end());
    if (have == nullptr) {
        return;
    }
    for (const auto& entry : have->destinations) {
        if (!want.destinations.contains(entry.first)) {
            ops.emplace_back(delete_destination{key, entry.first});
        }
    }
}

}  // namespace
}  // namespace detail

service_settings normalize(service_settings settings, address_family family) {
    const std::uint8_t width = detail::family_width(family);
    if (settings.persistence_timeout == 0 || settings.persistence_prefix > width) {
        settings.persistence_prefix = width;
    }
    return settings;
}

destination_settings normalize(destination_settings settings) {
    if (settings.forwarding != forwarding::tunnel) {
        settings.tunnel_type = tunnel_type::ipip;
        settings.tunnel_port = 0;
        settings.tunnel_checksum = false;
        return settings;
    }
    if (settings.tunnel_type != tunnel_type::gue) {
        settings.tunnel_port = 0;  // only GUE encapsulates in UDP
    }
    if (settings.tunnel_type == tunnel_type::ipip) {
        settings.tunnel_checksum = false;  // IPIP has no checksum to compute
    }
    return settings;
}

service normalize(const service& svc, address_family family) {
    service out;
    out.settings = normalize(svc.settings, family);
    for (const auto& [key, settings] : svc.destinations) {
        out.destinations.emplace(key, normalize(settings));
    }
    return out;
}

table normalize(const table& tbl) {
    table out;
    for (const auto& [key, svc] : tbl) {
        out.emplace(key, normalize(svc, family_of(key)));
    }
    return out;
}

std::vector<operation> reconcile(const table& desired, const table& observed,
                                 const std::set<service_key>& managed) {
    // Every key we may act on, in one sorted set so the output order is the map order.
    std::set<service_key> keys = managed;
    for (const auto& entry : desired) {
        keys.insert(entry.first);
    }

    std::vector<operation> ops;
    for (const auto& key : keys) {
        const auto want = desired.find(key);
        const auto have = observed.find(key);
        if (want == desired.end()) {
            if (have != observed.end()) {
                ops.emplace_back(delete_service{key});  // takes its destinations with it
            }
            continue;
        }
        const address_family family = family_of(key);
        if (have == observed.end()) {
            ops.emplace_back(add_service{key, want->second.settings});
            detail::reconcile_destinations(key, want->second, nullptr, ops);
            continue;
        }
        if (normalize(have->second.settings, family) != normalize(want->second.settings, family)) {
            // SET_SERVICE keeps the destinations and their connections; delete + add would not.
            ops.emplace_back(edit_service{key, want->second.settings});
        }
        detail::reconcile_destinations(key, want->second, &have->second, ops);
    }
    return ops;
}

std::set<service_key> changed_services(const table& before, const table& after) {
    std::set<service_key> changed;
    for (const auto& [key, svc] : before) {
        const auto found = after.find(key);
        if (found == after.end() || !(found->second == svc)) {
            changed.insert(key);
        }
    }
    for (const auto& [key, svc] : after) {
        if (!before.contains(key)) {
            changed.insert(key);
        }
    }
    return changed;
}

}  // namespace vipd::ipvs
