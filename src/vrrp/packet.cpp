#include "vipd/vrrp/packet.hpp"

#include <algorithm>
#include <cassert>

#include "vipd/core/byte_reader.hpp"
#include "vipd/core/byte_writer.hpp"
#include "vipd/core/checksum.hpp"

namespace vipd::vrrp {
namespace detail {
namespace {

constexpr std::uint8_t k_type_advertisement = 1;  // RFC 3768 §5.3.2, RFC 5798 §5.2.2
constexpr std::size_t k_fixed_header_size = 8;    // everything before the addresses
constexpr std::size_t k_checksum_offset = 6;
constexpr std::uint8_t k_auth_none = 0;
constexpr std::uint8_t k_auth_simple_text = 1;          // RFC 2338 §5.3.6
constexpr std::uint16_t k_max_adver_int_mask = 0x0fff;  // RFC 5798 §5.2.7: 12 bits, rsvd above
constexpr std::int64_t k_centiseconds_per_second = 100;

/// Whether the checksum starts with a pseudo-header: always for IPv6 (RFC 8200 §8.1, which
/// RFC 5798 §5.2.8 points to), never for v2 (RFC 3768 §5.3.8), and for v3 over IPv4 by `mode`.
bool uses_pseudo_header(version v, address_family family, checksum_mode mode) {
    if (v == version::v2) {
        return false;
    }
    return family == address_family::ipv6 || mode == checksum_mode::pseudo_header;
}

/// The one's-complement sum over the optional pseudo-header and `message`. Over a message with
/// its checksum filled in this yields 0 when the checksum is right.
std::uint16_t checksum_over(std::span<const std::uint8_t> message, const ip_address& source,
                            const ip_address& destination, bool pseudo_header) {
    internet_checksum sum;
    if (pseudo_header) {
        sum.add(source.bytes());
        sum.add(destination.bytes());
        if (source.is_v6()) {
            // RFC 8200 §8.1: 32-bit upper-layer length, three zero bytes, next header.
            sum.add_u32(static_cast<std::uint32_t>(message.size()));
            sum.add_u32(k_ip_protocol);
        } else {
            // RFC 768-style IPv4 pseudo-header: zero byte, protocol, 16-bit length.
            sum.add_u16(k_ip_protocol);
            sum.add_u16(static_cast<std::uint16_t>(message.size()));
        }
    }
    sum.add(message);
    return sum.finish();
}

std::size_t expected_length(version v, address_family family, std::size_t count) {
    if (v == version::v2) {
        // RFC 3768 §5.3: header, IPv4 addresses, 8 bytes of authentication data.
        return k_fixed_header_size + 4 * count + k_auth_pass_size;
    }
    return k_fixed_header_size + (family == address_family::ipv4 ? 4 : 16) * count;
}

}  // namespace
}  // namespace detail

ip_address advert_group(address_family family) {
    if (family == address_family::ipv4) {
        return ip_address(ip_address::v4_bytes{224, 0, 0, 18});
    }
    return ip_address(
        ip_address::v6_bytes{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12});
}

std::vector<std::uint8_t> encode(const advert& ad, const ip_address& source,
                                 const ip_address& destination, checksum_mode mode) {
    const auto family = source.family();
    assert(destination.family() == family);
    assert(ad.addresses.size() <= 255);
    const auto count = ad.addresses.size();

    std::vector<std::uint8_t> out;
    out.reserve(detail::expected_length(ad.version, family, count));
    byte_writer writer(out);
    writer.u8(static_cast<std::uint8_t>((static_cast<unsigned>(ad.version) << 4) |
                                        detail::k_type_advertisement));
    writer.u8(ad.vrid);
    writer.u8(ad.priority);
    writer.u8(static_cast<std::uint8_t>(count));
    if (ad.version == version::v2) {
        assert(family == address_family::ipv4);
        assert(ad.interval.count() >= 0 && ad.interval.count() <= 255 * 100 &&
               ad.interval.count() % detail::k_centiseconds_per_second == 0);
        writer.u8(ad.password ? detail::k_auth_simple_text : detail::k_auth_none);
        writer.u8(
            static_cast<std::uint8_t>(ad.interval.count() / detail::k_centiseconds_per_second));
    } else {
        assert(!ad.password);
        assert(ad.interval.count() >= 0 && ad.interval.count() <= detail::k_max_adver_int_mask);
        // RFC 5798 §5.2.6: the 4 reserved bits are sent as zero.
        writer.u16(static_cast<std::uint16_t>(ad.interval.count()) & detail::k_max_adver_int_mask);
    }
    writer.u16(0);  // checksum, patched below
    for (const auto& address : ad.addresses) {
        assert(address.family() == family);
        writer.bytes(address.bytes());
    }
    if (ad.version == version::v2) {
        // RFC 3768 §5.3.10 keeps the field; RFC 2338 §5.3.10 puts the password there.
        if (ad.password) {
            writer.bytes(*ad.password);
        } else {
            writer.zeros(k_auth_pass_size);
        }
    }
    const bool pseudo = detail::uses_pseudo_header(ad.version, family, mode);
    writer.patch_u16(detail::k_checksum_offset,
                     detail::checksum_over(out, source, destination, pseudo));
    return out;
}

std::variant<decoded_advert, drop_reason> decode(std::span<const std::uint8_t> message,
                                                 const packet_meta& meta) {
    // Checks in the order of RFC 5798 §7.1 / RFC 3768 §7.1 (TTL, version, checksum), with the
    // form checks that make reading safe in between.
    if (meta.ttl < meta.min_ttl) {
        return drop_reason::bad_ttl;
    }
    byte_reader reader(message);
    const auto version_type = reader.u8();
    const auto vrid = reader.u8();
    const auto priority = reader.u8();
    const auto count = reader.u8();
    const auto word = reader.u16();  // v2: auth type + adver int; v3: rsvd + max adver int
    const auto checksum = reader.u16();
    if (!version_type || !vrid || !priority || !count || !word || !checksum) {
        return drop_reason::too_short;
    }

    const unsigned version_nibble = *version_type >> 4;
    if (version_nibble != 2 && version_nibble != 3) {
        return drop_reason::bad_version;
    }
    const auto ver = static_cast<version>(version_nibble);
    if ((*version_type & 0x0f) != detail::k_type_advertisement) {
        return drop_reason::bad_type;
    }
    const auto family = meta.source.family();
    if (meta.destination.family() != family ||
        (ver == version::v2 && family != address_family::ipv4)) {
        return drop_reason::wrong_family;
    }
    // An exact length, not a minimum: CARP shares protocol 112, 224.0.0.18 and version 2, but
    // its 36-byte packet carries authlen 7 where VRRP has the count, and 16 + 4 * 7 != 36.
    // A count of 0 passes: RFC 5798 §5.2.5's minimum of 1 binds the sender, and the VIP list is
    // the receiving instance's business.
    if (message.size() != detail::expected_length(ver, family, *count)) {
        return drop_reason::bad_length;
    }

    decoded_advert result;
    const bool pseudo = detail::uses_pseudo_header(ver, family, checksum_mode::pseudo_header);
    if (detail::checksum_over(message, meta.source, meta.destination, pseudo) != 0) {
        // v3 over IPv4 may carry the RFC 9568 §5.2.8 message-only form instead.
        const bool may_be_rfc9568 = ver == version::v3 && family == address_family::ipv4;
        if (!may_be_rfc9568 ||
            detail::checksum_over(message, meta.source, meta.destination, false) != 0) {
            return drop_reason::bad_checksum;
        }
        result.checksum = checksum_mode::rfc9568;
    }

    advert& ad = result.advert;
    ad.version = ver;
    ad.vrid = *vrid;
    ad.priority = *priority;
    if (ver == version::v2) {
        const auto auth_type = static_cast<std::uint8_t>(*word >> 8);
        if (auth_type != detail::k_auth_none && auth_type != detail::k_auth_simple_text) {
            return drop_reason::bad_auth_type;
        }
        ad.interval = centiseconds{(*word & 0xff) * detail::k_centiseconds_per_second};
        if (auth_type == detail::k_auth_simple_text) {
            // The authentication data is the last 8 bytes; the length check above holds them.
            auth_pass pass{};
            const auto tail = message.last(k_auth_pass_size);
            std::copy(tail.begin(), tail.end(), pass.begin());
            ad.password = pass;
        }
    } else {
        // RFC 5798 §5.2.6: reserved bits are ignored on receipt.
        ad.interval = centiseconds{*word & detail::k_max_adver_int_mask};
    }

    const std::size_t address_size = family == address_family::ipv4 ? 4 : 16;
    ad.addresses.reserve(*count);
    for (unsigned i = 0; i < *count; ++i) {
        const auto bytes = reader.bytes(address_size);
        if (!bytes) {
            return drop_reason::bad_length;  // unreachable after the exact-length check
        }
        ad.addresses.push_back(*ip_address::from_bytes(*bytes));
    }
    return result;
}

}  // namespace vipd::vrrp
