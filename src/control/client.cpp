#include "vipd/control/client.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <array>
#include <cerrno>

#include "unix_path.hpp"

namespace vipd::control {
namespace {

/// The largest answer read: thousands of reals fit many times over; a peer streaming garbage
/// does not pin vipctl's memory.
constexpr std::size_t k_max_answer_bytes = 64 * 1024 * 1024;

/// Closes the descriptor on every return path.
class fd_guard {
  public:
    explicit fd_guard(int fd) noexcept : fd_(fd) {}
    ~fd_guard() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    fd_guard(const fd_guard&) = delete;
    fd_guard& operator=(const fd_guard&) = delete;
    int get() const noexcept { return fd_; }

  private:
    int fd_;
};

std::error_code errno_code(int e) {
    return {e, std::generic_category()};
}

call_error connect_error(const std::string& path, int e) {
    std::string why;
    switch (e) {
        case ENOENT:
            why = "no such file (is vipd running?)";
            break;
        case ECONNREFUSED:
            why = "connection refused (vipd is not running; the socket file is stale)";
            break;
        case EACCES:
        case EPERM:
            why = "permission denied (vipctl must run as root)";
            break;
        case EAGAIN:
        case ETIMEDOUT:
            why = "vipd does not accept connections (busy or hung)";
            break;
        case ENOTDIR:
        case ENOTSOCK:
            why = "not a socket";
            break;
        default:
            why = errno_code(e).message();
    }
    return call_error{call_error::stage::connect, errno_code(e),
                      "cannot connect to " + path + ": " + why};
}

call_error exchange_error(const std::string& path, std::error_code code, const std::string& what) {
    return call_error{call_error::stage::exchange, code,
                      "talking to vipd at " + path + ": " + what};
}

timeval to_timeval(std::chrono::milliseconds t) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(t.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>(t.count() % 1000 * 1000);
    return tv;
}

}  // namespace

std::variant<response, call_error> call(const std::string& path, const request& r,
                                        std::chrono::milliseconds timeout) {
    if (!detail::fits_unix_address(path)) {
        return connect_error(path, ENAMETOOLONG);
    }
    fd_guard fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (fd.get() < 0) {
        return connect_error(path, errno);
    }
    // A blocking connect to a Unix socket with a full backlog waits up to SO_SNDTIMEO, and so
    // does each send.
    const timeval tv = to_timeval(timeout);
    ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    const sockaddr_un address = detail::unix_address(path);
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        return connect_error(path, errno);
    }

    std::string line = encode(r);
    line += '\n';
    for (std::size_t sent = 0; sent < line.size();) {
        // MSG_NOSIGNAL: a daemon closing early must not kill vipctl with SIGPIPE.
        const ssize_t n = ::send(fd.get(), line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EPIPE || errno == ECONNRESET) {
                break;  // vipd answered without reading ("permission denied"): read that
            }
            return exchange_error(path, errno_code(errno), errno_code(errno).message());
        }
        sent += static_cast<std::size_t>(n);
    }

    // Read to the newline (or EOF) under one deadline for the whole answer.
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string answer;
    std::array<char, 16384> chunk{};
    while (answer.find('\n') == std::string::npos) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            return exchange_error(path, errno_code(ETIMEDOUT), "no answer in time");
        }
        pollfd p{fd.get(), POLLIN, 0};
        const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR) {
            continue;
        }
        if (ready < 0) {
            return exchange_error(path, errno_code(errno), errno_code(errno).message());
        }
        if (ready == 0) {
            continue;  // the deadline check above reports it
        }
        const ssize_t n = ::recv(fd.get(), chunk.data(), chunk.size(), 0);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == ECONNRESET && !answer.empty()) {
                break;  // vipd closed with our request unread, after its answer
            }
            return exchange_error(path, errno_code(errno), errno_code(errno).message());
        }
        if (n == 0) {
            break;
        }
        answer.append(chunk.data(), static_cast<std::size_t>(n));
        if (answer.size() > k_max_answer_bytes) {
            return exchange_error(path, errno_code(EMSGSIZE), "answer too long");
        }
    }
    if (answer.empty()) {
        return exchange_error(path, errno_code(ECONNRESET), "vipd closed without answering");
    }
    if (const auto end = answer.find('\n'); end != std::string::npos) {
        answer.resize(end);
    }
    auto decoded = decode_response(answer);
    if (auto* error = std::get_if<std::string>(&decoded)) {
        return call_error{
            call_error::stage::answer,
            {},
            "vipd at " + path + " sent an answer vipctl does not understand: " + *error};
    }
    return std::get<response>(std::move(decoded));
}

}  // namespace vipd::control
