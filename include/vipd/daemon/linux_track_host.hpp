#pragma once
/// The host's file system and /proc, as the track poller reads them.

#include "vipd/daemon/track_poller.hpp"

namespace vipd::daemon {

class linux_track_host final : public track_host {
  public:
    /// Reads at most the first 256 bytes (more is no number anyway), without blocking on a FIFO.
    file_reading read_file(const std::string& path) override;
    /// O_EXCL: an existing file, whatever it holds, is left alone.
    std::string create_file(const std::string& path, std::string_view content) override;
    /// Every /proc/PID: its comm and the first 4 KiB of its cmdline. A process that exits
    /// during the scan is skipped.
    std::vector<vrrp::process_entry> processes() override;
};

}  // namespace vipd::daemon
