#include <map>
#include <tuple>

#include "vrrp_section.hpp"

namespace vipd::config::detail {

std::string describe_instance(const instance_draft& d, const source_position& from) {
    std::string out = d.path;
    if (d.name_ok) {
        out += " \"" + d.value.name + "\"";
    }
    return out + " (" + line_reference(d.value.position, from) + ")";
}

void check_across_instances(const std::vector<instance_draft>& drafts, diagnostics& diag) {
    std::map<std::string, const instance_draft*> names;
    // One multicast group per family on a link: the VRID alone tells the routers apart there
    // (RFC 5798 §5.2.3), whatever the version.
    std::map<std::tuple<std::string, address_family, std::uint8_t>, const instance_draft*> routers;
    std::map<ip_address, const instance_draft*> addresses;

    for (const auto& d : drafts) {
        if (d.name_ok) {
            auto [it, fresh] = names.emplace(d.value.name, &d);
            if (!fresh) {
                diag.report(d.name_at, d.path + ".name",
                            "name \"" + d.value.name + "\" is already used by " +
                                describe_instance(*it->second, d.name_at) +
                                "; instance names must be unique");
            }
        }
        if (d.interface_ok && d.vrid_ok && d.vips_ok) {
            auto [it, fresh] =
                routers.emplace(std::tuple{d.value.interface, d.value.family(), d.value.vrid}, &d);
            if (!fresh) {
                diag.report(d.vrid_at, d.path + ".vrid",
                            "vrid " + std::to_string(d.value.vrid) + " is already used on " +
                                d.value.interface + " for " +
                                std::string(family_name(d.value.family())) + " by " +
                                describe_instance(*it->second, d.vrid_at) +
                                "; each virtual router on a link needs its own vrid");
            }
        }
        for (std::size_t i = 0; i < d.value.vips.size(); ++i) {
            const auto& address = d.value.vips[i].prefix.address;
            auto [it, fresh] = addresses.emplace(address, &d);
            if (!fresh && it->second != &d) {
                diag.report(d.vip_at[i], d.path + ".vips[" + std::to_string(d.vip_index[i]) + "]",
                            address.to_string() + " is already a VIP of " +
                                describe_instance(*it->second, d.vip_at[i]) +
                                "; an address can belong to one instance only");
            }
        }
    }
}

}  // namespace vipd::config::detail
