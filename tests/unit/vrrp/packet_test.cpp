#include "vipd/vrrp/packet.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "support/addresses.hpp"
#include "unit/vrrp/keepalived_vectors.hpp"

namespace vipd::vrrp {
namespace {

using support::addr;

using bytes = std::vector<std::uint8_t>;

packet_meta meta_for(std::string_view source, std::string_view destination,
                     std::uint8_t ttl = k_required_ttl) {
    return packet_meta{addr(source), addr(destination), ttl};
}

const packet_meta k_v4_meta{ip_address(ip_address::v4_bytes{172, 28, 128, 10}),
                            ip_address(ip_address::v4_bytes{224, 0, 0, 18}), 255};

auth_pass pass_of(std::string_view text) {
    auth_pass pass{};
    std::copy_n(text.begin(), std::min(text.size(), pass.size()), pass.begin());
    return pass;
}

// The Internet checksum written out independently of vipd::internet_checksum, so the golden
// tests do not check the library against itself: sum 16-bit big-endian words, fold the carries,
// complement.
std::uint16_t hand_checksum(const bytes& data) {
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i < data.size(); i += 2) {
        const std::uint32_t low = i + 1 < data.size() ? data[i + 1] : 0;
        sum += (static_cast<std::uint32_t>(data[i]) << 8) | low;
    }
    while (sum > 0xffff) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return static_cast<std::uint16_t>(~sum & 0xffff);
}

bytes ipv4_pseudo_header(const packet_meta& meta, std::size_t length) {
    bytes out(meta.source.bytes().begin(), meta.source.bytes().end());
    out.insert(out.end(), meta.destination.bytes().begin(), meta.destination.bytes().end());
    out.insert(out.end(), {0, k_ip_protocol, static_cast<std::uint8_t>(length >> 8),
                           static_cast<std::uint8_t>(length)});
    return out;
}

bytes ipv6_pseudo_header(const packet_meta& meta, std::size_t length) {
    bytes out(meta.source.bytes().begin(), meta.source.bytes().end());
    out.insert(out.end(), meta.destination.bytes().begin(), meta.destination.bytes().end());
    out.insert(out.end(), {0, 0, static_cast<std::uint8_t>(length >> 8),
                           static_cast<std::uint8_t>(length), 0, 0, 0, k_ip_protocol});
    return out;
}

// Rewrites bytes 6-7 with a correct checksum, over the message alone or after `pseudo`.
bytes with_checksum(bytes message, const bytes& pseudo = {}) {
    message.at(6) = 0;
    message.at(7) = 0;
    bytes covered = pseudo;
    covered.insert(covered.end(), message.begin(), message.end());
    const auto sum = hand_checksum(covered);
    message[6] = static_cast<std::uint8_t>(sum >> 8);
    message[7] = static_cast<std::uint8_t>(sum);
    return message;
}

std::optional<drop_reason> reason_of(const std::variant<decoded_advert, drop_reason>& result) {
    if (const auto* reason = std::get_if<drop_reason>(&result)) {
        return *reason;
    }
    return std::nullopt;
}

decoded_advert must_decode(std::span<const std::uint8_t> message, const packet_meta& meta) {
    auto result = decode(message, meta);
    if (const auto* reason = std::get_if<drop_reason>(&result)) {
        ADD_FAILURE() << "dropped: " << to_string(*reason);
        return {};
    }
    return std::get<decoded_advert>(result);
}

// ---------------------------------------------------------------------------------------------
// Golden vectors captured from keepalived 2.2.7: decode to the configured values, and our
// encoder reproduces them byte for byte.

struct golden_row {
    const test_vectors::captured_advert& vector;
    advert expected;
};

std::vector<golden_row> keepalived_rows() {
    return {
        {test_vectors::k_v2_ipv4_pass, advert{version::v2,
                                              51,
                                              150,
                                              centiseconds{100},
                                              {addr("172.28.128.210")},
                                              pass_of("PassW0rD")}},
        {test_vectors::k_v3_ipv4, advert{version::v3,
                                         52,
                                         200,
                                         centiseconds{50},
                                         {addr("172.28.128.211"), addr("172.28.128.212")},
                                         std::nullopt}},
        {test_vectors::k_v3_ipv6, advert{version::v3,
                                         53,
                                         120,
                                         centiseconds{100},
                                         {addr("fd00:28::210"), addr("fd00:28::211")},
                                         std::nullopt}},
    };
}

TEST(VrrpPacketGolden, KeepalivedVectorsDecodeToTheirConfiguration) {
    for (const auto& row : keepalived_rows()) {
        SCOPED_TRACE(std::string(row.vector.name));
        const auto meta = meta_for(row.vector.source, row.vector.destination, row.vector.ttl);
        const auto decoded = must_decode(row.vector.message, meta);
        EXPECT_EQ(decoded.advert, row.expected);
        // keepalived's v3/IPv4 default is the pseudo-header form; v2 and IPv6 report the default.
        EXPECT_EQ(decoded.checksum, checksum_mode::pseudo_header);
    }
}

TEST(VrrpPacketGolden, EncoderReproducesKeepalivedBytes) {
    for (const auto& row : keepalived_rows()) {
        SCOPED_TRACE(std::string(row.vector.name));
        const auto encoded =
            encode(row.expected, addr(row.vector.source), addr(row.vector.destination));
        EXPECT_EQ(encoded, bytes(row.vector.message.begin(), row.vector.message.end()));
    }
}

TEST(VrrpPacketGolden, KeepalivedChecksumsRecomputeByHand) {
    // v2: message only (RFC 3768 §5.3.8).
    const auto& v2 = test_vectors::k_v2_ipv4_pass;
    EXPECT_EQ(hand_checksum(bytes(v2.message.begin(), v2.message.end())), 0);
    // v3/IPv4 as keepalived sends it: the IPv4 pseudo-header, then the message.
    const auto& v3 = test_vectors::k_v3_ipv4;
    auto covered = ipv4_pseudo_header(meta_for(v3.source, v3.destination), v3.message.size());
    covered.insert(covered.end(), v3.message.begin(), v3.message.end());
    EXPECT_EQ(hand_checksum(covered), 0);
    // ... and the same bytes do not verify as message-only.
    EXPECT_NE(hand_checksum(bytes(v3.message.begin(), v3.message.end())), 0);
    // IPv6: RFC 8200 §8.1 pseudo-header.
    const auto& v6 = test_vectors::k_v3_ipv6;
    covered = ipv6_pseudo_header(meta_for(v6.source, v6.destination), v6.message.size());
    covered.insert(covered.end(), v6.message.begin(), v6.message.end());
    EXPECT_EQ(hand_checksum(covered), 0);
}

// RFC 9568 §5.2.8 (Cisco, Juniper, Arista): v3 over IPv4 with a checksum over the message only.
// Same advert as keepalived vector (b); the checksum worked by hand:
//   3134 + c802 + 0032 + 0000 + ac1c + 80d3 + ac1c + 80d4 = 0x35347
//   fold: 0x5347 + 0x3 = 0x534a; complement: 0xacb5
constexpr std::array<std::uint8_t, 16> k_rfc9568_v3_ipv4{
    0x31, 0x34, 0xc8, 0x02, 0x00, 0x32, 0xac, 0xb5, 0xac, 0x1c, 0x80, 0xd3, 0xac, 0x1c, 0x80, 0xd4,
};

TEST(VrrpPacketGolden, Rfc9568MessageOnlyVector) {
    EXPECT_EQ(hand_checksum(bytes(k_rfc9568_v3_ipv4.begin(), k_rfc9568_v3_ipv4.end())), 0);
    const auto meta = meta_for("172.28.128.10", "224.0.0.18");
    const auto decoded = must_decode(k_rfc9568_v3_ipv4, meta);
    EXPECT_EQ(decoded.checksum, checksum_mode::rfc9568);
    EXPECT_EQ(decoded.advert, keepalived_rows()[1].expected);
    EXPECT_EQ(encode(decoded.advert, meta.source, meta.destination, checksum_mode::rfc9568),
              bytes(k_rfc9568_v3_ipv4.begin(), k_rfc9568_v3_ipv4.end()));
}

TEST(VrrpPacketGolden, Rfc9568VectorDoesNotDependOnTheIpHeader) {
    // Message-only checksums survive any source and destination (e.g. unicast peers).
    const auto decoded = must_decode(k_rfc9568_v3_ipv4, meta_for("10.9.8.7", "10.1.2.3"));
    EXPECT_EQ(decoded.checksum, checksum_mode::rfc9568);
    // The pseudo-header form does not: another source breaks keepalived's vector.
    const auto& v3 = test_vectors::k_v3_ipv4;
    EXPECT_EQ(reason_of(decode(v3.message, meta_for("172.28.128.11", "224.0.0.18"))),
              drop_reason::bad_checksum);
}

// ---------------------------------------------------------------------------------------------
// CARP (ucarp, OpenBSD) shares protocol 112, 224.0.0.18 and version nibble 2. Its advert
// (OpenBSD netinet/ip_carp.h layout): version/type, vhid, advskew, authlen = 7, demote, advbase,
// checksum, 8-byte counter, 20-byte SHA-1 HMAC; 36 bytes with a valid checksum over all of them.
bytes carp_advert(std::uint8_t vhid, std::uint8_t advskew) {
    bytes packet{0x21, vhid, advskew, 7, 0, 1, 0, 0};
    for (std::uint8_t i = 0; i < 8 + 20; ++i) {
        packet.push_back(static_cast<std::uint8_t>(0x5a ^ (i * 37)));
    }
    return with_checksum(packet);
}

TEST(VrrpPacketCarp, RejectedByTheExactLengthRule) {
    for (const std::uint8_t advskew : {std::uint8_t{0}, std::uint8_t{100}, std::uint8_t{255}}) {
        const auto packet = carp_advert(51, advskew);
        ASSERT_EQ(packet.size(), 36u);
        ASSERT_EQ(hand_checksum(packet), 0);  // so only the length can reject it
        EXPECT_EQ(reason_of(decode(packet, k_v4_meta)), drop_reason::bad_length)
            << "advskew " << int{advskew};
    }
}

// ---------------------------------------------------------------------------------------------
// Round trips: encode then decode gives back the advert and the checksum form.

struct round_trip_row {
    std::string description;
    advert ad;
    std::string source;
    std::string destination;
    checksum_mode mode;
};

std::vector<ip_address> many_v4(std::size_t count) {
    std::vector<ip_address> out;
    for (std::size_t i = 0; i < count; ++i) {
        out.emplace_back(ip_address::v4_bytes{10, 0, static_cast<std::uint8_t>(i >> 8),
                                              static_cast<std::uint8_t>(i)});
    }
    return out;
}

std::vector<round_trip_row> round_trip_rows() {
    const auto group4 = advert_group(address_family::ipv4).to_string();
    const auto group6 = advert_group(address_family::ipv6).to_string();
    return {
        {"v2 no auth", advert{version::v2, 1, 100, centiseconds{100}, {addr("10.0.0.1")}, {}},
         "10.0.0.2", group4, checksum_mode::pseudo_header},
        {"v2 password, 255 s, owner",
         advert{version::v2, 255, k_owner_priority, centiseconds{25500}, many_v4(3),
                pass_of("secret")},
         "10.0.0.2", group4, checksum_mode::pseudo_header},
        {"v2 resign, 0 s", advert{version::v2, 7, k_resign_priority, centiseconds{0}, {}, {}},
         "10.0.0.2", group4, checksum_mode::pseudo_header},
        {"v2 255 addresses", advert{version::v2, 9, 1, centiseconds{300}, many_v4(255), {}},
         "10.0.0.2", group4, checksum_mode::pseudo_header},
        {"v3 ipv4 pseudo-header", advert{version::v3, 10, 100, centiseconds{1}, many_v4(2), {}},
         "192.0.2.1", group4, checksum_mode::pseudo_header},
        {"v3 ipv4 rfc9568", advert{version::v3, 10, 100, centiseconds{4095}, many_v4(2), {}},
         "192.0.2.1", group4, checksum_mode::rfc9568},
        {"v3 ipv4 unicast rfc9568",
         advert{version::v3, 200, 254, centiseconds{100}, many_v4(1), {}}, "192.0.2.1", "192.0.2.2",
         checksum_mode::rfc9568},
        {"v3 ipv4 255 addresses", advert{version::v3, 1, 1, centiseconds{10}, many_v4(255), {}},
         "192.0.2.1", group4, checksum_mode::pseudo_header},
        {"v3 ipv6", advert{version::v3, 3, 100, centiseconds{100}, {addr("2001:db8::1")}, {}},
         "fe80::1", group6, checksum_mode::pseudo_header},
        {"v3 ipv6 mode ignored",
         advert{version::v3,
                3,
                100,
                centiseconds{100},
                {addr("2001:db8::1"), addr("2001:db8::2")},
                {}},
         "fe80::1", group6, checksum_mode::rfc9568},
    };
}

TEST(VrrpPacketRoundTrip, EncodeThenDecodeIsIdentity) {
    for (const auto& row : round_trip_rows()) {
        SCOPED_TRACE(row.description);
        const auto meta = meta_for(row.source, row.destination);
        const auto message = encode(row.ad, meta.source, meta.destination, row.mode);
        const auto decoded = must_decode(message, meta);
        EXPECT_EQ(decoded.advert, row.ad);
        const bool mode_applies = row.ad.version == version::v3 && meta.source.is_v4();
        EXPECT_EQ(decoded.checksum, mode_applies ? row.mode : checksum_mode::pseudo_header);
    }
}

TEST(VrrpPacketRoundTrip, LayoutOfTheFixedHeader) {
    const advert ad{version::v3, 0x42, 0x99, centiseconds{0x0abc}, {addr("1.2.3.4")}, {}};
    const auto message = encode(ad, addr("5.6.7.8"), addr("224.0.0.18"));
    ASSERT_EQ(message.size(), 12u);
    EXPECT_EQ(message[0], 0x31);  // version 3, type 1
    EXPECT_EQ(message[1], 0x42);
    EXPECT_EQ(message[2], 0x99);
    EXPECT_EQ(message[3], 1);
    EXPECT_EQ(message[4], 0x0a);  // reserved nibble zero, then the 12-bit interval
    EXPECT_EQ(message[5], 0xbc);
    EXPECT_EQ((bytes{message.begin() + 8, message.end()}), (bytes{1, 2, 3, 4}));
}

TEST(VrrpPacketRoundTrip, V2WithoutPasswordSendsZeroAuthData) {
    const advert ad{version::v2, 1, 100, centiseconds{200}, {addr("1.2.3.4")}, {}};
    const auto message = encode(ad, addr("5.6.7.8"), addr("224.0.0.18"));
    ASSERT_EQ(message.size(), 20u);
    EXPECT_EQ(message[4], 0);  // auth type 0
    EXPECT_EQ(message[5], 2);  // whole seconds
    EXPECT_TRUE(std::all_of(message.end() - 8, message.end(), [](auto b) { return b == 0; }));
}

TEST(VrrpPacketRoundTrip, AdvertGroups) {
    EXPECT_EQ(advert_group(address_family::ipv4), addr("224.0.0.18"));
    EXPECT_EQ(advert_group(address_family::ipv6), addr("ff02::12"));
}

// ---------------------------------------------------------------------------------------------
// Fields a receiver ignores.

TEST(VrrpPacketLenient, V3ReservedBitsAreIgnored) {
    auto message =
        bytes(test_vectors::k_v3_ipv6.message.begin(), test_vectors::k_v3_ipv6.message.end());
    message[4] |= 0xf0;
    const auto meta = meta_for(test_vectors::k_v3_ipv6.source, test_vectors::k_v3_ipv6.destination);
    message = with_checksum(message, ipv6_pseudo_header(meta, message.size()));
    EXPECT_EQ(must_decode(message, meta).advert, keepalived_rows()[2].expected);
}

TEST(VrrpPacketLenient, V2AuthDataIsIgnoredWithAuthTypeZero) {
    auto message = bytes(test_vectors::k_v2_ipv4_pass.message.begin(),
                         test_vectors::k_v2_ipv4_pass.message.end());
    message[4] = 0;  // auth type none, the password bytes stay behind
    message = with_checksum(message);
    const auto decoded = must_decode(message, meta_for("172.28.128.10", "224.0.0.18"));
    EXPECT_FALSE(decoded.advert.password);
}

TEST(VrrpPacketLenient, DestinationIsNotChecked) {
    // Unicast peers (keepalived unicast_peer) send to an interface address; v2 has no
    // pseudo-header, so only the family matters.
    const auto& v2 = test_vectors::k_v2_ipv4_pass;
    EXPECT_FALSE(reason_of(decode(v2.message, meta_for(v2.source, "172.28.128.11"))));
}

TEST(VrrpPacketLenient, ALoweredTtlFloorLetsRoutedUnicastAdvertsThrough) {
    // unicast_ttl_check = false on an instance of the socket: the codec only applies the lowest
    // floor; the instance applies its own after demultiplexing (peers.hpp).
    const auto& v3 = test_vectors::k_v3_ipv4;
    auto routed = meta_for(v3.source, v3.destination, 62);
    EXPECT_EQ(reason_of(decode(v3.message, routed)), drop_reason::bad_ttl);
    routed.min_ttl = 60;
    EXPECT_FALSE(reason_of(decode(v3.message, routed)));
    routed.ttl = 59;
    EXPECT_EQ(reason_of(decode(v3.message, routed)), drop_reason::bad_ttl);
}

// ---------------------------------------------------------------------------------------------
// Every drop reason the codec can give, table-driven.

struct drop_row {
    std::string description;
    bytes message;
    packet_meta meta;
    drop_reason expected;
};

bytes vector_bytes(const test_vectors::captured_advert& vector) {
    return bytes(vector.message.begin(), vector.message.end());
}

packet_meta vector_meta(const test_vectors::captured_advert& vector, std::uint8_t ttl = 255) {
    return meta_for(vector.source, vector.destination, ttl);
}

template <typename Edit>
bytes edited(const test_vectors::captured_advert& vector, Edit edit) {
    auto message = vector_bytes(vector);
    edit(message);
    return message;
}

std::vector<drop_row> drop_rows() {
    const auto& v2 = test_vectors::k_v2_ipv4_pass;
    const auto& v3 = test_vectors::k_v3_ipv4;
    const auto& v6 = test_vectors::k_v3_ipv6;
    const auto v6_meta_for_v4_vector = meta_for("fe80::1", "ff02::12");
    return {
        {"empty", {}, vector_meta(v3), drop_reason::too_short},
        {"seven bytes", bytes(v3.message.begin(), v3.message.begin() + 7), vector_meta(v3),
         drop_reason::too_short},
        {"ttl 254", vector_bytes(v2), vector_meta(v2, 254), drop_reason::bad_ttl},
        {"ttl 1 (routed)", vector_bytes(v3), vector_meta(v3, 1), drop_reason::bad_ttl},
        {"hop limit 64", vector_bytes(v6), vector_meta(v6, 64), drop_reason::bad_ttl},
        {"ttl checked before length", {}, vector_meta(v3, 0), drop_reason::bad_ttl},
        {"version 1", edited(v3, [](bytes& m) { m[0] = 0x11; }), vector_meta(v3),
         drop_reason::bad_version},
        {"version 4", edited(v3, [](bytes& m) { m[0] = 0x41; }), vector_meta(v3),
         drop_reason::bad_version},
        {"version 0", edited(v2, [](bytes& m) { m[0] = 0x01; }), vector_meta(v2),
         drop_reason::bad_version},
        {"version 15", edited(v6, [](bytes& m) { m[0] = 0xf1; }), vector_meta(v6),
         drop_reason::bad_version},
        {"type 0", edited(v3, [](bytes& m) { m[0] = 0x30; }), vector_meta(v3),
         drop_reason::bad_type},
        {"type 2", edited(v2, [](bytes& m) { m[0] = 0x22; }), vector_meta(v2),
         drop_reason::bad_type},
        {"v2 truncated auth data", bytes(v2.message.begin(), v2.message.end() - 8), vector_meta(v2),
         drop_reason::bad_length},
        {"v2 trailing byte", edited(v2, [](bytes& m) { m.push_back(0); }), vector_meta(v2),
         drop_reason::bad_length},
        {"v2 count too high", edited(v2, [](bytes& m) { m[3] = 2; }), vector_meta(v2),
         drop_reason::bad_length},
        {"v3 count too low", edited(v3, [](bytes& m) { m[3] = 1; }), vector_meta(v3),
         drop_reason::bad_length},
        {"v3 one address byte missing", bytes(v3.message.begin(), v3.message.end() - 1),
         vector_meta(v3), drop_reason::bad_length},
        {"v3 ipv4 addresses under an ipv6 header", vector_bytes(v3), v6_meta_for_v4_vector,
         drop_reason::bad_length},
        {"v3 ipv6 count 255 in 40 bytes", edited(v6, [](bytes& m) { m[3] = 255; }), vector_meta(v6),
         drop_reason::bad_length},
        {"carp", carp_advert(51, 0), k_v4_meta, drop_reason::bad_length},
        {"v2 flipped address bit", edited(v2, [](bytes& m) { m[11] ^= 1; }), vector_meta(v2),
         drop_reason::bad_checksum},
        {"v2 flipped password bit", edited(v2, [](bytes& m) { m[19] ^= 0x80; }), vector_meta(v2),
         drop_reason::bad_checksum},
        {"v2 checksummed with a pseudo-header",
         with_checksum(vector_bytes(v2), ipv4_pseudo_header(vector_meta(v2), 20)), vector_meta(v2),
         drop_reason::bad_checksum},
        {"v3 ipv4 flipped priority", edited(v3, [](bytes& m) { m[2] ^= 4; }), vector_meta(v3),
         drop_reason::bad_checksum},
        {"v3 ipv4 zero checksum", edited(v3, [](bytes& m) { m[6] = m[7] = 0; }), vector_meta(v3),
         drop_reason::bad_checksum},
        {"v3 ipv4 pseudo-header from another source", vector_bytes(v3),
         meta_for("172.28.128.99", "224.0.0.18"), drop_reason::bad_checksum},
        {"v3 ipv6 message-only checksum", with_checksum(vector_bytes(v6)), vector_meta(v6),
         drop_reason::bad_checksum},
        {"v3 ipv6 from another link-local", vector_bytes(v6), meta_for("fe80::1", "ff02::12"),
         drop_reason::bad_checksum},
        {"v2 auth type 2 (IP AH, RFC 2338)", with_checksum(edited(v2, [](bytes& m) { m[4] = 2; })),
         vector_meta(v2), drop_reason::bad_auth_type},
        {"v2 auth type 255", with_checksum(edited(v2, [](bytes& m) { m[4] = 255; })),
         vector_meta(v2), drop_reason::bad_auth_type},
        {"v2 over ipv6", vector_bytes(v2), meta_for("fe80::1", "ff02::12"),
         drop_reason::wrong_family},
        {"v2 family checked before length", bytes(v2.message.begin(), v2.message.end() - 4),
         meta_for("fe80::1", "ff02::12"), drop_reason::wrong_family},
        {"source and destination of two families", vector_bytes(v3),
         meta_for("172.28.128.10", "ff02::12"), drop_reason::wrong_family},
    };
}

TEST(VrrpPacketDrop, EveryMalformedPacketHasItsReason) {
    for (const auto& row : drop_rows()) {
        SCOPED_TRACE(row.description);
        // An exact-size heap copy, so AddressSanitizer sees any read past the end.
        const auto copy = std::make_unique<std::uint8_t[]>(row.message.size() + 0);
        std::copy(row.message.begin(), row.message.end(), copy.get());
        const auto result = decode(std::span(copy.get(), row.message.size()), row.meta);
        const auto reason = reason_of(result);
        ASSERT_TRUE(reason) << "decoded instead of dropped";
        EXPECT_EQ(to_string(*reason), to_string(row.expected));
    }
}

TEST(VrrpPacketDrop, EveryCodecReasonIsCovered) {
    std::set<drop_reason> seen;
    for (const auto& row : drop_rows()) {
        seen.insert(row.expected);
    }
    const std::set<drop_reason> codec_reasons{
        drop_reason::too_short,     drop_reason::bad_ttl,      drop_reason::bad_version,
        drop_reason::bad_type,      drop_reason::bad_length,   drop_reason::bad_checksum,
        drop_reason::bad_auth_type, drop_reason::wrong_family,
    };
    EXPECT_EQ(seen, codec_reasons);
}

TEST(VrrpPacketDrop, EveryTruncationAndExtensionIsDroppedSafely) {
    const test_vectors::captured_advert* vectors[] = {
        &test_vectors::k_v2_ipv4_pass, &test_vectors::k_v3_ipv4, &test_vectors::k_v3_ipv6};
    for (const auto* vector : vectors) {
        SCOPED_TRACE(std::string(vector->name));
        const auto meta = vector_meta(*vector);
        for (std::size_t size = 0; size < vector->message.size(); ++size) {
            const bytes prefix(vector->message.begin(), vector->message.begin() + size);
            EXPECT_TRUE(reason_of(decode(prefix, meta))) << "prefix of " << size;
        }
        for (std::size_t extra = 1; extra <= 16; ++extra) {
            auto longer = vector_bytes(*vector);
            longer.resize(longer.size() + extra, 0);
            EXPECT_EQ(reason_of(decode(longer, meta)), drop_reason::bad_length) << "+" << extra;
        }
    }
}

}  // namespace
}  // namespace vipd::vrrp
