#include "vipd/health/checkers/process_runner.hpp"

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

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
    process_runner runner(io);
    const auto got = run(io, runner, command({"/bin/true"}));
    ASSERT_TRUE(got);
    EXPECT_TRUE(got->outcome.success());
    EXPECT_EQ(got->outcome.describe(), "exit status 0");
}

TEST(ProcessRunner, NonZeroExitIsReported) {
    asio::io_context io;
    process_runner runner(io);
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
    process_runner runner(io);
    const auto got = run(io, runner, command({"/bin/sh", "-c", "kill -TERM $$"}));
    ASSERT_TRUE(got);
    EXPECT_EQ(got->outcome.what, process_outcome::kind::signaled);
    EXPECT_EQ(got->outcome.code, SIGTERM);
    EXPECT_NE(got->outcome.describe().find("killed by signal 15"), std::string::npos);
}

TEST(ProcessRunner, TimeoutKillsTheWholeProcessGroup) {
    asio::io_context io;
    process_runner runner(io);
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
    process_runner runner(io);
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

TEST(ProcessRunner, ExecFailureIsASpawnError) {
    asio::io_context io;
    process_runner runner(io);
    const auto got = run(io, runner, command({"/nonexistent/vipd-check"}));
    ASSERT_TRUE(got);
    EXPECT_EQ(got->outcome.what, process_outcome::kind::spawn_failed);
    EXPECT_EQ(got->outcome.describe(), "exec /nonexistent/vipd-check: no such file or directory");
}

TEST(ProcessRunner, EmptyCommandIsASpawnErrorThroughTheLoop) {
    asio::io_context io;
    process_runner runner(io);
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
    process_runner runner(io);
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
    process_runner runner(io);
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
    process_runner runner(io);
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
    process_runner runner(io);
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
        process_runner runner(io);
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
    process_runner runner(io);
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
        runners.push_back(std::make_unique<process_runner>(io));
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
