#pragma once
/// Internal to the config module: reading a configuration file, and the main file's `include`
/// patterns.

#include <optional>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "diagnostics.hpp"

namespace vipd::config::detail {

/// A file's whole text, or why it could not be read ("No such file or directory", "it is a
/// directory").
struct file_text {
    std::optional<std::string> text;
    std::string problem;
};
file_text read_text_file(const std::string& path);

/// The fragments named by the main file's `include` (read from `root`; `diag.file()` is the main
/// file), in merge order: each entry expanded by glob(3) in its sorted order, a relative one
/// taken from the main file's directory; a file matched twice, or the main file itself, once.
/// A pattern with wildcards may match nothing (an empty conf.d); a literal path must exist.
/// Directories a wildcard matches are skipped. Every problem is reported at its entry.
std::vector<std::string> expand_includes(const toml::table& root, diagnostics& diag);

}  // namespace vipd::config::detail
