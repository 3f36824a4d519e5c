#include "vipd/net/linux/rtnl_routes.hpp"

#include <cerrno>

#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <sys/socket.h>

#include "rtnl_netlink.hpp"

namespace vipd::net::linux {

namespace {

std::uint8_t full_length(const ip_address& address) {
    return address.is_v4() ? 32 : 128;
}

detail::nl_msg_ptr build_route_message(int type, int flags, const host_route& route, int loopback) {
    detail::nl_msg_ptr msg(nlmsg_alloc_simple(type, flags));
    if (!msg) {
        return msg;
    }
    const bool local = route.type == route_type::local;
    rtmsg header{};
    header.rtm_family = static_cast<unsigned char>(route.destination.is_v4() ? AF_INET : AF_INET6);
    header.rtm_dst_len = full_length(route.destination);
    header.rtm_table = detail::rtm_table_of(route.table);
    header.rtm_protocol = route.protocol;
    // What `ip route add [local] ADDR dev lo` picks: a local route is the host's own, a unicast
    // one through a device without a gateway is on-link.
    header.rtm_scope = local ? RT_SCOPE_HOST : RT_SCOPE_LINK;
    header.rtm_type = local ? RTN_LOCAL : RTN_UNICAST;
    const auto bytes = route.destination.bytes();
    const bool ok =
        nlmsg_append(msg.get(), &header, sizeof(header), NLMSG_ALIGNTO) >= 0 &&
        nla_put(msg.get(), RTA_DST, static_cast<int>(bytes.size()), bytes.data()) >= 0 &&
        nla_put_u32(msg.get(), RTA_TABLE, route.table) >= 0 &&
        nla_put_u32(msg.get(), RTA_PRIORITY, route.metric) >= 0 &&
        nla_put_u32(msg.get(), RTA_OIF, static_cast<std::uint32_t>(loopback)) >= 0;
    if (!ok) {
        msg.reset();
    }
    return msg;
}

/// One RTM_NEWROUTE of a dump as a host_route, when it is a full-length route of `family`,
/// `table` and `protocol` of a type vipd makes. Checked here whatever the request asked: a
/// kernel before 4.20 sends every route of every table.
bool parse_host_route(const nlmsghdr* header, unsigned char family, std::uint32_t table,
                      std::uint8_t protocol, host_route& out) {
    if (header->nlmsg_type != RTM_NEWROUTE) {
        return false;
    }
    const auto* info = static_cast<const rtmsg*>(nlmsg_data(header));
    if (info->rtm_family != family || info->rtm_protocol != protocol ||
        (info->rtm_type != RTN_UNICAST && info->rtm_type != RTN_LOCAL)) {
        return false;
    }
    nlattr* attributes[RTA_MAX + 1]{};
    if (nlmsg_parse(const_cast<nlmsghdr*>(header), sizeof(rtmsg), attributes, RTA_MAX, nullptr) <
        0) {
        return false;
    }
    const nlattr* table_attribute = attributes[RTA_TABLE];
    const std::uint32_t found_table = table_attribute != nullptr && nla_len(table_attribute) >= 4
                                          ? nla_get_u32(table_attribute)
                                          : info->rtm_table;
    const nlattr* destination = attributes[RTA_DST];
    if (found_table != table || destination == nullptr) {
        return false;
    }
    const auto address = ip_address::from_bytes(
        std::span<const std::uint8_t>(static_cast<const std::uint8_t*>(nla_data(destination)),
                                      static_cast<std::size_t>(nla_len(destination))));
    if (!address || info->rtm_dst_len != full_length(*address)) {
        return false;
    }
    const nlattr* priority = attributes[RTA_PRIORITY];
    out = host_route{
        .type = info->rtm_type == RTN_LOCAL ? route_type::local : route_type::unicast,
        .destination = *address,
        .table = found_table,
        .protocol = info->rtm_protocol,
        .metric = priority != nullptr && nla_len(priority) >= 4 ? nla_get_u32(priority) : 0U};
    return true;
}

}  // namespace

rtnl_routes::rtnl_routes(dump_mode mode) {
    if (auto error = detail::open_request_socket(sock_)) {
        throw std::system_error(error, "rtnl_routes: cannot open a NETLINK_ROUTE socket");
    }
    // ENOPROTOOPT before Linux 4.20: the kernel then sends every route, and list() filters.
    kernel_filters_ = mode == dump_mode::filtered && !detail::enable_strict_dumps(sock_.get());
}

std::error_code rtnl_routes::loopback_index(int& out) {
    if (loopback_ == 0) {
        detail::link_record link;
        if (auto error = detail::get_link(sock_.get(), "lo", link)) {
            return error;
        }
        loopback_ = link.index;
    }
    out = loopback_;
    return {};
}

std::error_code rtnl_routes::add(const host_route& route) {
    int loopback = 0;
    if (auto error = loopback_index(loopback)) {
        return error;
    }
    auto msg = build_route_message(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, route, loopback);
    if (!msg) {
        return detail::errno_code(ENOMEM);
    }
    return detail::request_ack(sock_.get(), msg.get());
}

std::error_code rtnl_routes::remove(const host_route& route) {
    int loopback = 0;
    if (auto error = loopback_index(loopback)) {
        return error;
    }
    auto msg = build_route_message(RTM_DELROUTE, 0, route, loopback);
    if (!msg) {
        return detail::errno_code(ENOMEM);
    }
    auto error = detail::request_ack(sock_.get(), msg.get());
    // IPv4 answers ESRCH for a route that is not there, IPv6 ENOENT: the goal is reached.
    if (detail::is_errno(error, ESRCH) || detail::is_errno(error, ENOENT)) {
        return {};
    }
    return error;
}

std::error_code rtnl_routes::list(std::uint32_t table, std::uint8_t protocol,
                                  std::vector<host_route>& out) {
    out.clear();
    std::vector<host_route> found;
    // One dump per family: a strict AF_UNSPEC dump goes to every family, and MPLS, when loaded,
    // refuses one that names a table (mpls_valid_fib_dump_req: EINVAL).
    constexpr unsigned char k_families[] = {AF_INET, AF_INET6};
    for (const unsigned char family : k_families) {
        if (auto error = list_family(family, table, protocol, found)) {
            out.clear();
            return error;
        }
        out.insert(out.end(), found.begin(), found.end());
    }
    return {};
}

std::error_code rtnl_routes::list_family(unsigned char family, std::uint32_t table,
                                         std::uint8_t protocol, std::vector<host_route>& out) {
    auto error = detail::dump_request(
        sock_.get(), [&] { return detail::route_dump_request(family, table, protocol); },
        [&out] { out.clear(); },
        [&](const nlmsghdr* header) {
            host_route route;
            if (parse_host_route(header, family, table, protocol, route)) {
                out.push_back(route);
            }
        });
    if (!kernel_filters_) {
        return error;
    }
    // A strict kernel answers ENOENT for a table that has no route of the family yet.
    if (detail::is_errno(error, ENOENT)) {
        out.clear();
        return {};
    }
    // One that refuses the filter (EINVAL: a family that takes no table answered, as MPLS does
    // when a kernel without IPv6 hands an AF_INET6 dump to every family) is asked for
    // everything from now on.
    if (detail::is_errno(error, EINVAL) && !detail::disable_strict_dumps(sock_.get())) {
        kernel_filters_ = false;
        return list_family(family, table, protocol, out);
    }
    return error;
}

}  // namespace vipd::net::linux
