// libFuzzer target for vrrp::decode. Beyond "does not crash" (ASan/UBSan catch reads outside
// the span), it checks an oracle: whatever decode accepts, encode must turn back into a message
// that decodes to the same advert and checksum form. That catches a decoder that accepts what
// the encoder cannot express (e.g. a v2 interval that is not whole seconds) and any asymmetry
// between the two.
//
// Input: byte 0 chooses the IP header facts (family, TTL, source/destination variant), the rest
// is the VRRP message. Each input is also decoded under both families' usual metadata, so the
// corpus exercises IPv4 and IPv6 whatever byte 0 says.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <variant>

#include "vipd/vrrp/packet.hpp"

namespace {

using vipd::ip_address;
using vipd::vrrp::decoded_advert;
using vipd::vrrp::packet_meta;

const ip_address k_v4_source(ip_address::v4_bytes{172, 28, 128, 10});
const ip_address k_v4_unicast(ip_address::v4_bytes{172, 28, 128, 11});
const ip_address k_v6_source(ip_address::v6_bytes{0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xfe,
                                                  0, 0, 0x0a});
const ip_address k_v6_unicast(ip_address::v6_bytes{0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                                   0, 0x0b});

void check_round_trip(std::span<const std::uint8_t> message, const packet_meta& meta) {
    const auto first = vipd::vrrp::decode(message, meta);
    const auto* decoded = std::get_if<decoded_advert>(&first);
    if (decoded == nullptr) {
        return;
    }
    const auto encoded =
        vipd::vrrp::encode(decoded->advert, meta.source, meta.destination, decoded->checksum);
    const auto second = vipd::vrrp::decode(encoded, meta);
    const auto* again = std::get_if<decoded_advert>(&second);
    if (again == nullptr) {
        std::fprintf(
            stderr, "re-encoded advert dropped: %s\n",
            std::string(vipd::vrrp::to_string(std::get<vipd::vrrp::drop_reason>(second))).c_str());
        std::abort();
    }
    if (!(*again == *decoded)) {
        std::fprintf(stderr, "re-encoded advert decodes differently\n");
        std::abort();
    }
    // An accepted message has exactly the encoder's length (the exact-length rule).
    if (encoded.size() != message.size()) {
        std::fprintf(stderr, "accepted %zu bytes, re-encoded %zu\n", message.size(),
                     encoded.size());
        std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const std::uint8_t selector = data[0];
    const std::span<const std::uint8_t> message(data + 1, size - 1);

    const auto v4_group = vipd::vrrp::advert_group(vipd::address_family::ipv4);
    const auto v6_group = vipd::vrrp::advert_group(vipd::address_family::ipv6);
    check_round_trip(message, packet_meta{k_v4_source, v4_group, 255});
    check_round_trip(message, packet_meta{k_v6_source, v6_group, 255});

    // The selector's variants: unicast destinations, mixed families, other TTLs.
    const bool v6 = (selector & 1) != 0;
    const ip_address source = v6 ? k_v6_source : k_v4_source;
    ip_address destination =
        (selector & 2) != 0 ? (v6 ? k_v6_unicast : k_v4_unicast) : (v6 ? v6_group : v4_group);
    if ((selector & 4) != 0) {
        destination = v6 ? v4_group : v6_group;  // mixed families: must be dropped, not crash
    }
    const std::uint8_t ttl = (selector & 8) != 0 ? static_cast<std::uint8_t>(selector) : 255;
    check_round_trip(message, packet_meta{source, destination, ttl});
    return 0;
}
