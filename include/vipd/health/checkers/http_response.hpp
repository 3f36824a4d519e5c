#pragma once
/// The response half of the http check without the socket (sans-IO): the bytes a server sent go
/// in, one verdict comes out. It skips interim (1xx) responses, reads at most the first bytes of
/// the final response's body, and says when it needs more. The http probe feeds it from its
/// connection; the unit tests and the fuzzer feed it from memory, so all three run the same code.

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace vipd::health::checkers {

class http_response_reader {
  public:
    /// The body is kept up to this many bytes and read no further: a huge or endless response
    /// costs no memory, and body expectations look at its beginning (like keepalived's and
    /// ldirectord's checkers, which also look at what they read).
    static constexpr std::size_t k_body_cap = 64 * 1024;
    /// Interim (1xx) responses skipped before the final one; a server that sends more is broken.
    static constexpr int k_max_interim_responses = 8;

    enum class state {
        need_more,  // feed `buffer()` and call `received`, or `closed` at the end of the stream
        complete,   // `status()`, `body()` and `truncated()` hold the final response
        failed,     // `failure()` says why, as the check's detail
    };

    /// `head_request`: the request was HEAD, whose reply announces a body it does not carry.
    /// `body_cap`: k_body_cap in the probe; smaller in tests.
    explicit http_response_reader(bool head_request, std::size_t body_cap = k_body_cap);
    ~http_response_reader();
    http_response_reader(const http_response_reader&) = delete;
    http_response_reader& operator=(const http_response_reader&) = delete;

    state current() const noexcept { return state_; }
    /// Whether the final response's header is in (the rest is its body): the probe's phase.
    bool reading_body() const noexcept;

    /// Where the next bytes of the connection go; non-empty while `current()` is need_more. The
    /// span stays valid until the next call of `received`.
    std::span<char> buffer();
    /// `size` bytes were written at the start of `buffer()`: parses them.
    void received(std::size_t size);
    /// The stream ended cleanly (EOF): completes a body that ends with the connection, fails an
    /// unfinished response ("response: end of stream", "body: partial message").
    void closed();
    /// The connection failed with `reason` ("connection reset by peer"): fails with it, prefixed
    /// by what was being read ("response: " or "body: ").
    void connection_failed(std::string_view reason);

    /// With `complete`: the final status, the body read (at most `body_cap` bytes), and whether
    /// the body went on beyond what was read (no failure in itself).
    unsigned status() const;
    std::string_view body() const noexcept;
    bool truncated() const;
    /// With `failed`: "response: bad version", "body: partial message", ...
    const std::string& failure() const noexcept { return failure_; }

  private:
    struct parsing;  // Beast's parser and the read buffer, kept out of this header

    void advance();
    void fail(std::string detail);

    std::unique_ptr<parsing> parsing_;
    state state_ = state::need_more;
    std::string failure_;
};

}  // namespace vipd::health::checkers
