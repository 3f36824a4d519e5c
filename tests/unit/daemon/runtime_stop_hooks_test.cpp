#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <chrono>

#include "fakes/fake_child_killer.hpp"
#include "metrics_view.hpp"
#include "notify_hooks.hpp"
#include "runtime_fixture.hpp"
#include "vipd/health/checkers/process_runner.hpp"

// A stop with notify_stop and the notify FIFO, on the fakes and real processes: the stop hook
// runs once the VIP is gone, the stop waits for it within a bound, and the FIFO gets
// keepalived's lines.

namespace vipd::daemon::test {
namespace {

class RuntimeStopHooksTest : public RuntimeTest {
  protected:
    /// director_config with [global] notify_fifo and web's `hooks` (TOML lines of its table).
    std::string with_hooks(const std::string& hooks) {
        auto text = director_config(state_file_);
        const std::string global = "router_id = \"dir1\"\n";
        text.insert(text.find(global) + global.size(), "notify_fifo = \"" + fifo_ + "\"\n");
        const std::string vips = "vips = [\"10.0.0.100/24\"]\n";
        text.insert(text.find(vips) + vips.size(), hooks);
        return text;
    }
    /// Stops the runtime and runs the loop until wait_for_hooks is done (at most 10 s); how
    /// long that took.
    std::chrono::milliseconds stop(microseconds bound) {
        runtime_->shutdown();
        bool done = false;
        const auto begin = std::chrono::steady_clock::now();
        runtime_->wait_for_hooks(bound, [&done] { done = true; });
        io_.restart();
        while (!done && std::chrono::steady_clock::now() - begin < 10s) {
            io_.run_one_for(100ms);
        }
        EXPECT_TRUE(done) << "wait_for_hooks never finished";
        return std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - begin);
    }
    std::string fifo_text() {
        const int fd = ::open(fifo_.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        std::string text;
        std::array<char, 4096> buffer{};
        for (ssize_t n = 0; fd >= 0 && (n = ::read(fd, buffer.data(), buffer.size())) > 0;) {
            text.append(buffer.data(), static_cast<std::size_t>(n));
        }
        if (fd >= 0) {
            ::close(fd);
        }
        return text;
    }
    std::string read_file(const std::string& path) {
        std::ifstream in(path);
        std::ostringstream text;
        text << in.rdbuf();
        return text.str();
    }

    std::string fifo_ = dir_.file("notify.fifo");
    std::string ran_ = dir_.file("ran");
};

TEST_F(RuntimeStopHooksTest, TheStopRunsNotifyStopAndTheGenericStopAndWaitsForThem) {
    build(with_hooks("notify_stop = [\"/bin/sh\", \"-c\", \"sleep 0.2; echo stop >> " + ran_ +
                     "\"]\nnotify = [\"/bin/sh\", \"-c\", \"echo \\\"$*\\\" >> " + ran_ +
                     "\", \"notify\"]\n"));
    runtime_->start();
    run_for(100ms);
    const auto took = stop(5s);
    // Both ran, in keepalived's order, before the wait ended (the first sleeps 200 ms).
    const auto ran = read_file(ran_);
    EXPECT_NE(ran.find("stop\nINSTANCE web STOP 255\n"), std::string::npos) << ran;
    EXPECT_GE(took, 200ms);
    EXPECT_FALSE(addresses_.has("eth0", "10.0.0.100/24"));
    // The FIFO: the start's transitions, then STOP, as keepalived writes them.
    const auto fifo = fifo_text();
    EXPECT_NE(fifo.find("INSTANCE \"web\" MASTER 255\nINSTANCE \"web\" STOP 255\n"),
              std::string::npos)
        << fifo;
}

TEST_F(RuntimeStopHooksTest, AHungStopHookIsKilledAtTheBound) {
    build(with_hooks("notify_stop = [\"/bin/sleep\", \"60\"]\n"));
    runtime_->start();
    run_for(100ms);
    const auto took = stop(300ms);
    EXPECT_GE(took, 300ms);
    EXPECT_LT(took, 3s);
    EXPECT_EQ(::system("pgrep -f '^/bin/sleep 60$' >/dev/null"), 256) << "the hook still runs";
}

// Issue 13: a hook whose child SIGKILL cannot take down (D state, through the fake killer) ends
// by its notify_timeout: the next hook of its lane runs, the stop does not wait for the child,
// and the metrics count it until it is reaped.
TEST_F(RuntimeStopHooksTest, AHookChildThatSurvivesSigkillHoldsUpNeitherItsLaneNorTheStop) {
    const auto killer = std::make_shared<fakes::fake_child_killer>();
    auto& ledger = asio::make_service<health::checkers::child_ledger>(io_, killer);
    const auto pids = dir_.file("pids");
    build(with_hooks("notify = [\"/bin/sh\", \"-c\", \"echo $$ >> " + pids +
                     "; exec sleep 30\"]\nnotify_timeout = \"200ms\"\n"));
    runtime_->start();
    const auto started = [&] {
        std::istringstream in(read_file(pids));
        std::vector<int> all;
        for (int pid = 0; in >> pid;) {
            all.push_back(pid);
        }
        return all;
    };
    const auto begin = std::chrono::steady_clock::now();
    while (started().empty() && std::chrono::steady_clock::now() - begin < 5s) {
        run_for(10ms);
    }
    ASSERT_EQ(started().size(), 1U) << "the MASTER hook did not start";
    const auto took = stop(5s);
    const auto children = started();
    const auto metrics = metrics_text(*runtime_, loop_lag(10ms));
    for (const int pid : children) {
        ::kill(pid, SIGKILL);  // the hung I/O returns
    }
    // The STOP hook ran behind the stuck MASTER one: 200 ms timeout + 250 ms grace each.
    EXPECT_EQ(children.size(), 2U);
    EXPECT_GE(took, 300ms);
    EXPECT_LT(took, 3s);
    EXPECT_EQ(runtime_->notify().stats().failed, 2U);
    EXPECT_NE(metrics.find("\nvipd_unreaped_children 2\n"), std::string::npos) << metrics;
    EXPECT_EQ(ledger.unreaped("notify hooks of web"), 2U);

    io_.restart();
    const auto reaping = std::chrono::steady_clock::now();
    while (ledger.unreaped() > 0 && std::chrono::steady_clock::now() - reaping < 5s) {
        io_.run_one_for(100ms);
    }
    EXPECT_EQ(ledger.unreaped(), 0U);
    for (const int pid : children) {
        EXPECT_NE(::kill(pid, 0), 0) << pid << " left as a zombie";
    }
}

TEST_F(RuntimeStopHooksTest, NothingToWaitForEndsTheStopAtOnce) {
    build(director_config(state_file_));
    runtime_->start();
    run_for(100ms);
    EXPECT_LT(stop(5s), 1s);
}

TEST_F(RuntimeStopHooksTest, AReloadWhileTheStopWaitsForItsHooksChangesNothing) {
    // SIGHUP (or vipctl) during the wait must not start the instances again.
    build(with_hooks("notify_stop = [\"/bin/sleep\", \"0.3\"]\n"));
    runtime_->start();
    run_for(100ms);
    runtime_->shutdown();
    journal_.clear();
    write_config(director_config(state_file_));
    const auto& outcome = runtime_->reload();
    run_for(500ms);
    EXPECT_FALSE(outcome.ok);
    EXPECT_EQ(outcome.message, "vipd is stopping: nothing was reloaded");
    EXPECT_TRUE(journal_.empty()) << journal_text();
    EXPECT_FALSE(addresses_.has("eth0", "10.0.0.100/24"));
}

}  // namespace
}  // namespace vipd::daemon::test
