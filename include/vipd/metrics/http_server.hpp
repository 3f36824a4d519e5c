#pragma once
/// The metrics endpoint: a small HTTP/1.1 server (Boost.Beast) where GET or HEAD /metrics answers
/// with the text a callback builds for each scrape. It runs on the daemon's io_context, and every
/// call must come from that context's thread.

#include "vipd/io/asio.hpp"  // first: Boost 1.74's Asio needs <utility> included before it

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <system_error>

#include "vipd/core/address.hpp"

namespace vipd::metrics {

/// Bounds on what one client may hold. The defaults are the daemon's; tests shrink them.
struct http_limits {
    /// A request must arrive within this (the next one too, on a kept-alive connection: an idle
    /// client is dropped), and a response must be taken within it.
    std::chrono::milliseconds timeout{5000};
    /// Connections open at once; one more is closed as soon as it is accepted.
    std::size_t max_connections = 16;
    /// Connections open at once from one client address: one scraper (or one attacker) cannot
    /// take the whole pool and lock the others out.
    std::size_t max_connections_per_client = 4;
    /// The request line and headers; a request with a body is refused whatever its size.
    std::size_t max_header_bytes = 8 * 1024;
};

/// The endpoint for `address` and `port` ([global] metrics_listen).
asio::ip::tcp::endpoint tcp_endpoint(const ip_address& address, std::uint16_t port);

namespace detail {
struct server_state;
}

class http_server {
  public:
    /// Builds the body of one 200 response, called once per GET or HEAD /metrics. An exception
    /// it throws becomes a 500 response.
    using body_source = std::function<std::string()>;

    /// Listens on `endpoint` (port 0: one the kernel picks, see `local_endpoint`). A failure to
    /// open, bind or listen (EADDRINUSE, EADDRNOTAVAIL, EACCES) is set in `ec`, never thrown:
    /// the server then serves nothing and the daemon goes on without metrics. `ec` is cleared on
    /// success.
    http_server(asio::io_context& io, const asio::ip::tcp::endpoint& endpoint, body_source body,
                std::error_code& ec, http_limits limits = {});
    /// Stops accepting and closes every connection at once; the io_context then runs the
    /// cancelled operations' handlers, which touch nothing of this object.
    ~http_server();
    http_server(const http_server&) = delete;
    http_server& operator=(const http_server&) = delete;

    /// Where it listens (the kernel's port when 0 was asked); a default endpoint if it failed.
    asio::ip::tcp::endpoint local_endpoint() const;
    /// Connections open now.
    std::size_t connection_count() const noexcept;

  private:
    std::shared_ptr<detail::server_state> state_;
};

}  // namespace vipd::metrics
