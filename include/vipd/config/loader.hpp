#pragma once
/// TOML to `daemon_config`, with every problem reported as file:line:column, key and what is
/// allowed. Unknown keys are errors. Pure apart from reading the file and its `include`
/// fragments.

#include <string>
#include <string_view>
#include <vector>

#include "vipd/config/config.hpp"

namespace vipd::config {

struct config_error {
    source_position position;
    std::string key;      // dotted path, e.g. "vrrp[1].vrid"
    std::string message;  // e.g. "vrid must be 1..255, got 300"
    /// "FILE:LINE:COLUMN: KEY: MESSAGE"; without "KEY: " when there is no key (TOML syntax
    /// errors) and without ":LINE:COLUMN" when line is 0 (the file could not be read).
    std::string to_string() const;
};

struct load_result {
    std::optional<daemon_config> config;  // set iff errors is empty
    std::vector<config_error> errors;
    bool ok() const noexcept { return config.has_value(); }
};

/// Loads and validates a file. A missing or unreadable file is one error naming it (with line 0:
/// `to_string()` then prints "FILE: MESSAGE"). `default_router_id` as for `load_string`.
load_result load_file(const std::string& path, const std::string& default_router_id = "vipd");

/// Validates TOML text; `file_name` is used in error positions. `default_router_id` fills
/// `global.router_id` when the file leaves it out (the caller passes the host name).
/// The fragments named by a top-level `include` are read from disk (relative patterns from
/// `file_name`'s directory) and merged: their [[vrrp]] and [[virtual_server]] tables follow the
/// main file's, and their errors name the fragment. A fragment that cannot be read or parsed is
/// one error; the other files are still checked, each on its own (the checks across entries,
/// such as unique names, wait until every file parses).
load_result load_string(std::string_view text, const std::string& file_name,
                        const std::string& default_router_id = "vipd");

/// Parses "1s", "100ms", "2.5s", "1m", "10us"; nullopt if malformed or negative.
std::optional<microseconds> parse_duration(std::string_view text);

}  // namespace vipd::config
