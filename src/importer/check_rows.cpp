// The checkers of a real_server and their url blocks.
#include <array>

#include "converter.hpp"

namespace vipd::importer::detail {
namespace {

constexpr std::string_view k_check_header = "[virtual_server.real.check]";
constexpr std::int64_t k_max_fall = 100;
constexpr std::size_t k_max_status_codes = 100;

struct checker_kind {
    std::string_view keyword;
    std::string_view type;
};

constexpr std::array<checker_kind, 6> k_checkers{{{"TCP_CHECK", "tcp"},
                                                  {"HTTP_GET", "http"},
                                                  {"SSL_GET", "https"},
                                                  {"DNS_CHECK", "dns"},
                                                  {"MISC_CHECK", "script"},
                                                  {"UDP_CHECK", "udp"}}};

bool has_check(const toml_section& real) {
    for (const auto& child : real.children) {
        if (child.header == k_check_header) {
            return true;
        }
    }
    return false;
}

}  // namespace

void read_checker(const node& n, const keyword_row&, converter& c) {
    if (has_check(*c.target)) {
        c.drop(n, "vipd runs one check per real: the first one is kept");
        return;
    }
    std::string_view type;
    for (const auto& kind : k_checkers) {
        if (kind.keyword == n.keyword) {
            type = kind.type;
        }
    }
    toml_section check{std::string(k_check_header), {}, {}};
    check.set("type", quoted(type));
    check.set("_checker", n.keyword);
    c.walk(n.children, block::checker, check);
    c.target->children.push_back(std::move(check));
}

// keepalived retries `retry` times before a real goes down: failures in a row are retry + 1.
void read_retry(const node& n, const keyword_row& row, converter& c) {
    if (!c.want_args(n, 1, 1)) {
        return;
    }
    const auto retry = integer_of(n.args.front());
    if (!retry || *retry < 0 || *retry + 1 > k_max_fall) {
        c.drop(n, "vipd counts 1..100 failures in a row (retry 0..99)");
        return;
    }
    auto [section, key] = c.destination(row.vipd_key);
    section->set(key, std::to_string(*retry + 1));
}

void read_url(const node& n, const keyword_row&, converter& c) {
    if (c.target->find("_url") != nullptr) {
        c.drop(n, "vipd checks one URL per real: the first url block is kept");
        return;
    }
    c.target->set("_url", "true");
    c.walk(n.children, block::url, *c.target);
}

// status_code N [N-M ...]: the codes the reply may have.
void read_status_code(const node& n, const keyword_row&, converter& c) {
    if (!c.want_args(n, 1, k_max_status_codes)) {
        return;
    }
    std::vector<std::string> codes;
    for (const auto& arg : n.args) {
        const auto dash = arg.find('-');
        const auto low = integer_of(arg.substr(0, dash));
        const auto high = dash == std::string::npos ? low : integer_of(arg.substr(dash + 1));
        if (!low || !high || *low < 100 || *high > 599 || *low > *high ||
            codes.size() + static_cast<std::size_t>(*high - *low) >= k_max_status_codes) {
            c.drop(n, "status codes are 100..599, 100 of them at most");
            return;
        }
        for (auto code = *low; code <= *high; ++code) {
            codes.push_back(std::to_string(code));
        }
    }
    for (auto& code : codes) {
        c.target->append("expect_status", std::move(code));
    }
}

void read_dns_type(const node& n, const keyword_row&, converter& c) {
    if (c.want_args(n, 1, 1)) {
        auto type = n.args.front();
        for (auto& ch : type) {
            ch = ch >= 'a' && ch <= 'z' ? static_cast<char>(ch - 'a' + 'A') : ch;
        }
        c.target->set("query_type", quoted(type));
    }
}

}  // namespace vipd::importer::detail
