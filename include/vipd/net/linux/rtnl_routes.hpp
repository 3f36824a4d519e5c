#pragma once
/// route_port on rtnetlink: adds, removes and lists host routes through `lo` with synchronous
/// requests on a dedicated NETLINK_ROUTE socket.

#include <cstdint>
#include <system_error>
#include <vector>

#include "vipd/net/linux/rtnl_socket.hpp"
#include "vipd/net/route_port.hpp"

namespace vipd::net::linux {

/// Talks to the kernel of the network namespace the constructing thread is in. Not thread-safe:
/// the daemon's event loop is its one caller. Each call is one blocking netlink round trip (a
/// list: one route dump, and the lookup of `lo`'s index for a change).
class rtnl_routes final : public route_port {
  public:
    /// Opens the netlink socket; throws std::system_error if it cannot (startup only).
    rtnl_routes();

    /// RTM_NEWROUTE with NLM_F_CREATE | NLM_F_EXCL: scope link for unicast, host for local
    /// routes, RTA_TABLE, RTA_PRIORITY, RTA_OIF = lo.
    std::error_code add(const host_route& route) override;
    /// RTM_DELROUTE naming the type, table, protocol and metric; ESRCH / ENOENT count as done.
    std::error_code remove(const host_route& route) override;
    /// One RTM_GETROUTE dump of every table and family, filtered here: only this table, this
    /// protocol and full-length prefixes.
    std::error_code list(std::uint32_t table, std::uint8_t protocol,
                         std::vector<host_route>& out) override;

  private:
    std::error_code loopback_index(int& out);

    detail::nl_sock_ptr sock_;
    int loopback_ = 0;  // lo's index, once looked up
};

}  // namespace vipd::net::linux
