#pragma once
/// Translation between the IPVS model (vipd/ipvs/model.hpp) and the values of the kernel's
/// generic netlink attributes (include/uapi/linux/ip_vs.h). Pure: no libnl, no sockets; the
/// client (genl_client.cpp) only moves these values in and out of attributes.
///
/// Every `*_attr` value is what goes into the attribute's payload as a native integer, i.e. what
/// nla_put_u16 / nla_put_u32 take. Where the kernel wants network byte order (ports, the IPv4
/// netmask) the value is already swapped, so its bytes in memory are big-endian.
///
/// Decoding NORMALISES so that a table read back equals the table written: HASHED and
/// PERSISTENT are not flags of the model (persistence is timeout > 0), tunnel fields of a
/// non-tunnel destination read back as their defaults, statistics are not decoded at all.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "vipd/core/address.hpp"
#include "vipd/ipvs/model.hpp"

namespace vipd::ipvs::linux {

/// Address families as the kernel numbers them (AF_INET, AF_INET6).
std::uint16_t af_attr(address_family family) noexcept;
std::optional<address_family> family_from_af(std::uint16_t af) noexcept;

/// IPPROTO_TCP / IPPROTO_UDP / IPPROTO_SCTP.
std::uint16_t protocol_attr(protocol p) noexcept;
std::optional<protocol> protocol_from_attr(std::uint16_t value) noexcept;

/// A 16-bit port in network byte order (IPVS_SVC_ATTR_PORT, IPVS_DEST_ATTR_PORT, TUN_PORT).
std::uint16_t port_attr(std::uint16_t port) noexcept;
std::uint16_t port_from_attr(std::uint16_t value) noexcept;

/// IPVS_SVC_ATTR_NETMASK: for IPv4 the mask in network byte order (24 -> 255.255.255.0); for
/// IPv6 the kernel keeps the prefix length itself. A prefix longer than the family allows is
/// clamped to the full width.
std::uint32_t netmask_attr(address_family family, std::uint8_t prefix) noexcept;
/// The inverse; nullopt for a non-contiguous IPv4 mask or an IPv6 length above 128.
std::optional<std::uint8_t> prefix_from_netmask_attr(address_family family,
                                                     std::uint32_t value) noexcept;

/// The `flags` half of struct ip_vs_flags for a service: scheduler flags, plus
/// IP_VS_SVC_F_PERSISTENT when the persistence timeout is non-zero.
std::uint32_t service_flags_attr(const service_settings& settings) noexcept;
/// The `mask` half: every bit the kernel lets user space set (ipvsadm sends ~0 too; the kernel
/// keeps HASHED itself).
std::uint32_t service_flags_mask() noexcept;
/// Scheduler flags from a dump; HASHED, PERSISTENT and unknown bits are dropped.
service_flags service_flags_from_attr(std::uint32_t flags) noexcept;

/// IPVS_DEST_ATTR_FWD_METHOD: IP_VS_CONN_F_MASQ / TUNNEL / DROUTE.
std::uint32_t fwd_method_attr(forwarding f) noexcept;
/// Reads the forwarding bits (IP_VS_CONN_F_FWD_MASK) only; nullopt for LOCALNODE/BYPASS.
std::optional<forwarding> forwarding_from_attr(std::uint32_t conn_flags) noexcept;

/// IPVS_DEST_ATTR_TUN_TYPE: IP_VS_CONN_F_TUNNEL_TYPE_IPIP / GUE / GRE.
std::uint8_t tunnel_type_attr(tunnel_type t) noexcept;
std::optional<tunnel_type> tunnel_type_from_attr(std::uint8_t value) noexcept;

/// IPVS_DEST_ATTR_TUN_FLAGS: IP_VS_TUNNEL_ENCAP_FLAG_CSUM or NOCSUM.
std::uint16_t tunnel_flags_attr(bool checksum) noexcept;
bool tunnel_checksum_from_attr(std::uint16_t flags) noexcept;

/// The attribute values nested in IPVS_CMD_ATTR_SERVICE. A fwmark service has fwmark != 0 and
/// no protocol/address/port.
struct service_attrs {
    std::uint16_t af = 0;
    std::uint16_t protocol = 0;
    std::array<std::uint8_t, 16> address{};  // IPv4 in the first four bytes
    std::uint16_t port = 0;                  // network byte order
    std::uint32_t fwmark = 0;
    std::string scheduler;
    std::uint32_t flags = 0;
    std::uint32_t flags_mask = 0;
    std::uint32_t timeout = 0;
    std::uint32_t netmask = 0;  // see netmask_attr
    friend bool operator==(const service_attrs&, const service_attrs&) = default;
};

/// The attribute values nested in IPVS_CMD_ATTR_DEST.
struct destination_attrs {
    std::uint16_t af = 0;  // IPVS_DEST_ATTR_ADDR_FAMILY
    std::array<std::uint8_t, 16> address{};
    std::uint16_t port = 0;  // network byte order
    std::uint32_t fwd_method = 0;
    std::uint32_t weight = 0;
    std::uint32_t upper_threshold = 0;
    std::uint32_t lower_threshold = 0;
    std::uint8_t tunnel_type = 0;
    std::uint16_t tunnel_port = 0;  // network byte order
    std::uint16_t tunnel_flags = 0;
    friend bool operator==(const destination_attrs&, const destination_attrs&) = default;
};

/// The key alone (what DEL_SERVICE and GET_DEST need); scheduler/flags/timeout/netmask zero.
service_attrs encode_service_key(const service_key& key);
/// A full entry for NEW_SERVICE / SET_SERVICE.
service_attrs encode_service(const service_key& key, const service_settings& settings);
/// The model's view of a dumped service; nullopt when the family or protocol is unknown or the
/// netmask is not a prefix (a service vipd cannot represent, so it cannot manage it either).
std::optional<std::pair<service_key, service_settings>> decode_service(const service_attrs& attrs);

/// A full entry for NEW_DEST / SET_DEST (and the key part for DEL_DEST).
destination_attrs encode_destination(const destination_key& key,
                                     const destination_settings& settings);
/// The model's view of a dumped destination. `service_family` stands in when the kernel sent
/// no IPVS_DEST_ATTR_ADDR_FAMILY (before Linux 4.2). nullopt on an unknown forwarding method or
/// tunnel type.
std::optional<std::pair<destination_key, destination_settings>> decode_destination(
    const destination_attrs& attrs, address_family service_family);

}  // namespace vipd::ipvs::linux
