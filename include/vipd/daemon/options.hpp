#pragma once
/// Command-line options of `vipd`, parsed with CLI11.

#include <optional>
#include <string>
#include <vector>

#include <spdlog/common.h>

namespace vipd::daemon {

enum class log_choice { automatic, stderr_stream, journal };

/// `vipd import-keepalived FILE [--ipvsadm-rules RULES] [--allow-lossy]`.
struct import_request {
    std::string file;
    bool allow_lossy = false;
    std::optional<std::string> ipvsadm_rules;
};

struct options {
    std::string config_file = "/etc/vipd/vipd.toml";
    bool check_only = false;
    bool show_version = false;
    log_choice log = log_choice::automatic;
    spdlog::level::level_enum log_level = spdlog::level::info;
    /// Set by the import-keepalived subcommand: convert instead of running.
    std::optional<import_request> import_keepalived;
};

/// Either options to run with, or an exit code and the text CLI11 produced (help, usage error).
struct parse_outcome {
    std::optional<daemon::options> options;
    int exit_code = 0;
    std::string message;
};

parse_outcome parse_options(const std::vector<std::string>& arguments);

}  // namespace vipd::daemon
