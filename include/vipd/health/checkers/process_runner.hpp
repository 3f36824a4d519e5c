#pragma once
/// Runs one external command (health check scripts, later notify hooks) without blocking the
/// event loop: fork + execve, exit learnt through a pidfd on the io_context, a timer that kills
/// the whole process group (and the command through its pidfd, should it have left the group)
/// at the deadline. No SIGCHLD handler: the daemon's signal handling stays its own business.
///
/// The command gets: its own process group, stdin/stdout/stderr on /dev/null, no other
/// descriptor of the daemon (close_range(CLOEXEC), or a loop where the kernel lacks it), default
/// signal dispositions and an empty signal mask, "/" as working directory, and only the
/// environment of its spec. Needs Linux >= 5.3 (pidfd_open); older kernels get a spawn error.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "vipd/core/time.hpp"
#include "vipd/health/check.hpp"
#include "vipd/io/asio.hpp"

namespace vipd::health::checkers {

struct process_spec {
    /// argv[0] is the program: an absolute path (no PATH search, no shell).
    std::vector<std::string> argv;
    /// Run as this user (supplementary groups, setgid, setuid in the child before exec), looked
    /// up beforehand (daemon/user_binding.hpp): the runner itself never asks the name service.
    /// nullopt = the daemon's own user. A command that does not end up as root runs without any
    /// capability, even those the daemon holds (systemd's AmbientCapabilities).
    std::optional<health::user_identity> run_as;
    /// The whole environment of the command besides a fixed PATH: nothing of the daemon's leaks.
    std::vector<std::pair<std::string, std::string>> env;
    /// Killed (SIGKILL to its process group) when still running after this long.
    microseconds timeout{1'000'000};
};

struct process_outcome {
    enum class kind : std::uint8_t {
        exited,        // `code` is the exit status
        signaled,      // `code` is the signal that ended it
        timed_out,     // killed at the deadline
        spawn_failed,  // never ran the program; `error` says why
    };
    kind what = kind::spawn_failed;
    int code = 0;
    std::string error;
    microseconds timeout{0};  // copied from the spec, for describe()

    bool success() const noexcept { return what == kind::exited && code == 0; }
    /// "exit status 2", "killed by signal 15", "killed after timeout 1s", "exec /x: ...".
    std::string describe() const;
};

using process_callback = std::function<void(const process_outcome&)>;

/// One command at a time. Destroying the runner (or `cancel`) kills a running command's process
/// group and drops its callback; the child is still reaped on the loop when it has gone.
class process_runner {
  public:
    explicit process_runner(asio::io_context& io) : io_(io) {}
    ~process_runner();
    process_runner(const process_runner&) = delete;
    process_runner& operator=(const process_runner&) = delete;

    /// Starts `spec` and calls `done` once on the loop with the outcome, unless cancelled first,
    /// and at most a quarter second after `spec.timeout`: a command still there that long after
    /// its kill is reported timed out then, and reaped whenever it goes.
    /// A command still running from an earlier `run` is cancelled first. Spawn errors (unknown
    /// user, fork or exec failure) arrive through `done` too, never as an exception.
    void run(const process_spec& spec, process_callback done);
    /// Kills the running command, if any, without calling its callback.
    void cancel();

    struct child;  // detail: shared with the loop's handlers

  private:
    asio::io_context& io_;
    std::shared_ptr<child> current_;
};

}  // namespace vipd::health::checkers
