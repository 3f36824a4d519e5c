#include "vipd/metrics/exposition.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

namespace vipd::metrics {
namespace {

bool is_letter(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}

/// HELP text: backslash and line feed escaped (quotes stay as they are there).
void append_help(std::string& out, std::string_view text) {
    for (const char c : text) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
}

/// A label value: backslash, double quote and line feed escaped.
void append_label_value(std::string& out, std::string_view text) {
    for (const char c : text) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
}

std::string_view type_name(metric_type type) noexcept {
    switch (type) {
        case metric_type::counter:
            return "counter";
        case metric_type::gauge:
            return "gauge";
        case metric_type::histogram:
            return "histogram";
    }
    return "untyped";
}

}  // namespace

bool is_valid_metric_name(std::string_view name) noexcept {
    if (name.empty() || is_digit(name.front())) {
        return false;
    }
    return std::all_of(name.begin(), name.end(),
                       [](char c) { return is_letter(c) || is_digit(c) || c == '_' || c == ':'; });
}

bool is_valid_label_name(std::string_view name) noexcept {
    if (name.empty() || is_digit(name.front()) || name.starts_with("__")) {
        return false;
    }
    return std::all_of(name.begin(), name.end(),
                       [](char c) { return is_letter(c) || is_digit(c) || c == '_'; });
}

std::string format_value(double value) {
    if (std::isnan(value)) {
        return "NaN";
    }
    if (std::isinf(value)) {
        return value > 0 ? "+Inf" : "-Inf";
    }
    // to_chars ignores the locale (printf would write "0,5" under de_DE) and gives the shortest
    // text that parses back to the same double.
    std::array<char, 32> buffer{};
    const auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
    return std::string(buffer.data(), ec == std::errc{} ? end : buffer.data());
}

bool exposition::family(std::string_view name, std::string_view help, metric_type type) {
    current_ = k_none;
    if (!is_valid_metric_name(name)) {
        return false;
    }
    const auto existing = std::find_if(families_.begin(), families_.end(),
                                       [&](const family_block& f) { return f.name == name; });
    if (existing != families_.end()) {
        if (existing->type != type) {
            return false;
        }
        current_ = static_cast<std::size_t>(existing - families_.begin());
        return true;
    }
    family_block block{std::string(name), type, {}};
    if (!help.empty()) {
        block.lines += "# HELP ";
        block.lines += name;
        block.lines += ' ';
        append_help(block.lines, help);
        block.lines += '\n';
    }
    block.lines += "# TYPE ";
    block.lines += name;
    block.lines += ' ';
    block.lines += type_name(type);
    block.lines += '\n';
    families_.push_back(std::move(block));
    current_ = families_.size() - 1;
    return true;
}

bool exposition::sample(std::span<const label> labels, double value) {
    return write_sample(labels, format_value(value));
}

bool exposition::sample_integer(std::span<const label> labels, const std::string& value) {
    return write_sample(labels, value);
}

bool exposition::histogram(std::span<const label> labels, const histogram_data& data) {
    if (current_ == k_none || families_[current_].type != metric_type::histogram ||
        data.counts.size() != data.upper_bounds.size() + 1 ||
        std::any_of(labels.begin(), labels.end(), [](const label& l) { return l.name == "le"; })) {
        return false;
    }
    std::vector<label> with_bound(labels.begin(), labels.end());
    with_bound.push_back({"le", {}});
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < data.counts.size(); ++i) {
        cumulative += data.counts[i];
        const std::string bound =
            i < data.upper_bounds.size() ? format_value(data.upper_bounds[i]) : "+Inf";
        with_bound.back().value = bound;
        if (!write_sample(with_bound, std::to_string(cumulative), "_bucket")) {
            return false;
        }
    }
    return write_sample(labels, format_value(data.sum), "_sum") &&
           write_sample(labels, std::to_string(cumulative), "_count");
}

bool exposition::write_sample(std::span<const label> labels, std::string_view value,
                              std::string_view suffix) {
    if (current_ == k_none) {
        return false;
    }
    for (std::size_t i = 0; i < labels.size(); ++i) {
        if (!is_valid_label_name(labels[i].name)) {
            return false;
        }
        for (std::size_t j = 0; j < i; ++j) {
            if (labels[j].name == labels[i].name) {
                return false;
            }
        }
    }
    family_block& family = families_[current_];
    std::string& out = family.lines;
    out += family.name;
    out += suffix;
    if (!labels.empty()) {
        out += '{';
        for (std::size_t i = 0; i < labels.size(); ++i) {
            if (i != 0) {
                out += ',';
            }
            out += labels[i].name;
            out += "=\"";
            append_label_value(out, labels[i].value);
            out += '"';
        }
        out += '}';
    }
    out += ' ';
    out += value;
    out += '\n';
    return true;
}

std::string exposition::text() const {
    std::size_t size = 0;
    for (const auto& f : families_) {
        size += f.lines.size();
    }
    std::string out;
    out.reserve(size);
    for (const auto& f : families_) {
        out += f.lines;
    }
    return out;
}

}  // namespace vipd::metrics
