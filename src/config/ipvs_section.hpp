#pragma once
/// Internal to the config module: [[virtual_server]] with its reals, [ipvs], [global]
/// static_vips, and the checks that tie them to the VRRP instances.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "diagnostics.hpp"
#include "table_reader.hpp"
#include "vipd/config/config.hpp"
#include "vrrp_section.hpp"

namespace vipd::config::detail {

/// A virtual server as far as it could be read; the flags say what the cross checks may trust.
struct virtual_server_draft {
    virtual_server value;
    std::string path;  // "virtual_server[1]"
    bool name_ok = false;
    source_position name_at;
    bool key_ok = false;              // value.key is what the file says
    source_position key_at;           // the address or fwmark value
    std::optional<std::string> vrrp;  // as written; resolved into value.vrrp by the cross check
    source_position vrrp_at;
    /// A TUN real of the other address family (the kernel refuses those while sync runs).
    std::optional<std::string> mixed_family_key;
    source_position mixed_family_at;
};

virtual_server_draft read_virtual_server(const toml::table& table, std::size_t index,
                                         diagnostics& diag);

/// [ipvs] and [ipvs.sync] from the root table; defaults when absent.
ipvs_settings read_ipvs_settings(const toml::table& root, diagnostics& diag);

/// A static VIP with where it was written.
struct static_vip_draft {
    vip value;
    std::string key;  // "global.static_vips[0]"
    source_position at;
};

/// [global] static_vips; every entry needs "dev IFNAME". Only good entries are returned.
std::vector<static_vip_draft> read_static_vips(const table_reader& global);

/// Static VIPs unique and none an instance VIP.
void check_static_vips(const std::vector<static_vip_draft>& statics,
                       const std::vector<instance_draft>& instances, diagnostics& diag);

/// Names and service keys unique; `vrrp` names an instance and agrees with the VIP's owner;
/// resolves each gating instance into `value.vrrp`; no mixed-family reals while sync runs.
void check_virtual_servers(std::vector<virtual_server_draft>& servers,
                           const std::vector<instance_draft>& instances, const ipvs_settings& ipvs,
                           diagnostics& diag);

/// Every track_virtual_servers entry names a [[virtual_server]] by its `name`.
void check_tracked_virtual_servers(const std::vector<instance_draft>& instances,
                                   const std::vector<virtual_server_draft>& servers,
                                   diagnostics& diag);

}  // namespace vipd::config::detail
