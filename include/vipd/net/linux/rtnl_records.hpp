#pragma once
/// Links and addresses as rtnetlink describes them (RTM_NEWLINK, RTM_NEWADDR), plain data shared
/// by the rtnetlink adapters; the parsers are in rtnl_netlink.hpp beside them.

#include <cstdint>
#include <optional>
#include <string>

#include "vipd/core/address.hpp"
#include "vipd/net/ports.hpp"

namespace vipd::net::linux::detail {

/// One interface as RTM_NEWLINK describes it.
struct link_record {
    int index = 0;
    std::string name;
    unsigned flags = 0;  // IFF_*
    mac_address mac{};
    bool ipv6_forwarding = false;  // IFLA_AF_SPEC / AF_INET6 / IFLA_INET6_CONF[DEVCONF_FORWARDING]
};

/// One address as RTM_NEWADDR describes it.
struct address_record {
    int index = 0;
    ip_address address;  // IFA_LOCAL for IPv4 (IFA_ADDRESS may be a peer), IFA_ADDRESS for IPv6
    std::uint8_t prefix_length = 0;
    std::uint32_t flags = 0;               // IFA_FLAGS when present (32 bits), else ifa_flags
    std::optional<std::uint8_t> protocol;  // IFA_PROTO; absent on kernels before 6.0
};

}  // namespace vipd::net::linux::detail
