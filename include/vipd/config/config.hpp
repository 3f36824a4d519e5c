#pragma once
/// The validated, immutable configuration. Everything here has passed validation: consumers
/// never re-check ranges. Produced by `config::load_file` / `config::load_string` (loader.hpp).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vipd/core/address.hpp"
#include "vipd/core/time.hpp"
#include "vipd/vrrp/instance.hpp"
#include "vipd/vrrp/packet.hpp"

namespace vipd::config {

/// Where a value came from, for messages about it after loading (e.g. a host warning).
struct source_position {
    std::string file;
    std::uint32_t line = 0;
    std::uint32_t column = 0;
    friend bool operator==(const source_position&, const source_position&) = default;
};

/// One entry of `vips`: "172.28.128.210/24" or "192.168.100.1/32 dev dummy1".
struct vip {
    ip_prefix prefix;
    /// The interface the address goes on; nullopt = the instance's interface.
    std::optional<std::string> device;
    friend bool operator==(const vip&, const vip&) = default;
};

struct vrrp_instance {
    std::string name;
    std::string interface;
    std::uint8_t vrid = 1;
    std::uint8_t priority = 100;
    vrrp::version version = vrrp::version::v3;
    centiseconds advert_interval{100};
    bool preempt = true;
    microseconds preempt_delay{0};
    std::optional<vrrp::auth_pass> auth_pass;  // v2 only
    std::vector<vip> vips;                     // at least one; one family
    vrrp::garp_settings garp;
    vrrp::checksum_mode v3_checksum = vrrp::checksum_mode::pseudo_header;
    source_position position;  // of the [[vrrp]] table

    address_family family() const noexcept { return vips.front().prefix.address.family(); }
    /// The interface a VIP lives on.
    const std::string& device_of(const vip& v) const { return v.device ? *v.device : interface; }
    /// The pure state machine's view of this instance.
    vrrp::instance_config instance_config() const;
    friend bool operator==(const vrrp_instance&, const vrrp_instance&) = default;
};

struct global_settings {
    std::string router_id;  // default: the host name
    friend bool operator==(const global_settings&, const global_settings&) = default;
};

struct daemon_config {
    std::string file;  // the main file it was loaded from
    global_settings global;
    std::vector<vrrp_instance> vrrp;
    friend bool operator==(const daemon_config&, const daemon_config&) = default;
};

}  // namespace vipd::config
