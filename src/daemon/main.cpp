// vipd: the process entry point. Everything else lives in the daemon module.
#include <cstdio>
#include <string>
#include <vector>

#include "daemon.hpp"
#include "import_command.hpp"
#include "vipd/daemon/options.hpp"

int main(int argc, char** argv) {
    const std::vector<std::string> arguments(argv + 1, argv + argc);
    auto outcome = vipd::daemon::parse_options(arguments);
    if (!outcome.options) {
        std::fputs(outcome.message.c_str(), outcome.exit_code == 0 ? stdout : stderr);
        return outcome.exit_code;
    }
    const auto& opts = *outcome.options;
    if (opts.show_version) {
        std::printf("vipd %s\n", VIPD_VERSION);
        return 0;
    }
    if (opts.import_keepalived) {
        return vipd::daemon::import_keepalived(*opts.import_keepalived);
    }
    return opts.check_only ? vipd::daemon::check(opts) : vipd::daemon::run(opts);
}
