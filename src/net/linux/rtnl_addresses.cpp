#include "vipd/net/linux/rtnl_addresses.hpp"

#include <cerrno>
#include <unordered_map>

#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>

#include "rtnl_netlink.hpp"

namespace vipd::net::linux {

namespace {

std::error_code from_errno(int value) {
    return {value, std::system_category()};
}

bool is_errno(const std::error_code& error, int value) {
    return error == std::error_code(value, std::system_category());
}

bool valid_length(const ip_prefix& prefix) {
    return prefix.length <= (prefix.address.is_v4() ? 32 : 128);
}

/// The kernel's "infinite" lifetime (INFINITY_LIFE_TIME, not in the UAPI headers).
constexpr std::uint32_t k_forever = 0xFFFFFFFFU;

/// The scope `ip addr add` would pick: host for 127/8 and ::1, link for fe80::/10, else global.
/// The kernel derives the IPv6 scope itself, but IPv4 takes ours as given.
std::uint8_t scope_of(const ip_address& address) {
    const auto bytes = address.bytes();
    if (address.is_v4()) {
        return bytes[0] == 127 ? RT_SCOPE_HOST : RT_SCOPE_UNIVERSE;
    }
    if (address.is_link_local_v6()) {
        return RT_SCOPE_LINK;
    }
    static constexpr ip_address::v6_bytes k_loopback{0, 0, 0, 0, 0, 0, 0, 0,
                                                     0, 0, 0, 0, 0, 0, 0, 1};
    return address == ip_address(k_loopback) ? RT_SCOPE_HOST : RT_SCOPE_UNIVERSE;
}

/// An RTM_NEWADDR / RTM_DELADDR request for `prefix` on interface `index`. IFA_LOCAL and
/// IFA_ADDRESS are equal: a different IFA_ADDRESS would name a point-to-point peer.
detail::nl_msg_ptr build_address_message(int type, int flags, int index, const ip_prefix& prefix,
                                         std::uint32_t address_flags, bool never_a_source = false) {
    detail::nl_msg_ptr msg(nlmsg_alloc_simple(type, flags));
    if (!msg) {
        return msg;
    }
    const auto bytes = prefix.address.bytes();
    const auto size = static_cast<int>(bytes.size());
    ifaddrmsg header{};
    header.ifa_family = prefix.address.is_v4() ? AF_INET : AF_INET6;
    header.ifa_prefixlen = prefix.length;
    header.ifa_flags = static_cast<std::uint8_t>(address_flags & 0xff);
    header.ifa_scope = scope_of(prefix.address);
    header.ifa_index = static_cast<std::uint32_t>(index);
    const bool ok = nlmsg_append(msg.get(), &header, sizeof(header), NLMSG_ALIGNTO) >= 0 &&
                    nla_put(msg.get(), IFA_LOCAL, size, bytes.data()) >= 0 &&
                    nla_put(msg.get(), IFA_ADDRESS, size, bytes.data()) >= 0 &&
                    nla_put_u32(msg.get(), IFA_FLAGS, address_flags) >= 0 &&
                    nla_put_u8(msg.get(), IFA_PROTO, k_vipd_address_protocol) >= 0;
    // Preferred lifetime 0 (valid forever): the address is deprecated, so it still answers
    // but source address selection (RFC 6724 rule 3) never picks it for our own connections.
    ifa_cacheinfo lifetimes{};
    lifetimes.ifa_prefered = 0;
    lifetimes.ifa_valid = k_forever;
    if (!ok ||
        (never_a_source && nla_put(msg.get(), IFA_CACHEINFO, sizeof lifetimes, &lifetimes) < 0)) {
        msg.reset();
    }
    return msg;
}

/// Brings link `index` administratively up.
std::error_code set_up(nl_sock* sock, int index) {
    detail::nl_msg_ptr msg(nlmsg_alloc_simple(RTM_NEWLINK, 0));
    if (!msg) {
        return from_errno(ENOMEM);
    }
    ifinfomsg header{};
    header.ifi_family = AF_UNSPEC;
    header.ifi_index = index;
    header.ifi_flags = IFF_UP;
    header.ifi_change = IFF_UP;
    if (nlmsg_append(msg.get(), &header, sizeof(header), NLMSG_ALIGNTO) < 0) {
        return from_errno(ENOMEM);
    }
    return detail::request_ack(sock, msg.get());
}

}  // namespace

rtnl_addresses::rtnl_addresses() {
    if (auto error = detail::open_request_socket(sock_)) {
        throw std::system_error(error, "rtnl_addresses: cannot open a NETLINK_ROUTE socket");
    }
}

std::error_code rtnl_addresses::add(const std::string& interface, const ip_prefix& prefix) {
    if (!valid_length(prefix)) {
        return from_errno(EINVAL);
    }
    detail::link_record link;
    if (auto error = detail::get_link(sock_.get(), interface, link)) {
        return error;
    }
    // NODAD: a backup router may still hold the VIP for a moment during a takeover; DAD would
    // leave the address tentative (unusable) and then mark it dadfailed.
    const std::uint32_t flags = prefix.address.is_v6() ? IFA_F_NODAD : 0U;
    // NLM_F_EXCL makes an existing identical address an EEXIST instead of a silent replace,
    // which would otherwise overwrite its owner's protocol tag.
    // An IPv6 /128 VIP is the service's address alone: health checks, notify scripts and the
    // kernel's own traffic must keep leaving from the director's address, and a VIP that moves
    // away must not take their connections with it.
    const bool never_a_source = prefix.address.is_v6() && prefix.length == 128;
    auto msg = build_address_message(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, link.index, prefix,
                                     flags, never_a_source);
    if (!msg) {
        return from_errno(ENOMEM);
    }
    return detail::request_ack(sock_.get(), msg.get());
}

std::error_code rtnl_addresses::remove(const std::string& interface, const ip_prefix& prefix) {
    if (!valid_length(prefix)) {
        return from_errno(EINVAL);
    }
    detail::link_record link;
    if (auto error = detail::get_link(sock_.get(), interface, link)) {
        return is_errno(error, ENODEV) ? std::error_code{} : error;
    }
    auto msg = build_address_message(RTM_DELADDR, 0, link.index, prefix, 0);
    if (!msg) {
        return from_errno(ENOMEM);
    }
    auto error = detail::request_ack(sock_.get(), msg.get());
    // Already gone (or its interface with it): the goal is reached.
    if (is_errno(error, EADDRNOTAVAIL) || is_errno(error, ENOENT) || is_errno(error, ENODEV)) {
        return {};
    }
    return error;
}

std::error_code rtnl_addresses::list(std::vector<host_address>& out) {
    out.clear();
    std::vector<detail::link_record> links;
    std::vector<detail::address_record> addresses;
    if (auto error = detail::dump_links(sock_.get(), links)) {
        return error;
    }
    if (auto error = detail::dump_addresses(sock_.get(), addresses)) {
        return error;
    }
    std::unordered_map<int, std::string> names;
    for (const auto& link : links) {
        names.emplace(link.index, link.name);
    }
    out.reserve(addresses.size());
    for (const auto& record : addresses) {
        const auto name = names.find(record.index);
        address_tag tag = address_tag::not_reported;
        if (record.protocol) {
            tag = *record.protocol == k_vipd_address_protocol ? address_tag::vipd
                                                              : address_tag::other;
        }
        out.push_back(host_address{
            .interface = name != names.end() ? name->second : std::to_string(record.index),
            .prefix = ip_prefix{.address = record.address, .length = record.prefix_length},
            .tag = tag});
    }
    return {};
}

std::error_code rtnl_addresses::ensure_dummy(const std::string& interface) {
    if (interface.empty() || interface.size() >= IFNAMSIZ) {
        return from_errno(EINVAL);
    }
    detail::link_record existing;
    auto error = detail::get_link(sock_.get(), interface, existing);
    if (!error) {
        return {};
    }
    if (!is_errno(error, ENODEV)) {
        return error;
    }

    rtnl_link* link = rtnl_link_alloc();
    if (link == nullptr) {
        return from_errno(ENOMEM);
    }
    rtnl_link_set_name(link, interface.c_str());
    rtnl_link_set_flags(link, IFF_UP);
    nl_msg* raw = nullptr;
    int built = rtnl_link_set_type(link, "dummy");
    if (built >= 0) {
        built = rtnl_link_build_add_request(link, NLM_F_CREATE | NLM_F_EXCL, &raw);
    }
    rtnl_link_put(link);
    if (built < 0) {
        return from_errno(detail::errno_from_libnl(built));
    }
    detail::nl_msg_ptr msg(raw);
    // Without the dummy driver the kernel answers EOPNOTSUPP ("Unknown device type").
    error = detail::request_ack(sock_.get(), msg.get());
    if (error && !is_errno(error, EEXIST)) {
        return error;
    }
    // Created (by us or by a racing peer): make sure it is up, since older kernels ignore the
    // flags of a create request.
    if (auto lookup = detail::get_link(sock_.get(), interface, existing)) {
        return lookup;
    }
    return (existing.flags & IFF_UP) != 0U ? std::error_code{}
                                           : set_up(sock_.get(), existing.index);
}

}  // namespace vipd::net::linux
