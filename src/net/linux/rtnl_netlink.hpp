#pragma once
/// Private helpers shared by the rtnetlink adapters: socket ownership, request/ACK round trips
/// with the kernel's own errno, and parsers for RTM_NEWLINK / RTM_NEWADDR messages.
///
/// libnl-route's rtnl_addr objects cannot carry IFA_PROTO (libnl 3.7), so addresses are parsed
/// here with libnl-core's attribute helpers instead of the route caches.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "vipd/core/address.hpp"
#include "vipd/net/ports.hpp"

#include "vipd/net/linux/rtnl_records.hpp"
#include "vipd/net/linux/rtnl_socket.hpp"

struct nl_msg;
struct nlattr;
struct nlmsghdr;

namespace vipd::net::linux::detail {

struct nl_msg_deleter {
    void operator()(nl_msg* msg) const noexcept;
};
using nl_msg_ptr = std::unique_ptr<nl_msg, nl_msg_deleter>;

/// `value` (an errno) as the error code the adapters return, and the test for one.
inline std::error_code errno_code(int value) {
    return {value, std::system_category()};
}
inline bool is_errno(const std::error_code& error, int value) {
    return error == errno_code(value);
}

/// Opens a NETLINK_ROUTE socket in the caller's current network namespace, connected and ready
/// for synchronous requests (auto-ACK, sequence checks, MSG_PEEK so no dump is truncated).
std::error_code open_request_socket(nl_sock_ptr& out);

/// Sends `msg` and waits for the kernel's ACK. Returns the kernel's errno (system_category) on a
/// NLMSG_ERROR, or a libnl transport failure mapped to EIO/ENOBUFS.
std::error_code request_ack(nl_sock* sock, nl_msg* msg);

/// Asks the kernel to check this socket's dump requests strictly and to honour the filters in
/// them (NETLINK_GET_STRICT_CHK, Linux >= 4.20). Older kernels answer ENOPROTOOPT and dump
/// everything whatever the request says, so callers filter the replies themselves either way.
std::error_code enable_strict_dumps(nl_sock* sock);
/// Back to the kernel's lenient checks: dump requests' filters are ignored again.
std::error_code disable_strict_dumps(nl_sock* sock);

/// The RTM_GETROUTE dump request for the routes of `family` (AF_INET or AF_INET6) in `table`
/// that carry `protocol`: rtm_table (when it fits in 8 bits) and rtm_protocol in the header,
/// RTA_TABLE as the one attribute, every other header field zero, since a strict kernel refuses
/// a dump request with anything else (ip_valid_fib_dump_req). Null when out of memory.
nl_msg_ptr route_dump_request(unsigned char family, std::uint32_t table, std::uint8_t protocol);

/// rtm_table holds 8 bits: `table` when it fits, else RT_TABLE_UNSPEC, and RTA_TABLE (which
/// wins when both are there) carries the whole number.
std::uint8_t rtm_table_of(std::uint32_t table);

/// A dump with the request `make_request` builds (afresh for every attempt: a sent message
/// carries its sequence number), each reply handed to `on_message`; a null request is ENOMEM.
/// The errno a failed dump ends with is returned (a strict dump of a table that does not
/// exist: ENOENT). Retried when the kernel flags it interrupted; `reset` runs before every
/// attempt so the caller starts afresh.
std::error_code dump_request(nl_sock* sock, const std::function<nl_msg_ptr()>& make_request,
                             const std::function<void()>& reset,
                             const std::function<void(const nlmsghdr*)>& on_message);
/// Every interface in the socket's namespace.
std::error_code dump_links(nl_sock* sock, std::vector<link_record>& out);
/// Every address of every family in the socket's namespace, in the kernel's order (per
/// interface, IPv4 primaries before their secondaries).
std::error_code dump_addresses(nl_sock* sock, std::vector<address_record>& out);
/// The interface named `name`; ENODEV when it does not exist.
std::error_code get_link(nl_sock* sock, const std::string& name, link_record& out);
/// The same request, with each reply handed to `on_reply` as it came, for callers that need
/// attributes link_record leaves out; `on_reply` says whether it understood the reply, and
/// ENODEV means no reply was understood.
std::error_code get_link_reply(nl_sock* sock, const std::string& name,
                               const std::function<bool(const nlmsghdr*)>& on_reply);

/// The attribute of `type` in IFLA_AF_SPEC's nest for address family `family`, or nullptr.
const nlattr* af_spec_find(const nlattr* af_spec, int family, int type);
/// Entry `position` of a per-interface conf array (IFLA_INET_CONF: IPV4_DEVCONF_X at X - 1;
/// IFLA_INET6_CONF: DEVCONF_X at X), or nullopt when `conf` is null or too short.
std::optional<std::uint32_t> conf_entry(const nlattr* conf, std::size_t position);

/// Parsers for a single message; false when the message is not of that type or malformed.
bool parse_link(const nlmsghdr* header, link_record& out);
bool parse_address(const nlmsghdr* header, address_record& out);

/// Maps a negative libnl error (-NLE_*) to the closest errno, for paths where libnl did the
/// receiving and only its own code is known.
int errno_from_libnl(int libnl_error) noexcept;

}  // namespace vipd::net::linux::detail
