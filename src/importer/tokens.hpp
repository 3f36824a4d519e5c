#pragma once
// keepalived.conf's words, one line at a time (private to the importer).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vipd::importer::detail {

enum class token_kind { word, open, close, end_of_line };

struct token {
    token_kind kind = token_kind::word;
    std::string text;  // a word's text, quotes removed
    std::uint32_t line = 0;
};

struct token_list {
    std::vector<token> tokens;
    std::uint32_t unterminated_quote_line = 0;  // 0 = every quote closed
};

/// Splits text into words, braces and line ends; comments are left out.
token_list tokenize(std::string_view text);

}  // namespace vipd::importer::detail
