#include "vipd/net/linux/rtnl_vmacs.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <initializer_list>
#include <optional>

#include <linux/if_link.h>
#include <linux/ip.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include "rtnl_netlink.hpp"

namespace vipd::net::linux {

namespace {

std::error_code from_errno(int value) {
    return {value, std::system_category()};
}

/// The kernel's own rule (dev_valid_name), checked here so a bad name is EINVAL, not whatever
/// the first request happens to answer.
bool valid_interface_name(const std::string& name) {
    if (name.empty() || name.size() >= IFNAMSIZ || name == "." || name == "..") {
        return false;
    }
    return std::none_of(name.begin(), name.end(), [](char c) {
        return c == '/' || c == ':' || std::isspace(static_cast<unsigned char>(c)) != 0;
    });
}

/// One net.ipv4.conf.IF.* value as IFLA_INET_CONF carries it: the IPV4_DEVCONF_* number is the
/// attribute type.
struct devconf_value {
    int id = 0;
    std::uint32_t value = 0;
};

/// What ensure() needs to know about an existing link beyond link_record.
struct observed_link {
    detail::link_record link;
    std::string kind;      // IFLA_LINKINFO / IFLA_INFO_KIND; empty for a physical device
    int parent_index = 0;  // IFLA_LINK
    std::optional<std::uint32_t> arp_ignore;
    std::optional<std::uint32_t> arp_filter;
    std::optional<std::uint32_t> arp_announce;
};

std::string kind_of(nlattr* link_info) {
    nlattr* info[IFLA_INFO_MAX + 1]{};
    if (nla_parse_nested(info, IFLA_INFO_MAX, link_info, nullptr) < 0 ||
        info[IFLA_INFO_KIND] == nullptr) {
        return {};
    }
    const auto* text = static_cast<const char*>(nla_data(info[IFLA_INFO_KIND]));
    return {text, ::strnlen(text, static_cast<std::size_t>(nla_len(info[IFLA_INFO_KIND])))};
}

bool parse_observed(const nlmsghdr* header, observed_link& out) {
    out = observed_link{};
    if (!detail::parse_link(header, out.link)) {
        return false;
    }
    nlattr* attributes[IFLA_MAX + 1]{};
    if (nlmsg_parse(const_cast<nlmsghdr*>(header), sizeof(ifinfomsg), attributes, IFLA_MAX,
                    nullptr) < 0) {
        return false;
    }
    if (const nlattr* parent = attributes[IFLA_LINK];
        parent != nullptr && nla_len(parent) >= static_cast<int>(sizeof(std::uint32_t))) {
        out.parent_index = static_cast<int>(nla_get_u32(const_cast<nlattr*>(parent)));
    }
    if (attributes[IFLA_LINKINFO] != nullptr) {
        out.kind = kind_of(attributes[IFLA_LINKINFO]);
    }
    if (attributes[IFLA_AF_SPEC] != nullptr) {
        const nlattr* conf =
            detail::af_spec_find(attributes[IFLA_AF_SPEC], AF_INET, IFLA_INET_CONF);
        out.arp_ignore = detail::conf_entry(conf, IPV4_DEVCONF_ARP_IGNORE - 1);
        out.arp_filter = detail::conf_entry(conf, IPV4_DEVCONF_ARPFILTER - 1);
        out.arp_announce = detail::conf_entry(conf, IPV4_DEVCONF_ARP_ANNOUNCE - 1);
    }
    return true;
}

std::error_code look_up(nl_sock* sock, const std::string& name, observed_link& out) {
    return detail::get_link_reply(
        sock, name, [&out](const nlmsghdr* reply) { return parse_observed(reply, out); });
}

/// A link request for interface `index` (0: named by an attribute), changing IFF_UP to
/// `up` when given. The family is AF_UNSPEC whatever the link is: with AF_BRIDGE (what libnl
/// copies from a bridge it read) the kernel hands RTM_SETLINK and RTM_DELLINK to its bridge-port
/// handlers, which refuse these requests.
detail::nl_msg_ptr link_message(int type, int flags, int index,
                                std::optional<bool> up = std::nullopt) {
    detail::nl_msg_ptr msg(nlmsg_alloc_simple(type, flags));
    ifinfomsg header{};
    header.ifi_family = AF_UNSPEC;
    header.ifi_index = index;
    constexpr unsigned k_up = IFF_UP;
    header.ifi_flags = up.value_or(false) ? k_up : 0U;
    header.ifi_change = up ? k_up : 0U;
    if (msg && nlmsg_append(msg.get(), &header, sizeof(header), NLMSG_ALIGNTO) < 0) {
        msg.reset();
    }
    return msg;
}

/// Sends a request that failed to build as ENOMEM, else waits for the kernel's answer.
std::error_code send(nl_sock* sock, const detail::nl_msg_ptr& msg, bool built) {
    return msg && built ? detail::request_ack(sock, msg.get()) : from_errno(ENOMEM);
}

/// Sets net.ipv4.conf.IF.* on interface `index`, and with `without_ipv6_addresses` its IPv6
/// address generation mode to "none" (no link-local, so no DAD and no MLD from it).
std::error_code configure(nl_sock* sock, int index, std::initializer_list<devconf_value> ipv4,
                          bool without_ipv6_addresses) {
    auto msg = link_message(RTM_NEWLINK, 0, index);
    if (!msg) {
        return from_errno(ENOMEM);
    }
    nl_msg* raw = msg.get();
    nlattr* af_spec = nla_nest_start(raw, IFLA_AF_SPEC);
    nlattr* inet = nla_nest_start(raw, AF_INET);
    nlattr* conf = nla_nest_start(raw, IFLA_INET_CONF);
    bool built = af_spec != nullptr && inet != nullptr && conf != nullptr;
    for (const auto& setting : ipv4) {
        built = built && nla_put_u32(raw, setting.id, setting.value) >= 0;
    }
    built = built && nla_nest_end(raw, conf) >= 0 && nla_nest_end(raw, inet) >= 0;
    if (without_ipv6_addresses) {
        nlattr* inet6 = nla_nest_start(raw, AF_INET6);
        built = built && inet6 != nullptr &&
                nla_put_u8(raw, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE) >= 0 &&
                nla_nest_end(raw, inet6) >= 0;
    }
    built = built && nla_nest_end(raw, af_spec) >= 0;
    return send(sock, msg, built);
}

/// Creates `spec.name` down: the IPv6 and IPv4 settings go in with a second request, the same
/// one a taken-over VMAC gets, before it comes up.
std::error_code create_macvlan(nl_sock* sock, const vmac_spec& spec, int parent_index) {
    auto msg = link_message(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
    if (!msg) {
        return from_errno(ENOMEM);
    }
    nl_msg* raw = msg.get();
    bool built =
        nla_put_string(raw, IFLA_IFNAME, spec.name.c_str()) >= 0 &&
        nla_put_u32(raw, IFLA_LINK, static_cast<std::uint32_t>(parent_index)) >= 0 &&
        nla_put(raw, IFLA_ADDRESS, static_cast<int>(spec.mac.size()), spec.mac.data()) >= 0;
    nlattr* link_info = nla_nest_start(raw, IFLA_LINKINFO);
    built = built && link_info != nullptr && nla_put_string(raw, IFLA_INFO_KIND, "macvlan") >= 0;
    nlattr* data = nla_nest_start(raw, IFLA_INFO_DATA);
    // Bridge mode: the VMAC and its parent's other macvlans reach each other without a hairpin
    // switch port.
    built = built && data != nullptr &&
            nla_put_u32(raw, IFLA_MACVLAN_MODE, MACVLAN_MODE_BRIDGE) >= 0 &&
            nla_nest_end(raw, data) >= 0 && nla_nest_end(raw, link_info) >= 0;
    return send(sock, msg, built);
}

std::error_code set_up(nl_sock* sock, int index, bool up) {
    auto msg = link_message(RTM_NEWLINK, 0, index, up);
    return send(sock, msg, true);
}

/// `address`/64 on interface `index`, link scope, without DAD; an existing one is replaced.
std::error_code add_link_local(nl_sock* sock, int index, const ip_address& address) {
    detail::nl_msg_ptr msg(nlmsg_alloc_simple(RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE));
    if (!msg) {
        return from_errno(ENOMEM);
    }
    ifaddrmsg header{};
    header.ifa_family = AF_INET6;
    header.ifa_prefixlen = 64;
    header.ifa_flags = IFA_F_NODAD;
    header.ifa_scope = RT_SCOPE_LINK;
    header.ifa_index = static_cast<std::uint32_t>(index);
    const auto bytes = address.bytes();
    const bool built =
        nlmsg_append(msg.get(), &header, sizeof(header), NLMSG_ALIGNTO) >= 0 &&
        nla_put(msg.get(), IFA_LOCAL, static_cast<int>(bytes.size()), bytes.data()) >= 0 &&
        nla_put(msg.get(), IFA_ADDRESS, static_cast<int>(bytes.size()), bytes.data()) >= 0;
    return send(sock, msg, built);
}

bool is_the_vmac(const observed_link& existing, const vmac_spec& spec, int parent_index) {
    return existing.kind == "macvlan" && existing.parent_index == parent_index &&
           existing.link.mac == spec.mac;
}

}  // namespace

rtnl_vmacs::rtnl_vmacs() {
    if (auto error = detail::open_request_socket(sock_)) {
        throw std::system_error(error, "rtnl_vmacs: cannot open a NETLINK_ROUTE socket");
    }
}

std::error_code rtnl_vmacs::ensure(const vmac_spec& spec) {
    if (!valid_interface_name(spec.name) || !valid_interface_name(spec.parent)) {
        return from_errno(EINVAL);
    }
    observed_link parent;
    if (auto error = look_up(sock_.get(), spec.parent, parent)) {
        return error;
    }
    observed_link vmac;
    const auto absent = look_up(sock_.get(), spec.name, vmac);
    if (absent && absent != std::errc::no_such_device) {
        return absent;
    }
    if (!absent && !is_the_vmac(vmac, spec, parent.link.index)) {
        return std::make_error_code(std::errc::file_exists);
    }
    const bool ipv4 = spec.family == address_family::ipv4;
    // Read before anything changes, so what release_parent restores is the host's own setting.
    if (ipv4 && !earlier_.contains(spec.parent)) {
        if (!parent.arp_ignore || !parent.arp_filter || !parent.arp_announce) {
            return from_errno(EAFNOSUPPORT);  // no IPv4 on the parent
        }
        earlier_.emplace(spec.parent, arp_settings{*parent.arp_ignore, *parent.arp_filter,
                                                   *parent.arp_announce});
    }

    if (absent) {
        if (auto error = create_macvlan(sock_.get(), spec, parent.link.index)) {
            return error;
        }
        if (auto error = look_up(sock_.get(), spec.name, vmac)) {
            return error;
        }
    }
    // arp_ignore=1: the VMAC answers ARP only for its own addresses (the VIPs); accept_local
    // and rp_filter=0: the VIPs' packets that come back in through the parent are not dropped
    // as martians.
    if (auto error = configure(sock_.get(), vmac.link.index,
                               {{IPV4_DEVCONF_ARP_IGNORE, 1},
                                {IPV4_DEVCONF_ACCEPT_LOCAL, 1},
                                {IPV4_DEVCONF_RP_FILTER, 0}},
                               true)) {
        return error;
    }
    if (!ipv4) {
        return (vmac.link.flags & IFF_UP) != 0U ? set_up(sock_.get(), vmac.link.index, false)
                                                : std::error_code{};
    }
    // The parent must not answer ARP for the VIPs with its own MAC (arp_ignore, arp_filter),
    // nor name a VIP as the sender of its own ARP requests (arp_announce=2): replies from a VIP
    // are routed out of the parent, and a request with the VIP as sender would move the hosts'
    // entries for it to the parent's MAC.
    if (auto error = configure(sock_.get(), parent.link.index,
                               {{IPV4_DEVCONF_ARP_IGNORE, 1},
                                {IPV4_DEVCONF_ARPFILTER, 1},
                                {IPV4_DEVCONF_ARP_ANNOUNCE, 2}},
                               false)) {
        return error;
    }
    return (vmac.link.flags & IFF_UP) != 0U ? std::error_code{}
                                            : set_up(sock_.get(), vmac.link.index, true);
}

std::error_code rtnl_vmacs::activate(const std::string& name, const ip_address& link_local) {
    if (!valid_interface_name(name) || !link_local.is_link_local_v6()) {
        return from_errno(EINVAL);
    }
    observed_link vmac;
    if (auto error = look_up(sock_.get(), name, vmac)) {
        return error;
    }
    if ((vmac.link.flags & IFF_UP) == 0U) {
        if (auto error = set_up(sock_.get(), vmac.link.index, true)) {
            return error;
        }
    }
    return add_link_local(sock_.get(), vmac.link.index, link_local);
}

std::error_code rtnl_vmacs::deactivate(const std::string& name) {
    if (!valid_interface_name(name)) {
        return from_errno(EINVAL);
    }
    observed_link vmac;
    if (auto error = look_up(sock_.get(), name, vmac)) {
        return error;
    }
    return (vmac.link.flags & IFF_UP) != 0U ? set_up(sock_.get(), vmac.link.index, false)
                                            : std::error_code{};
}

std::error_code rtnl_vmacs::remove(const std::string& name) {
    if (!valid_interface_name(name)) {
        return from_errno(EINVAL);
    }
    auto msg = link_message(RTM_DELLINK, 0, 0);
    const bool built = msg && nla_put_string(msg.get(), IFLA_IFNAME, name.c_str()) >= 0;
    auto error = send(sock_.get(), msg, built);
    return error == std::errc::no_such_device ? std::error_code{} : error;
}

std::error_code rtnl_vmacs::release_parent(const std::string& parent) {
    const auto earlier = earlier_.find(parent);
    if (earlier == earlier_.end()) {
        return {};
    }
    observed_link link;
    auto error = look_up(sock_.get(), parent, link);
    if (!error) {
        error = configure(sock_.get(), link.link.index,
                          {{IPV4_DEVCONF_ARP_IGNORE, earlier->second.arp_ignore},
                           {IPV4_DEVCONF_ARPFILTER, earlier->second.arp_filter},
                           {IPV4_DEVCONF_ARP_ANNOUNCE, earlier->second.arp_announce}},
                          false);
    }
    // A parent that is gone took its settings with it; a failed write is kept for a retry.
    if (!error || error == std::errc::no_such_device) {
        earlier_.erase(earlier);
        return {};
    }
    return error;
}

}  // namespace vipd::net::linux
