#include <map>

#include "vrrp_section.hpp"

namespace vipd::config::detail {

void read_vmac(const table_reader& reader, instance_draft& draft) {
    const auto use = reader.boolean("use_vmac");
    const auto name = reader.string("vmac_name", "an interface name such as \"vrrp.51\"");
    if (!use.value_or(false)) {
        if (name) {
            reader.report("vmac_name", "vmac_name needs use_vmac = true");
        }
        return;
    }
    // keepalived's default name for IPv4; IPv6 gets its own, so an IPv4 and an IPv6 instance
    // of one VRID both fit. vrid is 1..255, so either always fits IFNAMSIZ.
    const bool ipv6 = draft.vips_ok && draft.value.family() == address_family::ipv6;
    std::string chosen =
        name.value_or((ipv6 ? "vrrp6." : "vrrp.") + std::to_string(draft.value.vrid));
    if (auto problem = interface_name_problem(chosen)) {
        reader.report("vmac_name", "vmac_name " + *problem + ": \"" + chosen + "\"");
        return;
    }
    if (draft.interface_ok && chosen == draft.value.interface) {
        reader.report(name ? "vmac_name" : "use_vmac",
                      "the VMAC is a new interface on " + draft.value.interface +
                          ": give it a name of its own (vmac_name)");
        return;
    }
    draft.value.vmac = std::move(chosen);
    draft.vmac_named = name.has_value();
    draft.vmac_at =
        reader.diag().position_of(reader.find(name ? "vmac_name" : "use_vmac")->source());
}

void check_vmac_names(const std::vector<instance_draft>& drafts, diagnostics& diag) {
    std::map<std::string, const instance_draft*> names;
    for (const auto& d : drafts) {
        if (!d.value.vmac) {
            continue;
        }
        const auto key = d.path + (d.vmac_named ? ".vmac_name" : ".use_vmac");
        if (auto [it, fresh] = names.emplace(*d.value.vmac, &d); !fresh) {
            diag.report(d.vmac_at, key,
                        "VMAC " + *d.value.vmac + " is already the VMAC of " +
                            describe_instance(*it->second, d.vmac_at) +
                            (d.vmac_named ? "" : " (set vmac_name)") +
                            "; each instance needs its own");
            continue;
        }
        for (const auto& other : drafts) {
            if (other.interface_ok && other.value.interface == *d.value.vmac) {
                diag.report(d.vmac_at, key,
                            "VMAC " + *d.value.vmac + " is the interface of " +
                                describe_instance(other, d.vmac_at));
                break;
            }
        }
    }
}

}  // namespace vipd::config::detail
