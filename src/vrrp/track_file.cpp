#include "vipd/vrrp/track_file.hpp"

#include <algorithm>

#include "vipd/vrrp/tracking.hpp"

namespace vipd::vrrp {
namespace {

bool is_blank(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::string_view trimmed(std::string_view text) noexcept {
    while (!text.empty() && is_blank(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && is_blank(text.back())) {
        text.remove_suffix(1);
    }
    return text;
}

}  // namespace

std::optional<std::int16_t> parse_track_value(std::string_view content) noexcept {
    std::string_view text = trimmed(content);
    const bool negative = !text.empty() && text.front() == '-';
    if (!text.empty() && (text.front() == '-' || text.front() == '+')) {
        text.remove_prefix(1);
    }
    if (text.empty()) {
        return std::nullopt;
    }
    // Saturating as the digits come: any number of them is read without overflow.
    int magnitude = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        magnitude = std::min(magnitude * 10 + (c - '0'), k_track_file_limit);
    }
    return static_cast<std::int16_t>(negative ? -magnitude : magnitude);
}

}  // namespace vipd::vrrp
