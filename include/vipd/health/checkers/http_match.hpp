#pragma once
/// The pure half of the http check: does a response (status and the first bytes of its body)
/// satisfy the check, and what Host header does a request carry. No sockets.

#include <cstdint>
#include <optional>
#include <memory>
#include <string>
#include <string_view>

#include "vipd/core/address.hpp"
#include "vipd/health/check.hpp"

namespace vipd::health::checkers {

struct match_outcome {
    bool success = false;
    std::string detail;  // empty on success: "status 503 (expected 200)", "body lacks \"OK\""
};

/// Compiled once per probe (a std::regex is expensive to build), used on every response.
class response_matcher {
  public:
    /// Takes the expectations of `check`. The body regex runs on PCRE2 (JIT when available)
    /// with match and heap limits, not std::regex: libstdc++'s engine recurses per byte (a
    /// stack overflow on ".*b" over 64 KiB) or, in its polynomial mode, takes minutes on the
    /// same input, either of which would stall the event loop that also sends VRRP adverts.
    /// Perl syntax accepts the ECMAScript patterns people write (classes, groups, alternation,
    /// anchors, lazy quantifiers, look-ahead). An invalid regex makes every match fail with a
    /// detail saying so instead of throwing.
    explicit response_matcher(const http_check& check);

    /// `body` is what was read of the body, at most the probe's read cap; `truncated` says the
    /// body went on beyond it, which is no failure in itself. A regex that hits the match limit
    /// (catastrophic backtracking) fails the check with a detail saying so.
    match_outcome match(unsigned status, std::string_view body, bool truncated) const;

  private:
    std::vector<std::uint16_t> expect_status_;
    std::optional<std::string> expect_body_;
    std::optional<std::string> regex_text_;
    struct compiled;  // the PCRE2 code and match context
    std::shared_ptr<const compiled> regex_;
    std::string regex_error_;
};

/// The Host header of a request: `host` when the check names one, else the target address
/// (IPv6 in brackets) followed by ":port" unless the port is the scheme's default (80, 443).
std::string host_header(const std::optional<std::string>& host, const ip_address& address,
                        std::uint16_t port, bool tls);

}  // namespace vipd::health::checkers
