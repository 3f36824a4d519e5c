#include "vipd/net/frames/garp.hpp"

#include <cassert>

#include "vipd/core/byte_writer.hpp"

namespace vipd::net::frames {

namespace {

constexpr std::uint16_t k_ethertype_arp = 0x0806;
constexpr std::uint16_t k_ethertype_ipv4 = 0x0800;
constexpr std::uint16_t k_arp_hardware_ethernet = 1;
constexpr std::uint16_t k_arp_op_request = 1;
// Ethernet's minimum frame without the FCS. Padding here rather than trusting every driver
// keeps the frame valid on virtual links that pass short frames through untouched.
constexpr std::size_t k_min_ethernet_frame = 60;
constexpr mac_address k_broadcast{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

}  // namespace

std::vector<std::uint8_t> gratuitous_arp(const mac_address& source_mac, const ip_address& vip) {
    assert(vip.is_v4());
    std::vector<std::uint8_t> frame;
    frame.reserve(k_min_ethernet_frame);
    byte_writer out(frame);

    // Ethernet II header.
    out.bytes(k_broadcast);
    out.bytes(source_mac);
    out.u16(k_ethertype_arp);

    // RFC 826 packet; RFC 5227 §3 announcement form: a request whose sender and target protocol
    // addresses are both the announced address. A request (not a reply) because every stack
    // updates its cache from a broadcast request, as keepalived and the RFC 5227 text prefer.
    out.u16(k_arp_hardware_ethernet);
    out.u16(k_ethertype_ipv4);
    out.u8(6);  // hardware address length
    out.u8(4);  // protocol address length
    out.u16(k_arp_op_request);
    out.bytes(source_mac);
    out.bytes(vip.bytes());
    out.zeros(6);  // target hardware address: unknown, RFC 5227 §2.1.1
    out.bytes(vip.bytes());

    out.zeros(k_min_ethernet_frame - out.size());
    return frame;
}

}  // namespace vipd::net::frames
