#pragma once
/// The daemon's shell: wires the kernel adapters to the VRRP router on one single-threaded
/// io_context, owns the one timer and the signals.

#include <string>
#include <vector>

#include "vipd/config/config.hpp"
#include "vipd/daemon/options.hpp"

namespace vipd::daemon {

/// Loads the configuration named in `opts` and runs until SIGTERM/SIGINT. Returns the process
/// exit code: 0 after a graceful stop, 1 for an invalid configuration or a fatal start error.
int run(const options& opts);

/// `vipd --check`: validates the configuration and prints problems of this host that would not
/// stop it from starting (a missing interface, no IPVS). Returns 0 (valid) or 1 (errors).
int check(const options& opts);

/// Interfaces a valid configuration names that this host lacks, one human-readable line each.
std::vector<std::string> host_warnings(const config::daemon_config& config);

}  // namespace vipd::daemon
