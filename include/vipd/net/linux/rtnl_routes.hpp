#pragma once
/// route_port on rtnetlink: adds, removes and lists host routes through `lo` with synchronous
/// requests on a dedicated NETLINK_ROUTE socket.

#include <cstdint>
#include <system_error>
#include <vector>

#include "vipd/net/linux/rtnl_socket.hpp"
#include "vipd/net/route_port.hpp"

namespace vipd::net::linux {

/// How list() reads the kernel's routes.
enum class dump_mode : std::uint8_t {
    /// The kernel sends only the table's routes of the protocol (NETLINK_GET_STRICT_CHK, Linux
    /// >= 4.20), when it can; older kernels send everything.
    filtered,
    /// The kernel sends every route, as one before 4.20 does whatever it is asked.
    unfiltered,
};

/// Talks to the kernel of the network namespace the constructing thread is in. Not thread-safe:
/// the daemon's event loop is its one caller. Each call is one blocking netlink round trip (a
/// list: one route dump per family, and the lookup of `lo`'s index for a change).
class rtnl_routes final : public route_port {
  public:
    /// Opens the netlink socket; throws std::system_error if it cannot (startup only).
    explicit rtnl_routes(dump_mode mode = dump_mode::filtered);

    /// RTM_NEWROUTE with NLM_F_CREATE | NLM_F_EXCL: scope link for unicast, host for local
    /// routes, RTA_TABLE, RTA_PRIORITY, RTA_OIF = lo.
    std::error_code add(const host_route& route) override;
    /// RTM_DELROUTE naming the type, table, protocol and metric; ESRCH / ENOENT count as done.
    std::error_code remove(const host_route& route) override;
    /// One RTM_GETROUTE dump per family asking for this table and protocol, and the replies
    /// filtered here as well (only this table, this protocol and full-length prefixes), so the
    /// answer is the same whether the kernel filtered or not.
    std::error_code list(std::uint32_t table, std::uint8_t protocol,
                         std::vector<host_route>& out) override;

    /// Whether the kernel filters the dumps (false before Linux 4.20, or in unfiltered mode).
    bool kernel_filters() const noexcept { return kernel_filters_; }

  private:
    std::error_code loopback_index(int& out);
    std::error_code list_family(unsigned char family, std::uint32_t table, std::uint8_t protocol,
                                std::vector<host_route>& out);

    detail::nl_sock_ptr sock_;
    int loopback_ = 0;  // lo's index, once looked up
    bool kernel_filters_ = false;
};

}  // namespace vipd::net::linux
