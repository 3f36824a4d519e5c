#include "table_reader.hpp"

#include <algorithm>
#include <vector>

#include "vipd/config/loader.hpp"

namespace vipd::config::detail {
namespace {

/// Optimal string alignment distance: Levenshtein plus adjacent swaps, the commonest typo.
std::size_t edit_distance(std::string_view a, std::string_view b) {
    const std::size_t rows = a.size() + 1;
    const std::size_t cols = b.size() + 1;
    std::vector<std::size_t> d(rows * cols);
    auto at = [&](std::size_t i, std::size_t j) -> std::size_t& { return d[i * cols + j]; };
    for (std::size_t i = 0; i < rows; ++i) {
        at(i, 0) = i;
    }
    for (std::size_t j = 0; j < cols; ++j) {
        at(0, j) = j;
    }
    for (std::size_t i = 1; i < rows; ++i) {
        for (std::size_t j = 1; j < cols; ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            at(i, j) = std::min({at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
                at(i, j) = std::min(at(i, j), at(i - 2, j - 2) + 1);
            }
        }
    }
    return at(rows - 1, cols - 1);
}

std::string join(std::span<const std::string_view> words) {
    std::string out;
    for (const auto word : words) {
        if (!out.empty()) {
            out += ", ";
        }
        out += word;
    }
    return out;
}

std::string range_text(std::int64_t min, std::int64_t max) {
    return std::to_string(min) + ".." + std::to_string(max);
}

}  // namespace

table_reader::table_reader(const toml::table& table, std::string path,
                           std::span<const std::string_view> allowed, diagnostics& diag,
                           std::span<const foreign_key_hint> hints)
    : table_(table), path_(std::move(path)), allowed_(allowed), diag_(diag), hints_(hints) {}

std::string table_reader::key_path(std::string_view key) const {
    if (path_.empty()) {
        return std::string(key);
    }
    // One allocation: called for every key of every real (11,000 tables for 1,000 services).
    std::string out;
    out.reserve(path_.size() + 1 + key.size());
    out += path_;
    out += '.';
    out += key;
    return out;
}

void table_reader::report(std::string_view key, std::string message) const {
    const toml::node* node = find(key);
    const auto where = node != nullptr ? diag_.position_of(node->source()) : position();
    diag_.report(where, key_path(key), std::move(message));
}

void table_reader::report_missing(std::string_view key, std::string_view what) const {
    diag_.report(position(), key_path(key),
                 std::string(key) + " is required: " + std::string(what));
}

std::optional<std::int64_t> table_reader::integer(std::string_view key, std::int64_t min,
                                                  std::int64_t max, presence p) const {
    const toml::node* node = find(key);
    if (node == nullptr) {
        if (p == presence::required) {
            report_missing(key, "an integer " + range_text(min, max));
        }
        return std::nullopt;
    }
    const auto* value = node->as_integer();
    if (value == nullptr) {
        report(key, std::string(key) + " must be an integer " + range_text(min, max) + ", got " +
                        std::string(describe(node->type())) + " " + show(*node));
        return std::nullopt;
    }
    // Compare as int64 before any narrowing, so 256 or 2^40 never wraps into range.
    const std::int64_t v = value->get();
    if (v < min || v > max) {
        report(key, std::string(key) + " must be " + range_text(min, max) + ", got " +
                        std::to_string(v));
        return std::nullopt;
    }
    return v;
}

std::optional<bool> table_reader::boolean(std::string_view key) const {
    const toml::node* node = find(key);
    if (node == nullptr) {
        return std::nullopt;
    }
    if (const auto* value = node->as_boolean()) {
        return value->get();
    }
    report(key, std::string(key) + " must be true or false (without quotes), got " +
                    std::string(describe(node->type())) + " " + show(*node));
    return std::nullopt;
}

std::optional<std::string> table_reader::string(std::string_view key, std::string_view what,
                                                presence p) const {
    const toml::node* node = find(key);
    if (node == nullptr) {
        if (p == presence::required) {
            report_missing(key, what);
        }
        return std::nullopt;
    }
    if (const auto* value = node->as_string()) {
        return value->get();
    }
    report(key, std::string(key) + " must be " + std::string(what) + ", got " +
                    std::string(describe(node->type())) + " " + show(*node));
    return std::nullopt;
}

std::optional<microseconds> table_reader::duration(std::string_view key, microseconds min,
                                                   microseconds max) const {
    const toml::node* node = find(key);
    if (node == nullptr) {
        return std::nullopt;
    }
    const std::string range = format_duration(min) + ".." + format_duration(max);
    if (node->is_number()) {
        report(key, std::string(key) + " needs a unit: write it as a string such as \"" +
                        show(*node) + "s\" or \"" + show(*node) + "ms\" (units us, ms, s, m, h)");
        return std::nullopt;
    }
    const auto* text = node->as_string();
    if (text == nullptr) {
        report(key, std::string(key) +
                        " must be a duration string such as \"1s\" or \"100ms\", got " +
                        std::string(describe(node->type())));
        return std::nullopt;
    }
    const auto value = parse_duration(text->get());
    if (!value) {
        report(key, std::string(key) +
                        " must be a duration such as \"1s\", \"100ms\" or \"2.5s\" (units us, ms, "
                        "s, m, h), got " +
                        show(*node));
        return std::nullopt;
    }
    if (*value < min || *value > max) {
        report(key, std::string(key) + " must be " + range + ", got " + show(*node));
        return std::nullopt;
    }
    return value;
}

void table_reader::report_unknown_keys() const {
    for (auto&& [key, value] : table_) {
        const std::string_view name = key.str();
        if (std::find(allowed_.begin(), allowed_.end(), name) != allowed_.end()) {
            continue;
        }
        std::string message = "unknown key \"" + std::string(name) + "\"";
        const auto hint = std::find_if(hints_.begin(), hints_.end(),
                                       [&](const auto& h) { return h.key == name; });
        if (hint != hints_.end()) {
            message += " (" + std::string(hint->hint) + ")";
        } else if (const auto near = closest_match(name, allowed_); !near.empty()) {
            message += " (did you mean \"" + std::string(near) + "\"?)";
        }
        message += "; allowed keys: " + join(allowed_);
        diag_.report(key.source(), key_path(name), std::move(message));
    }
}

std::string format_duration(microseconds d) {
    const auto us = d.count();
    auto with_fraction = [](std::int64_t value, std::int64_t unit, const char* suffix) {
        std::string out = std::to_string(value / unit);
        std::string fraction = std::to_string(value % unit + unit).substr(1);
        while (!fraction.empty() && fraction.back() == '0') {
            fraction.pop_back();
        }
        if (!fraction.empty()) {
            out += "." + fraction;
        }
        return out + suffix;
    };
    if (us == 0) {
        return "0s";
    }
    if (us % 1000 != 0) {
        return std::to_string(us) + "us";
    }
    if (us < 1'000'000) {
        return std::to_string(us / 1000) + "ms";
    }
    return with_fraction(us, 1'000'000, "s");
}

std::string_view closest_match(std::string_view key, std::span<const std::string_view> allowed) {
    std::string_view best;
    std::size_t best_distance = 0;
    for (const auto candidate : allowed) {
        const std::size_t distance = edit_distance(key, candidate);
        if (best.empty() || distance < best_distance) {
            best = candidate;
            best_distance = distance;
        }
    }
    // A third of the word may be wrong; beyond that a suggestion is more confusing than useful.
    const std::size_t limit = std::max<std::size_t>(1, std::min(key.size(), best.size()) / 3);
    return best_distance <= limit ? best : std::string_view{};
}

}  // namespace vipd::config::detail
