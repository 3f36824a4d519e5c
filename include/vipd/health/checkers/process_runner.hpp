#pragma once
/// Runs one external command (health check scripts, notify hooks) without blocking the
/// event loop: fork + execve, exit learnt through a pidfd on the io_context, a timer that kills
/// the whole process group (and the command through its pidfd, should it have left the group)
/// at the deadline. No SIGCHLD handler: the daemon's signal handling stays its own business.
///
/// The command gets: its own process group, stdin/stdout/stderr on /dev/null, no other
/// descriptor of the daemon (close_range(CLOEXEC), or a loop where the kernel lacks it), default
/// signal dispositions and an empty signal mask, "/" as working directory, and only the
/// environment of its spec. Needs Linux >= 5.3 (pidfd_open); older kernels get a spawn error.
///
/// A SIGKILL does not always end a child at once: one in uninterruptible sleep (D state, blocked
/// on a hung NFS or FUSE mount) dies only when its I/O returns, and one that another process
/// traces stays a zombie only that tracer can reap. Every run still reports by its timeout plus
/// k_reap_grace; such a child is counted in the io_context's child_ledger until it is reaped.

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
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
    /// timed_out: false when the child was still there k_reap_grace after its SIGKILL.
    bool reaped = true;
    pid_t pid = 0;  // the child, once forked

    bool success() const noexcept { return what == kind::exited && code == 0; }
    /// "exit status 2", "killed by signal 15", "killed after timeout 1s", "timed out after 1s;
    /// child 4242 not reaped after SIGKILL", "exec /x: ...".
    std::string describe() const;
};

using process_callback = std::function<void(const process_outcome&)>;

/// How long a killed command has to be reaped before its timeout is reported anyway.
inline constexpr microseconds k_reap_grace{250'000};

/// How the runners end a command: SIGKILL to its process group, and through its pidfd to the
/// command itself (which may have left the group). A port, so that a test can stand in for a
/// kernel whose SIGKILL does not take yet, as for a child in D state.
class child_killer {
  public:
    virtual ~child_killer() = default;
    virtual void kill(pid_t group, int pidfd) noexcept = 0;
};

/// Something the daemon should hear about a child that outlived its SIGKILL.
struct unreaped_event {
    enum class kind : std::uint8_t {
        left_unreaped,  // not reaped k_reap_grace after its SIGKILL; its run reported anyway
        held_back,      // a run not started: its owner has k_max_unreaped_per_owner such children
        reaped_late,    // a child left unreaped is gone at last, and reaped
    };
    kind what = kind::left_unreaped;
    std::string owner;               // the runner's owner: a check, a lane of hooks
    pid_t pid = 0;                   // 0 for held_back
    std::size_t owner_unreaped = 0;  // the owner's children not reaped, after the event
    microseconds since_kill{0};      // reaped_late: from the SIGKILL to the reap
};

/// The children of one io_context's runners that were killed (at their deadline, or by a
/// cancel) and not reaped k_reap_grace later, by owner. Bounded: an owner with
/// k_max_unreaped_per_owner of them starts no new command until one is reaped (each run fails at
/// once instead), so a check on a hung mount does not pile up a process per interval. An Asio
/// service, like the TLS context cache: it lives and dies with its io_context, whose handlers
/// hold the children. Used from the loop's thread only.
class child_ledger final : public asio::execution_context::service {
  public:
    static asio::execution_context::id id;
    static constexpr std::size_t k_max_unreaped_per_owner = 4;

    /// Kills with the kernel's signals.
    explicit child_ledger(asio::execution_context& context);
    /// Kills through `killer` (tests: asio::make_service before the first runner runs).
    child_ledger(asio::execution_context& context, std::shared_ptr<child_killer> killer);

    std::size_t unreaped() const noexcept { return total_; }
    std::size_t unreaped(const std::string& owner) const;
    /// Runs not started because their owner was at k_max_unreaped_per_owner.
    std::uint64_t held_back() const noexcept { return held_back_; }
    /// Called with every event from now on (one observer; an empty function removes it).
    void observe(std::function<void(const unreaped_event&)> observer) {
        observer_ = std::move(observer);
    }

    // For the runners.
    child_killer& killer() noexcept { return *killer_; }
    void left_unreaped(const std::string& owner, pid_t pid);
    void reaped_late(const std::string& owner, pid_t pid, microseconds since_kill);
    /// True (and counted, and told) when `owner` may not start another command now.
    bool hold_back(const std::string& owner);

  private:
    void shutdown() override {}
    void tell(unreaped_event event) const;

    std::shared_ptr<child_killer> killer_;
    std::map<std::string, std::size_t> by_owner_;
    std::size_t total_ = 0;
    std::uint64_t held_back_ = 0;
    std::function<void(const unreaped_event&)> observer_;
};

/// One command at a time. Destroying the runner (or `cancel`) kills a running command's process
/// group and drops its callback; the child is still reaped on the loop when it has gone.
class process_runner {
  public:
    /// `owner` names what runs the commands in the io_context's child_ledger and its log lines
    /// ("script /bin/check for 10.0.0.1:80"); every runner of one check or hook lane gives the
    /// same, so that its unreaped children add up.
    process_runner(asio::io_context& io, std::string owner);
    ~process_runner();
    process_runner(const process_runner&) = delete;
    process_runner& operator=(const process_runner&) = delete;

    /// Starts `spec` and calls `done` once on the loop with the outcome, unless cancelled first,
    /// and at most k_reap_grace after `spec.timeout`: a command still there that long after its
    /// kill is reported timed out and not reaped then, and reaped whenever it goes.
    /// A command still running from an earlier `run` is cancelled first. Spawn errors (unknown
    /// user, fork or exec failure, an owner held back by its unreaped children) arrive through
    /// `done` too, never as an exception.
    void run(const process_spec& spec, process_callback done);
    /// Kills the running command, if any, without calling its callback.
    void cancel();

    struct child;  // detail: shared with the loop's handlers

  private:
    asio::io_context& io_;
    child_ledger& ledger_;
    std::string owner_;
    std::shared_ptr<child> current_;
};

}  // namespace vipd::health::checkers
