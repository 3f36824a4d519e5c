#include "vipd/health/checkers/process_runner.hpp"

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <array>
#include <fstream>
#include <optional>
#include <sstream>

#include "fakes/fake_child_killer.hpp"
#include "loopback.hpp"
#include "support/temp_dir.hpp"

namespace vipd::health::checkers {
namespace {

using namespace std::chrono_literals;
using test::process_gone;
using test::run_for;
using test::run_until;

/// A fresh directory anyone may write to (a script may run as nobody), removed afterwards.
struct scratch_dir : support::temp_dir {
    scratch_dir() : temp_dir("vipd-run", true) {}
};

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream out;
    out << in.rdbuf();
    return out.str();
}

struct run_result {
    process_outcome outcome;
    std::chrono::milliseconds elapsed{0};
};

std::optional<run_result> run(asio::io_context& io, process_runner& runner, process_spec spec) {
    std::optional<process_outcome> outcome;
    const auto started = steady_clock::now();
    runner.run(spec, [&](const process_outcome& o) { outcome = o; });
    if (!run_until(
            io, [&] { return outcome.has_value(); }, 10s)) {
        return std::nullopt;
    }
    return run_result{*outcome, std::chrono::duration_cast<std::chrono::milliseconds>(
                                    steady_clock::now() - started)};
}

process_spec command(std::vector<std::string> argv, microseconds timeout = 5s) {
    process_spec spec;
    spec.argv = std::move(argv);
    spec.timeout = timeout;
    return spec;
}

TEST(ProcessRunner, ExitStatusZeroIsSuccess) {
    asio::io_context io;
    process_runner runner(io, "test");
    const auto got = run(io, runner, command({"/bin/true"}));
    ASSERT_TRUE(got);
    EXPECT_TRUE(got->outcome.success());
    EXPECT_EQ(got->outcome.describe(), "exit status 0");
}

TEST(ProcessRunner, NonZeroExitIsReported) {
    asio::io_context io;
    process_runner runner(io, "test");
    auto got = run(io, runner, command({"/bin/false"}));
    ASSERT_TRUE(got);
    EXPECT_FALSE(got->outcome.success());
    EXPECT_EQ(got->outcome.describe(), "exit status 1");
    got = run(io, runner, command({"/bin/sh", "-c", "exit 2"}));
    ASSERT_TRUE(got);
    EXPECT_EQ(got->outcome.describe(), "exit status 2");
}

TEST(ProcessRunner, DeathBySignalIsReported) {
    asio::io_context io;
    process_runner runner(io, "test");
    const auto got = run(io, runner, command({"/bin/sh", "-c", "kill -TERM $$"}));
    ASSERT_TRUE(got);
    EXPECT_EQ(got->outcome.what, process_outcome::kind::signaled);
    EXPECT_EQ(got->outcome.code, SIGTERM);
    EXPECT_NE(got->outcome.describe().find("killed by signal 15"), std::string::npos);
}

TEST(ProcessRunner, TimeoutKillsTheWholeProcessGroup) {
    asio::io_context io;
    process_runner runner(io, "test");
    scratch_dir dir;
    const auto pids = dir.file("pids");
    // The shell records itself and a background grandchild, then waits on both.
    const auto got =
        run(io, runner,
            command({"/bin/sh", "-c", "sleep 10 & echo $$ $! > " + pids + "; wait"}, 300ms));
    ASSERT_TRUE(got);
    EXPECT_EQ(got->outcome.what, process_outcome::kind::timed_out);
    EXPECT_EQ(got->outcome.describe(), "killed after timeout 300ms");
    EXPECT_LT(got->elapsed, 2300ms);
    int shell = 0;
    int grandchild = 0;
    std::istringstream(read_file(pids)) >> shell >> grandchild;
    ASSERT_GT(shell, 0);
    ASSERT_GT(grandchild, 0);
    EXPECT_TRUE(process_gone(shell));
    // The grandchild was killed with the group; give its new parent a moment to reap it.
    EXPECT_TRUE(run_until(
        io, [&] { return process_gone(grandchild); }, 2s));
}

// A command that moves itself out of the process group it was given is out of reach of the
// group kill; the deadline must still end it and report.
TEST(ProcessRunner, TimeoutReachesACommandThatLeftItsProcessGroup) {
    asio::io_context io;
    process_runner runner(io, "test");
    scratch_dir dir;
    const auto pid_file = dir.file("pid");
    const auto got = run(io, runner,
                         command({"/usr/bin/python3", "-c",
                                  "import os, time\n"
                                  "os.setpgid(0, os.getpgid(os.getppid()))\n"
                                  "open('" +
                                      pid_file +
                                      "', 'w').write(str(os.getpid()))\n"
                                      "time.sleep(30)\n"},
                                 1s));
    ASSERT_TRUE(got) << "no outcome within 10 s";
    EXPECT_EQ(got->outcome.what, process_outcome::kind::timed_out);
    EXPECT_LT(got->elapsed, 3s);
    int escaped = 0;
    std::istringstream(read_file(pid_file)) >> escaped;
    ASSERT_GT(escaped, 0) << "the command did not get as far as leaving its group";
    EXPECT_TRUE(run_until(
        io, [&] { return process_gone(escaped); }, 2s));
}

/// How many handlers the loop runs in `duration`: a few for timers, thousands for a busy loop.
std::size_t handlers_run_for(asio::io_context& io, std::chrono::milliseconds duration) {
    std::size_t handlers = 0;
    for (const auto end = steady_clock::now() + duration; steady_clock::now() < end;) {
        if (io.stopped()) {
            io.restart();
        }
        handlers += io.run_one_for(10ms);
    }
    return handlers;
}

/// A process that ptrace-seizes `pid` and holds it until the tracer is released (destroyed):
/// while it does, the kernel shows the tracee's zombie to the tracer only ("A zombie ptracee is
/// only visible to its ptracer", wait_consider_task in kernel/exit.c), so the real parent cannot
/// reap it although its pidfd already reads as exited. Detaching at the tracer's exit hands the
/// zombie back to the real parent.
class tracer {
  public:
    explicit tracer(pid_t tracee) {
        std::array<int, 2> ready{};
        std::array<int, 2> release{};
        if (::pipe(ready.data()) != 0 || ::pipe(release.data()) != 0) {
            return;
        }
        pid_ = ::fork();
        if (pid_ == 0) {
            ::close(ready[0]);
            ::close(release[1]);
            const char attached = ::ptrace(PTRACE_SEIZE, tracee, nullptr, nullptr) == 0 ? 1 : 0;
            [[maybe_unused]] const auto written = ::write(ready[1], &attached, 1);
            char ignored = 0;
            [[maybe_unused]] const auto read = ::read(release[0], &ignored, 1);  // until closed
            ::_exit(0);
        }
        ::close(ready[1]);
        ::close(release[0]);
        release_ = release[1];
        char attached = 0;
        attached_ = pid_ > 0 && ::read(ready[0], &attached, 1) == 1 && attached == 1;
        ::close(ready[0]);
    }
    ~tracer() { release(); }
    tracer(const tracer&) = delete;
    tracer& operator=(const tracer&) = delete;

    bool attached() const noexcept { return attached_; }
    void release() {
        if (pid_ > 0) {
            ::close(release_);
            int status = 0;
            ::waitpid(pid_, &status, 0);
            pid_ = -1;
        }
    }

  private:
    pid_t pid_ = -1;
    int release_ = -1;
    bool attached_ = false;
};

// A child the kernel will not hand back: killed at its deadline, but a tracer holds its zombie.
// The run still reports at its timeout (plus the reap grace), the loop does not spin on the
// pidfd that reads as exited meanwhile, and the child is reaped once the tracer lets go.
TEST(ProcessRunner, AChildThatCannotBeReapedIsReportedAtItsTimeoutAndReapedLater) {
    asio::io_context io;
    process_runner runner(io, "test");
    scratch_dir dir;
    const auto pid_file = dir.file("pid");
    std::optional<process_outcome> outcome;
    const auto started = steady_clock::now();
    // PR_SET_PTRACER_ANY: Yama's ptrace_scope 1 lets only ancestors (or root) attach otherwise.
    runner.run(command({"/usr/bin/python3", "-c",
                        "import ctypes, os, time\n"
                        "ctypes.CDLL(None).prctl(0x59616d61, ctypes.c_ulong(-1), 0, 0, 0)\n"
                        "open('" +
                            pid_file +
                            ".tmp', 'w').write(str(os.getpid()))\n"
                            "os.rename('" +
                            pid_file + ".tmp', '" + pid_file +
                            "')\n"
                            "time.sleep(30)\n"},
                       2s),
               [&](const process_outcome& o) { outcome = o; });
    ASSERT_TRUE(run_until(
        io, [&] { return !read_file(pid_file).empty(); }, 5s));
    const int pid = std::stoi(read_file(pid_file));
    tracer holder(pid);
    ASSERT_TRUE(holder.attached()) << "cannot ptrace the command";
    ASSERT_TRUE(run_until(
        io, [&] { return outcome.has_value(); }, 10s));
    EXPECT_LT(steady_clock::now() - started, 3s);
    EXPECT_EQ(outcome->what, process_outcome::kind::timed_out);
    EXPECT_FALSE(outcome->reaped);
    EXPECT_EQ(outcome->pid, pid);
    EXPECT_EQ(::kill(pid, 0), 0) << "reaped already: nothing tested";
    EXPECT_EQ(asio::use_service<child_ledger>(io).unreaped("test"), 1U);

    EXPECT_LT(handlers_run_for(io, 1s), 50U) << "the loop spins on the pidfd, readable all along";

    holder.release();
    EXPECT_TRUE(run_until(
        io, [&] { return ::kill(pid, 0) != 0; }, 10s))
        << "the zombie is left behind";
    EXPECT_EQ(asio::use_service<child_ledger>(io).unreaped(), 0U);
}

/// An io_context whose runners kill through a fake_child_killer: their children survive
/// SIGKILL (D state) until the test ends them. Records what the ledger tells.
struct stuck_children {
    stuck_children() {
        ledger.observe([this](const unreaped_event& event) { events.push_back(event); });
    }
    ~stuck_children() {
        release_all();
        // Their state goes with the loop: reap them first, or they would stay zombies.
        run_until(
            io, [&] { return ledger.unreaped() == 0; }, 5s);
    }
    stuck_children(const stuck_children&) = delete;
    stuck_children& operator=(const stuck_children&) = delete;

    /// What the I/O returning would do: the child takes its SIGKILL at last.
    void release(int pid) const { ::kill(pid, SIGKILL); }
    void release_all() const {
        for (const int pid : started()) {
            release(pid);
        }
    }
    /// A command that appends its pid to `pids` and sleeps 30 s.
    process_spec sleeper(microseconds timeout) const {
        return command({"/bin/sh", "-c", "echo $$ >> " + pids + "; exec sleep 30"}, timeout);
    }
    std::vector<int> started() const {
        std::istringstream in(read_file(pids));
        std::vector<int> all;
        for (int pid = 0; in >> pid;) {
            all.push_back(pid);
        }
        return all;
    }

    std::shared_ptr<fakes::fake_child_killer> killer = std::make_shared<fakes::fake_child_killer>();
    asio::io_context io;
    child_ledger& ledger = asio::make_service<child_ledger>(io, killer);
    std::vector<unreaped_event> events;
    scratch_dir dir;
    std::string pids = dir.file("pids");
};

/// True once `pid` is neither running nor a zombie: reaped by its parent, this process.
bool reaped(int pid) {
    return ::kill(pid, 0) != 0 && errno == ESRCH;
}

TEST(ProcessRunner, AChildThatSurvivesSigkillIsReportedByItsTimeoutAndCountedUntilReaped) {
    stuck_children stuck;
    process_runner runner(stuck.io, "check web");
    const auto got = run(stuck.io, runner, stuck.sleeper(300ms));
    ASSERT_TRUE(got) << "no outcome: the stuck child holds the run";
    // The timeout, then k_reap_grace: not the child's 30 s.
    EXPECT_GE(got->elapsed, 550ms);
    EXPECT_LT(got->elapsed, 2s);
    ASSERT_EQ(stuck.started().size(), 1U);
    const int pid = stuck.started().front();
    EXPECT_EQ(got->outcome.what, process_outcome::kind::timed_out);
    EXPECT_FALSE(got->outcome.reaped);
    EXPECT_EQ(got->outcome.describe(),
              "timed out after 300ms; child " + std::to_string(pid) + " not reaped after SIGKILL");
    EXPECT_EQ(stuck.killer->groups, std::vector<pid_t>{pid});
    EXPECT_EQ(stuck.ledger.unreaped(), 1U);
    EXPECT_EQ(stuck.ledger.unreaped("check web"), 1U);
    ASSERT_EQ(stuck.events.size(), 1U);
    EXPECT_EQ(stuck.events[0].what, unreaped_event::kind::left_unreaped);
    EXPECT_EQ(stuck.events[0].owner, "check web");
    EXPECT_EQ(stuck.events[0].pid, pid);
    EXPECT_EQ(stuck.events[0].owner_unreaped, 1U);

    run_for(stuck.io, 200ms);
    EXPECT_EQ(::kill(pid, 0), 0) << "the child should still run: nothing tested";
    stuck.release(pid);
    ASSERT_TRUE(run_until(
        stuck.io, [&] { return reaped(pid); }, 5s))
        << "left as a zombie";
    EXPECT_EQ(stuck.ledger.unreaped(), 0U);
    EXPECT_EQ(stuck.ledger.unreaped("check web"), 0U);
    ASSERT_EQ(stuck.events.size(), 2U);
    EXPECT_EQ(stuck.events[1].what, unreaped_event::kind::reaped_late);
    EXPECT_EQ(stuck.events[1].pid, pid);
    EXPECT_EQ(stuck.events[1].owner_unreaped, 0U);
    EXPECT_GE(stuck.events[1].since_kill, microseconds{450'000});
}

TEST(ProcessRunner, ACancelledChildThatSurvivesSigkillIsCountedToo) {
    stuck_children stuck;
    bool called = false;
    {
        process_runner runner(stuck.io, "notify hooks of web");
        runner.run(stuck.sleeper(10s), [&](const process_outcome&) { called = true; });
        ASSERT_TRUE(run_until(
            stuck.io, [&] { return !stuck.started().empty(); }, 5s));
    }
    run_for(stuck.io, 500ms);
    EXPECT_FALSE(called);
    EXPECT_EQ(stuck.ledger.unreaped("notify hooks of web"), 1U);
    stuck.release_all();
    EXPECT_TRUE(run_until(
        stuck.io, [&] { return stuck.ledger.unreaped() == 0; }, 5s));
    EXPECT_TRUE(reaped(stuck.started().front()));
}

// The timeout has killed, the reap grace runs, and the runner goes (a reload, a stop): the
// stuck child still goes in the ledger when the grace ends.
TEST(ProcessRunner, ARunnerGoneDuringTheReapGraceStillCountsItsStuckChild) {
    stuck_children stuck;
    {
        process_runner runner(stuck.io, "check web");
        runner.run(stuck.sleeper(100ms), [](const process_outcome&) {});
        ASSERT_TRUE(run_until(
            stuck.io, [&] { return !stuck.killer->groups.empty(); }, 5s));
    }
    run_for(stuck.io, 500ms);
    EXPECT_EQ(stuck.ledger.unreaped("check web"), 1U);
}

// A check on a hung mount would leave a stuck child per interval. Its owner stops at
// k_max_unreaped_per_owner: each run then fails at once without a process, other owners run on,
// and runs start again as soon as one of the children is reaped.
TEST(ProcessRunner, AnOwnerWithTooManyUnreapedChildrenIsHeldBackUntilOneIsReaped) {
    stuck_children stuck;
    process_runner runner(stuck.io, "check web");
    for (std::size_t i = 0; i < child_ledger::k_max_unreaped_per_owner; ++i) {
        const auto got = run(stuck.io, runner, stuck.sleeper(100ms));
        ASSERT_TRUE(got);
        EXPECT_FALSE(got->outcome.reaped);
    }
    ASSERT_EQ(stuck.started().size(), child_ledger::k_max_unreaped_per_owner);
    EXPECT_EQ(stuck.ledger.unreaped(), child_ledger::k_max_unreaped_per_owner);

    auto got = run(stuck.io, runner, stuck.sleeper(100ms));
    ASSERT_TRUE(got);
    EXPECT_EQ(got->outcome.what, process_outcome::kind::spawn_failed);
    EXPECT_EQ(got->outcome.describe(),
              "not started: 4 earlier children still not reaped after SIGKILL");
    EXPECT_LT(got->elapsed, 100ms);
    EXPECT_EQ(stuck.started().size(), child_ledger::k_max_unreaped_per_owner) << "one more ran";
    EXPECT_EQ(stuck.ledger.held_back(), 1U);
    EXPECT_EQ(stuck.events.back().what, unreaped_event::kind::held_back);
    EXPECT_EQ(stuck.events.back().owner, "check web");
    EXPECT_EQ(stuck.events.back().owner_unreaped, child_ledger::k_max_unreaped_per_owner);

    process_runner other(stuck.io, "check api");
    got = run(stuck.io, other, command({"/bin/true"}));
    ASSERT_TRUE(got);
    EXPECT_TRUE(got->outcome.success()) << got->outcome.describe();

    stuck.release(stuck.started().front());
    ASSERT_TRUE(run_until(
        stuck.io, [&] { return stuck.ledger.unreaped("check web") == 3; }, 5s));
    got = run(stuck.io, runner, command({"/bin/true"}));
    ASSERT_TRUE(got);
    EXPECT_TRUE(got->outcome.success()) << got->outcome.describe();
}

TEST(ProcessRunner, ExecFailureIsASpawnError) {
    asio::io_context io;
    process_runner runner(io, "test");
    const auto got = run(io, runner, command({"/nonexistent/vipd-check"}));
    ASSERT_TRUE(got);
    EXPECT_EQ(got->outcome.what, process_outcome::kind::spawn_failed);
    EXPECT_EQ(got->outcome.describe(), "exec /nonexistent/vipd-check: no such file or directory");
}

TEST(ProcessRunner, EmptyCommandIsASpawnErrorThroughTheLoop) {
    asio::io_context io;
    process_runner runner(io, "test");
    bool called = false;
    runner.run(process_spec{}, [&](const process_outcome& o) {
        called = true;
        EXPECT_EQ(o.what, process_outcome::kind::spawn_failed);
    });
    EXPECT_FALSE(called);  // never from inside run()
    EXPECT_TRUE(run_until(
        io, [&] { return called; }, 1s));
}

TEST(ProcessRunner, EnvironmentIsExactlyPathAndTheGivenVariables) {
    asio::io_context io;
    process_runner runner(io, "test");
    scratch_dir dir;
    const auto out = dir.file("env");
    ::setenv("VIPD_TEST_LEAK", "secret", 1);
    auto spec = command({"/usr/bin/env"});
    spec.argv = {"/bin/sh", "-c", "/usr/bin/env > " + out};
    spec.env = {{"VIPD_REAL_ADDRESS", "192.0.2.7"}, {"VIPD_REAL_PORT", "8080"}};
    const auto got = run(io, runner, spec);
    ::unsetenv("VIPD_TEST_LEAK");
    ASSERT_TRUE(got);
    EXPECT_TRUE(got->outcome.success()) << got->outcome.describe();
    const auto env = read_file(out);
    EXPECT_NE(env.find("VIPD_REAL_ADDRESS=192.0.2.7\n"), std::string::npos) << env;
    EXPECT_NE(env.find("VIPD_REAL_PORT=8080\n"), std::string::npos) << env;
    EXPECT_NE(env.find("PATH=/usr/local/sbin:"), std::string::npos) << env;
    EXPECT_EQ(env.find("VIPD_TEST_LEAK"), std::string::npos) << env;
}

TEST(ProcessRunner, DaemonDescriptorsDoNotReachTheCommand) {
    asio::io_context io;
    process_runner runner(io, "test");
    scratch_dir dir;
    const auto out = dir.file("fds");
    // Deliberately inheritable, as a careless library might leave one.
    // Well above the descriptors ls itself opens (3 for the directory).
    const int opened = ::open("/dev/null", O_RDONLY);
    const int leaked = ::fcntl(opened, F_DUPFD, 50);
    ::close(opened);
    ASSERT_GE(leaked, 50);
    const auto got =
        run(io, runner, command({"/bin/sh", "-c", "ls /proc/self/fd > " + out + "; true"}));
    ::close(leaked);
    ASSERT_TRUE(got);
    std::istringstream listed(read_file(out));
    std::vector<int> fds;
    for (int fd = 0; listed >> fd;) {
        fds.push_back(fd);
    }
    // 0..2 are /dev/null, 1 is redirected by the shell, ls adds one for the directory.
    EXPECT_LE(fds.size(), 4U);
    EXPECT_EQ(std::count(fds.begin(), fds.end(), leaked), 0) << "fd " << leaked << " leaked";
}

TEST(ProcessRunner, RunsAsTheGivenUserWhenRoot) {
    if (::geteuid() != 0) {
        GTEST_SKIP() << "needs root to change user";
    }
    asio::io_context io;
    process_runner runner(io, "test");
    scratch_dir dir;
    const auto out = dir.file("id");
    auto spec = command({"/bin/sh", "-c", "id -u > " + out + "; id -G >> " + out});
    spec.run_as = health::user_identity{"nobody", 65534, 65534, {65534, 4242}};
    const auto got = run(io, runner, spec);
    ASSERT_TRUE(got);
    EXPECT_TRUE(got->outcome.success()) << got->outcome.describe();
    std::istringstream ids(read_file(out));
    int uid = -1;
    ids >> uid;
    EXPECT_EQ(uid, 65534);
    std::string groups;
    std::getline(ids >> std::ws, groups);
    EXPECT_EQ(groups, "65534 4242") << "the groups of the identity, none of root's";
}

/// The capability sets a command saw, from its /proc/self/status.
struct capability_sets {
    std::string effective, permitted, inheritable, ambient;
};

capability_sets parse_capabilities(const std::string& status) {
    capability_sets sets;
    std::istringstream lines(status);
    for (std::string name, value; lines >> name >> value;) {
        if (name == "CapEff:") {
            sets.effective = value;
        } else if (name == "CapPrm:") {
            sets.permitted = value;
        } else if (name == "CapInh:") {
            sets.inheritable = value;
        } else if (name == "CapAmb:") {
            sets.ambient = value;
        }
    }
    return sets;
}

/// In a forked child: becomes nobody holding CAP_NET_ADMIN and CAP_NET_RAW as ambient
/// capabilities (systemd's User= with AmbientCapabilities=), then runs `spec` and exits.
[[noreturn]] void run_as_unprivileged_daemon(const process_spec& spec) {
    constexpr std::uint32_t k_net_caps = (1U << CAP_NET_ADMIN) | (1U << CAP_NET_RAW);
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3]{};
    data[0] = {k_net_caps, k_net_caps, k_net_caps};
    if (::prctl(PR_SET_KEEPCAPS, 1UL, 0UL, 0UL, 0UL) != 0 || ::setgroups(0, nullptr) != 0 ||
        ::setresgid(65534, 65534, 65534) != 0 || ::setresuid(65534, 65534, 65534) != 0 ||
        ::syscall(SYS_capset, &header, data) != 0 ||
        ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_ADMIN, 0UL, 0UL) != 0 ||
        ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_RAW, 0UL, 0UL) != 0) {
        ::_exit(3);
    }
    asio::io_context io;
    process_runner runner(io, "test");
    const auto got = run(io, runner, spec);
    ::_exit(got && got->outcome.success() ? 0 : 4);
}

TEST(ProcessRunner, CommandsOfAnUnprivilegedDaemonGetNoneOfItsCapabilities) {
    if (::geteuid() != 0) {
        GTEST_SKIP() << "needs root to set up a daemon with ambient capabilities";
    }
    scratch_dir dir;
    const auto out = dir.file("status");
    const auto spec = command({"/bin/sh", "-c", "cat /proc/self/status > " + out});
    const pid_t daemon = ::fork();
    ASSERT_GE(daemon, 0);
    if (daemon == 0) {
        run_as_unprivileged_daemon(spec);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(daemon, &status, 0), daemon);
    ASSERT_TRUE(WIFEXITED(status));
    ASSERT_EQ(WEXITSTATUS(status), 0) << "3: could not set up the daemon, 4: the command failed";
    const auto sets = parse_capabilities(read_file(out));
    EXPECT_EQ(sets.effective, "0000000000000000");
    EXPECT_EQ(sets.permitted, "0000000000000000");
    EXPECT_EQ(sets.inheritable, "0000000000000000");
    EXPECT_EQ(sets.ambient, "0000000000000000");
}

TEST(ProcessRunner, DestroyingTheRunnerKillsTheCommandWithoutCallback) {
    asio::io_context io;
    scratch_dir dir;
    const auto pid_file = dir.file("pid");
    bool called = false;
    {
        process_runner runner(io, "test");
        runner.run(command({"/bin/sh", "-c", "echo $$ > " + pid_file + "; exec sleep 10"}),
                   [&](const process_outcome&) { called = true; });
        ASSERT_TRUE(run_until(
            io, [&] { return !read_file(pid_file).empty(); }, 5s));
    }
    const int pid = std::stoi(read_file(pid_file));
    // Reaped by the loop once the kernel reports the exit: no zombie left behind.
    EXPECT_TRUE(run_until(
        io, [&] { return ::kill(pid, 0) != 0; }, 3s));
    run_for(io, 50ms);
    EXPECT_FALSE(called);
}

TEST(ProcessRunner, RunAgainCancelsTheRunningCommand) {
    asio::io_context io;
    process_runner runner(io, "test");
    int first = 0;
    runner.run(command({"/bin/sleep", "10"}), [&](const process_outcome&) { ++first; });
    const auto got = run(io, runner, command({"/bin/true"}));
    ASSERT_TRUE(got);
    EXPECT_TRUE(got->outcome.success());
    run_for(io, 100ms);
    EXPECT_EQ(first, 0);
}

TEST(ProcessRunner, RunnersWorkSideBySide) {
    asio::io_context io;
    std::vector<std::unique_ptr<process_runner>> runners;
    int finished = 0;
    const auto started = steady_clock::now();
    for (int i = 0; i < 8; ++i) {
        runners.push_back(std::make_unique<process_runner>(io, "test"));
        runners.back()->run(command({"/bin/sleep", "0.3"}), [&](const process_outcome& o) {
            EXPECT_TRUE(o.success());
            ++finished;
        });
    }
    EXPECT_TRUE(run_until(
        io, [&] { return finished == 8; }, 5s));
    // In parallel, not one after the other.
    EXPECT_LT(steady_clock::now() - started, 2s);
}

}  // namespace
}  // namespace vipd::health::checkers
