#include "vipd/control/server.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <exception>
#include <filesystem>
#include <optional>
#include <utility>
#include <vector>

#include "vipd/core/rate_limiter.hpp"
#include "unix_path.hpp"

namespace vipd::control {
namespace {

using stream = asio::local::stream_protocol;

/// Connections served at once; more are closed at once. A local root client is the only one
/// who can connect, so this only bounds what a buggy script looping on vipctl can pin.
constexpr std::size_t k_max_sessions = 16;
/// After accept() fails (EMFILE...), wait before trying again instead of spinning.
constexpr std::chrono::milliseconds k_accept_retry{100};

/// Boost 1.74's Asio reports boost::system::error_code.
using asio_error = boost::system::error_code;

std::error_code errno_code(int e) {
    return {e, std::generic_category()};
}

/// The acceptor's errors are errno values (bind, listen): carry them as std ones.
std::error_code to_std(const asio_error& ec) {
    return ec ? std::error_code(ec.value(), std::system_category()) : std::error_code{};
}

class session;

}  // namespace

struct detail::server_state {
    server_state(asio::io_context& io, std::string socket_path, server::handler h,
                 spdlog::logger& logger)
        : path(std::move(socket_path)),
          handle(std::move(h)),
          log(logger),
          acceptor(io),
          retry_timer(io) {}

    /// Warnings about other users and accept failures: a few per minute, with a count of the
    /// rest.
    void warn(const std::string& text) {
        const auto verdict = warn_limit.admit(steady_clock::now());
        if (!verdict.allowed) {
            return;
        }
        if (verdict.suppressed_before > 0) {
            log.warn("{} ({} similar messages suppressed)", text, verdict.suppressed_before);
        } else {
            log.warn("{}", text);
        }
    }

    std::string path;
    server::handler handle;
    spdlog::logger& log;
    stream::acceptor acceptor;
    asio::steady_timer retry_timer;
    bool closed = false;
    /// The socket file open() made (device, inode), so the destructor removes only that one.
    std::optional<std::pair<dev_t, ino_t>> created;
    std::vector<std::weak_ptr<session>> sessions;
    rate_limiter warn_limit{5, std::chrono::seconds(60)};
};

namespace {

/// One client connection: check its credentials, read one line, answer, close.
class session : public std::enable_shared_from_this<session> {
  public:
    session(std::shared_ptr<detail::server_state> st, stream::socket socket)
        : state_(std::move(st)), socket_(std::move(socket)), timer_(socket_.get_executor()) {}

    void start() {
        arm_timeout(k_client_timeout, "no request within");
        if (!peer_allowed()) {
            answer(response{false, "permission denied", {}, {}, {}});
            return;
        }
        asio::async_read_until(socket_, asio::dynamic_buffer(buffer_, k_max_request_bytes + 1),
                               '\n',
                               [self = shared_from_this()](const asio_error& ec, std::size_t n) {
                                   self->on_read(ec, n);
                               });
    }

    void close() {
        asio_error ignored;
        socket_.close(ignored);
        timer_.cancel();
    }

  private:
    bool peer_allowed() {
        ucred peer{};
        socklen_t length = sizeof peer;
        if (getsockopt(socket_.native_handle(), SOL_SOCKET, SO_PEERCRED, &peer, &length) != 0) {
            state_->warn("control socket: SO_PEERCRED failed: " + errno_code(errno).message());
            return false;
        }
        uid_ = peer.uid;
        if (peer.uid == geteuid() || peer.uid == 0) {
            return true;
        }
        state_->warn("control socket: refused a client with uid " + std::to_string(peer.uid) +
                     " (pid " + std::to_string(peer.pid) + ")");
        return false;
    }

    void on_read(const asio_error& ec, std::size_t n) {
        if (state_->closed) {
            return;
        }
        if (ec == asio::error::not_found) {
            state_->log.debug("control client sent more than {} bytes without a newline",
                              k_max_request_bytes);
            answer(response{false,
                            "request longer than " + std::to_string(k_max_request_bytes) + " bytes",
                            {},
                            {},
                            {}});
            return;
        }
        if (ec == asio::error::eof && !buffer_.empty()) {
            n = buffer_.size();  // the client shut down its side after a line with no newline
        } else if (ec) {
            // EOF on an empty buffer is a probe (open() of another vipd checking the path).
            if (ec != asio::error::eof && ec != asio::error::operation_aborted) {
                state_->log.debug("control client read failed: {}", ec.message());
            }
            close();
            return;
        }
        dispatch(std::string_view(buffer_).substr(0, n));
    }

    void dispatch(std::string_view line) {
        auto decoded = decode_request(line);
        if (auto* error = std::get_if<std::string>(&decoded)) {
            state_->log.debug("control client sent a bad request: {}", *error);
            answer(response{false, *error, {}, {}, {}});
            return;
        }
        const request r = std::get<request>(std::move(decoded));
        // Actions that change the router are an audit trail; queries are not worth a line.
        const auto level = r.cmd == command::status || r.cmd == command::ipvs ? spdlog::level::debug
                                                                              : spdlog::level::info;
        state_->log.log(level, "{}{}{} requested by uid {}", to_string(r.cmd),
                        r.instance.empty() ? "" : " ", r.instance, uid_);
        if (!state_->handle) {
            return;  // the server is going away
        }
        arm_timeout(k_answer_timeout, "no answer within");
        auto reply_once = [self = shared_from_this(), level, cmd = r.cmd](response a) {
            if (self->answered_ || self->state_->closed) {
                return;
            }
            if (!a.ok) {
                self->state_->log.log(level, "{} failed: {}", to_string(cmd), a.error);
            }
            if (a.services && a.services->size() > k_services_encoded_per_turn) {
                self->answer_in_slices(std::move(*a.services));
                return;
            }
            self->answer(a);
        };
        try {
            state_->handle(r, reply_once);
        } catch (const std::exception& e) {
            state_->log.error("{} failed with an exception: {}", to_string(r.cmd), e.what());
            reply_once(response{false, std::string("internal error: ") + e.what(), {}, {}, {}});
        } catch (...) {
            state_->log.error("{} failed with an unknown exception", to_string(r.cmd));
            reply_once(response{false, "internal error", {}, {}, {}});
        }
    }

    /// Drops the client after `limit`, saying why at debug level.
    void arm_timeout(std::chrono::seconds limit, const char* what) {
        timer_.expires_after(limit);
        timer_.async_wait([self = shared_from_this(), limit, what](const asio_error& ec) {
            if (!ec) {
                self->state_->log.debug("control client dropped: {} {}s", what, limit.count());
                self->close();
            }
        });
    }

    void answer(const response& r) { send(encode(r)); }

    /// A big services answer, encoded a slice of services per loop turn: tens of thousands of
    /// reals are megabytes of JSON, too long to write in one turn beside the adverts.
    void answer_in_slices(std::vector<service_view> services) {
        answered_ = true;
        auto pending = std::make_shared<std::vector<service_view>>(std::move(services));
        encode_slice(std::move(pending), 0, std::make_shared<std::string>());
    }

    void encode_slice(std::shared_ptr<std::vector<service_view>> services, std::size_t next,
                      std::shared_ptr<std::string> items) {
        if (state_->closed || !socket_.is_open()) {
            return;
        }
        const std::size_t end = std::min(services->size(), next + k_services_encoded_per_turn);
        for (std::size_t i = next; i < end; ++i) {
            if (!items->empty()) {
                *items += ',';
            }
            *items += encode_service((*services)[i]);
        }
        if (end == services->size()) {
            send(encode_services_answer(*items));
            return;
        }
        asio::post(socket_.get_executor(),
                   [self = shared_from_this(), services, end, items]() mutable {
                       self->encode_slice(std::move(services), end, std::move(items));
                   });
    }

    void send(std::string text) {
        answered_ = true;
        arm_timeout(k_client_timeout, "answer not read within");
        reply_ = std::move(text);
        reply_ += '\n';
        asio::async_write(socket_, asio::buffer(reply_),
                          [self = shared_from_this()](const asio_error& ec, std::size_t) {
                              if (ec && ec != asio::error::operation_aborted) {
                                  self->state_->log.debug("control client write failed: {}",
                                                          ec.message());
                              }
                              self->close();
                          });
    }

    std::shared_ptr<detail::server_state> state_;
    stream::socket socket_;
    asio::steady_timer timer_;
    std::string buffer_;
    std::string reply_;
    uid_t uid_ = 0;
    bool answered_ = false;
};

void accept_next(const std::shared_ptr<detail::server_state>& st);

void on_accept(const std::shared_ptr<detail::server_state>& st, const asio_error& ec,
               stream::socket socket) {
    if (st->closed || ec == asio::error::operation_aborted) {
        return;
    }
    if (ec) {
        st->warn("control socket accept failed: " + ec.message());
        st->retry_timer.expires_after(k_accept_retry);
        st->retry_timer.async_wait([st](const asio_error& wait_ec) {
            if (!wait_ec && !st->closed) {
                accept_next(st);
            }
        });
        return;
    }
    std::erase_if(st->sessions, [](const auto& s) { return s.expired(); });
    if (st->sessions.size() >= k_max_sessions) {
        st->warn("control socket: " + std::to_string(k_max_sessions) +
                 " clients already connected, dropped one");
        asio_error ignored;
        socket.close(ignored);
    } else {
        auto s = std::make_shared<session>(st, std::move(socket));
        st->sessions.push_back(s);
        s->start();
    }
    accept_next(st);
}

void accept_next(const std::shared_ptr<detail::server_state>& st) {
    st->acceptor.async_accept([st](const asio_error& ec, stream::socket socket) {
        on_accept(st, ec, std::move(socket));
    });
}

/// Whether something answers on the socket at `path`: ECONNREFUSED means a dead server left
/// its file behind. A full backlog (EAGAIN) still means a live one.
std::error_code probe_existing(const std::string& path) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        return errno_code(errno);
    }
    const sockaddr_un address = detail::unix_address(path);
    const int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address);
    const int e = errno;
    ::close(fd);
    if (rc == 0 || e == EAGAIN || e == EINPROGRESS) {
        return errno_code(EADDRINUSE);
    }
    if (e == ECONNREFUSED) {
        if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
            return errno_code(errno);
        }
        return {};
    }
    if (e == ENOENT) {
        return {};  // removed meanwhile
    }
    return errno_code(e);
}

/// Removes a stale socket at `path`; leaves anything else alone.
std::error_code clear_path(const std::string& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
        return errno == ENOENT ? std::error_code{} : errno_code(errno);
    }
    if (!S_ISSOCK(st.st_mode)) {
        return errno_code(EEXIST);
    }
    return probe_existing(path);
}

std::error_code make_parent(const std::string& path) {
    const auto parent = std::filesystem::path(path).parent_path();
    if (parent.empty()) {
        return {};
    }
    if (::mkdir(parent.c_str(), 0755) != 0 && errno != EEXIST) {
        return errno_code(errno);
    }
    return {};
}

}  // namespace

server::server(asio::io_context& io, std::string path, handler handle, const logging::log_set& logs)
    : state_(std::make_shared<detail::server_state>(io, std::move(path), std::move(handle),
                                                    logs.ctl())) {}

server::~server() {
    state_->closed = true;
    asio_error ignored;
    state_->acceptor.close(ignored);
    state_->retry_timer.cancel();
    for (const auto& weak : state_->sessions) {
        if (auto s = weak.lock()) {
            s->close();
        }
    }
    // Pending completions still hold the state; the daemon objects the handler refers to may
    // go away before they run.
    state_->handle = nullptr;
    if (state_->created) {
        struct stat st {};
        if (::lstat(state_->path.c_str(), &st) == 0 &&
            std::pair{st.st_dev, st.st_ino} == *state_->created) {
            ::unlink(state_->path.c_str());
        }
    }
}

const std::string& server::path() const noexcept {
    return state_->path;
}

std::error_code server::open() {
    const std::string& path = state_->path;
    if (!detail::fits_unix_address(path)) {
        return errno_code(ENAMETOOLONG);
    }
    if (auto ec = make_parent(path)) {
        return ec;
    }
    if (auto ec = clear_path(path)) {
        return ec;
    }
    asio_error failure;
    state_->acceptor.open(stream(), failure);
    if (!failure) {
        state_->acceptor.bind(stream::endpoint(path), failure);
    }
    if (failure) {
        asio_error ignored;
        state_->acceptor.close(ignored);
        return to_std(failure);
    }
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
        state_->created = std::pair{st.st_dev, st.st_ino};
    }
    // Between bind and chmod the mode follows the umask; the SO_PEERCRED check covers that.
    std::error_code ec;
    if (::chmod(path.c_str(), 0600) != 0) {
        ec = errno_code(errno);
    } else {
        state_->acceptor.listen(asio::socket_base::max_listen_connections, failure);
        ec = to_std(failure);
    }
    if (ec) {
        asio_error ignored;
        state_->acceptor.close(ignored);
        return ec;
    }
    state_->log.debug("control socket listening on {}", path);
    accept_next(state_);
    return {};
}

}  // namespace vipd::control
