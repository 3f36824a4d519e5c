#include "vipd/health/checkers/http_match.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace vipd::health::checkers {
namespace {

http_check expecting(std::vector<std::uint16_t> statuses, std::optional<std::string> body = {},
                     std::optional<std::string> regex = {}) {
    http_check check;
    check.expect_status = std::move(statuses);
    check.expect_body = std::move(body);
    check.expect_body_regex = std::move(regex);
    return check;
}

struct match_row {
    const char* description;
    http_check check;
    unsigned status;
    std::string body;
    bool truncated;
    bool success;
    std::string detail;
};

TEST(HttpMatch, JudgesStatusAndBody) {
    const std::vector<match_row> rows{
        {"200 expected, got 200", expecting({200}), 200, "", false, true, ""},
        {"200 expected, got 503", expecting({200}), 503, "", false, false,
         "status 503 (expected 200)"},
        {"a list of statuses", expecting({200, 204, 301}), 204, "", false, true, ""},
        {"a list, none matches", expecting({200, 204}), 404, "", false, false,
         "status 404 (expected 200, 204)"},
        {"body substring present", expecting({200}, "OK"), 200, "all OK here", false, true, ""},
        {"body substring absent", expecting({200}, "OK"), 200, "all fine", false, false,
         "body lacks \"OK\""},
        {"status checked before body", expecting({200}, "OK"), 500, "OK", false, false,
         "status 500 (expected 200)"},
        {"absent beyond the cap says so", expecting({200}, "OK"), 200, "xxxx", true, false,
         "body lacks \"OK\" (first 4 bytes)"},
        {"present within the cap", expecting({200}, "OK"), 200, "OKxx", true, true, ""},
        {"regex matches", expecting({200}, {}, "ver(sion)?=[0-9]+"), 200, "a version=12 b", false,
         true, ""},
        {"regex does not match", expecting({200}, {}, "^ready$"), 200, "not ready", false, false,
         "body does not match \"^ready$\""},
        {"long expectations are shortened in details", expecting({200}, std::string(60, 'y')), 200,
         "", false, false, "body lacks \"" + std::string(40, 'y') + "...\""},
        {"invalid regex fails every match", expecting({200}, {}, "(unclosed"), 200, "(unclosed",
         false, false, ""},
        {"no expected statuses: any status", expecting({}), 418, "", false, true, ""},
    };
    for (const auto& row : rows) {
        SCOPED_TRACE(row.description);
        const response_matcher matcher(row.check);
        const auto got = matcher.match(row.status, row.body, row.truncated);
        EXPECT_EQ(got.success, row.success);
        if (row.description == std::string("invalid regex fails every match")) {
            EXPECT_NE(got.detail.find("invalid body regex"), std::string::npos) << got.detail;
        } else {
            EXPECT_EQ(got.detail, row.detail);
        }
    }
}

TEST(HttpMatch, RegexOverACappedBodyIsQuick) {
    // std::regex overflowed the stack (or took minutes in polynomial mode) on exactly this.
    const std::string body(64 * 1024, 'a');
    const auto started = std::chrono::steady_clock::now();
    EXPECT_FALSE(response_matcher(expecting({200}, {}, ".*b")).match(200, body, true).success);
    EXPECT_FALSE(response_matcher(expecting({200}, {}, "[^x]*y")).match(200, body, true).success);
    EXPECT_TRUE(response_matcher(expecting({200}, {}, "a+$")).match(200, body, true).success);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
}

TEST(HttpMatch, CatastrophicBacktrackingGivesUpWithinBounds) {
    const std::string body(64 * 1024, 'a');
    const auto started = std::chrono::steady_clock::now();
    const auto got = response_matcher(expecting({200}, {}, "(a+)+b")).match(200, body, false);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
    EXPECT_FALSE(got.success);
    EXPECT_TRUE(got.detail.find("gave up") != std::string::npos ||
                got.detail.find("does not match") != std::string::npos)
        << got.detail;
}

TEST(HttpMatch, HostHeaderDefaultsToTheTarget) {
    const auto v4 = *ip_address::parse("10.0.0.1");
    const auto v6 = *ip_address::parse("2001:db8::1");
    EXPECT_EQ(host_header({}, v4, 80, false), "10.0.0.1");
    EXPECT_EQ(host_header({}, v4, 8080, false), "10.0.0.1:8080");
    EXPECT_EQ(host_header({}, v4, 443, false), "10.0.0.1:443");
    EXPECT_EQ(host_header({}, v4, 443, true), "10.0.0.1");
    EXPECT_EQ(host_header({}, v6, 80, false), "[2001:db8::1]");
    EXPECT_EQ(host_header({}, v6, 8443, true), "[2001:db8::1]:8443");
    EXPECT_EQ(host_header(std::string("www.example.com"), v4, 8080, false), "www.example.com");
}

}  // namespace
}  // namespace vipd::health::checkers

namespace vipd::health::checkers {
namespace {

TEST(HttpMatch, EcmaScriptStylePatternsWork) {
    struct row {
        const char* pattern;
        const char* body;
        bool match;
    };
    for (const auto& [pattern, body, match] : std::vector<row>{
             {"(ab)\\1", "xxababyy", true},
             {"\\d{3}-\\d+", "call 555-1234", true},
             {"^<html>", "<html><body>", true},
             {"(?=.*alpha)(?=.*beta)", "beta then alpha", true},
             {"[A-Z][a-z]+?s", "Bananas", true},
             {"colou?r", "color", true},
             {"\\bword\\b", "swordfish", false},
             {"a|b", "c", false},
         }) {
        SCOPED_TRACE(pattern);
        EXPECT_EQ(response_matcher(expecting({200}, {}, pattern)).match(200, body, false).success,
                  match);
    }
}

}  // namespace
}  // namespace vipd::health::checkers
