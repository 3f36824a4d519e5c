// Beast's parser fed from our own buffer: the same steps as http::async_read_header and
// http::async_read_some on a flat_buffer (parse what is buffered, ask for more on need_more,
// put_eof at the end of the stream), with the reads left to the caller.

#include "vipd/health/checkers/http_response.hpp"

#include <limits>
#include <optional>

#include "common.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace vipd::health::checkers {

namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;
using boost::system::error_code;

// Status line and headers; Beast's own header limit (8 KiB) applies within it.
constexpr std::size_t k_read_buffer = 16 * 1024;
// What one read may ask for, as Beast's read operations ask.
constexpr std::size_t k_max_read = 64 * 1024;
// The shortest end of a chunked body, "0\r\n\r\n". When Beast asks for more of a chunked body,
// what it holds starts a chunk header, so the body cannot end before 5 bytes are buffered.
// Beast 1.74 asserts that it is then given at least that many (parse_chunk_header; upstream PR
// #2861 relaxed it in 2024): a server sending "0\r\n", then "\r", would abort a build with
// assertions. We wait for the 5 bytes the body needs anyway.
constexpr std::size_t k_shortest_chunked_end = 5;

/// RFC 9110 §15.2: a 1xx response is interim (100 Continue, 102 Processing, 103 Early Hints);
/// the status that counts comes after it. 101 switches protocols, which we never ask for: it is
/// final, and fails the check unless expected.
bool is_interim(unsigned status) {
    return status >= 100 && status < 200 && status != 101;
}

}  // namespace

struct http_response_reader::parsing {
    parsing(bool head, std::size_t cap) : head_request(head), body_cap(cap), input(k_read_buffer) {
        start_response();
    }

    /// One parser per response: an interim one ends with its header.
    void start_response() {
        parser.emplace();
        // A reply to HEAD announces a body it does not carry.
        parser->skip(head_request);
        // The body cap is ours (we stop reading); Beast's own limit would reject a large
        // Content-Length before we saw a byte of it. Not boost::none: Beast 1.74 compares the
        // length against the optional, and every length is greater than an empty one.
        parser->body_limit(std::numeric_limits<std::uint64_t>::max());
    }

    /// Parses what is buffered into the parser, consuming what it used.
    error_code put() {
        error_code error;
        input.consume(parser->put(input.data(), error));
        return error;
    }

    bool head_request;
    std::size_t body_cap;
    beast::flat_buffer input;
    std::optional<http::response_parser<http::buffer_body>> parser;
    int interim_responses = 0;
    bool in_body = false;
    std::size_t parse_at = 1;      // bytes buffered before the parser is asked again
    std::unique_ptr<char[]> body;  // body_cap bytes once the body is read, up to body_used
    std::size_t body_used = 0;
};

http_response_reader::http_response_reader(bool head_request, std::size_t body_cap)
    : parsing_(std::make_unique<parsing>(head_request, body_cap)) {}

http_response_reader::~http_response_reader() = default;

bool http_response_reader::reading_body() const noexcept {
    return parsing_->in_body;
}

std::span<char> http_response_reader::buffer() {
    auto& input = parsing_->input;
    const auto space = input.prepare(beast::read_size(input, k_max_read));
    return {static_cast<char*>(space.data()), space.size()};
}

void http_response_reader::received(std::size_t size) {
    parsing_->input.commit(size);
    advance();
}

void http_response_reader::closed() {
    auto& p = *parsing_;
    if (!p.parser->got_some()) {
        fail(std::string(p.in_body ? "body: " : "response: ") +
             detail::describe(http::error::end_of_stream));
        return;
    }
    error_code error;
    p.parser->put_eof(error);
    if (error) {
        connection_failed(detail::describe(error));
        return;
    }
    advance();
}

void http_response_reader::connection_failed(std::string_view reason) {
    fail((parsing_->in_body ? "body: " : "response: ") + std::string(reason));
}

unsigned http_response_reader::status() const {
    return parsing_->parser->get().result_int();
}

std::string_view http_response_reader::body() const noexcept {
    return {parsing_->body.get(), parsing_->body_used};
}

bool http_response_reader::truncated() const {
    return !parsing_->parser->is_done();
}

void http_response_reader::fail(std::string detail) {
    state_ = state::failed;
    failure_ = std::move(detail);
}

void http_response_reader::advance() {
    auto& p = *parsing_;
    while (!p.in_body) {
        if (p.input.size() == 0) {
            break;
        }
        if (const auto error = p.put()) {
            if (error != http::error::need_more) {
                connection_failed(detail::describe(error));
                return;
            }
            break;
        }
        if (!p.parser->is_header_done()) {
            continue;  // as Beast's read_header would: parse again
        }
        if (!is_interim(p.parser->get().result_int())) {
            p.in_body = true;
        } else if (++p.interim_responses > k_max_interim_responses) {
            fail("response: more than " + std::to_string(k_max_interim_responses) +
                 " interim (1xx) responses");
            return;
        } else {
            p.start_response();
        }
    }
    while (p.in_body) {
        if (p.parser->is_done() || p.body_used == p.body_cap) {
            state_ = state::complete;
            return;
        }
        if (p.input.size() < p.parse_at) {
            break;
        }
        if (!p.body) {
            // Only now, and uninitialised: most responses end at the header or a short body.
            p.body = std::make_unique_for_overwrite<char[]>(p.body_cap);
        }
        auto& body = p.parser->get().body();
        body.data = p.body.get() + p.body_used;
        body.size = p.body_cap - p.body_used;
        auto error = p.put();
        p.body_used = p.body_cap - body.size;
        if (error == http::error::need_buffer) {
            error = {};  // our buffer is full: the cap
        }
        if (error == http::error::need_more) {
            p.parse_at = k_shortest_chunked_end;
            break;
        }
        if (error) {
            connection_failed(detail::describe(error));
            return;
        }
        p.parse_at = 1;
    }
    // Beast's read operations fail this way when the buffer is full and the parser still asks
    // for more (a header cannot get here: its limit is half the buffer).
    if (beast::read_size(p.input, k_max_read) == 0) {
        connection_failed(detail::describe(http::error::buffer_overflow));
    }
}

}  // namespace vipd::health::checkers
