#pragma once
/// VRRP messages captured from keepalived 2.2.7 (Debian 12 package) running in a network
/// namespace, as golden vectors for the codec. Regenerate with capture_keepalived_vectors.sh
/// (root; it prints the tshark output quoted below). Each vector is the IP payload only, with
/// the IP header facts (source, destination, TTL) next to it.
///
/// Every vector was decoded by TShark 4.0.17 with
///   tshark -r capture.pcapng -Y 'vrrp.type == 1 && vrrp.prio != 0' -V -O vrrp
///          -o vrrp.v3_checksum_as_in_v2:FALSE      (one command line)
/// and the bytes were taken from
///   tshark -r capture.pcapng -Y 'vrrp.type == 1 && vrrp.prio != 0' -T json -x   (vrrp_raw)

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace vipd::vrrp::test_vectors {

struct captured_advert {
    std::string_view name;
    std::string_view source;
    std::string_view destination;
    std::uint8_t ttl;
    std::span<const std::uint8_t> message;
};

/// (a) VRRPv2, the lab of seeds/001 with vrid 51 and priority 150:
///   vrrp_instance VI_1 { interface vh-cdc-a; virtual_router_id 51; priority 150; advert_int 1;
///     authentication { auth_type PASS; auth_pass PassW0rD }
///     virtual_ipaddress { 172.28.128.210/24 } }
/// tshark printed:
///   Internet Protocol Version 4, Src: 172.28.128.10, Dst: 224.0.0.18   (TTL 255)
///   Version 2, Packet type 1 (Advertisement)
///   Virtual Rtr ID: 51
///   Priority: 150 (Non-default backup priority)
///   Addr Count: 1
///   Auth Type: Simple Text Authentication [RFC 2338] / Reserved [RFC 3768] (1)
///   Adver Int: 1
///   Checksum: 0x8d91 [correct]
///   [Checksum Status: Good]
///   IP Address: 172.28.128.210
///   Authentication String: PassW0rD
inline constexpr std::array<std::uint8_t, 20> k_v2_ipv4_pass_bytes{
    0x21, 0x33, 0x96, 0x01, 0x01, 0x01, 0x8d, 0x91, 0xac, 0x1c,
    0x80, 0xd2, 0x50, 0x61, 0x73, 0x73, 0x57, 0x30, 0x72, 0x44,
};
inline constexpr captured_advert k_v2_ipv4_pass{"v2_ipv4_pass", "172.28.128.10", "224.0.0.18", 255,
                                                k_v2_ipv4_pass_bytes};

/// (b) VRRPv3 over IPv4, keepalived's default checksum (with the IPv4 pseudo-header):
///   global_defs { vrrp_version 3 }
///   vrrp_instance VI_1 { interface vh-cdc-a; virtual_router_id 52; priority 200; advert_int 0.5
///     virtual_ipaddress { 172.28.128.211/24; 172.28.128.212/24 } }
/// tshark printed:
///   Internet Protocol Version 4, Src: 172.28.128.10, Dst: 224.0.0.18   (TTL 255)
///   Version 3, Packet type 1 (Advertisement)
///   Virtual Rtr ID: 52
///   Priority: 200 (Non-default backup priority)
///   Addr Count: 2
///   0000 .... = Reserved: 0
///   .... 0000 0011 0010 = Adver Int: 50
///   Checksum: 0x9ffb [correct]
///   [Checksum Status: Good]
///   IP Address: 172.28.128.211
///   IP Address: 172.28.128.212
inline constexpr std::array<std::uint8_t, 16> k_v3_ipv4_bytes{
    0x31, 0x34, 0xc8, 0x02, 0x00, 0x32, 0x9f, 0xfb, 0xac, 0x1c, 0x80, 0xd3, 0xac, 0x1c, 0x80, 0xd4,
};
inline constexpr captured_advert k_v3_ipv4{"v3_ipv4", "172.28.128.10", "224.0.0.18", 255,
                                           k_v3_ipv4_bytes};

/// (c) VRRPv3 over IPv6 from the link-local address of the veth (MAC 02:00:00:00:00:0a):
///   global_defs { vrrp_version 3 }
///   vrrp_instance VI_6 { interface vh-cdc-a; native_ipv6; virtual_router_id 53; priority 120;
///     advert_int 1; virtual_ipaddress { fd00:28::210/64; fd00:28::211/64 } }
/// tshark printed:
///   Internet Protocol Version 6, Src: fe80::ff:fe00:a, Dst: ff02::12   (Hop Limit 255)
///   Version 3, Packet type 1 (Advertisement)
///   Virtual Rtr ID: 53
///   Priority: 120 (Non-default backup priority)
///   Addr Count: 2
///   0000 .... = Reserved: 0
///   .... 0000 0110 0100 = Adver Int: 100
///   Checksum: 0x5ab9 [correct]
///   [Checksum Status: Good]
///   IPv6 Address: fd00:28::210
///   IPv6 Address: fd00:28::211
inline constexpr std::array<std::uint8_t, 40> k_v3_ipv6_bytes{
    0x31, 0x35, 0x78, 0x02, 0x00, 0x64, 0x5a, 0xb9, 0xfd, 0x00, 0x00, 0x28, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x10, 0xfd, 0x00, 0x00, 0x28,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x11,
};
inline constexpr captured_advert k_v3_ipv6{"v3_ipv6", "fe80::ff:fe00:a", "ff02::12", 255,
                                           k_v3_ipv6_bytes};

}  // namespace vipd::vrrp::test_vectors
