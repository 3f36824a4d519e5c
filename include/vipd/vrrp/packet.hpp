#pragma once
/// VRRP advertisement codec: RFC 3768 (v2) and RFC 5798 / RFC 9568 (v3), IPv4 and IPv6.
/// Pure functions over the VRRP message (the IP payload); the IP header's facts arrive as
/// `packet_meta`. Decoding validates form only; VRID, auth secret and interval agreement are
/// the receiving instance's business.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <variant>
#include <vector>

#include "vipd/core/address.hpp"
#include "vipd/core/time.hpp"
#include "vipd/vrrp/drop_reason.hpp"

namespace vipd::vrrp {

enum class version : std::uint8_t { v2 = 2, v3 = 3 };

/// Which bytes the VRRPv3 IPv4 checksum covers. keepalived, FRR and Wireshark include an IPv4
/// pseudo-header; RFC 9568 §5.2.8 (and Cisco, Juniper, Arista) covers the message only. IPv6
/// always uses the pseudo-header and VRRPv2 never does.
enum class checksum_mode : std::uint8_t { pseudo_header, rfc9568 };

inline constexpr std::uint8_t k_ip_protocol = 112;
inline constexpr std::uint8_t k_required_ttl = 255;  // RFC 5798 §5.1.1.3, §5.1.2.3
inline constexpr std::uint8_t k_owner_priority = 255;
inline constexpr std::uint8_t k_resign_priority = 0;
inline constexpr std::size_t k_auth_pass_size = 8;  // RFC 2338 §5.3.10
/// The multicast groups adverts go to: 224.0.0.18 and ff02::12 (RFC 5798 §5.1.1.2, §5.1.2.2).
ip_address advert_group(address_family family);

using auth_pass = std::array<std::uint8_t, k_auth_pass_size>;

/// One advertisement, version-neutral.
struct advert {
    vrrp::version version = version::v3;
    std::uint8_t vrid = 1;
    std::uint8_t priority = 100;
    /// v3: Max Advertise Interval, 12 bits of centiseconds. v2: Adver Int in whole seconds,
    /// carried here converted to centiseconds (a v2 value is always a multiple of 100).
    centiseconds interval{100};
    /// All of one family, that of the IP header.
    std::vector<ip_address> addresses;
    /// v2 only: Auth Type 1 (simple text password, RFC 2338 §5.3.6) with its 8 bytes. nullopt
    /// means Auth Type 0. Always nullopt for v3, which has no authentication.
    std::optional<auth_pass> password;

    friend bool operator==(const advert&, const advert&) = default;
};

/// What the receiving socket knew about the IP header around the message.
struct packet_meta {
    ip_address source;
    ip_address destination;
    std::uint8_t ttl = k_required_ttl;  // hop limit for IPv6
    /// The lowest TTL to let through: RFC 5798 §7.1's 255, unless a unicast instance on the
    /// socket takes routed peers (unicast_ttl_check = false); that instance's own floor and
    /// everyone else's 255 are checked after demultiplexing (vrrp/peers.hpp).
    std::uint8_t min_ttl = k_required_ttl;
};

/// Serialises `ad` with a valid checksum. v3 over IPv4 uses `mode`; IPv6 uses its pseudo-header
/// from `source`/`destination`. Precondition (checked by config validation, asserted here):
/// addresses match the family of `source`, v2 is IPv4, interval fits the version's field, at most
/// 255 addresses.
std::vector<std::uint8_t> encode(const advert& ad, const ip_address& source,
                                 const ip_address& destination,
                                 checksum_mode mode = checksum_mode::pseudo_header);

/// A decoded advert and which checksum form it carried (v3 IPv4 may carry either).
struct decoded_advert {
    vrrp::advert advert;
    /// Meaningful for v3 over IPv4 only; v2 and IPv6 report `pseudo_header`. When both forms
    /// verify (a pseudo-header that sums to zero), `pseudo_header` wins.
    checksum_mode checksum = checksum_mode::pseudo_header;

    friend bool operator==(const decoded_advert&, const decoded_advert&) = default;
};

/// Validates and decodes one VRRP message: TTL 255, version 2 or 3, type 1, exact length
/// (v2: 16 + 4n — which also rejects CARP's 36-byte packets; v3: 8 + 4n or 8 + 16n by family),
/// checksum (v3/IPv4: either form accepted), v2 auth type 0 or 1, v2 over IPv4 only.
/// Never reads outside `message`; every rejection is a `drop_reason`.
std::variant<decoded_advert, drop_reason> decode(std::span<const std::uint8_t> message,
                                                 const packet_meta& meta);

}  // namespace vipd::vrrp
