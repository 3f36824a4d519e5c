#pragma once
/// Polls what track_files and track_processes watch: reads each track file and scans the host's
/// processes once per tick, on the daemon's event loop, and reports what changed to the router.
/// Knows no Asio and no file system: the host comes in through `track_host` and the shell owns
/// the periodic timer ([global] track_interval).
///
/// Polling rather than inotify: a poll sees a file that is replaced by a rename, deleted and
/// written again, or whose directory appears only later, with no watch to re-arm; and /proc
/// offers no notification at all (the proc connector delivers nothing in a network namespace
/// other than the initial one, where vipd may well run). One read per file and one /proc scan
/// per second cost little (see linux_track_host.cpp).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vipd/config/config.hpp"
#include "vipd/core/rate_limiter.hpp"
#include "vipd/core/time.hpp"
#include "vipd/logging/logging.hpp"
#include "vipd/vrrp/track_process.hpp"

namespace vipd::daemon {

/// The host as the track poller sees it; linux_track_host reads the real one.
class track_host {
  public:
    virtual ~track_host() = default;

    struct file_reading {
        std::string content;  // the file's first bytes: enough for any number
        std::string
            problem;  // why it could not be read ("No such file or directory"); empty = read
    };
    virtual file_reading read_file(const std::string& path) = 0;
    /// Creates `path` holding `content` unless something exists there already; returns why it
    /// could not, or empty.
    virtual std::string create_file(const std::string& path, std::string_view content) = 0;
    /// Every process of the host (of the PID namespace: the network namespace does not matter).
    virtual std::vector<vrrp::process_entry> processes() = 0;
};

/// What the poller tells the rest of the daemon.
struct track_events {
    std::function<void(const std::string& instance, const std::string& name, std::int16_t value)>
        file_read;
    std::function<void(const std::string& instance, const std::string& name, bool down)>
        process_changed;
};

class track_poller {
  public:
    /// Copies what it needs from `config`: the poller may outlive it across a reload.
    track_poller(const config::daemon_config& config, track_host& host,
                 const logging::log_set& logs, track_events events);
    ~track_poller();
    track_poller(const track_poller&) = delete;
    track_poller& operator=(const track_poller&) = delete;

    /// Whether no instance tracks a file or a process: then nothing needs polling.
    bool empty() const noexcept { return files_.empty() && processes_.empty(); }

    /// keepalived's init_file: writes each `init` value whose file does not exist yet.
    void create_init_files();

    /// Process trackers that a reload left unchanged (same instance, name, process, args,
    /// quorum and delay) carry on from `previous`: a delay that was running keeps running.
    void inherit(const track_poller& previous);

    /// Reads every track file and, when some instance tracks a process, scans the processes
    /// once. The first poll reports every tracker, later ones only changes.
    void poll(time_point now);

  private:
    struct file_tracker {
        std::string instance;
        config::tracked_file cfg;
        std::optional<std::int16_t> reported;
        std::string problem;  // the last reading's; empty when it read a number
    };
    struct process_tracker {
        std::string instance;
        config::tracked_process cfg;
        vrrp::process_pattern pattern;
        vrrp::quorum_watch watch;
        std::optional<bool> reported;  // down
    };
    void poll_file(file_tracker& tracker, time_point now);
    /// One line per change of a file's problem, at most a few a minute over all files.
    void warn(const file_tracker& tracker, time_point now);

    track_host& host_;
    const logging::log_set& logs_;
    track_events events_;
    std::vector<file_tracker> files_;
    std::vector<process_tracker> processes_;
    rate_limiter warn_limit_{10, std::chrono::seconds(60)};
};

}  // namespace vipd::daemon
