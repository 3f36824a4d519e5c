#pragma once
/// track_processes, pure: which processes match a tracker, and when too few of them for too long
/// make it down. The daemon lists the host's processes from /proc and passes them in, with `now`.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "vipd/core/time.hpp"

namespace vipd::vrrp {

/// One process as /proc shows it.
struct process_entry {
    std::string comm;     // /proc/PID/comm without its newline (at most 15 bytes)
    std::string cmdline;  // /proc/PID/cmdline: arguments each ended by a NUL; empty for threads
};

/// What a tracker looks for.
struct process_pattern {
    /// The comm or the file name of argv[0]: "nginx" matches comm "nginx" and argv[0]
    /// "/usr/sbin/nginx" alike; a name longer than comm's 15 bytes can only match argv[0].
    std::string name;
    /// The arguments after argv[0], joined by single spaces, must equal this; nullopt = any.
    std::optional<std::string> args;
};

/// Whether `process` is one `pattern` looks for.
bool matches(const process_pattern& pattern, const process_entry& process);

/// How many of `processes` match.
std::size_t count_matching(const process_pattern& pattern,
                           std::span<const process_entry> processes);

/// Down when fewer than `quorum` processes match for `delay` or longer (keepalived's quorum and
/// delay); up again as soon as the quorum is back. The first count decides at once: a
/// director that starts without its service must not win an election while the delay runs.
class quorum_watch {
  public:
    quorum_watch(std::uint32_t quorum, microseconds delay) noexcept
        : quorum_(quorum), delay_(delay) {}

    /// One scan found `count` matching processes at `now`; returns whether the tracker is down.
    bool observe(std::size_t count, time_point now) noexcept;
    bool down() const noexcept { return down_; }

  private:
    std::uint32_t quorum_;
    microseconds delay_;
    bool observed_ = false;
    bool down_ = false;
    std::optional<time_point> short_since_;  // when the count first fell below the quorum
};

}  // namespace vipd::vrrp
