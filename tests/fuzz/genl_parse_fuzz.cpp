// libFuzzer target for the IPVS generic netlink reply parsers (wire::parse_service,
// wire::parse_destination) and the translation to the model behind them (decode_service,
// decode_destination): what a dump of the kernel's table goes through.
//
// Input: byte 0 chooses the parser (bit 0: service or destination), whether counters are asked
// for (bit 1) and, for a destination, the service family standing in for a missing
// IPVS_DEST_ATTR_ADDR_FAMILY (bit 2); the rest is the attributes after the genlmsghdr.
//
// Oracle: an entry that decodes into the model must survive the way back: encoded into attribute
// values, written by the request writer, parsed again and decoded, it is the same service or
// destination. That catches a parser or decoder that accepts what the writer cannot express.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "genl_wire.hpp"
#include "netlink_frame.hpp"
#include "oracle.hpp"

namespace {

using namespace vipd::ipvs::linux;
using vipd::fuzz::guarded_message;
using vipd::fuzz::oracle_failed;

constexpr std::uint16_t k_family_id = 0x20;  // the dynamic id the kernel gives "IPVS"

/// One kind of entry (service or destination): its parser, decoder, encoder and writer.
template <class Attrs, class Counters, class Parse, class Decode, class Encode, class Put>
struct entry_kind {
    const char* name;
    std::uint8_t command;
    Parse parse;    // (header, Attrs&, Counters*) -> bool
    Decode decode;  // Attrs -> optional model value
    Encode encode;  // model value -> Attrs
    Put put;        // (request_writer&, Attrs, full_entry)
};

template <class Attrs, class Counters, class... Functions>
void check_round_trip(const nlmsghdr& header, bool with_counters,
                      const entry_kind<Attrs, Counters, Functions...>& kind) {
    Attrs attrs;
    Counters counters;
    if (!kind.parse(header, attrs, with_counters ? &counters : nullptr)) {
        return;
    }
    const auto decoded = kind.decode(attrs);
    if (!decoded) {
        return;
    }
    const Attrs encoded = kind.encode(*decoded);
    std::vector<std::byte> bytes;
    wire::request_writer writer(bytes);
    writer.start(k_family_id, kind.command, 0);
    kind.put(writer, encoded, true);
    if (!writer.finish(1, 0)) {
        oracle_failed(std::string("a decoded ") + kind.name + " does not fit in a request");
    }
    Attrs again;
    if (!kind.parse(*reinterpret_cast<const nlmsghdr*>(bytes.data()), again, nullptr)) {
        oracle_failed(std::string("a written ") + kind.name + " does not parse");
    }
    if (!(again == encoded)) {
        oracle_failed(std::string("a written ") + kind.name + " parses into other values");
    }
    const auto redecoded = kind.decode(again);
    if (!redecoded || !(*redecoded == *decoded)) {
        oracle_failed(std::string("a ") + kind.name + " decodes differently after a round trip");
    }
}

template <class Attrs, class Counters, class... Functions>
entry_kind<Attrs, Counters, Functions...> make_kind(const char* name, std::uint8_t command,
                                                    Functions... functions) {
    return {name, command, functions...};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const std::uint8_t selector = data[0];
    const bool destination = (selector & 1) != 0;
    const bool with_counters = (selector & 2) != 0;
    genlmsghdr genl{};
    genl.cmd = destination ? IPVS_CMD_NEW_DEST : IPVS_CMD_NEW_SERVICE;
    genl.version = IPVS_GENL_VERSION;
    const guarded_message message(
        k_family_id, std::span(reinterpret_cast<const std::uint8_t*>(&genl), sizeof genl),
        std::span(data + 1, size - 1));
    if (destination) {
        const auto family =
            (selector & 4) != 0 ? vipd::address_family::ipv6 : vipd::address_family::ipv4;
        check_round_trip(
            message.header(), with_counters,
            make_kind<destination_attrs, vipd::ipvs::destination_counters>(
                "destination", IPVS_CMD_NEW_DEST, wire::parse_destination,
                [family](const destination_attrs& a) { return decode_destination(a, family); },
                [](const auto& d) { return encode_destination(d.first, d.second); },
                wire::put_destination));
    } else {
        check_round_trip(message.header(), with_counters,
                         make_kind<service_attrs, vipd::ipvs::traffic_counters>(
                             "service", IPVS_CMD_NEW_SERVICE, wire::parse_service, decode_service,
                             [](const auto& s) { return encode_service(s.first, s.second); },
                             wire::put_service));
    }
    return 0;
}
