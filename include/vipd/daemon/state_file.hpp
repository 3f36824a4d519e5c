#pragma once
/// The file behind `[global] state_file`: the IPVS service keys this daemon may have put in
/// the kernel (ipvs/key_list.hpp). Failures are logged, never fatal: without the record a
/// crash's leftovers stay, as they would with keepalived.

#include <set>
#include <string>

#include "vipd/ipvs/model.hpp"
#include "vipd/logging/logging.hpp"

namespace vipd::daemon {

/// The keys recorded at `path`; none when the file does not exist.
std::set<ipvs::service_key> read_state_file(const std::string& path, const logging::log_set& logs);

/// Replaces the record: written beside it and renamed over it, so a crash leaves the old or
/// the new record, never half of one. Creates the directory (mode 0755) if missing; an empty
/// set removes the file.
void write_state_file(const std::string& path, const std::set<ipvs::service_key>& keys,
                      const logging::log_set& logs);

}  // namespace vipd::daemon
