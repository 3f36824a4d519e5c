#include "notify_fifo.hpp"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include <fmt/format.h>

namespace vipd::daemon {
namespace {

/// A few warnings a minute: a FIFO nobody reads would otherwise log every transition.
constexpr unsigned k_warnings_per_window = 3;
constexpr microseconds k_warning_window{60'000'000};

std::string errno_text(int error) {
    return std::generic_category().message(error);
}

}  // namespace

notify_fifo::notify_fifo(std::string path, const logging::log_set& logs, clock_function clock)
    : path_(std::move(path)),
      logs_(logs),
      clock_(std::move(clock)),
      warnings_(k_warnings_per_window, k_warning_window) {
    if (open()) {
        logs_.daemon().info("notify FIFO {} open", path_);
    }
}

notify_fifo::~notify_fifo() {
    close();
    if (created_) {
        ::unlink(path_.c_str());
    }
}

bool notify_fifo::open() {
    if (::mkfifo(path_.c_str(), 0600) == 0) {
        created_ = true;
    } else if (errno != EEXIST) {
        warn(fmt::format("cannot create it: {}", errno_text(errno)));
        return false;
    }
    // O_RDWR: see the header. O_NOFOLLOW: the path is ours to write, not a link's target.
    fd_ = ::open(path_.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
    if (fd_ < 0) {
        warn(fmt::format("cannot open it: {}", errno_text(errno)));
        return false;
    }
    struct stat status {};
    if (::fstat(fd_, &status) != 0 || !S_ISFIFO(status.st_mode)) {
        close();
        warn("it exists and is not a FIFO");
        return false;
    }
    return true;
}

void notify_fifo::close() {
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
}

void notify_fifo::write(std::string_view line) {
    if (fd_ < 0 && !open()) {
        ++dropped_;  // open() said why
        return;
    }
    if (line.size() > PIPE_BUF) {
        ++dropped_;
        warn(drop_message(line, fmt::format("longer than {} bytes, it could be split", PIPE_BUF)));
        return;
    }
    const auto n = ::write(fd_, line.data(), line.size());
    if (n == static_cast<ssize_t>(line.size())) {
        ++written_;
        return;
    }
    ++dropped_;
    const int error = errno;
    if (n < 0 && (error == EAGAIN || error == EWOULDBLOCK)) {
        warn(drop_message(line, "the pipe is full (is its reader running?)"));
        return;
    }
    // Anything else is not the reader's pace: open the path afresh at the next line.
    close();
    warn(drop_message(line, n < 0 ? errno_text(error) : std::string("short write")));
}

std::string notify_fifo::drop_message(std::string_view line, const std::string& why) const {
    return fmt::format("line \"{}\" dropped: {} ({} dropped so far)",
                       line.substr(0, line.find('\n')), why, dropped_);
}

void notify_fifo::warn(const std::string& message) {
    const auto verdict = warnings_.admit(clock_());
    if (!verdict.allowed) {
        return;
    }
    logs_.daemon().warn(
        "notify FIFO {}: {}{}", path_, message,
        verdict.suppressed_before > 0
            ? fmt::format(" ({} more warning(s) not logged)", verdict.suppressed_before)
            : std::string());
}

}  // namespace vipd::daemon
