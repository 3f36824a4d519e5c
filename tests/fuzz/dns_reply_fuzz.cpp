// libFuzzer target for the dns check's reply parser (dns::check_reply), which reads whatever
// datagram arrives on the probe's socket.
//
// Input: byte 0 chooses the asked type (bit 0: A or AAAA; bit 1: the type in byte 1 instead);
// the rest is the reply. The query id is taken from the reply itself, so the parser gets past
// the id check; the same bytes are also judged against another id.
//
// Oracles: the verdict and its detail agree (answered has none, failed has one); a reply to
// another id is ignored; "answered" stops at the first matching record, so bytes appended after
// an answered reply cannot change it; and the question section the parser skips accepts every
// query encode_query writes (turned into an empty answer, it fails as "no answer").

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "oracle.hpp"
#include "vipd/health/checkers/dns_codec.hpp"

namespace {

using namespace vipd::health::checkers::dns;
using vipd::fuzz::oracle_failed;

void check_consistent(const reply_check& check) {
    if ((check.verdict == reply_verdict::failed) == check.detail.empty()) {
        oracle_failed("a verdict and its detail disagree: \"" + check.detail + "\"");
    }
}

/// The reply's bytes read as a dotted name (up to the first four labels' worth), encoded as our
/// query and answered with no records.
void check_own_query(std::span<const std::uint8_t> reply, std::uint16_t qtype) {
    std::string name(reply.begin(), reply.begin() + static_cast<std::ptrdiff_t>(
                                                        std::min<std::size_t>(reply.size(), 80)));
    auto query = encode_query(0x4242, name, qtype);
    if (!query) {
        return;
    }
    (*query)[2] |= 0x80;  // QR: a response
    const auto check = check_reply(*query, 0x4242, qtype);
    if (check.verdict != reply_verdict::failed ||
        check.detail != "no answer (NOERROR, 0 records)") {
        oracle_failed("our own query, as an empty reply, reads as \"" + check.detail + "\"");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) {
        return 0;
    }
    const std::uint8_t selector = data[0];
    std::uint16_t qtype = (selector & 1) != 0 ? k_type_aaaa : k_type_a;
    if ((selector & 2) != 0) {
        qtype = data[1];
    }
    const std::span<const std::uint8_t> reply(data + 1, size - 1);
    const std::uint16_t id =
        reply.size() >= 2 ? static_cast<std::uint16_t>(reply[0] << 8 | reply[1]) : std::uint16_t{0};

    const auto check = check_reply(reply, id, qtype);
    check_consistent(check);
    if (check_reply(reply, static_cast<std::uint16_t>(id ^ 0x8001), qtype).verdict !=
        reply_verdict::ignore) {
        oracle_failed("a reply to another id was judged");
    }
    if (check.verdict == reply_verdict::answered) {
        std::vector<std::uint8_t> longer(reply.begin(), reply.end());
        longer.insert(longer.end(), {0xc0, 0x0c, 0xff});
        if (check_reply(longer, id, qtype).verdict != reply_verdict::answered) {
            oracle_failed("bytes after an answer changed the verdict");
        }
    }
    check_own_query(reply, qtype);
    return 0;
}
