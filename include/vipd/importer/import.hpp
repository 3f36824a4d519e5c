#pragma once
/// `vipd import-keepalived`: a keepalived.conf (and its includes) to vipd.toml, checked by
/// vipd's own loader before it is handed out.

#include <optional>
#include <string>
#include <vector>

#include "vipd/importer/syntax.hpp"

namespace vipd::importer {

/// Exit codes of the command.
inline constexpr int k_exit_converted = 0;  // nothing dropped, or --allow-lossy
inline constexpr int k_exit_failed = 1;     // unreadable, a syntax error, or no valid output
inline constexpr int k_exit_lossy = 3;      // something was dropped (listed on stderr)

struct import_options {
    std::string file;
    bool allow_lossy = false;
    /// An ipvsadm-save rules file whose services are converted too (ipvsadm.hpp).
    std::optional<std::string> ipvsadm_rules;
};

struct import_outcome {
    int exit_code = k_exit_failed;
    /// The TOML (empty when the input could not be parsed or the result does not load).
    std::string toml;
    /// For stderr, one line each: syntax errors, "FILE:LINE: KEYWORD: dropped: REASON", and the
    /// loader's errors should the output not load.
    std::vector<std::string> messages;
};

/// Parses, converts and loads the result with config::load_string (an output that does not
/// load is a failure, never handed out).
import_outcome import_keepalived(const import_options& options, const file_source& files);

}  // namespace vipd::importer
