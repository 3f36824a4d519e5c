#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <chrono>

#include "runtime_fixture.hpp"

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
