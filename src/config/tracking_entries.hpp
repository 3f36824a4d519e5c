#pragma once
/// Internal to the config module: what the readers of an instance's tracker lists share.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "table_reader.hpp"
#include "vipd/config/config.hpp"

namespace vipd::config::detail {

/// `weight` of an up/down tracker table: -254..0, default 0 (Fault); positive weights are
/// refused with a word on keepalived's.
std::optional<track_weight> read_weight(const table_reader& reader);

/// Whether `name` is already in `seen`; adds it if not.
bool seen_before(std::vector<std::string>& seen, const std::string& name);

/// The elements of an array key that are tables or (when `strings_ok`) strings, each handed to
/// `read` with its path; anything else is reported.
template <typename Read>
void for_each_entry(const table_reader& reader, std::string_view key, std::string_view example,
                    bool strings_ok, Read read) {
    const toml::node* node = reader.find(key);
    if (node == nullptr) {
        return;
    }
    const auto* array = node->as_array();
    if (array == nullptr) {
        reader.report(key, std::string(key) + " must be a list such as " + std::string(example) +
                               ", got " + std::string(describe(node->type())));
        return;
    }
    for (std::size_t i = 0; i < array->size(); ++i) {
        const toml::node& element = *array->get(i);
        const std::string path = reader.key_path(std::string(key) + "[" + std::to_string(i) + "]");
        if (element.is_table() || (strings_ok && element.is_string())) {
            read(element, path);
        } else {
            reader.diag().report(element.source(), path,
                                 "each entry of " + std::string(key) + " must be " +
                                     (strings_ok ? "a name or " : "") + "a table such as " +
                                     std::string(example) + ", got " +
                                     std::string(describe(element.type())));
        }
    }
}

}  // namespace vipd::config::detail
