#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

#include "vipd/config/loader.hpp"

namespace vipd::config {
namespace {

struct unit {
    std::string_view suffix;
    std::int64_t micros;
};
// "ms" before "m" and "s": the longest suffix must win.
constexpr std::array<unit, 5> k_units{{
    {"us", 1},
    {"ms", 1'000},
    {"s", 1'000'000},
    {"m", 60'000'000},
    {"h", 3'600'000'000},
}};
constexpr std::size_t k_max_fraction_digits = 9;

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

}  // namespace

std::optional<microseconds> parse_duration(std::string_view text) {
    const unit* found = nullptr;
    for (const auto& u : k_units) {
        if (text.size() > u.suffix.size() && text.ends_with(u.suffix) &&
            (found == nullptr || u.suffix.size() > found->suffix.size())) {
            found = &u;
        }
    }
    if (found == nullptr) {
        return std::nullopt;
    }
    const std::string_view number = text.substr(0, text.size() - found->suffix.size());
    const auto dot = number.find('.');
    const std::string_view whole = number.substr(0, dot);
    const std::string_view fraction =
        dot == std::string_view::npos ? std::string_view{} : number.substr(dot + 1);
    // Digits on both sides of a dot ("2.5s", not ".5s" or "2.s"); no signs, spaces or exponents.
    if (whole.empty() || (dot != std::string_view::npos && fraction.empty()) ||
        fraction.size() > k_max_fraction_digits) {
        return std::nullopt;
    }
    constexpr auto k_max = std::numeric_limits<std::int64_t>::max();
    std::int64_t whole_value = 0;
    for (const char c : whole) {
        if (!is_digit(c) || whole_value > (k_max - (c - '0')) / 10) {
            return std::nullopt;
        }
        whole_value = whole_value * 10 + (c - '0');
    }
    std::int64_t fraction_value = 0;
    std::int64_t fraction_scale = 1;
    for (const char c : fraction) {
        if (!is_digit(c)) {
            return std::nullopt;
        }
        fraction_value = fraction_value * 10 + (c - '0');
        fraction_scale *= 10;
    }
    if (whole_value > k_max / found->micros) {
        return std::nullopt;
    }
    // fraction_value < 10^9 and micros <= 3.6e9, so the product fits in 63 bits.
    const std::int64_t fraction_micros = fraction_value * found->micros;
    if (fraction_micros % fraction_scale != 0) {
        return std::nullopt;  // finer than a microsecond, e.g. "0.5us"
    }
    const std::int64_t whole_micros = whole_value * found->micros;
    if (whole_micros > k_max - fraction_micros / fraction_scale) {
        return std::nullopt;
    }
    return microseconds{whole_micros + fraction_micros / fraction_scale};
}

}  // namespace vipd::config
