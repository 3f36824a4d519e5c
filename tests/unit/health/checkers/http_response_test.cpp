// The http check's response reader fed from memory: whole, byte by byte, and cut short.

#include "vipd/health/checkers/http_response.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "support/http_response_feed.hpp"

namespace vipd::health::checkers {
namespace {

using state = http_response_reader::state;
using verdict = testing::http_verdict;

/// Feeds `bytes` in reads of at most `piece` bytes, then the end of the stream if `close`.
verdict read(const std::string& bytes, std::size_t piece, bool close = true, bool head = false,
             std::size_t body_cap = http_response_reader::k_body_cap) {
    return testing::feed_response(
        bytes, head, body_cap, [piece] { return piece; }, close);
}

verdict complete(unsigned status, std::string body, bool truncated = false) {
    verdict v;
    v.end = state::complete;
    v.status = status;
    v.body = std::move(body);
    v.truncated = truncated;
    return v;
}

verdict failed(std::string failure) {
    verdict v;
    v.end = state::failed;
    v.failure = std::move(failure);
    return v;
}

struct row {
    const char* description;
    std::string bytes;
    verdict expected;
    bool head = false;
    std::size_t body_cap = http_response_reader::k_body_cap;
};

std::string interim_responses(int count) {
    std::string out;
    for (int i = 0; i < count; ++i) {
        out += "HTTP/1.1 102 Processing\r\n\r\n";
    }
    return out;
}

const std::string k_ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK";

TEST(HttpResponseReader, ReadsTheFinalResponseWhateverTheReadSizes) {
    const std::vector<row> rows{
        {"content length", k_ok, complete(200, "OK")},
        {"bytes after the body are not read", k_ok + "trailing", complete(200, "OK")},
        {"interim responses skipped",
         "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n" + k_ok,
         complete(200, "OK")},
        {"eight interim responses are allowed", interim_responses(8) + k_ok, complete(200, "OK")},
        {"nine are not", interim_responses(9) + k_ok,
         failed("response: more than 8 interim (1xx) responses")},
        {"101 is final", "HTTP/1.1 101 Switching Protocols\r\n\r\n", complete(101, "")},
        {"chunked",
         "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nall \r\n4\r\ngood\r\n0\r\n\r\n",
         complete(200, "all good")},
        {"body until the connection closes", "HTTP/1.1 503 Busy\r\n\r\ntry later",
         complete(503, "try later")},
        {"HEAD: the announced body never comes", "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n",
         complete(200, ""), true},
        {"204 has no body", "HTTP/1.1 204 No Content\r\n\r\n", complete(204, "")},
        {"body capped", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789",
         complete(200, "0123", true), false, 4},
        {"close-delimited body capped", "HTTP/1.1 200 OK\r\n\r\n0123456789",
         complete(200, "0123", true), false, 4},
        {"nothing at all", "", failed("response: end of stream")},
        {"nothing after an interim response", interim_responses(1),
         failed("response: end of stream")},
        {"header cut short", "HTTP/1.1 200 OK\r\nContent-", failed("response: partial message")},
        {"body cut short", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabc",
         failed("body: partial message")},
        {"chunked body cut short", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nab",
         failed("body: partial message")},
        {"not HTTP", "SSH-2.0-OpenSSH_9.2\r\n\r\n", failed("response: bad version")},
        {"bad chunk size",
         "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n",
         failed("body: bad chunk")},
        {"header beyond Beast's 8 KiB limit",
         "HTTP/1.1 200 OK\r\nX-Big: " + std::string(9000, 'x') + "\r\n\r\n",
         failed("response: header limit exceeded")},
    };
    for (const auto& r : rows) {
        for (const std::size_t piece : {std::size_t{1}, std::size_t{3}, std::size_t{1} << 20}) {
            EXPECT_EQ(read(r.bytes, piece, true, r.head, r.body_cap), r.expected)
                << r.description << ", pieces of " << piece;
        }
    }
}

// Found by vipd_fuzz_http_response: Beast 1.74 asserted (n >= 5 in parse_chunk_header) when a
// final chunk "0\r\n" came alone and the next read added one byte, so such a server aborted a
// build with assertions (the ASan tier's Debug build, the fuzzers).
TEST(HttpResponseReader, AnEmptyChunkedBodyInPiecesCompletes) {
    const std::string response = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
    EXPECT_EQ(read(response, 1), complete(200, ""));
    const std::string trailer =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-A: b\r\n\r\n";
    EXPECT_EQ(read(trailer, 1), complete(200, ""));
    EXPECT_EQ(read(response.substr(0, response.size() - 1), 1), failed("body: partial message"));
}

TEST(HttpResponseReader, AsksForMoreUntilTheResponseIsComplete) {
    http_response_reader reader(false);
    const std::string header = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab";
    auto space = reader.buffer();
    std::memcpy(space.data(), header.data(), header.size());
    reader.received(header.size());
    EXPECT_EQ(reader.current(), state::need_more);
    EXPECT_TRUE(reader.reading_body());
    space = reader.buffer();
    std::memcpy(space.data(), "cd", 2);
    reader.received(2);
    ASSERT_EQ(reader.current(), state::complete);
    EXPECT_EQ(reader.body(), "abcd");
    EXPECT_FALSE(reader.truncated());
}

TEST(HttpResponseReader, AConnectionFailureNamesWhatWasBeingRead) {
    http_response_reader waiting(false);
    waiting.connection_failed("connection reset by peer");
    EXPECT_EQ(waiting.current(), state::failed);
    EXPECT_EQ(waiting.failure(), "response: connection reset by peer");

    http_response_reader in_body(false);
    const std::string header = "HTTP/1.1 200 OK\r\n\r\n";
    std::memcpy(in_body.buffer().data(), header.data(), header.size());
    in_body.received(header.size());
    ASSERT_TRUE(in_body.reading_body());
    in_body.connection_failed("connection reset by peer");
    EXPECT_EQ(in_body.failure(), "body: connection reset by peer");
}

TEST(HttpResponseReader, AnEndlessBodyStopsAtTheCap) {
    const std::string header = "HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n";
    const auto got =
        read(header + std::string(http_response_reader::k_body_cap + 100, 'x'), 4096, false);
    EXPECT_EQ(got, complete(200, std::string(http_response_reader::k_body_cap, 'x'), true));
}

}  // namespace
}  // namespace vipd::health::checkers
