#include "vipd/ipvs/linux/genl_translate.hpp"

#include <algorithm>
#include <bit>
#include <variant>

#include <linux/ip_vs.h>

namespace vipd::ipvs::linux {

namespace {

// The kernel's numbers, spelled out here so this pure file needs no socket headers.
constexpr std::uint16_t k_af_inet = 2;    // AF_INET
constexpr std::uint16_t k_af_inet6 = 10;  // AF_INET6
constexpr std::uint16_t k_ipproto_tcp = 6;
constexpr std::uint16_t k_ipproto_udp = 17;
constexpr std::uint16_t k_ipproto_sctp = 132;

constexpr std::uint32_t k_sched_flags =
    IP_VS_SVC_F_ONEPACKET | IP_VS_SVC_F_SCHED1 | IP_VS_SVC_F_SCHED2 | IP_VS_SVC_F_SCHED3;

// Network byte order for a value that is handed to the kernel as a native integer.
std::uint16_t to_big_endian(std::uint16_t value) noexcept {
    if constexpr (std::endian::native == std::endian::little) {
        return static_cast<std::uint16_t>((value >> 8) | (value << 8));
    }
    return value;
}

std::uint32_t to_big_endian(std::uint32_t value) noexcept {
    if constexpr (std::endian::native == std::endian::little) {
        return ((value & 0xffU) << 24) | ((value & 0xff00U) << 8) | ((value >> 8) & 0xff00U) |
               (value >> 24);
    }
    return value;
}

std::array<std::uint8_t, 16> address_bytes(const ip_address& address) {
    std::array<std::uint8_t, 16> out{};
    const auto bytes = address.bytes();
    std::copy(bytes.begin(), bytes.end(), out.begin());
    return out;
}

ip_address address_from_bytes(address_family family, const std::array<std::uint8_t, 16>& bytes) {
    if (family == address_family::ipv4) {
        return ip_address{ip_address::v4_bytes{bytes[0], bytes[1], bytes[2], bytes[3]}};
    }
    return ip_address{bytes};
}

}  // namespace

std::uint16_t af_attr(address_family family) noexcept {
    return family == address_family::ipv4 ? k_af_inet : k_af_inet6;
}

std::optional<address_family> family_from_af(std::uint16_t af) noexcept {
    switch (af) {
        case k_af_inet:
            return address_family::ipv4;
        case k_af_inet6:
            return address_family::ipv6;
        default:
            return std::nullopt;
    }
}

std::uint16_t protocol_attr(protocol p) noexcept {
    switch (p) {
        case protocol::tcp:
            return k_ipproto_tcp;
        case protocol::udp:
            return k_ipproto_udp;
        case protocol::sctp:
            return k_ipproto_sctp;
    }
    return k_ipproto_tcp;
}

std::optional<protocol> protocol_from_attr(std::uint16_t value) noexcept {
    switch (value) {
        case k_ipproto_tcp:
            return protocol::tcp;
        case k_ipproto_udp:
            return protocol::udp;
        case k_ipproto_sctp:
            return protocol::sctp;
        default:
            return std::nullopt;
    }
}

std::uint16_t port_attr(std::uint16_t port) noexcept {
    return to_big_endian(port);
}

std::uint16_t port_from_attr(std::uint16_t value) noexcept {
    return to_big_endian(value);  // the swap is its own inverse
}

std::uint32_t netmask_attr(address_family family, std::uint8_t prefix) noexcept {
    if (family == address_family::ipv6) {
        return std::min<std::uint32_t>(prefix, 128);
    }
    const unsigned length = std::min<unsigned>(prefix, 32);
    // Shifting a 32-bit value by 32 is undefined: /0 is the one mask with no bits.
    const std::uint32_t mask = length == 0 ? 0 : ~std::uint32_t{0} << (32 - length);
    return to_big_endian(mask);
}

std::optional<std::uint8_t> prefix_from_netmask_attr(address_family family,
                                                     std::uint32_t value) noexcept {
    if (family == address_family::ipv6) {
        if (value > 128) {
            return std::nullopt;
        }
        return static_cast<std::uint8_t>(value);
    }
    const std::uint32_t mask = to_big_endian(value);
    const int ones = std::countl_one(mask);
    // Contiguous: the bits after the leading ones are all zero.
    if (ones < 32 && (mask << ones) != 0) {
        return std::nullopt;
    }
    return static_cast<std::uint8_t>(ones);
}

std::uint32_t service_flags_attr(const service_settings& settings) noexcept {
    std::uint32_t flags = 0;
    if (settings.persistence_timeout != 0) {
        flags |= IP_VS_SVC_F_PERSISTENT;
    }
    if (settings.flags.one_packet) {
        flags |= IP_VS_SVC_F_ONEPACKET;
    }
    if (settings.flags.sched1) {
        flags |= IP_VS_SVC_F_SCHED1;
    }
    if (settings.flags.sched2) {
        flags |= IP_VS_SVC_F_SCHED2;
    }
    if (settings.flags.sched3) {
        flags |= IP_VS_SVC_F_SCHED3;
    }
    return flags;
}

std::uint32_t service_flags_mask() noexcept {
    return ~std::uint32_t{0};
}

service_flags service_flags_from_attr(std::uint32_t flags) noexcept {
    const std::uint32_t known = flags & k_sched_flags;
    service_flags out;
    out.one_packet = (known & IP_VS_SVC_F_ONEPACKET) != 0;
    out.sched1 = (known & IP_VS_SVC_F_SCHED1) != 0;
    out.sched2 = (known & IP_VS_SVC_F_SCHED2) != 0;
    out.sched3 = (known & IP_VS_SVC_F_SCHED3) != 0;
    return out;
}

std::uint32_t fwd_method_attr(forwarding f) noexcept {
    switch (f) {
        case forwarding::nat:
            return IP_VS_CONN_F_MASQ;
        case forwarding::tunnel:
            return IP_VS_CONN_F_TUNNEL;
        case forwarding::direct:
            return IP_VS_CONN_F_DROUTE;
    }
    return IP_VS_CONN_F_DROUTE;
}

std::optional<forwarding> forwarding_from_attr(std::uint32_t conn_flags) noexcept {
    switch (conn_flags & IP_VS_CONN_F_FWD_MASK) {
        case IP_VS_CONN_F_MASQ:
            return forwarding::nat;
        case IP_VS_CONN_F_TUNNEL:
            return forwarding::tunnel;
        case IP_VS_CONN_F_DROUTE:
            return forwarding::direct;
        default:
            return std::nullopt;
    }
}

std::uint8_t tunnel_type_attr(tunnel_type t) noexcept {
    switch (t) {
        case tunnel_type::ipip:
            return IP_VS_CONN_F_TUNNEL_TYPE_IPIP;
        case tunnel_type::gue:
            return IP_VS_CONN_F_TUNNEL_TYPE_GUE;
        case tunnel_type::gre:
            return IP_VS_CONN_F_TUNNEL_TYPE_GRE;
    }
    return IP_VS_CONN_F_TUNNEL_TYPE_IPIP;
}

std::optional<tunnel_type> tunnel_type_from_attr(std::uint8_t value) noexcept {
    switch (value) {
        case IP_VS_CONN_F_TUNNEL_TYPE_IPIP:
            return tunnel_type::ipip;
        case IP_VS_CONN_F_TUNNEL_TYPE_GUE:
            return tunnel_type::gue;
        case IP_VS_CONN_F_TUNNEL_TYPE_GRE:
            return tunnel_type::gre;
        default:
            return std::nullopt;
    }
}

std::uint16_t tunnel_flags_attr(bool checksum) noexcept {
    return checksum ? IP_VS_TUNNEL_ENCAP_FLAG_CSUM : IP_VS_TUNNEL_ENCAP_FLAG_NOCSUM;
}

bool tunnel_checksum_from_attr(std::uint16_t flags) noexcept {
    return (flags & IP_VS_TUNNEL_ENCAP_FLAG_CSUM) != 0;
}

service_attrs encode_service_key(const service_key& key) {
    service_attrs attrs;
    attrs.af = af_attr(family_of(key));
    if (const auto* endpoint = std::get_if<endpoint_key>(&key)) {
        attrs.protocol = protocol_attr(endpoint->protocol);
        attrs.address = address_bytes(endpoint->address);
        attrs.port = port_attr(endpoint->port);
    } else {
        attrs.fwmark = std::get<fwmark_key>(key).mark;
    }
    return attrs;
}

service_attrs encode_service(const service_key& key, const service_settings& settings) {
    service_attrs attrs = encode_service_key(key);
    attrs.scheduler = settings.scheduler;
    attrs.flags = service_flags_attr(settings);
    attrs.flags_mask = service_flags_mask();
    attrs.timeout = settings.persistence_timeout;
    attrs.netmask = netmask_attr(family_of(key), settings.persistence_prefix);
    return attrs;
}

std::optional<std::pair<service_key, service_settings>> decode_service(const service_attrs& attrs) {
    const auto family = family_from_af(attrs.af);
    if (!family) {
        return std::nullopt;
    }
    service_key key;
    if (attrs.fwmark != 0) {
        key = fwmark_key{attrs.fwmark, *family};
    } else {
        const auto proto = protocol_from_attr(attrs.protocol);
        if (!proto) {
            return std::nullopt;
        }
        key = endpoint_key{*proto, address_from_bytes(*family, attrs.address),
                           port_from_attr(attrs.port)};
    }
    const auto prefix = prefix_from_netmask_attr(*family, attrs.netmask);
    if (!prefix) {
        return std::nullopt;
    }
    service_settings settings;
    settings.scheduler = attrs.scheduler;
    settings.flags = service_flags_from_attr(attrs.flags);
    // The kernel persists only with the flag set; a timeout without it is a leftover value.
    settings.persistence_timeout = (attrs.flags & IP_VS_SVC_F_PERSISTENT) != 0 ? attrs.timeout : 0;
    settings.persistence_prefix = *prefix;
    return std::pair{key, settings};
}

destination_attrs encode_destination(const destination_key& key,
                                     const destination_settings& settings) {
    destination_attrs attrs;
    attrs.af = af_attr(key.address.family());
    attrs.address = address_bytes(key.address);
    attrs.port = port_attr(key.port);
    attrs.fwd_method = fwd_method_attr(settings.forwarding);
    attrs.weight = settings.weight;
    attrs.upper_threshold = settings.upper_threshold;
    attrs.lower_threshold = settings.lower_threshold;
    // Tunnel fields only for tunnels, so a NAT/DR destination is stored with the kernel's
    // defaults and reads back the same whatever the model carried in them.
    if (settings.forwarding == forwarding::tunnel) {
        attrs.tunnel_type = tunnel_type_attr(settings.tunnel_type);
        attrs.tunnel_port =
            settings.tunnel_type == tunnel_type::gue ? port_attr(settings.tunnel_port) : 0;
        attrs.tunnel_flags = settings.tunnel_type == tunnel_type::ipip
                                 ? tunnel_flags_attr(false)
                                 : tunnel_flags_attr(settings.tunnel_checksum);
    }
    return attrs;
}

std::optional<std::pair<destination_key, destination_settings>> decode_destination(
    const destination_attrs& attrs, address_family service_family) {
    address_family family = service_family;
    if (attrs.af != 0) {
        const auto parsed = family_from_af(attrs.af);
        if (!parsed) {
            return std::nullopt;
        }
        family = *parsed;
    }
    const auto method = forwarding_from_attr(attrs.fwd_method);
    if (!method) {
        return std::nullopt;
    }
    destination_key key{address_from_bytes(family, attrs.address), port_from_attr(attrs.port)};
    destination_settings settings;
    settings.forwarding = *method;
    settings.weight = attrs.weight;
    settings.upper_threshold = attrs.upper_threshold;
    settings.lower_threshold = attrs.lower_threshold;
    if (*method == forwarding::tunnel) {
        const auto type = tunnel_type_from_attr(attrs.tunnel_type);
        if (!type) {
            return std::nullopt;
        }
        settings.tunnel_type = *type;
        settings.tunnel_port = *type == tunnel_type::gue ? port_from_attr(attrs.tunnel_port) : 0;
        settings.tunnel_checksum =
            *type != tunnel_type::ipip && tunnel_checksum_from_attr(attrs.tunnel_flags);
    }
    return std::pair{key, settings};
}

}  // namespace vipd::ipvs::linux
