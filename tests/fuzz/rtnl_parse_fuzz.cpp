// libFuzzer target for the rtnetlink reply parsers parse_link (RTM_NEWLINK) and parse_address
// (RTM_NEWADDR / RTM_DELADDR): what every link and address dump, and the link monitor, go
// through.
//
// Input: byte 0 chooses the message type (bits 0-1: RTM_NEWLINK, RTM_NEWADDR, RTM_DELADDR, or
// RTM_GETLINK, which both parsers must refuse); the rest is the message after the nlmsghdr:
// ifinfomsg or ifaddrmsg, then attributes.
//
// Oracle: beyond the sanitizers and the guard page after the message (libnl reads the
// attributes uninstrumented), a parsed address has the family its ifaddrmsg announced.

#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cstdint>
#include <span>

#include "netlink_frame.hpp"
#include "oracle.hpp"
#include "rtnl_netlink.hpp"

namespace {

using vipd::fuzz::guarded_message;
using vipd::fuzz::oracle_failed;
using vipd::net::linux::detail::address_record;
using vipd::net::linux::detail::link_record;
using vipd::net::linux::detail::parse_address;
using vipd::net::linux::detail::parse_link;

constexpr std::uint16_t k_types[] = {RTM_NEWLINK, RTM_NEWADDR, RTM_DELADDR, RTM_GETLINK};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const std::uint16_t type = k_types[data[0] & 3];
    const guarded_message message(type, {}, std::span(data + 1, size - 1));
    link_record link;
    const bool is_link = parse_link(&message.header(), link);
    address_record address;
    const bool is_address = parse_address(&message.header(), address);
    if ((is_link && type != RTM_NEWLINK) ||
        (is_address && type != RTM_NEWADDR && type != RTM_DELADDR)) {
        oracle_failed("a parser accepted a message of another type");
    }
    if (is_address) {
        const auto* info = static_cast<const ifaddrmsg*>(NLMSG_DATA(&message.header()));
        if (address.address.is_v4() != (info->ifa_family == AF_INET)) {
            oracle_failed("an address of another family than its ifaddrmsg says");
        }
    }
    return 0;
}
