#pragma once
/// `vipd import-keepalived`: the importer's outcome written to stdout and stderr.

#include "vipd/daemon/options.hpp"

namespace vipd::daemon {

/// Writes the TOML to stdout and each dropped keyword or error to stderr; returns the exit
/// code (importer::k_exit_converted, k_exit_failed or k_exit_lossy).
int import_keepalived(const import_request& request);

}  // namespace vipd::daemon
