// The one translation unit that compiles toml++ (the top-level CMakeLists sets TOML_HEADER_ONLY=0
// and links no libtomlplusplus.so: one shared object less to load at start).
#define TOML_IMPLEMENTATION
#include "diagnostics.hpp"

#include <algorithm>
#include <sstream>
#include <utility>

namespace vipd::config::detail {

source_position diagnostics::position_of(const toml::source_region& region) const {
    return source_position{file_, region.begin.line, region.begin.column};
}

void diagnostics::report(const source_position& where, std::string key, std::string message) {
    errors_.push_back(config_error{where, std::move(key), std::move(message)});
}

std::vector<config_error> diagnostics::take() {
    // Checks run table by table (and toml++ iterates keys alphabetically), so restore file order.
    std::stable_sort(errors_.begin(), errors_.end(), [](const auto& a, const auto& b) {
        return std::pair{a.position.line, a.position.column} <
               std::pair{b.position.line, b.position.column};
    });
    return std::exchange(errors_, {});
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
