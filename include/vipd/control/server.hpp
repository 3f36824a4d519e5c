#pragma once
/// The control socket on the daemon's event loop: a Unix stream socket, one request per
/// connection, answered by a handler the daemon supplies, at once or a slice at a time.

#include "vipd/io/asio.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <system_error>

#include "vipd/control/protocol.hpp"
#include "vipd/logging/logging.hpp"

namespace vipd::control {

/// The longest request line accepted, newline excluded; longer ones get an error answer.
inline constexpr std::size_t k_max_request_bytes = 4096;
/// A client that has not sent its line by then, or not read the answer by then once it is
/// written, is dropped.
inline constexpr std::chrono::seconds k_client_timeout{5};
/// A handler that has not answered by then has its client dropped.
inline constexpr std::chrono::seconds k_answer_timeout{60};
/// A services answer longer than this is encoded this many services per loop turn.
inline constexpr std::size_t k_services_encoded_per_turn = 32;

namespace detail {
struct server_state;
}

class server {
  public:
    /// Sends the answer to one request. Call it once, on the io_context's thread; later calls,
    /// and calls after the client or the server has gone, do nothing.
    using reply = std::function<void(response)>;
    /// Answers one decoded request through `reply`, before returning or later from another
    /// handler on the loop: an answer that takes many kernel reads (vipctl ipvs on a big table)
    /// is built a slice per loop turn, so adverts go on meanwhile. Runs on the io_context's
    /// thread, between other events, so it may read and change daemon state directly. An
    /// exception it throws becomes an error answer ("internal error: ...") and is logged; the
    /// server keeps running.
    using handler = std::function<void(const request&, reply)>;

    /// Does nothing until open(). `logs` must outlive the server.
    server(asio::io_context& io, std::string path, handler handle, const logging::log_set& logs);
    /// Stops accepting, drops connections in progress (their handlers are not called) and
    /// removes the socket file if it is still the one open() created. Runs on the io_context's
    /// thread (or while it is not running), like every other use of the server. The handler may
    /// destroy the server (a reload moving the socket): the client being served then gets no
    /// answer, and nothing else breaks.
    ~server();
    server(const server&) = delete;
    server& operator=(const server&) = delete;

    /// Creates the parent directory if missing (0755, one level only), removes a stale socket
    /// at the path (a socket nobody answers on), binds, makes the socket 0600 and starts
    /// accepting. Errors: EADDRINUSE when a live server answers at the path, EEXIST when the
    /// path is something other than a socket (left alone), ENAMETOOLONG when it does not fit
    /// sockaddr_un; otherwise the failing system call's error. Call once.
    ///
    /// Only clients whose SO_PEERCRED uid is ours (or root) get answers; the others get
    /// "permission denied". The 0600 mode already keeps them out; the check also covers the
    /// moment between bind and chmod and a mode changed by hand.
    std::error_code open();

    const std::string& path() const noexcept;

  private:
    // Shared with the connections in progress, whose completions may run after the server is
    // gone: they see `closed` and stop.
    std::shared_ptr<detail::server_state> state_;
};

}  // namespace vipd::control
