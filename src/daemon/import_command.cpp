#include "import_command.hpp"

#include <cstdio>

#include "vipd/importer/import.hpp"

namespace vipd::daemon {

int import_keepalived(const import_request& request) {
    const auto outcome = importer::import_keepalived(
        importer::import_options{request.file, request.allow_lossy, request.ipvsadm_rules},
        importer::disk_files());
    std::fputs(outcome.toml.c_str(), stdout);
    for (const auto& line : outcome.messages) {
        std::fprintf(stderr, "%s\n", line.c_str());
    }
    return outcome.exit_code;
}

}  // namespace vipd::daemon
