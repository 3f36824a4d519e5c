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

    import_request import;
    auto* importer = app.add_subcommand(
        "import-keepalived",
        "Convert a keepalived.conf to vipd.toml on stdout; what cannot be converted is listed on "
        "stderr (exit 0 converted, 1 failed, 3 something dropped)");
    importer->add_option("file", import.file, "keepalived.conf (its includes are read too)")
        ->required();
    importer->add_option("--ipvsadm-rules", import.ipvsadm_rules,
                         "An ipvsadm-save rules file whose services are converted too");
    importer->add_flag("--allow-lossy", import.allow_lossy,
                       "Exit 0 even when something was dropped");

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
    if (importer->parsed()) {
        parsed.import_keepalived = import;
    }
    return {parsed, 0, {}};
}

}  // namespace vipd::daemon
