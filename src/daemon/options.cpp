#include "vipd/daemon/options.hpp"

#include <map>
#include <sstream>

#include <CLI/CLI.hpp>

namespace vipd::daemon {

parse_outcome parse_options(const std::vector<std::string>& arguments) {
    options parsed;
    CLI::App app{"vipd: VRRP high-availability daemon for Linux load-balancer directors", "vipd"};
    app.add_option("-c,--config", parsed.config_file, "Configuration file (TOML)")
        ->capture_default_str();
    app.add_flag("--check", parsed.check_only,
                 "Validate the configuration, warn about the host, and exit 0 (valid) or 1");
    app.add_flag("-V,--version", parsed.show_version, "Print the version and exit");
    const std::map<std::string, log_choice> logs{{"auto", log_choice::automatic},
                                                 {"stderr", log_choice::stderr_stream},
                                                 {"journal", log_choice::journal}};
    app.add_option("--log", parsed.log,
                   "Where to log: auto (journal when started by systemd), stderr or journal")
        ->transform(CLI::CheckedTransformer(logs, CLI::ignore_case));
    const std::map<std::string, spdlog::level::level_enum> levels{{"trace", spdlog::level::trace},
                                                                  {"debug", spdlog::level::debug},
                                                                  {"info", spdlog::level::info},
                                                                  {"warn", spdlog::level::warn},
                                                                  {"error", spdlog::level::err}};
    app.add_option("--log-level", parsed.log_level, "trace, debug, info, warn or error")
        ->transform(CLI::CheckedTransformer(levels, CLI::ignore_case));

    // CLI11 wants argv order reversed when given a vector.
    std::vector<std::string> reversed(arguments.rbegin(), arguments.rend());
    try {
        app.parse(reversed);
    } catch (const CLI::ParseError& error) {
        std::ostringstream out;
        std::ostringstream err;
        const int code = app.exit(error, out, err);
        return {std::nullopt, code, out.str() + err.str()};
    }
    return {parsed, 0, {}};
}

}  // namespace vipd::daemon
