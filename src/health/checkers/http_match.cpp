#include "vipd/health/checkers/http_match.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <array>

namespace vipd::health::checkers {

namespace {

// Expected bodies and patterns are quoted in details; a long one would drown the message.
constexpr std::size_t k_max_quoted = 40;
// Bounds on one regex search, so a pathological pattern costs milliseconds, not the loop:
// internal match() calls (backtracking steps) and the heap for backtracking state.
constexpr std::uint32_t k_match_limit = 1'000'000;
constexpr std::uint32_t k_heap_limit_kib = 1024;

std::string quoted(std::string_view text) {
    std::string out = "\"";
    out.append(text.substr(0, k_max_quoted));
    if (text.size() > k_max_quoted) {
        out.append("...");
    }
    out.append("\"");
    return out;
}

std::string status_list(const std::vector<std::uint16_t>& statuses) {
    std::string out;
    for (const auto status : statuses) {
        if (!out.empty()) {
            out.append(", ");
        }
        out.append(std::to_string(status));
    }
    return out;
}

std::string pcre2_message(int code) {
    std::array<PCRE2_UCHAR, 256> buffer{};
    if (pcre2_get_error_message(code, buffer.data(), buffer.size()) < 0) {
        return "error " + std::to_string(code);
    }
    return reinterpret_cast<const char*>(buffer.data());
}

}  // namespace

struct response_matcher::compiled {
    std::unique_ptr<pcre2_code, decltype(&pcre2_code_free)> code{nullptr, pcre2_code_free};
    std::unique_ptr<pcre2_match_context, decltype(&pcre2_match_context_free)> context{
        nullptr, pcre2_match_context_free};
};

response_matcher::response_matcher(const http_check& check)
    : expect_status_(check.expect_status),
      expect_body_(check.expect_body),
      regex_text_(check.expect_body_regex) {
    if (regex_text_) {
        auto regex = std::make_shared<compiled>();
        int error = 0;
        PCRE2_SIZE offset = 0;
        regex->code.reset(pcre2_compile(reinterpret_cast<PCRE2_SPTR>(regex_text_->data()),
                                        regex_text_->size(), 0, &error, &offset, nullptr));
        if (!regex->code) {
            regex_error_ = pcre2_message(error) + " at offset " + std::to_string(offset);
            return;
        }
        // JIT is an optimisation: where it is refused (no executable memory) the interpreter
        // runs the same pattern under the same limits.
        pcre2_jit_compile(regex->code.get(), PCRE2_JIT_COMPLETE);
        regex->context.reset(pcre2_match_context_create(nullptr));
        if (!regex->context) {
            regex_error_ = "out of memory";
            return;
        }
        pcre2_set_match_limit(regex->context.get(), k_match_limit);
        pcre2_set_heap_limit(regex->context.get(), k_heap_limit_kib);
        regex_ = std::move(regex);
    }
}

match_outcome response_matcher::match(unsigned status, std::string_view body,
                                      bool truncated) const {
    if (!expect_status_.empty() &&
        std::find(expect_status_.begin(), expect_status_.end(), status) == expect_status_.end()) {
        return {false, "status " + std::to_string(status) + " (expected " +
                           status_list(expect_status_) + ")"};
    }
    // Only the first bytes were read; say so, as the expected text may sit beyond them.
    const std::string where = truncated ? " (first " + std::to_string(body.size()) + " bytes)" : "";
    if (expect_body_ && body.find(*expect_body_) == std::string_view::npos) {
        return {false, "body lacks " + quoted(*expect_body_) + where};
    }
    if (regex_text_) {
        if (!regex_) {
            return {false, "invalid body regex " + quoted(*regex_text_) + ": " + regex_error_};
        }
        const std::unique_ptr<pcre2_match_data, decltype(&pcre2_match_data_free)> data(
            pcre2_match_data_create_from_pattern(regex_->code.get(), nullptr),
            pcre2_match_data_free);
        if (!data) {
            return {false, "body regex: out of memory"};
        }
        const int rc = pcre2_match(regex_->code.get(), reinterpret_cast<PCRE2_SPTR>(body.data()),
                                   body.size(), 0, 0, data.get(), regex_->context.get());
        if (rc < 0 && rc != PCRE2_ERROR_NOMATCH) {
            // Match or heap limit (runaway backtracking), or a bad UTF sequence if the pattern
            // asked for UTF: the body is not judged to match.
            return {false, "body regex " + quoted(*regex_text_) + " gave up: " + pcre2_message(rc)};
        }
        if (rc == PCRE2_ERROR_NOMATCH) {
            return {false, "body does not match " + quoted(*regex_text_) + where};
        }
    }
    return {true, {}};
}

std::string host_header(const std::optional<std::string>& host, const ip_address& address,
                        std::uint16_t port, bool tls) {
    if (host) {
        return *host;
    }
    std::string out = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
    if (port != (tls ? 443 : 80)) {
        out.append(":").append(std::to_string(port));
    }
    return out;
}

}  // namespace vipd::health::checkers
