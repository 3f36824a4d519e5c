#pragma once
/// vipctl's command line.

#include <optional>
#include <string>
#include <vector>

#include "vipd/control/protocol.hpp"

namespace vipd::vipctl {

struct options {
    std::string socket_path;
    control::request req;
    bool json = false;  ///< status and ipvs: print the JSON instead of the table
    bool show_version = false;
};

/// The parsed options, or the exit code and text the parser produced (help: 0 on stdout;
/// errors: 2 with the message for stderr).
struct parse_outcome {
    std::optional<options> opts;
    int exit_code = 0;
    std::string message;
};

/// Parses `arguments` (argv without argv[0]). `env_socket` is $VIPD_SOCKET (nullptr when
/// unset): it replaces the default path, and --socket replaces both.
parse_outcome parse_options(const std::vector<std::string>& arguments, const char* env_socket);

}  // namespace vipd::vipctl
