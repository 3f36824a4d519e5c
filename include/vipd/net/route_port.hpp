#pragma once
/// The narrow interface to the kernel's routing tables for announced VIPs ([[bgp_vip]]): host
/// routes through `lo` that carry vipd's protocol number. Linux adapter: net/linux/rtnl_routes;
/// tests use a recording fake. No libnl or socket headers here.

#include <cstdint>
#include <system_error>
#include <vector>

#include "vipd/core/address.hpp"

namespace vipd::net {

/// The kernel's local table (RT_TABLE_LOCAL): where `local` routes make a host accept packets.
inline constexpr std::uint32_t k_local_table = 255;

enum class route_type : std::uint8_t {
    unicast,  ///< RTN_UNICAST: an ordinary route, here for a routing daemon to import
    local,    ///< RTN_LOCAL: the destination is this host (what an address makes)
};

/// One host route (/32, /128) through `lo`.
struct host_route {
    route_type type = route_type::unicast;
    ip_address destination;
    std::uint32_t table = 0;    // 1..252, or k_local_table for local routes
    std::uint8_t protocol = 0;  // rtm_protocol: whose route it is
    std::uint32_t metric = 0;   // RTA_PRIORITY
    friend bool operator==(const host_route&, const host_route&) = default;
};

class route_port {
  public:
    virtual ~route_port() = default;
    /// Adds `route` (never replacing one): std::errc::file_exists when that exact route is
    /// already there.
    virtual std::error_code add(const host_route& route) = 0;
    /// Removes exactly `route` (type, table, protocol and metric must match); an absent route
    /// counts as success.
    virtual std::error_code remove(const host_route& route) = 0;
    /// Every host route of either family in `table` that carries `protocol`, into `out`
    /// (replaced). Routes of other protocols, tables or prefix lengths are not reported.
    virtual std::error_code list(std::uint32_t table, std::uint8_t protocol,
                                 std::vector<host_route>& out) = 0;
};

}  // namespace vipd::net
