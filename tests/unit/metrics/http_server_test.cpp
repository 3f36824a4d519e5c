// The metrics endpoint on 127.0.0.1 (port 0), driven by a Beast client on the same io_context.
#include <gtest/gtest.h>

#include "vipd/metrics/http_server.hpp"

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace vipd::metrics {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using boost::system::error_code;
using namespace std::chrono_literals;

/// Runs handlers until `done()` or the (generous) limit; false on the limit.
template <class Done>
bool run_until(asio::io_context& io, Done done, std::chrono::milliseconds limit = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        io.run_one_for(20ms);
        if (io.stopped()) {
            io.restart();
        }
    }
    return true;
}

/// One client connection: requests go out one at a time, each answer is read in full.
class test_client {
  public:
    explicit test_client(asio::io_context& io) : io_(io), stream_(io) {}

    /// Connects from `from` (an address of this host, e.g. another loopback address).
    error_code connect_from(const tcp::endpoint& to, const char* from) {
        error_code ec;
        stream_.socket().open(to.protocol(), ec);
        if (!ec) {
            stream_.socket().bind(tcp::endpoint(asio::ip::make_address(from), 0), ec);
        }
        return ec ? ec : connect(to);
    }

    error_code connect(const tcp::endpoint& to) {
        std::optional<error_code> result;
        stream_.async_connect(to, [&](error_code ec) { result = ec; });
        EXPECT_TRUE(run_until(io_, [&] { return result.has_value(); }));
        return result.value_or(asio::error::timed_out);
    }

    /// Sends `request` and reads the response; nullopt with `last_error()` set on failure.
    std::optional<http::response<http::string_body>> exchange(
        http::request<http::string_body> request) {
        const bool head = request.method() == http::verb::head;
        request.prepare_payload();
        std::optional<error_code> written;
        http::async_write(stream_, request, [&](error_code ec, std::size_t) { written = ec; });
        if (!run_until(io_, [&] { return written.has_value(); }) || *written) {
            last_error_ = written.value_or(asio::error::timed_out);
            return std::nullopt;
        }
        http::response_parser<http::string_body> parser;
        parser.skip(head);  // a HEAD response announces a body it does not carry
        std::optional<error_code> read;
        http::async_read(stream_, buffer_, parser, [&](error_code ec, std::size_t) { read = ec; });
        if (!run_until(io_, [&] { return read.has_value(); }) || *read) {
            last_error_ = read.value_or(asio::error::timed_out);
            return std::nullopt;
        }
        return parser.release();
    }

    std::optional<http::response<http::string_body>> get(std::string target,
                                                         http::verb verb = http::verb::get) {
        http::request<http::string_body> request{verb, target, 11};
        request.set(http::field::host, "127.0.0.1");
        return exchange(std::move(request));
    }

    /// Waits for the server to close the connection: true if it did (EOF or reset).
    bool closed_by_server(std::chrono::milliseconds limit = 10s) {
        std::optional<error_code> result;
        stream_.socket().async_read_some(asio::buffer(byte_),
                                         [&](error_code ec, std::size_t) { result = ec; });
        if (!run_until(
                io_, [&] { return result.has_value(); }, limit)) {
            return false;
        }
        return *result == asio::error::eof || *result == asio::error::connection_reset;
    }

    /// Writes raw bytes.
    void send_raw(const std::string& bytes) {
        std::optional<error_code> written;
        asio::async_write(stream_.socket(), asio::buffer(bytes),
                          [&](error_code ec, std::size_t) { written = ec; });
        EXPECT_TRUE(run_until(io_, [&] { return written.has_value(); }));
    }

    /// Reads one response after `send_raw`.
    std::optional<http::response<http::string_body>> read_response() {
        http::response_parser<http::string_body> parser;
        std::optional<error_code> read;
        http::async_read(stream_, buffer_, parser, [&](error_code ec, std::size_t) { read = ec; });
        if (!run_until(io_, [&] { return read.has_value(); }) || *read) {
            last_error_ = read.value_or(asio::error::timed_out);
            return std::nullopt;
        }
        return parser.release();
    }

    error_code last_error() const { return last_error_; }

  private:
    asio::io_context& io_;
    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::array<char, 1> byte_{};
    error_code last_error_;
};

class HttpServerTest : public ::testing::Test {
  protected:
    void start(http_limits limits = {}) {
        std::error_code ec;
        server_.emplace(
            io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0),
            [this] {
                ++scrapes_;
                return "# TYPE vipd_up gauge\nvipd_up " + std::to_string(scrapes_) + "\n";
            },
            ec, limits);
        ASSERT_FALSE(ec) << ec.message();
        ASSERT_NE(server_->local_endpoint().port(), 0);
    }
    tcp::endpoint endpoint() const { return server_->local_endpoint(); }

    asio::io_context io_;
    std::optional<http_server> server_;
    int scrapes_ = 0;
};

TEST_F(HttpServerTest, GetMetricsReturnsTheCallbacksTextPerScrape) {
    start();
    test_client client(io_);
    ASSERT_FALSE(client.connect(endpoint()));
    auto response = client.get("/metrics");
    ASSERT_TRUE(response) << client.last_error().message();
    EXPECT_EQ(response->result(), http::status::ok);
    EXPECT_EQ(response->at(http::field::content_type), "text/plain; version=0.0.4; charset=utf-8");
    EXPECT_EQ(response->body(), "# TYPE vipd_up gauge\nvipd_up 1\n");
    EXPECT_TRUE(response->keep_alive());
    // Keep-alive: the second scrape on the same connection, with a fresh body.
    response = client.get("/metrics?name[]=vipd_up");
    ASSERT_TRUE(response) << client.last_error().message();
    EXPECT_EQ(response->body(), "# TYPE vipd_up gauge\nvipd_up 2\n");
    EXPECT_EQ(server_->connection_count(), 1u);
}

TEST_F(HttpServerTest, HeadAnnouncesTheLengthWithoutABody) {
    start();
    test_client client(io_);
    ASSERT_FALSE(client.connect(endpoint()));
    const auto response = client.get("/metrics", http::verb::head);
    ASSERT_TRUE(response) << client.last_error().message();
    EXPECT_EQ(response->result(), http::status::ok);
    EXPECT_EQ(response->at(http::field::content_type), "text/plain; version=0.0.4; charset=utf-8");
    EXPECT_EQ(response->at(http::field::content_length),
              std::to_string(std::string("# TYPE vipd_up gauge\nvipd_up 1\n").size()));
    EXPECT_EQ(response->body(), "");
    // Nothing extra was sent after the headers: the next exchange still frames correctly.
    const auto next = client.get("/metrics");
    ASSERT_TRUE(next) << client.last_error().message();
    EXPECT_EQ(next->body(), "# TYPE vipd_up gauge\nvipd_up 2\n");
}

TEST_F(HttpServerTest, OtherPathsAre404) {
    start();
    test_client client(io_);
    ASSERT_FALSE(client.connect(endpoint()));
    for (const auto* target : {"/", "/metric", "/metrics/", "/favicon.ico"}) {
        const auto response = client.get(target);
        ASSERT_TRUE(response) << target << ": " << client.last_error().message();
        EXPECT_EQ(response->result(), http::status::not_found) << target;
    }
    EXPECT_EQ(scrapes_, 0);
}

TEST_F(HttpServerTest, OtherMethodsAre405WithAllow) {
    start();
    test_client client(io_);
    ASSERT_FALSE(client.connect(endpoint()));
    for (const auto verb :
         {http::verb::post, http::verb::put, http::verb::delete_, http::verb::options}) {
        const auto response = client.get("/metrics", verb);
        ASSERT_TRUE(response) << client.last_error().message();
        EXPECT_EQ(response->result(), http::status::method_not_allowed);
        EXPECT_EQ(response->at(http::field::allow), "GET, HEAD");
    }
    EXPECT_EQ(scrapes_, 0);
}

TEST_F(HttpServerTest, ARequestBodyIsRefusedAndTheConnectionClosed) {
    start();
    test_client client(io_);
    ASSERT_FALSE(client.connect(endpoint()));
    http::request<http::string_body> request{http::verb::post, "/metrics", 11};
    request.body() = "x=1";
    const auto response = client.exchange(std::move(request));
    ASSERT_TRUE(response) << client.last_error().message();
    EXPECT_EQ(response->result(), http::status::payload_too_large);
    EXPECT_FALSE(response->keep_alive());
    EXPECT_TRUE(client.closed_by_server());
}

TEST_F(HttpServerTest, HeadersOverTheLimitAreRefused) {
    start();
    test_client client(io_);
    ASSERT_FALSE(client.connect(endpoint()));
    client.send_raw("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(9000, 'a') +
                    "\r\n\r\n");
    const auto response = client.read_response();
    ASSERT_TRUE(response) << client.last_error().message();
    EXPECT_EQ(response->result(), http::status::request_header_fields_too_large);
    EXPECT_TRUE(client.closed_by_server());
    EXPECT_EQ(scrapes_, 0);
}

TEST_F(HttpServerTest, GarbageIsA400) {
    start();
    test_client client(io_);
    ASSERT_FALSE(client.connect(endpoint()));
    client.send_raw("HELLO\r\n\r\n");
    const auto response = client.read_response();
    ASSERT_TRUE(response) << client.last_error().message();
    EXPECT_EQ(response->result(), http::status::bad_request);
    EXPECT_TRUE(client.closed_by_server());
}

TEST_F(HttpServerTest, ConnectionCloseAndHttp10AreHonoured) {
    start();
    test_client client(io_);
    ASSERT_FALSE(client.connect(endpoint()));
    http::request<http::string_body> request{http::verb::get, "/metrics", 11};
    request.keep_alive(false);
    auto response = client.exchange(std::move(request));
    ASSERT_TRUE(response) << client.last_error().message();
    EXPECT_EQ(response->result(), http::status::ok);
    EXPECT_FALSE(response->keep_alive());
    EXPECT_TRUE(client.closed_by_server());

    test_client old(io_);
    ASSERT_FALSE(old.connect(endpoint()));
    response = old.exchange(http::request<http::string_body>{http::verb::get, "/metrics", 10});
    ASSERT_TRUE(response) << old.last_error().message();
    EXPECT_EQ(response->result(), http::status::ok);
    EXPECT_TRUE(old.closed_by_server());
}

TEST_F(HttpServerTest, AnIdleClientIsDroppedAfterTheTimeout) {
    start(http_limits{.timeout = 200ms});
    test_client client(io_);
    ASSERT_FALSE(client.connect(endpoint()));
    ASSERT_TRUE(run_until(io_, [&] { return server_->connection_count() == 1; }));
    const auto began = std::chrono::steady_clock::now();
    EXPECT_TRUE(client.closed_by_server());
    EXPECT_GE(std::chrono::steady_clock::now() - began, 150ms);
    EXPECT_TRUE(run_until(io_, [&] { return server_->connection_count() == 0; }));
}

TEST_F(HttpServerTest, ConnectionsBeyondTheLimitAreClosed) {
    start(http_limits{.max_connections = 2});
    test_client first(io_);
    test_client second(io_);
    ASSERT_FALSE(first.connect(endpoint()));
    ASSERT_FALSE(second.connect(endpoint()));
    ASSERT_TRUE(run_until(io_, [&] { return server_->connection_count() == 2; }));
    test_client third(io_);
    ASSERT_FALSE(third.connect(endpoint()));  // the kernel completes it; the server drops it
    EXPECT_TRUE(third.closed_by_server());
    EXPECT_EQ(server_->connection_count(), 2u);
    // The ones within the limit still work.
    const auto response = first.get("/metrics");
    ASSERT_TRUE(response) << first.last_error().message();
    EXPECT_EQ(response->result(), http::status::ok);
}

TEST_F(HttpServerTest, OneClientCannotTakeThePoolFromTheOthers) {
    start(http_limits{.max_connections = 16, .max_connections_per_client = 2});
    test_client first(io_);
    test_client second(io_);
    ASSERT_FALSE(first.connect_from(endpoint(), "127.0.0.1"));
    ASSERT_FALSE(second.connect_from(endpoint(), "127.0.0.1"));
    ASSERT_TRUE(run_until(io_, [&] { return server_->connection_count() == 2; }));
    test_client third(io_);
    ASSERT_FALSE(third.connect_from(endpoint(), "127.0.0.1"));
    EXPECT_TRUE(third.closed_by_server());
    // Another client still gets in, and the first one's connections still work.
    test_client other(io_);
    ASSERT_FALSE(other.connect_from(endpoint(), "127.0.0.2"));
    const auto response = other.get("/metrics");
    ASSERT_TRUE(response) << other.last_error().message();
    EXPECT_EQ(response->result(), http::status::ok);
    EXPECT_TRUE(first.get("/metrics"));
}

TEST_F(HttpServerTest, AThrowingCallbackIsA500) {
    std::error_code ec;
    http_server server(
        io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0),
        []() -> std::string { throw std::runtime_error("no data"); }, ec);
    ASSERT_FALSE(ec);
    test_client client(io_);
    ASSERT_FALSE(client.connect(server.local_endpoint()));
    const auto response = client.get("/metrics");
    ASSERT_TRUE(response) << client.last_error().message();
    EXPECT_EQ(response->result(), http::status::internal_server_error);
    EXPECT_NE(response->body().find("no data"), std::string::npos);
}

TEST_F(HttpServerTest, APortInUseIsAnErrorCodeNotAnException) {
    start();
    std::error_code ec;
    http_server second(
        io_, endpoint(), [] { return std::string(); }, ec);
    EXPECT_EQ(ec, std::errc::address_in_use) << ec.message();
    EXPECT_EQ(second.local_endpoint(), tcp::endpoint{});
    EXPECT_EQ(second.connection_count(), 0u);
}

TEST_F(HttpServerTest, DestroyingTheServerClosesItsConnections) {
    start();
    test_client client(io_);
    ASSERT_FALSE(client.connect(endpoint()));
    ASSERT_TRUE(run_until(io_, [&] { return server_->connection_count() == 1; }));
    const auto where = endpoint();
    server_.reset();
    EXPECT_TRUE(client.closed_by_server());
    // Nobody listens any more.
    test_client late(io_);
    EXPECT_EQ(late.connect(where), asio::error::connection_refused);
}

TEST(TcpEndpoint, ConvertsBothFamilies) {
    EXPECT_EQ(tcp_endpoint(*ip_address::parse("127.0.0.1"), 9650),
              tcp::endpoint(asio::ip::make_address("127.0.0.1"), 9650));
    EXPECT_EQ(tcp_endpoint(*ip_address::parse("2001:db8::1"), 80),
              tcp::endpoint(asio::ip::make_address("2001:db8::1"), 80));
}

}  // namespace
}  // namespace vipd::metrics
