// http and https probes against the in-process server.

#include <gtest/gtest.h>

#include <fstream>
#include <tuple>

#include "loopback.hpp"
#include "support/temp_dir.hpp"
#include "test_servers.hpp"

namespace vipd::health::checkers {
namespace {

using namespace std::chrono_literals;
using asio::ip::tcp;
using test::http_server;
using test::loopback_v4;
using test::loopback_v6;
using test::run_probe;
using test::server_behaviour;
using test::spec_of;

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

std::string response(int status, const std::string& reason, const std::string& body) {
    return "HTTP/1.1 " + std::to_string(status) + " " + reason +
           "\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\nContent-Type: text/plain\r\n\r\n" + body;
}

check_spec http_spec(http_check check, microseconds timeout = 2s) {
    return spec_of(std::move(check), timeout);
}

http_check get(std::string path = "/") {
    http_check check;
    check.path = std::move(path);
    return check;
}

TEST(HttpProbe, ExpectedStatusSucceedsAndTheRequestIsWellFormed) {
    asio::io_context io;
    http_server server(io, response(200, "OK", "OK"));
    auto probe = make_probe(io, http_spec(get("/health?full=1")), {loopback_v4(), server.port()});
    const auto got = run_probe(io, *probe);
    ASSERT_TRUE(got);
    EXPECT_TRUE(got->result.success) << got->result.detail;
    EXPECT_EQ(got->calls, 1);
    ASSERT_EQ(server.requests().size(), 1U);
    const auto& request = server.requests()[0].text;
    EXPECT_EQ(request.rfind("GET /health?full=1 HTTP/1.1\r\n", 0), 0U) << request;
    EXPECT_TRUE(contains(request, "Host: 127.0.0.1:" + std::to_string(server.port()) + "\r\n"))
        << request;
    EXPECT_TRUE(contains(request, "User-Agent: vipd-health/1\r\n")) << request;
    EXPECT_TRUE(contains(request, "Connection: close\r\n")) << request;
}

TEST(HttpProbe, UnexpectedStatusFails) {
    asio::io_context io;
    http_server server(io, response(503, "Service Unavailable", "busy"));
    auto probe = make_probe(io, http_spec(get()), {loopback_v4(), server.port()});
    const auto got = run_probe(io, *probe);
    ASSERT_TRUE(got);
    EXPECT_FALSE(got->result.success);
    EXPECT_EQ(got->result.detail, "status 503 (expected 200)");
}

TEST(HttpProbe, InterimResponsesAreSkippedForTheFinalStatus) {
    for (const auto& [final_status, reason, success] :
         {std::tuple{200, "OK", true}, std::tuple{503, "Service Unavailable", false}}) {
        asio::io_context io;
        http_server server(io,
                           "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\n"
                           "Link: </style.css>; rel=preload\r\n\r\n" +
                               response(final_status, reason, "OK"));
        auto probe = make_probe(io, http_spec(get()), {loopback_v4(), server.port()});
        const auto got = run_probe(io, *probe);
        ASSERT_TRUE(got);
        EXPECT_EQ(got->result.success, success) << got->result.detail;
        if (!success) {
            EXPECT_EQ(got->result.detail, "status 503 (expected 200)");
        }
    }
}

TEST(HttpProbe, EndlessInterimResponsesFail) {
    asio::io_context io;
    std::string interim;
    for (int i = 0; i < 20; ++i) {
        interim += "HTTP/1.1 102 Processing\r\n\r\n";
    }
    http_server server(io, interim + response(200, "OK", "OK"));
    auto probe = make_probe(io, http_spec(get()), {loopback_v4(), server.port()});
    const auto got = run_probe(io, *probe);
    ASSERT_TRUE(got);
    EXPECT_FALSE(got->result.success);
    EXPECT_EQ(got->result.detail, "response: more than 8 interim (1xx) responses");
}

TEST(HttpProbe, AnyStatusOfTheListSucceeds) {
    asio::io_context io;
    http_server server(io, response(301, "Moved Permanently", ""));
    auto check = get();
    check.expect_status = {200, 301, 302};
    auto probe = make_probe(io, http_spec(check), {loopback_v4(), server.port()});
    const auto got = run_probe(io, *probe);
    ASSERT_TRUE(got);
    EXPECT_TRUE(got->result.success) << got->result.detail;
}

TEST(HttpProbe, BodySubstringAndRegex) {
    asio::io_context io;
    http_server server(io, response(200, "OK", "{\"status\": \"ready\", \"version\": 42}"));
    auto check = get();
    check.expect_body = "\"ready\"";
    auto probe = make_probe(io, http_spec(check), {loopback_v4(), server.port()});
    auto got = run_probe(io, *probe);
    ASSERT_TRUE(got);
    EXPECT_TRUE(got->result.success) << got->result.detail;

    check.expect_body = "\"degraded\"";
    probe = make_probe(io, http_spec(check), {loopback_v4(), server.port()});
    got = run_probe(io, *probe);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->result.detail, "body lacks \"\"degraded\"\"");

    check.expect_body.reset();
    check.expect_body_regex = "\"version\": [0-9]+";
    probe = make_probe(io, http_spec(check), {loopback_v4(), server.port()});
    got = run_probe(io, *probe);
    ASSERT_TRUE(got);
    EXPECT_TRUE(got->result.success) << got->result.detail;

    check.expect_body_regex = "^down";
    probe = make_probe(io, http_spec(check), {loopback_v4(), server.port()});
    got = run_probe(io, *probe);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->result.detail, "body does not match \"^down\"");
}

TEST(HttpProbe, HostHeaderAndMethodComeFromTheCheck) {
    asio::io_context io;
    // HEAD: the announced body is never sent, and the probe must not wait for it.
    http_server server(io, "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n");
    auto check = get("/status");
    check.method = "HEAD";
    check.host = "www.example.test";
    auto probe = make_probe(io, http_spec(check), {loopback_v4(), server.port()});
    const auto got = run_probe(io, *probe);
    ASSERT_TRUE(got);
    EXPECT_TRUE(got->result.success) << got->result.detail;
    ASSERT_EQ(server.requests().size(), 1U);
    const auto& request = server.requests()[0].text;
    EXPECT_EQ(request.rfind("HEAD /status HTTP/1.1\r\n", 0), 0U) << request;
    EXPECT_TRUE(contains(request, "Host: www.example.test\r\n")) << request;
}

TEST(HttpProbe, BodyEndedByCloseAndChunkedBodiesAreRead) {
    asio::io_context io;
    http_server until_close(io, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall good");
    http_server chunked(io,
                        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                        "4\r\nall \r\n4\r\ngood\r\n0\r\n\r\n");
    auto check = get();
    check.expect_body = "all good";
    for (const auto* server : {&until_close, &chunked}) {
        auto probe = make_probe(io, http_spec(check), {loopback_v4(), server->port()});
        const auto got = run_probe(io, *probe);
        ASSERT_TRUE(got);
        EXPECT_TRUE(got->result.success) << got->result.detail;
    }
}

TEST(HttpProbe, SilentServerTimesOut) {
    asio::io_context io;
    http_server server(io, "", server_behaviour::silent);
    auto probe = make_probe(io, http_spec(get(), 300ms), {loopback_v4(), server.port()});
    const auto got = run_probe(io, *probe);
    ASSERT_TRUE(got);
    EXPECT_FALSE(got->result.success);
    EXPECT_EQ(got->result.detail, "timeout after 300ms (waiting for the response)");
    EXPECT_GE(got->elapsed, 290ms);
    EXPECT_LT(got->elapsed, 2300ms);
    EXPECT_EQ(server.requests().size(), 1U);
}

TEST(HttpProbe, EndlessBodyIsCappedNotBuffered) {
    asio::io_context io;
    http_server server(io, "HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n",
                       server_behaviour::endless);
    auto check = get();
    check.expect_body = "xxxx";
    auto probe = make_probe(io, http_spec(check, 5s), {loopback_v4(), server.port()});
    auto got = run_probe(io, *probe);
    ASSERT_TRUE(got);
    EXPECT_TRUE(got->result.success) << got->result.detail;
    EXPECT_LT(got->elapsed, 3s);  // stopped at the cap, not at the deadline

    check.expect_body = "END";
    probe = make_probe(io, http_spec(check, 5s), {loopback_v4(), server.port()});
    got = run_probe(io, *probe);
    ASSERT_TRUE(got);
    EXPECT_FALSE(got->result.success);
    EXPECT_EQ(got->result.detail, "body lacks \"END\" (first 65536 bytes)");
    EXPECT_LT(got->elapsed, 3s);
}

TEST(HttpProbe, ClosedPortIsRefused) {
    asio::io_context io;
    auto probe = make_probe(io, http_spec(get()), {loopback_v4(), test::unused_port<tcp>(io)});
    const auto got = run_probe(io, *probe);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->result.detail, "connect: connection refused");
}

TEST(HttpProbe, GarbageInsteadOfHttpFails) {
    asio::io_context io;
    http_server server(io, "SSH-2.0-OpenSSH_9.2\r\n\r\n");
    auto probe = make_probe(io, http_spec(get()), {loopback_v4(), server.port()});
    const auto got = run_probe(io, *probe);
    ASSERT_TRUE(got);
    EXPECT_FALSE(got->result.success);
    EXPECT_EQ(got->result.detail.rfind("response: ", 0), 0U) << got->result.detail;
}

TEST(HttpProbe, Ipv6TargetIsBracketedInHost) {
    asio::io_context io;
    std::unique_ptr<http_server> server;
    try {
        server =
            std::make_unique<http_server>(io, response(200, "OK", ""), server_behaviour::respond,
                                          nullptr, asio::ip::address_v6::loopback());
    } catch (const boost::system::system_error& error) {
        GTEST_SKIP() << "no IPv6 loopback: " << error.what();
    }
    auto probe = make_probe(io, http_spec(get()), {loopback_v6(), server->port()});
    const auto got = run_probe(io, *probe);
    ASSERT_TRUE(got);
    EXPECT_TRUE(got->result.success) << got->result.detail;
    ASSERT_EQ(server->requests().size(), 1U);
    EXPECT_TRUE(contains(server->requests()[0].text,
                         "Host: [::1]:" + std::to_string(server->port()) + "\r\n"));
}

// ---- https ---------------------------------------------------------------------------------

class HttpsProbe : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { pki_ = new test::test_pki(test::test_pki::make()); }
    static void TearDownTestSuite() {
        delete pki_;
        pki_ = nullptr;
    }
    void SetUp() override {
        server_context_ = pki_->server_context();
        ca_file_ = dir_.file("ca.pem");
        std::ofstream(ca_file_) << pki_->ca_pem;
    }

    static http_check https(std::optional<std::string> host, bool verify,
                            std::optional<std::string> ca_file = {}) {
        http_check check;
        check.tls = true;
        check.host = std::move(host);
        check.tls_verify = verify;
        check.ca_file = std::move(ca_file);
        check.expect_body = "secure";
        return check;
    }

    static test::test_pki* pki_;
    std::unique_ptr<asio::ssl::context> server_context_;
    support::temp_dir dir_{"vipd-ca"};
    std::string ca_file_;
    asio::io_context io_;
};
test::test_pki* HttpsProbe::pki_ = nullptr;

TEST_F(HttpsProbe, WithoutVerificationAnyCertificateDoesAndSniIsTheHost) {
    http_server server(io_, response(200, "OK", "secure"), server_behaviour::respond,
                       server_context_.get());
    auto probe = make_probe(io_, http_spec(https("www.example.test", false)),
                            {loopback_v4(), server.port()});
    const auto got = run_probe(io_, *probe);
    ASSERT_TRUE(got);
    EXPECT_TRUE(got->result.success) << got->result.detail;
    ASSERT_EQ(server.requests().size(), 1U);
    EXPECT_EQ(server.requests()[0].sni, "www.example.test");
    EXPECT_TRUE(contains(server.requests()[0].text, "Host: www.example.test\r\n"));
}

TEST_F(HttpsProbe, NoSniForAnAddress) {
    http_server server(io_, response(200, "OK", "secure"), server_behaviour::respond,
                       server_context_.get());
    auto probe =
        make_probe(io_, http_spec(https(std::nullopt, false)), {loopback_v4(), server.port()});
    const auto got = run_probe(io_, *probe);
    ASSERT_TRUE(got);
    EXPECT_TRUE(got->result.success) << got->result.detail;
    ASSERT_EQ(server.requests().size(), 1U);
    EXPECT_EQ(server.requests()[0].sni, "");
}

TEST_F(HttpsProbe, VerificationFailsAgainstAnUntrustedCertificate) {
    http_server server(io_, response(200, "OK", "secure"), server_behaviour::respond,
                       server_context_.get());
    auto probe =
        make_probe(io_, http_spec(https("www.example.test", true)), {loopback_v4(), server.port()});
    const auto got = run_probe(io_, *probe);
    ASSERT_TRUE(got);
    EXPECT_FALSE(got->result.success);
    EXPECT_EQ(got->result.detail.rfind("TLS: certificate verify failed: ", 0), 0U)
        << got->result.detail;
    EXPECT_TRUE(server.requests().empty());
}

TEST_F(HttpsProbe, VerificationSucceedsWithTheCaFile) {
    http_server server(io_, response(200, "OK", "secure"), server_behaviour::respond,
                       server_context_.get());
    auto probe = make_probe(io_, http_spec(https("www.example.test", true, ca_file_)),
                            {loopback_v4(), server.port()});
    const auto got = run_probe(io_, *probe);
    ASSERT_TRUE(got);
    EXPECT_TRUE(got->result.success) << got->result.detail;
}

TEST_F(HttpsProbe, VerificationChecksTheHostName) {
    http_server server(io_, response(200, "OK", "secure"), server_behaviour::respond,
                       server_context_.get());
    auto probe = make_probe(io_, http_spec(https("other.example.test", true, ca_file_)),
                            {loopback_v4(), server.port()});
    const auto got = run_probe(io_, *probe);
    ASSERT_TRUE(got);
    EXPECT_FALSE(got->result.success);
    EXPECT_TRUE(contains(got->result.detail, "hostname mismatch")) << got->result.detail;
}

TEST_F(HttpsProbe, WithoutHostTheAddressIsVerified) {
    http_server server(io_, response(200, "OK", "secure"), server_behaviour::respond,
                       server_context_.get());
    // The certificate names 127.0.0.1 (and ::1) in its SAN.
    auto probe = make_probe(io_, http_spec(https(std::nullopt, true, ca_file_)),
                            {loopback_v4(), server.port()});
    auto got = run_probe(io_, *probe);
    ASSERT_TRUE(got);
    EXPECT_TRUE(got->result.success) << got->result.detail;
    // An address the certificate does not name fails.
    probe = make_probe(io_, http_spec(https("127.0.0.2", true, ca_file_)),
                       {loopback_v4(), server.port()});
    got = run_probe(io_, *probe);
    ASSERT_TRUE(got);
    EXPECT_FALSE(got->result.success);
    EXPECT_TRUE(contains(got->result.detail, "IP address mismatch")) << got->result.detail;
}

TEST_F(HttpsProbe, MissingCaFileFailsEveryAttempt) {
    auto probe = make_probe(io_, http_spec(https("www.example.test", true, "/nonexistent/ca.pem")),
                            {loopback_v4(), 443});
    const auto got = run_probe(io_, *probe);
    ASSERT_TRUE(got);
    EXPECT_FALSE(got->result.success);
    EXPECT_EQ(got->result.detail.rfind("TLS: cannot load CA file \"/nonexistent/ca.pem\": ", 0), 0U)
        << got->result.detail;
}

TEST_F(HttpsProbe, StalledHandshakeTimesOut) {
    http_server server(io_, "", server_behaviour::no_handshake, server_context_.get());
    auto probe = make_probe(io_, http_spec(https("www.example.test", false), 300ms),
                            {loopback_v4(), server.port()});
    const auto got = run_probe(io_, *probe);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->result.detail, "timeout after 300ms (TLS handshake)");
    EXPECT_LT(got->elapsed, 2300ms);
}

TEST_F(HttpsProbe, PlainHttpServerFailsTheHandshake) {
    // A plain HTTP server answers the ClientHello with a 400 and closes.
    tcp::acceptor acceptor(io_, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    tcp::socket peer(io_);
    const std::string reply = "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n";
    acceptor.async_accept(peer, [&](const boost::system::error_code& error) {
        if (!error) {
            asio::async_write(peer, asio::buffer(reply),
                              [&](const boost::system::error_code&, std::size_t) {
                                  boost::system::error_code ignored;
                                  peer.shutdown(tcp::socket::shutdown_both, ignored);
                              });
        }
    });
    auto probe = make_probe(io_, http_spec(https("www.example.test", false)),
                            {loopback_v4(), acceptor.local_endpoint().port()});
    const auto got = run_probe(io_, *probe);
    ASSERT_TRUE(got);
    EXPECT_FALSE(got->result.success);
    EXPECT_EQ(got->result.detail.rfind("TLS handshake: ", 0), 0U) << got->result.detail;
    EXPECT_LT(got->elapsed, 1s);
}

}  // namespace
}  // namespace vipd::health::checkers
