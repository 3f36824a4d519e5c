// Arguments of keepalived keywords as vipd values.
#include <charconv>

#include "converter.hpp"
#include "vipd/config/loader.hpp"

namespace vipd::importer::detail {

std::optional<std::int64_t> integer_of(std::string_view text) {
    std::int64_t value = 0;
    const auto* end = text.data() + text.size();
    const auto [at, error] = std::from_chars(text.data(), end, value);
    if (error != std::errc{} || at != end || text.empty()) {
        return std::nullopt;
    }
    return value;
}

std::optional<std::string> duration_of_seconds(std::string_view text) {
    // Whole microseconds at most, as vipd's durations; keepalived's own resolution is the same.
    const auto dot = text.find('.');
    const auto whole = integer_of(text.substr(0, dot));
    if (!whole || *whole < 0 || *whole > 100'000'000) {
        return std::nullopt;
    }
    std::int64_t micro = *whole * 1'000'000;
    if (dot != std::string_view::npos) {
        auto fraction = text.substr(dot + 1);
        if (fraction.empty() || fraction.size() > 6 || !integer_of(fraction) ||
            fraction.front() == '-' || fraction.front() == '+') {
            return std::nullopt;
        }
        std::int64_t scaled = *integer_of(fraction);
        for (auto digits = fraction.size(); digits < 6; ++digits) {
            scaled *= 10;
        }
        micro += scaled;
    }
    return duration_text(micro);
}

std::optional<std::int64_t> microseconds_of(std::string_view vipd_duration) {
    const auto parsed = config::parse_duration(vipd_duration);
    return parsed ? std::optional<std::int64_t>(parsed->count()) : std::nullopt;
}

std::string duration_text(std::int64_t microseconds) {
    if (microseconds % 1'000'000 == 0) {
        return std::to_string(microseconds / 1'000'000) + "s";
    }
    if (microseconds % 1'000 == 0) {
        return std::to_string(microseconds / 1'000) + "ms";
    }
    return std::to_string(microseconds) + "us";
}

std::vector<std::string> split_command(std::string_view text) {
    std::vector<std::string> words;
    std::string word;
    bool in_word = false;
    char quote = 0;
    for (const char c : text) {
        if (quote != 0) {
            if (c == quote) {
                quote = 0;
            } else {
                word += c;
            }
        } else if (c == '"' || c == '\'') {
            quote = c;
            in_word = true;
        } else if (c == ' ' || c == '\t') {
            if (in_word) {
                words.push_back(std::move(word));
                word.clear();
                in_word = false;
            }
        } else {
            word += c;
            in_word = true;
        }
    }
    if (in_word) {
        words.push_back(std::move(word));
    }
    return words;
}

std::string unquoted(const std::string& rendered) {
    return rendered.size() >= 2 ? rendered.substr(1, rendered.size() - 2) : rendered;
}

std::string lowercase(std::string_view text) {
    std::string out(text);
    for (auto& c : out) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return out;
}

std::string string_array(const std::vector<std::string>& items) {
    std::string out = "[";
    for (std::size_t i = 0; i < items.size(); ++i) {
        out += (i == 0 ? "" : ", ") + quoted(items[i]);
    }
    return out + "]";
}

}  // namespace vipd::importer::detail
