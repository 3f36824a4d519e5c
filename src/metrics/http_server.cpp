#include "vipd/metrics/http_server.hpp"

#include <algorithm>
#include <exception>
#include <map>
#include <optional>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace vipd::metrics {
namespace detail {

namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using boost::system::error_code;

class session;

/// Shared by the server object and every pending handler, so that a handler running after the
/// server is gone finds `stopped` instead of freed memory.
struct server_state {
    server_state(asio::io_context& io, http_server::body_source source, http_limits l)
        : acceptor(io), retry(io), body(std::move(source)), limits(l) {}

    tcp::acceptor acceptor;
    asio::steady_timer retry;  // after an accept error such as EMFILE, so it does not spin
    http_server::body_source body;
    http_limits limits;
    std::unordered_set<session*> sessions;                // open connections (each removes itself)
    std::map<asio::ip::address, std::size_t> per_client;  // open connections by peer address
    bool stopped = false;
};

namespace {

constexpr std::string_view k_metrics_path = "/metrics";
constexpr const char* k_content_type = "text/plain; version=0.0.4; charset=utf-8";
constexpr auto k_accept_retry = std::chrono::milliseconds(100);

}  // namespace

/// One connection: read a request, answer it, and again while the client keeps it alive.
class session : public std::enable_shared_from_this<session> {
  public:
    session(tcp::socket socket, asio::ip::address client, std::shared_ptr<server_state> state)
        : stream_(std::move(socket)), client_(std::move(client)), state_(std::move(state)) {
        state_->sessions.insert(this);
        ++state_->per_client[client_];
    }
    ~session() {
        state_->sessions.erase(this);
        if (const auto found = state_->per_client.find(client_);
            found != state_->per_client.end() && --found->second == 0) {
            state_->per_client.erase(found);
        }
    }
    session(const session&) = delete;
    session& operator=(const session&) = delete;

    void read() {
        // A fresh parser per request: its limits and state are per message.
        parser_.emplace();
        parser_->header_limit(static_cast<std::uint32_t>(state_->limits.max_header_bytes));
        parser_->body_limit(0);
        stream_.expires_after(state_->limits.timeout);
        http::async_read(
            stream_, buffer_, *parser_,
            [self = shared_from_this()](error_code ec, std::size_t) { self->on_read(ec); });
    }

    void close() { stream_.close(); }

  private:
    void on_read(error_code ec) {
        if (state_->stopped) {
            return;
        }
        if (ec == http::error::end_of_stream) {
            shut_down();
            return;
        }
        if (ec) {
            // A malformed request gets an answer, then the connection closes: nothing after it
            // can be framed. A timeout or a reset gets nothing.
            if (ec == http::error::header_limit) {
                reply_error(http::status::request_header_fields_too_large,
                            "request header too large\n");
            } else if (ec == http::error::unexpected_body || ec == http::error::body_limit) {
                reply_error(http::status::payload_too_large, "a request body is not accepted\n");
            } else if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
                       ec != http::error::partial_message) {
                reply_error(http::status::bad_request, "bad request\n");
            } else {
                close();
            }
            return;
        }
        answer(parser_->get());
    }

    void answer(const http::request<http::empty_body>& request) {
        const bool keep_alive = request.keep_alive();
        std::string_view target(request.target().data(), request.target().size());
        target = target.substr(0, target.find('?'));  // a scraper's ?name[]=... is ignored
        const bool get = request.method() == http::verb::get;
        const bool head = request.method() == http::verb::head;
        if (target != k_metrics_path) {
            reply(http::status::not_found, "not found: the metrics are at /metrics\n", head,
                  keep_alive);
            return;
        }
        if (!get && !head) {
            reply(http::status::method_not_allowed, "use GET or HEAD\n", false, keep_alive);
            return;
        }
        std::string body;
        try {
            body = state_->body();
        } catch (const std::exception& e) {
            reply(http::status::internal_server_error,
                  "cannot collect the metrics: " + std::string(e.what()) + "\n", head, false);
            return;
        }
        response_ = {};
        response_.result(http::status::ok);
        response_.version(request.version());
        response_.set(http::field::content_type, k_content_type);
        response_.keep_alive(keep_alive);
        response_.content_length(body.size());
        if (!head) {
            response_.body() = std::move(body);
        }
        send(keep_alive);
    }

    void reply(http::status status, std::string text, bool head, bool keep_alive) {
        response_ = {};
        response_.result(status);
        response_.version(11);
        response_.set(http::field::content_type, "text/plain; charset=utf-8");
        if (status == http::status::method_not_allowed) {
            response_.set(http::field::allow, "GET, HEAD");
        }
        response_.keep_alive(keep_alive);
        response_.content_length(text.size());
        if (!head) {
            response_.body() = std::move(text);
        }
        send(keep_alive);
    }

    void reply_error(http::status status, std::string text) {
        reply(status, std::move(text), false, false);
    }

    /// Writes `response_`. Its Content-Length was set by hand, so a HEAD response announces the
    /// GET body's length and carries none.
    void send(bool keep_alive) {
        stream_.expires_after(state_->limits.timeout);
        http::async_write(stream_, response_,
                          [self = shared_from_this(), keep_alive](error_code ec, std::size_t) {
                              self->on_write(ec, keep_alive);
                          });
    }

    void on_write(error_code ec, bool keep_alive) {
        if (state_->stopped) {
            return;
        }
        if (ec || !keep_alive) {
            shut_down();
            return;
        }
        read();
    }

    void shut_down() {
        error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
        stream_.close();
    }

    beast::tcp_stream stream_;
    asio::ip::address client_;
    std::shared_ptr<server_state> state_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::empty_body>> parser_;
    http::response<http::string_body> response_;
};

namespace {

void accept_next(const std::shared_ptr<server_state>& state) {
    state->acceptor.async_accept([state](error_code ec, tcp::socket socket) {
        if (state->stopped) {
            return;
        }
        if (ec) {
            // EMFILE, ENOBUFS, a connection reset before it was taken: try again shortly rather
            // than at once (the error would repeat in a busy loop).
            state->retry.expires_after(k_accept_retry);
            state->retry.async_wait([state](error_code wait_ec) {
                if (!wait_ec && !state->stopped) {
                    accept_next(state);
                }
            });
            return;
        }
        error_code peer_error;
        const auto peer = socket.remote_endpoint(peer_error);
        const auto client_count = [&] {
            const auto found = state->per_client.find(peer.address());
            return found == state->per_client.end() ? std::size_t{0} : found->second;
        };
        if (peer_error || state->sessions.size() >= state->limits.max_connections ||
            client_count() >= state->limits.max_connections_per_client) {
            error_code ignored;
            socket.close(ignored);
        } else {
            std::make_shared<session>(std::move(socket), peer.address(), state)->read();
        }
        accept_next(state);
    });
}

}  // namespace
}  // namespace detail

asio::ip::tcp::endpoint tcp_endpoint(const ip_address& address, std::uint16_t port) {
    const auto bytes = address.bytes();
    if (address.is_v4()) {
        asio::ip::address_v4::bytes_type raw{};
        std::copy(bytes.begin(), bytes.end(), raw.begin());
        return {asio::ip::address_v4(raw), port};
    }
    asio::ip::address_v6::bytes_type raw{};
    std::copy(bytes.begin(), bytes.end(), raw.begin());
    return {asio::ip::address_v6(raw), port};
}

http_server::http_server(asio::io_context& io, const asio::ip::tcp::endpoint& endpoint,
                         body_source body, std::error_code& ec, http_limits limits)
    : state_(std::make_shared<detail::server_state>(io, std::move(body), limits)) {
    boost::system::error_code error;
    auto& acceptor = state_->acceptor;
    acceptor.open(endpoint.protocol(), error);
    if (!error) {
        // A restarted daemon must not wait out the old connections' TIME_WAIT.
        acceptor.set_option(asio::ip::tcp::acceptor::reuse_address(true), error);
    }
    if (!error) {
        acceptor.bind(endpoint, error);
    }
    if (!error) {
        acceptor.listen(asio::socket_base::max_listen_connections, error);
    }
    ec = error;
    if (error) {
        boost::system::error_code ignored;
        acceptor.close(ignored);
        state_->stopped = true;
        return;
    }
    detail::accept_next(state_);
}

http_server::~http_server() {
    state_->stopped = true;
    boost::system::error_code ignored;
    state_->acceptor.close(ignored);
    state_->retry.cancel();
    // close() leaves each session alive (its handlers hold it) but out of any further work.
    const std::vector<detail::session*> open(state_->sessions.begin(), state_->sessions.end());
    for (auto* s : open) {
        s->close();
    }
}

asio::ip::tcp::endpoint http_server::local_endpoint() const {
    boost::system::error_code error;
    auto endpoint = state_->acceptor.local_endpoint(error);
    return error ? asio::ip::tcp::endpoint{} : endpoint;
}

std::size_t http_server::connection_count() const noexcept {
    return state_->sessions.size();
}

}  // namespace vipd::metrics
