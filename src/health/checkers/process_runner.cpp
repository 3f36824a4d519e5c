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
#include <iterator>
#include <cstring>

#include "common.hpp"

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
// How long a killed command has to be reaped before its timeout is reported anyway.
constexpr std::chrono::milliseconds k_reap_grace{250};
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
/// wait until the child has been reaped, so a cancelled child is still collected (no zombie).
struct process_runner::child {
    child(asio::io_context& io, pid_t child_pid, int pidfd, int report_fd)
        : exit_watch(io, pidfd), deadline(io), pid(child_pid), report(report_fd) {}
    ~child() {
        if (!reaped) {
            // Only when the loop itself goes away with the child still running.
            ::kill(-pid, SIGKILL);
            int status = 0;
            ::waitpid(pid, &status, WNOHANG);
        }
        ::close(report);
    }
    child(const child&) = delete;
    child& operator=(const child&) = delete;

    /// The group takes what the command started; the pidfd reaches the command itself even
    /// when it has moved to another process group, where the group kill misses it.
    void kill_all() {
        if (!reaped) {
            ::kill(-pid, SIGKILL);
            ::syscall(SYS_pidfd_send_signal, exit_watch.native_handle(), SIGKILL, nullptr, 0U);
        }
    }

    asio::posix::stream_descriptor exit_watch;  // the pidfd: readable once the child exits
    asio::steady_timer deadline;
    pid_t pid;
    int report;  // read end of the exec status pipe
    process_callback done;
    std::string program;
    microseconds timeout{0};
    bool timed_out = false;
    bool reaped = false;
};

namespace {

void watch_exit(const std::shared_ptr<process_runner::child>& state);

void report_timeout(process_runner::child& state) {
    auto done = std::move(state.done);
    state.done = nullptr;
    if (done) {
        process_outcome outcome;
        outcome.what = process_outcome::kind::timed_out;
        outcome.timeout = state.timeout;
        done(outcome);
    }
}

void on_exit(const std::shared_ptr<process_runner::child>& state) {
    int status = 0;
    const pid_t rc = ::waitpid(state->pid, &status, WNOHANG);
    if (rc == 0) {
        watch_exit(state);  // spurious wakeup: still running
        return;
    }
    state->reaped = true;
    state->deadline.cancel();
    process_outcome outcome;
    outcome.timeout = state->timeout;
    child_failure failure{};
    if (rc < 0) {
        outcome.what = process_outcome::kind::spawn_failed;
        outcome.error = "waitpid: " + errno_text(errno);
    } else if (::read(state->report, &failure, sizeof failure) ==
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
    auto done = std::move(state->done);
    state->done = nullptr;
    if (done) {
        done(outcome);
    }
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
            return "killed after timeout " + detail::format_duration(timeout);
        case kind::spawn_failed:
            return error;
    }
    return error;
}

process_runner::~process_runner() {
    cancel();
}

void process_runner::cancel() {
    if (!current_) {
        return;
    }
    current_->done = nullptr;
    current_->deadline.cancel();
    current_->kill_all();
    // The pending pidfd wait keeps the state alive until the kernel confirms the exit.
    current_.reset();
}

void process_runner::run(const process_spec& spec, process_callback done) {
    cancel();
    if (spec.argv.empty() || spec.argv.front().empty()) {
        report_later(io_, std::move(done), "no command", spec.timeout);
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
    auto state = std::make_shared<child>(io_, pid, pidfd, pipe_fds[0]);
    state->done = std::move(done);
    state->program = spec.argv.front();
    state->timeout = spec.timeout;
    watch_exit(state);
    state->deadline.expires_after(spec.timeout);
    state->deadline.async_wait(
        [weak = std::weak_ptr<child>(state)](const boost::system::error_code& error) {
            const auto locked = weak.lock();
            if (error || !locked || locked->reaped) {
                return;
            }
            locked->timed_out = true;
            locked->kill_all();
            // Reaped within the grace, the pidfd reports it. Otherwise it is reported now: a
            // child the kernel cannot take down yet (stuck in uninterruptible sleep) must not
            // hold back the check or the hooks behind it; the pidfd wait reaps it whenever.
            locked->deadline.expires_after(k_reap_grace);
            locked->deadline.async_wait([weak](const boost::system::error_code& grace_error) {
                const auto unreaped = weak.lock();
                if (!grace_error && unreaped && !unreaped->reaped) {
                    report_timeout(*unreaped);
                }
            });
        });
    current_ = std::move(state);
}

}  // namespace vipd::health::checkers
