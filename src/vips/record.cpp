#include "vipd/vips/record.hpp"

#include <optional>
#include <vector>

#include "vipd/core/words.hpp"

namespace vipd::vips {
namespace {

/// IFNAMSIZ: interface names are at most 15 bytes.
constexpr std::size_t k_interface_name_size = 16;

std::optional<address> address_of(std::string_view line) {
    const auto words = words_of(line);
    if (words.size() != 3 || words[0] != k_record_word || words[1].empty() ||
        words[1].size() >= k_interface_name_size) {
        return std::nullopt;
    }
    // An address without "/LEN" would parse as a host prefix: a record always writes one.
    if (words[2].find('/') == std::string_view::npos) {
        return std::nullopt;
    }
    auto prefix = ip_prefix::parse(words[2]);
    if (!prefix) {
        return std::nullopt;
    }
    return address{std::string(words[1]), *prefix};
}

}  // namespace

std::string format_record(const std::set<address>& addresses) {
    std::string text;
    for (const auto& a : addresses) {
        text += std::string(k_record_word) + " " + a.device + " " + a.prefix.to_string() + "\n";
    }
    return text;
}

bool is_record_line(std::string_view line) noexcept {
    const auto start = line.find_first_not_of(" \t");
    if (start == std::string_view::npos) {
        return false;
    }
    line.remove_prefix(start);
    return line.size() > k_record_word.size() && line.starts_with(k_record_word) &&
           (line[k_record_word.size()] == ' ' || line[k_record_word.size()] == '\t');
}

std::set<address> parse_record(std::string_view text, std::size_t& skipped) {
    std::set<address> out;
    skipped = 0;
    while (!text.empty()) {
        const auto end = text.find('\n');
        const auto line = text.substr(0, end);
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
        if (!is_record_line(line)) {
            continue;
        }
        if (auto a = address_of(line)) {
            out.insert(std::move(*a));
        } else {
            ++skipped;
        }
    }
    return out;
}

}  // namespace vipd::vips
