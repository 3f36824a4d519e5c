#pragma once
/// The file behind `[global] state_file`: what this daemon may have put in the kernel, so that
/// a start after a crash removes it on any kernel. IPVS has no field to tag a service as
/// vipd's, and kernels before 5.18 drop the tag on addresses. The record names a service or a
/// VIP until its removal succeeded or it was found gone: a removal the kernel refused is
/// retried by the resyncs and, after a crash or a stop, by the next start. Failures are logged,
/// never fatal: without the record a crash's leftovers that the configuration no longer names
/// stay, as they would with keepalived.

#include <set>
#include <string>

#include "vipd/ipvs/model.hpp"
#include "vipd/logging/logging.hpp"
#include "vipd/vips/reconciler.hpp"

namespace vipd::daemon {

/// The service keys (ipvs/key_list.hpp) and the VIPs (vips/record.hpp) of one record.
struct state_record {
    std::set<ipvs::service_key> services;
    std::set<vips::address> addresses;
    bool empty() const noexcept { return services.empty() && addresses.empty(); }
    friend bool operator==(const state_record&, const state_record&) = default;
};

/// The record at `path`; empty when the file does not exist. A symbolic link or anything but a
/// regular file is not followed: warned about and read as empty. Unreadable lines are skipped
/// and counted in a warning: a partly damaged record still names the rest.
state_record read_state_file(const std::string& path, const logging::log_set& logs);

/// Replaces the record: written to `<path>.new` (created afresh, never through a link planted
/// there), flushed to the disk, renamed over `path` (a link there is replaced, not followed)
/// and the directory flushed, so a crash or a power cut leaves the old or the new record, never
/// half of one. Creates the directory (mode 0755) if missing; an empty record removes the file.
void write_state_file(const std::string& path, const state_record& record,
                      const logging::log_set& logs);

}  // namespace vipd::daemon
