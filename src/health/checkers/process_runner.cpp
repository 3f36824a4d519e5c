#include "vipd/health/checkers/process_runner.hpp"

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <iterator>

#include "common.hpp"
#include "vipd/core/backoff.hpp"

namespace vipd::health::checkers {

namespace {

// The command's PATH: a fixed, root-owned search list, whatever the daemon was started with.
constexpr const char* k_path = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
// What a child reports through its status pipe when it cannot get as far as exec.
enum class child_step : int { setgroups = 1, setgid, setuid, capabilities, exec };
struct child_failure {
    child_step step;
    int error;
};
// How often to try again to reap a child whose pidfd reads as exited while waitpid cannot take
// it: a zombie another process traces ("A zombie ptracee is only visible to its ptracer",
// wait_consider_task in kernel/exit.c) goes to the real parent only when the tracer lets go,
// and the pidfd stays readable meanwhile, so waiting on it again would spin.
constexpr backoff k_reap_retry{microseconds{100'000}, microseconds{5'000'000}};
// The exit status of a child that failed before exec, as shells use for "command not found".
constexpr int k_exit_spawn_failed = 127;

std::string errno_text(int error) {
    return detail::describe(boost::system::error_code(error, boost::system::system_category()));
}

std::string step_text(child_step step) {
    switch (step) {
        case child_step::setgroups:
            return "setgroups";
        case child_step::setgid:
            return "setgid";
        case child_step::setuid:
            return "setuid";
        case child_step::capabilities:
            return "dropping capabilities";
        case child_step::exec:
            return "exec";
    }
    return "spawn";
}

/// Who the child becomes, in the types setgroups(2) and friends take, converted before the fork.
struct identity {
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups;
};

identity to_identity(const health::user_identity& user) {
    return identity{user.uid, user.gid, std::vector<gid_t>(user.groups.begin(), user.groups.end())};
}

/// Empties every capability set, ambient included: what the daemon was given to run VRRP and
/// IPVS (CAP_NET_ADMIN, CAP_NET_RAW) is not for its scripts. Root keeps root's privileges.
bool drop_capabilities() {
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0UL, 0UL, 0UL) != 0 && errno != EINVAL) {
        return false;  // EINVAL: a kernel before 4.3, without ambient capabilities
    }
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct held[_LINUX_CAPABILITY_U32S_3]{};
    if (::syscall(SYS_capget, &header, held) == 0 &&
        std::all_of(std::begin(held), std::end(held), [](const __user_cap_data_struct& d) {
            return d.effective == 0 && d.permitted == 0 && d.inheritable == 0;
        })) {
        return true;  // the usual case after setuid from root: nothing to drop, no capset needed
    }
    __user_cap_data_struct none[_LINUX_CAPABILITY_U32S_3]{};
    return ::syscall(SYS_capset, &header, none) == 0;
}

/// Between fork and exec: async-signal-safe calls only (no allocation, no locks), since the
/// parent's other threads (if any) may have held a lock at the moment of the fork.
[[noreturn]] void exec_child(char* const* argv, char* const* envp, const identity* who,
                             int report_fd) {
    const auto report = [&](child_step step) {
        const child_failure failure{step, errno};
        [[maybe_unused]] const auto written = ::write(report_fd, &failure, sizeof failure);
        ::_exit(k_exit_spawn_failed);
    };
    // Signal state is inherited; the daemon's blocked or ignored signals (SIGPIPE) are not the
    // script's business.
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction default_action {};
    default_action.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig) {
        ::sigaction(sig, &default_action, nullptr);  // SIGKILL, SIGSTOP: EINVAL, harmless
    }
    // Its own process group, so the deadline kills what the command started too.
    ::setpgid(0, 0);
    // Keep the report pipe away from 0..2 before they become /dev/null.
    if (report_fd <= 2) {
        report_fd = ::fcntl(report_fd, F_DUPFD_CLOEXEC, 3);
    }
    const int null_fd = ::open("/dev/null", O_RDWR);
    if (null_fd >= 0) {
        for (int fd = 0; fd <= 2; ++fd) {
            ::dup2(null_fd, fd);
        }
        if (null_fd > 2) {
            ::close(null_fd);
        }
    }
    // Nothing else the daemon holds (netlink, raw VRRP sockets) may reach the command. Marking
    // them close-on-exec rather than closing keeps the report pipe usable until exec.
    if (::syscall(SYS_close_range, 3U, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */) != 0) {
        rlimit limit{};
        const rlim_t max_fd = ::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < 65536
                                  ? limit.rlim_cur
                                  : 65536;
        for (int fd = 3; static_cast<rlim_t>(fd) < max_fd; ++fd) {
            if (fd != report_fd) {
                ::close(fd);
            }
        }
    }
    if (who != nullptr) {
        if (::setgroups(who->groups.size(), who->groups.data()) != 0) {
            report(child_step::setgroups);
        }
        if (::setgid(who->gid) != 0) {
            report(child_step::setgid);
        }
        if (::setuid(who->uid) != 0) {
            report(child_step::setuid);
        }
    }
    if (::geteuid() != 0 && !drop_capabilities()) {
        report(child_step::capabilities);
    }
    [[maybe_unused]] const int ignored = ::chdir("/");
    ::execve(argv[0], argv, envp);
    report(child_step::exec);
    ::_exit(k_exit_spawn_failed);  // not reached: report() exits
}

}  // namespace

/// One running command. Owned by the runner while it waits for the command, and by the pidfd
/// wait (or the reap retry) until the child has been reaped, so a cancelled child is still
/// collected (no zombie).
struct process_runner::child {
    child(asio::io_context& io, child_ledger& children, std::string runner_owner, pid_t child_pid,
          int pidfd, int report_fd)
        : exit_watch(io, pidfd),
          deadline(io),
          reap_retry(io),
          ledger(children),
          owner(std::move(runner_owner)),
          pid(child_pid),
          report(report_fd) {}
    ~child() {
        if (!reaped) {
            // Only when the loop itself goes away with the child still there.
            kill_all();
            int status = 0;
            ::waitpid(pid, &status, WNOHANG);
        }
        close_report();
    }
    child(const child&) = delete;
    child& operator=(const child&) = delete;

    void kill_all() {
        if (!reaped) {
            ledger.killer().kill(pid, exit_watch.native_handle());
        }
    }
    void close_report() {
        if (report >= 0) {
            ::close(report);
            report = -1;
        }
    }

    asio::posix::stream_descriptor exit_watch;  // the pidfd: readable once the child exits
    asio::steady_timer deadline;                // the timeout, then the reap grace
    asio::steady_timer reap_retry;
    backoff retry_delay = k_reap_retry;
    child_ledger& ledger;
    std::string owner;
    pid_t pid;
    int report;  // read end of the exec status pipe; -1 once closed
    process_callback done;
    std::string program;
    microseconds timeout{0};
    std::optional<time_point> killed_at;
    bool timed_out = false;
    bool reaped = false;
    bool in_ledger = false;  // counted as unreaped
};

namespace {

void watch_exit(const std::shared_ptr<process_runner::child>& state);

/// Still there k_reap_grace after its SIGKILL: the run reports now (a child the kernel cannot
/// take down yet must not hold back the check or the hooks behind it) and the ledger counts the
/// child until the pidfd wait or the reap retry collects it.
void leave_unreaped(process_runner::child& state) {
    auto done = std::move(state.done);
    state.done = nullptr;
    // Nobody reads the exec report any more: one descriptor less per stuck child.
    state.close_report();
    state.in_ledger = true;
    state.ledger.left_unreaped(state.owner, state.pid);
    if (done) {
        process_outcome outcome;
        outcome.what = process_outcome::kind::timed_out;
        outcome.timeout = state.timeout;
        outcome.reaped = false;
        outcome.pid = state.pid;
        done(outcome);
    }
}

/// SIGKILL now, and a look k_reap_grace later.
void kill_and_check(const std::shared_ptr<process_runner::child>& state) {
    if (state->reaped || state->killed_at) {
        return;
    }
    state->kill_all();
    state->killed_at = steady_clock::now();
    state->deadline.expires_after(k_reap_grace);
    state->deadline.async_wait([weak = std::weak_ptr<process_runner::child>(state)](
                                   const boost::system::error_code& error) {
        const auto unreaped = weak.lock();
        if (!error && unreaped && !unreaped->reaped) {
            leave_unreaped(*unreaped);
        }
    });
}

void retry_reap(const std::shared_ptr<process_runner::child>& state);

void on_exit(const std::shared_ptr<process_runner::child>& state) {
    int status = 0;
    const pid_t rc = ::waitpid(state->pid, &status, WNOHANG);
    if (rc == 0) {
        retry_reap(state);
        return;
    }
    state->reaped = true;
    state->deadline.cancel();
    if (state->in_ledger) {
        state->ledger.reaped_late(
            state->owner, state->pid,
            std::chrono::duration_cast<microseconds>(steady_clock::now() - *state->killed_at));
    }
    auto done = std::move(state->done);
    state->done = nullptr;
    if (!done) {
        return;
    }
    process_outcome outcome;
    outcome.timeout = state->timeout;
    outcome.pid = state->pid;
    child_failure failure{};
    if (rc < 0) {
        outcome.what = process_outcome::kind::spawn_failed;
        outcome.error = "waitpid: " + errno_text(errno);
    } else if (state->report >= 0 && ::read(state->report, &failure, sizeof failure) ==
                                         static_cast<ssize_t>(sizeof failure)) {
        outcome.what = process_outcome::kind::spawn_failed;
        outcome.error = step_text(failure.step) +
                        (failure.step == child_step::exec ? " " + state->program : "") + ": " +
                        errno_text(failure.error);
    } else if (state->timed_out) {
        outcome.what = process_outcome::kind::timed_out;
    } else if (WIFEXITED(status)) {
        outcome.what = process_outcome::kind::exited;
        outcome.code = WEXITSTATUS(status);
    } else {
        outcome.what = process_outcome::kind::signaled;
        outcome.code = WTERMSIG(status);
    }
    done(outcome);
}

/// The pidfd said "exited" but waitpid found nothing to reap yet: ask again later, not on the
/// pidfd, which stays readable (a tracer's zombie) and would wake the loop at once, forever.
void retry_reap(const std::shared_ptr<process_runner::child>& state) {
    state->reap_retry.expires_after(state->retry_delay.next());
    state->reap_retry.async_wait([state](const boost::system::error_code& error) {
        if (error == asio::error::operation_aborted) {
            return;  // the loop is shutting down
        }
        on_exit(state);
    });
}

void watch_exit(const std::shared_ptr<process_runner::child>& state) {
    state->exit_watch.async_wait(asio::posix::stream_descriptor::wait_read,
                                 [state](const boost::system::error_code& error) {
                                     if (error == asio::error::operation_aborted) {
                                         return;  // the loop is shutting down
                                     }
                                     on_exit(state);
                                 });
}

void report_later(asio::io_context& io, process_callback done, std::string error,
                  microseconds timeout) {
    process_outcome outcome;
    outcome.what = process_outcome::kind::spawn_failed;
    outcome.error = std::move(error);
    outcome.timeout = timeout;
    // Through the loop, as the contract promises: the caller may not expect a call from `run`.
    asio::post(io, [done = std::move(done), outcome = std::move(outcome)] { done(outcome); });
}

}  // namespace

std::string process_outcome::describe() const {
    switch (what) {
        case kind::exited:
            return "exit status " + std::to_string(code);
        case kind::signaled:
            return "killed by signal " + std::to_string(code) + " (" + ::strsignal(code) + ")";
        case kind::timed_out:
            if (!reaped) {
                return "timed out after " + detail::format_duration(timeout) + "; child " +
                       std::to_string(pid) + " not reaped after SIGKILL";
            }
            return "killed after timeout " + detail::format_duration(timeout);
        case kind::spawn_failed:
            return error;
    }
    return error;
}

asio::execution_context::id child_ledger::id;

namespace {

/// The kernel's SIGKILL: the group takes what the command started, the pidfd reaches the command
/// itself even when it has moved to another process group, where the group kill misses it.
class kernel_killer final : public child_killer {
  public:
    void kill(pid_t group, int pidfd) noexcept override {
        ::kill(-group, SIGKILL);
        ::syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, nullptr, 0U);
    }
};

}  // namespace

child_ledger::child_ledger(asio::execution_context& context)
    : child_ledger(context, std::make_shared<kernel_killer>()) {}

child_ledger::child_ledger(asio::execution_context& context, std::shared_ptr<child_killer> killer)
    : service(context), killer_(std::move(killer)) {}

std::size_t child_ledger::unreaped(const std::string& owner) const {
    const auto found = by_owner_.find(owner);
    return found == by_owner_.end() ? 0 : found->second;
}

void child_ledger::left_unreaped(const std::string& owner, pid_t pid) {
    ++total_;
    const auto count = ++by_owner_[owner];
    tell({unreaped_event::kind::left_unreaped, owner, pid, count, microseconds{0}});
}

void child_ledger::reaped_late(const std::string& owner, pid_t pid, microseconds since_kill) {
    --total_;
    const auto found = by_owner_.find(owner);
    std::size_t count = 0;
    if (--found->second == 0) {
        by_owner_.erase(found);
    } else {
        count = found->second;
    }
    tell({unreaped_event::kind::reaped_late, owner, pid, count, since_kill});
}

bool child_ledger::hold_back(const std::string& owner) {
    const auto count = unreaped(owner);
    if (count < k_max_unreaped_per_owner) {
        return false;
    }
    ++held_back_;
    tell({unreaped_event::kind::held_back, owner, 0, count, microseconds{0}});
    return true;
}

void child_ledger::tell(unreaped_event event) const {
    if (observer_) {
        observer_(event);
    }
}

process_runner::process_runner(asio::io_context& io, std::string owner)
    : io_(io), ledger_(asio::use_service<child_ledger>(io)), owner_(std::move(owner)) {}

process_runner::~process_runner() {
    cancel();
}

void process_runner::cancel() {
    if (!current_) {
        return;
    }
    current_->done = nullptr;
    // Re-arming the deadline for the reap grace drops the wait for the timeout; a child killed
    // already keeps its grace. Either way one that outlives its SIGKILL goes in the ledger. The
    // pending pidfd wait keeps the state alive until the kernel confirms the exit.
    kill_and_check(current_);
    current_.reset();
}

void process_runner::run(const process_spec& spec, process_callback done) {
    cancel();
    if (spec.argv.empty() || spec.argv.front().empty()) {
        report_later(io_, std::move(done), "no command", spec.timeout);
        return;
    }
    if (ledger_.hold_back(owner_)) {
        report_later(io_, std::move(done),
                     "not started: " + std::to_string(ledger_.unreaped(owner_)) +
                         " earlier children still not reaped after SIGKILL",
                     spec.timeout);
        return;
    }
    const std::optional<identity> who =
        spec.run_as ? std::optional<identity>(to_identity(*spec.run_as)) : std::nullopt;
    // Everything the child needs is built before the fork: it must not allocate.
    std::vector<char*> argv;
    for (const auto& arg : spec.argv) {
        argv.push_back(const_cast<char*>(arg.c_str()));
    }
    argv.push_back(nullptr);
    std::vector<std::string> env_strings{k_path};
    for (const auto& [name, value] : spec.env) {
        env_strings.push_back(name + "=" + value);
    }
    std::vector<char*> envp;
    for (auto& entry : env_strings) {
        envp.push_back(entry.data());
    }
    envp.push_back(nullptr);

    std::array<int, 2> pipe_fds{};
    if (::pipe2(pipe_fds.data(), O_CLOEXEC | O_NONBLOCK) != 0) {
        report_later(io_, std::move(done), "pipe: " + errno_text(errno), spec.timeout);
        return;
    }
    // A plain fork, not vfork: the child changes its credentials, which under vfork would run
    // on the parent's memory (glibc's setuid even signals the parent's threads), and a health
    // check every few seconds does not need vfork's speed.
    const pid_t pid = ::fork();
    if (pid < 0) {
        const int error = errno;
        ::close(pipe_fds[0]);
        ::close(pipe_fds[1]);
        report_later(io_, std::move(done), "fork: " + errno_text(error), spec.timeout);
        return;
    }
    if (pid == 0) {
        exec_child(argv.data(), envp.data(), who ? &*who : nullptr, pipe_fds[1]);
    }
    ::close(pipe_fds[1]);
    // Also from the parent, so the group exists before anyone can kill it.
    ::setpgid(pid, pid);
    const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (pidfd < 0) {
        // Linux < 5.3: no way to wait without blocking or SIGCHLD; refuse cleanly.
        const int error = errno;
        ::kill(-pid, SIGKILL);
        int status = 0;
        ::waitpid(pid, &status, 0);
        ::close(pipe_fds[0]);
        report_later(io_, std::move(done), "pidfd_open: " + errno_text(error), spec.timeout);
        return;
    }
    auto state = std::make_shared<child>(io_, ledger_, owner_, pid, pidfd, pipe_fds[0]);
    state->done = std::move(done);
    state->program = spec.argv.front();
    state->timeout = spec.timeout;
    watch_exit(state);
    state->deadline.expires_after(spec.timeout);
    state->deadline.async_wait(
        [weak = std::weak_ptr<child>(state)](const boost::system::error_code& error) {
            const auto locked = weak.lock();
            if (error || !locked || locked->reaped || locked->killed_at) {
                return;
            }
            locked->timed_out = true;
            // Reaped within the grace, the pidfd reports it; otherwise the grace's end does.
            kill_and_check(locked);
        });
    current_ = std::move(state);
}

}  // namespace vipd::health::checkers
