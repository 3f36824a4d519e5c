#include "notify_fifo.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <string>

#include "support/temp_dir.hpp"

// The FIFO adapter on a real named pipe in a temporary directory (no root needed): the reader
// is this test, reading without blocking.

namespace vipd::daemon {
namespace {

class NotifyFifoTest : public ::testing::Test {
  protected:
    /// Everything the pipe holds now.
    std::string drain(int fd) {
        std::string text;
        std::array<char, 4096> buffer{};
        for (;;) {
            const auto n = ::read(fd, buffer.data(), buffer.size());
            if (n <= 0) {
                return text;
            }
            text.append(buffer.data(), static_cast<std::size_t>(n));
        }
    }
    int open_reader() { return ::open(path_.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC); }

    support::temp_dir dir_{"vipd-fifo"};
    std::string path_ = dir_.file("notify.fifo");
    logging::log_set logs_{logging::target::stderr_stream, spdlog::level::off};
    clock_function clock_ = [] { return steady_clock::now(); };
};

TEST_F(NotifyFifoTest, CreatesTheFifoPrivateAndRemovesItAtTheEnd) {
    {
        notify_fifo fifo(path_, logs_, clock_);
        struct stat status {};
        ASSERT_EQ(::stat(path_.c_str(), &status), 0);
        EXPECT_TRUE(S_ISFIFO(status.st_mode));
        EXPECT_EQ(status.st_mode & 0777, 0600u);
    }
    EXPECT_FALSE(std::filesystem::exists(path_));
}

TEST_F(NotifyFifoTest, AReaderGetsWholeLinesInOrderIncludingThoseWrittenBeforeItCame) {
    notify_fifo fifo(path_, logs_, clock_);
    fifo.write("INSTANCE \"web\" BACKUP 100\n");  // no reader yet: waits in the pipe
    const int reader = open_reader();
    ASSERT_GE(reader, 0);
    fifo.write("INSTANCE \"web\" MASTER 100\n");
    EXPECT_EQ(drain(reader), "INSTANCE \"web\" BACKUP 100\nINSTANCE \"web\" MASTER 100\n");
    EXPECT_EQ(fifo.written(), 2u);
    EXPECT_EQ(fifo.dropped(), 0u);
    ::close(reader);
    // The reader went away: no SIGPIPE (this test would die of it), the line waits.
    fifo.write("INSTANCE \"web\" FAULT 0\n");
    const int next = open_reader();
    EXPECT_EQ(drain(next), "INSTANCE \"web\" FAULT 0\n");
    ::close(next);
}

TEST_F(NotifyFifoTest, AnExistingFifoIsUsedAndLeftInPlace) {
    ASSERT_EQ(::mkfifo(path_.c_str(), 0640), 0);
    {
        notify_fifo fifo(path_, logs_, clock_);
        const int reader = open_reader();
        fifo.write("VS FWM 1 UP\n");
        EXPECT_EQ(drain(reader), "VS FWM 1 UP\n");
        ::close(reader);
    }
    EXPECT_TRUE(std::filesystem::exists(path_));
}

TEST_F(NotifyFifoTest, AFullPipeDropsLinesWholeAndCountsThemWithoutBlocking) {
    notify_fifo fifo(path_, logs_, clock_);
    const std::string line = "RS [10.0.1.1]:tcp:80 [10.0.0.10]:tcp:80 DOWN\n";
    // Nobody reads: the pipe (64 KiB by default) fills, and every line after that is dropped
    // at once instead of stopping the loop.
    for (int i = 0; i < 4000; ++i) {
        fifo.write(line);
    }
    EXPECT_GT(fifo.dropped(), 0u);
    EXPECT_EQ(fifo.written() + fifo.dropped(), 4000u);
    const int reader = open_reader();
    const auto text = drain(reader);
    EXPECT_EQ(text.size(), fifo.written() * line.size()) << "a line was cut";
    ::close(reader);
}

TEST_F(NotifyFifoTest, APathThatIsNotAFifoIsNeverWritten) {
    std::ofstream(path_) << "keep\n";
    notify_fifo fifo(path_, logs_, clock_);
    fifo.write("INSTANCE \"web\" MASTER 100\n");
    EXPECT_EQ(fifo.written(), 0u);
    EXPECT_EQ(fifo.dropped(), 1u);
    std::ifstream in(path_);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(text, "keep\n");
}

}  // namespace
}  // namespace vipd::daemon
