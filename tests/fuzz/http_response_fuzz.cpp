// libFuzzer target for the http check's response handling: http_response_reader (Beast's
// parser, interim responses, the body cap), which the http probe feeds from its socket, and the
// response_matcher that judges the result.
//
// Input: byte 0 chooses the request method (bit 0: HEAD), a small body cap (bit 1: 32 bytes, so
// short inputs reach the cap) and the seed of the read sizes (bits 2-7); the rest is what the
// server sends before it closes the connection.
//
// Oracle: the verdict does not depend on how the bytes were split into reads. The input goes in
// once in reads as large as the reader takes, once in reads of 1 to 8 bytes, and both must end in
// the same state, and a complete response with the same status and body. Two things may differ:
// a failure's wording (Beast judges a start line that arrives whole at once, but one that arrives
// in pieces only with the end of the header: "bad version" against "partial message" when the
// connection closes first), and whether the body went on beyond the cap once the cap is reached
// (a read that stops exactly at the cap leaves the rest unparsed, one that carries on may see the
// end of a chunked body). A complete response has a final status (not 1xx, except 101) and no
// more body than the cap; a failure says what was being read.

#include <cstdint>
#include <limits>
#include <span>
#include <string>

#include "oracle.hpp"
#include "support/http_response_feed.hpp"
#include "vipd/health/checkers/http_match.hpp"
#include "vipd/health/checkers/http_response.hpp"

namespace {

using vipd::fuzz::oracle_failed;
using vipd::health::checkers::http_response_reader;
using vipd::health::checkers::testing::feed_response;
using vipd::health::checkers::testing::http_verdict;
using state = http_response_reader::state;

constexpr std::size_t k_small_cap = 32;

void check_complete(const http_verdict& v, std::size_t cap) {
    if (v.starved || v.end == state::need_more) {
        oracle_failed("the reader still needs more after the end of the stream");
    }
    if (v.end == state::failed) {
        if (!v.failure.starts_with("response: ") && !v.failure.starts_with("body: ")) {
            oracle_failed("a failure that does not say what was read: " + v.failure);
        }
        return;
    }
    if ((v.status >= 100 && v.status < 200 && v.status != 101) || v.body.size() > cap) {
        oracle_failed("an interim status or too long a body was taken as the response");
    }
}

const vipd::health::http_check& check_with_body_expectations() {
    static const vipd::health::http_check check = [] {
        vipd::health::http_check c;
        c.expect_status = {200, 204};
        c.expect_body = "OK";
        c.expect_body_regex = "^[^<]*(ok|OK)\\s*$";
        return c;
    }();
    return check;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const std::uint8_t selector = data[0];
    const bool head = (selector & 1) != 0;
    const std::size_t cap = (selector & 2) != 0 ? k_small_cap : http_response_reader::k_body_cap;
    const std::span<const char> bytes(reinterpret_cast<const char*>(data) + 1, size - 1);

    const auto whole =
        feed_response(bytes, head, cap, [] { return std::numeric_limits<std::size_t>::max(); });
    unsigned seed = selector >> 2;
    const auto pieces = feed_response(bytes, head, cap, [&seed] {
        seed = seed * 1103515245U + 12345U;
        return std::size_t{1} + (seed >> 16) % 8;
    });
    check_complete(whole, cap);
    check_complete(pieces, cap);
    const bool same_truncation = whole.truncated == pieces.truncated || whole.body.size() == cap;
    if (whole.end != pieces.end || whole.status != pieces.status || whole.body != pieces.body ||
        !same_truncation) {
        oracle_failed("the verdict depends on the read sizes: \"" + whole.failure + "\" vs \"" +
                      pieces.failure + "\", status " + std::to_string(whole.status) + " vs " +
                      std::to_string(pieces.status));
    }
    if (whole.end == state::complete) {
        static const vipd::health::checkers::response_matcher matcher(
            check_with_body_expectations());
        const auto outcome = matcher.match(whole.status, whole.body, whole.truncated);
        if (outcome.success != outcome.detail.empty()) {
            oracle_failed("a match outcome and its detail disagree: " + outcome.detail);
        }
    }
    return 0;
}
