#include <cassert>

#include "vipd/core/byte_writer.hpp"
#include "vipd/core/checksum.hpp"
#include "vipd/net/frames/garp.hpp"

namespace vipd::net::frames {

namespace {

constexpr std::uint16_t k_ethertype_ipv6 = 0x86dd;
constexpr std::uint8_t k_next_header_icmpv6 = 58;
// RFC 4861 §7.1.2: receivers drop NAs whose hop limit is not 255 (proof of on-link origin).
constexpr std::uint8_t k_hop_limit = 255;
constexpr std::uint8_t k_icmpv6_neighbor_advertisement = 136;
// RFC 4861 §4.4 flag bits: Router 0x80, Solicited 0x40, Override 0x20. Unsolicited, so S=0
// (§7.2.6); O=1 so that neighbours replace the old owner's link-layer address; R only from a
// director that forwards (§7.2.5: a host that sees R cleared stops using it as a router).
constexpr std::uint8_t k_flag_router = 0x80;
constexpr std::uint8_t k_flag_override = 0x20;
constexpr std::uint8_t k_option_target_link_layer_address = 2;
constexpr std::size_t k_ipv6_header_size = 40;
constexpr std::size_t k_ethernet_header_size = 14;
// NA body (type..target = 24 bytes) plus one 8-byte Target Link-Layer Address option.
constexpr std::uint16_t k_icmpv6_length = 24 + 8;
constexpr std::size_t k_icmpv6_checksum_offset = k_ethernet_header_size + k_ipv6_header_size + 2;

// ff02::1, all-nodes (RFC 4291 §2.7.1), and its Ethernet mapping 33:33 + low 32 bits (RFC 2464 §7).
constexpr ip_address::v6_bytes k_all_nodes{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
constexpr mac_address k_all_nodes_mac{0x33, 0x33, 0x00, 0x00, 0x00, 0x01};

}  // namespace

std::vector<std::uint8_t> unsolicited_na(const mac_address& source_mac, const ip_address& vip,
                                         bool router) {
    assert(vip.is_v6());
    std::vector<std::uint8_t> frame;
    frame.reserve(k_ethernet_header_size + k_ipv6_header_size + k_icmpv6_length);
    byte_writer out(frame);

    out.bytes(k_all_nodes_mac);
    out.bytes(source_mac);
    out.u16(k_ethertype_ipv6);

    // IPv6 header (RFC 8200 §3): version 6, traffic class 0, flow label 0.
    out.u32(0x60000000);
    out.u16(k_icmpv6_length);
    out.u8(k_next_header_icmpv6);
    out.u8(k_hop_limit);
    out.bytes(vip.bytes());
    out.bytes(k_all_nodes);

    // Neighbor Advertisement (RFC 4861 §4.4).
    const std::size_t icmp_start = out.size();
    out.u8(k_icmpv6_neighbor_advertisement);
    out.u8(0);   // code
    out.u16(0);  // checksum, patched below
    out.u8(router ? k_flag_router | k_flag_override : k_flag_override);
    out.zeros(3);  // rest of the flags word: reserved
    out.bytes(vip.bytes());
    // Target Link-Layer Address option (RFC 4861 §4.6.1); length in units of 8 bytes.
    out.u8(k_option_target_link_layer_address);
    out.u8(1);
    out.bytes(source_mac);

    // ICMPv6 checksum over the IPv6 pseudo-header (RFC 8200 §8.1) and the message.
    internet_checksum sum;
    sum.add(vip.bytes());
    sum.add(k_all_nodes);
    sum.add_u32(k_icmpv6_length);
    sum.add_u32(k_next_header_icmpv6);
    sum.add(std::span<const std::uint8_t>(frame).subspan(icmp_start));
    out.patch_u16(k_icmpv6_checksum_offset, sum.finish());
    return frame;
}

}  // namespace vipd::net::frames
