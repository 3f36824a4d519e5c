#pragma once
/// Internal to the config module: [bgp] and [[bgp_vip]], and the checks that tie the announced
/// VIPs to the instances, virtual servers and static VIPs.

#include <string>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "diagnostics.hpp"
#include "ipvs_section.hpp"
#include "vipd/config/config.hpp"
#include "vrrp_section.hpp"

namespace vipd::config::detail {

/// A [[bgp_vip]] as far as it could be read.
struct bgp_vip_draft {
    bgp_vip value;
    std::string path;  // "bgp_vip[0]"
    bool name_ok = false;
    bool address_ok = false;
    source_position name_at;
    source_position address_at;
    /// Parallel to value.virtual_servers: where each name was written, and its key path.
    std::vector<std::pair<source_position, std::string>> server_at;
    source_position follow_at;
};

/// [bgp] from the root table; defaults when absent.
bgp_settings read_bgp_settings(const toml::table& root, diagnostics& diag);

/// Every [[bgp_vip]] table of the main file.
std::vector<bgp_vip_draft> read_bgp_vips(const toml::table& root, diagnostics& diag);

/// Names unique (among [[bgp_vip]] and [[vrrp]], since vipctl demote takes either), addresses
/// unique and none a VRRP or static VIP (an address on an interface would give zebra a
/// connected route that hides the announce route), virtual_servers and follow_instance name
/// existing tables.
void check_bgp_vips(const std::vector<bgp_vip_draft>& vips,
                    const std::vector<instance_draft>& instances,
                    const std::vector<virtual_server_draft>& servers,
                    const std::vector<static_vip_draft>& statics, diagnostics& diag);

}  // namespace vipd::config::detail
