#pragma once
/// Ethernet frames announcing a VIP's new owner. Pure builders.

#include <cstdint>
#include <vector>

#include "vipd/core/address.hpp"
#include "vipd/net/ports.hpp"

namespace vipd::net::frames {

/// A broadcast gratuitous ARP request (RFC 5227 §3 "ARP Announcement"; RFC 5798 §8.1.1 for VRRP
/// notes the Master sends one per VIP): sender and target protocol address = `vip`, target
/// hardware address zero; zero-padded to Ethernet's 60-byte minimum. Precondition: `vip` is IPv4.
std::vector<std::uint8_t> gratuitous_arp(const mac_address& source_mac, const ip_address& vip);

/// An unsolicited Neighbor Advertisement (RFC 4861 §7.2.6) to ff02::1 from `vip`, with the
/// Override flag and a Target Link-Layer Address option, hop limit 255, valid ICMPv6 checksum.
/// Precondition: `vip` is IPv6.
/// `router`: set the NA's Router flag, for a director that forwards IPv6 on that link (its
/// `forwarding` sysctl, as keepalived does): hosts must keep using it as a router.
std::vector<std::uint8_t> unsolicited_na(const mac_address& source_mac, const ip_address& vip,
                                         bool router = false);

}  // namespace vipd::net::frames
