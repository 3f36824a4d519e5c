#pragma once
/// keepalived's notify_fifo: one line per transition (notify_fifo_lines.hpp) written to a named
/// pipe that a reader of the operator's (keepalived's sample_notify_fifo.sh, a monitoring agent)
/// consumes. Never blocks the loop: a line that does not fit in the pipe (nobody reading) is
/// dropped, counted and reported in a rate-limited warning.
///
/// Like keepalived, it creates the FIFO (mode 0600) when the path does not exist, removes it
/// at the end when it created it, and opens it for reading and writing: the open never waits
/// for a reader, a reader that goes away raises no SIGPIPE, and lines written while no reader
/// is attached wait in the pipe (up to its 64 KiB) for the next one.

#include <cstdint>
#include <string>
#include <string_view>

#include "vipd/core/rate_limiter.hpp"
#include "vipd/daemon/vrrp_router.hpp"
#include "vipd/logging/logging.hpp"

namespace vipd::daemon {

class notify_fifo {
  public:
    /// Creates and opens `path` now, so a reader can attach before the first transition. A
    /// failure is reported and the open tried again at the next line.
    notify_fifo(std::string path, const logging::log_set& logs, clock_function clock);
    ~notify_fifo();
    notify_fifo(const notify_fifo&) = delete;
    notify_fifo& operator=(const notify_fifo&) = delete;

    /// Writes one whole line (ending in '\n') or nothing: pipe writes up to PIPE_BUF bytes are
    /// atomic, so readers never see half a line.
    void write(std::string_view line);

    const std::string& path() const noexcept { return path_; }
    std::uint64_t written() const noexcept { return written_; }
    std::uint64_t dropped() const noexcept { return dropped_; }

  private:
    bool open();
    void close();
    std::string drop_message(std::string_view line, const std::string& why) const;
    void warn(const std::string& message);

    std::string path_;
    const logging::log_set& logs_;
    clock_function clock_;
    int fd_ = -1;
    bool created_ = false;
    std::uint64_t written_ = 0;
    std::uint64_t dropped_ = 0;
    rate_limiter warnings_;
};

}  // namespace vipd::daemon
