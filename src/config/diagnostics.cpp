// The one translation unit that compiles toml++ (the top-level CMakeLists sets TOML_HEADER_ONLY=0
// and links no libtomlplusplus.so: one shared object less to load at start).
#define TOML_IMPLEMENTATION
#include "diagnostics.hpp"

#include <algorithm>
#include <sstream>
#include <tuple>
#include <utility>

namespace vipd::config::detail {

source_position diagnostics::position_of(const toml::source_region& region) const {
    return source_position{file_, region.begin.line, region.begin.column};
}

void diagnostics::report(const source_position& where, std::string key, std::string message) {
    errors_.push_back(config_error{where, std::move(key), std::move(message)});
}

void diagnostics::set_file(std::string file) {
    if (std::find(files_.begin(), files_.end(), file) == files_.end()) {
        files_.push_back(file);
    }
    file_ = std::move(file);
}

std::vector<config_error> diagnostics::take() {
    // Checks run table by table (and toml++ iterates keys alphabetically), so restore file order.
    // A handful of files at most: a linear search per error is cheaper than a map.
    auto rank = [this](const std::string& file) {
        return static_cast<std::size_t>(std::find(files_.begin(), files_.end(), file) -
                                        files_.begin());
    };
    std::vector<std::pair<std::size_t, config_error>> ranked;
    ranked.reserve(errors_.size());
    for (auto& e : errors_) {
        const std::size_t r = rank(e.position.file);
        ranked.emplace_back(r, std::move(e));
    }
    std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
        return std::tuple{a.first, a.second.position.line, a.second.position.column} <
               std::tuple{b.first, b.second.position.line, b.second.position.column};
    });
    errors_.clear();
    std::vector<config_error> out;
    out.reserve(ranked.size());
    for (auto& [r, e] : ranked) {
        out.push_back(std::move(e));
    }
    return out;
}

std::string line_reference(const source_position& at, const source_position& from) {
    if (at.file == from.file) {
        return "line " + std::to_string(at.line);
    }
    return at.file + ":" + std::to_string(at.line);
}

std::string_view describe(toml::node_type type) noexcept {
    switch (type) {
        case toml::node_type::none:
            return "nothing";
        case toml::node_type::table:
            return "a table";
        case toml::node_type::array:
            return "an array";
        case toml::node_type::string:
            return "a string";
        case toml::node_type::integer:
            return "an integer";
        case toml::node_type::floating_point:
            return "a floating-point number";
        case toml::node_type::boolean:
            return "a boolean";
        case toml::node_type::date:
            return "a date";
        case toml::node_type::time:
            return "a time";
        case toml::node_type::date_time:
            return "a date-time";
    }
    return "a value";
}

std::string show(const toml::node& node) {
    if (const auto* s = node.as_string()) {
        std::string out = "\"";
        out += s->get();
        out += '"';
        return out;
    }
    if (node.is_table()) {
        return "a table";
    }
    if (node.is_array()) {
        return "an array";
    }
    std::ostringstream out;
    node.visit([&out](const auto& value) { out << value; });
    return out.str();
}

}  // namespace vipd::config::detail
