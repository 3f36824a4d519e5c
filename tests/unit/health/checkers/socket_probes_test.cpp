// tcp, udp, dns and script probes through make_probe, against servers on this io_context.

#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "fakes/fake_child_killer.hpp"
#include "loopback.hpp"
#include "support/temp_dir.hpp"
#include "vipd/health/checkers/dns_codec.hpp"
#include "vipd/health/checkers/process_runner.hpp"

namespace vipd::health::checkers {
namespace {

using namespace std::chrono_literals;
using asio::ip::tcp;
using asio::ip::udp;
using test::loopback_v4;
using test::loopback_v6;
using test::run_for;
using test::run_probe;
using test::spec_of;
using test::unused_port;

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// ---- tcp -----------------------------------------------------------------------------------

TEST(TcpProbe, OpenPortSucceeds) {
    asio::io_context io;
    tcp::acceptor listener(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    auto probe =
        make_probe(io, spec_of(tcp_check{}), {loopback_v4(), listener.local_endpoint().port()});
    const auto got = run_probe(io, *probe);
    ASSERT_TRUE(got);
    EXPECT_TRUE(got->result.success) << got->result.detail;
    EXPECT_EQ(got->calls, 1);
    EXPECT_TRUE(got->result.detail.empty());
    EXPECT_GT(got->result.latency.count(), 0);
}

TEST(TcpProbe, OpenPortOverIpv6Succeeds) {
    asio::io_context io;
    boost::system::error_code error;
    tcp::acceptor listener(io);
    listener.open(tcp::v6(), error);
    if (!error) {
        listener.bind(tcp::endpoint(asio::ip::address_v6::loopback(), 0), error);
    }
    if (error) {
        GTEST_SKIP() << "no IPv6 loopback: " << error.message();
    }
    listener.listen();
    auto probe =
        make_probe(io, spec_of(tcp_check{}), {loopback_v6(), listener.local_endpoint().port()});
    const auto got = run_probe(io, *probe);
    ASSERT_TRUE(got);
    EXPECT_TRUE(got->result.success) << got->result.detail;
}

TEST(TcpProbe, ClosedPortIsRefusedAtOnce) {
    asio::io_context io;
    auto probe = make_probe(io, spec_of(tcp_check{}, 3s), {loopback_v4(), unused_port<tcp>(io)});
    const auto got = run_probe(io, *probe);
    ASSERT_TRUE(got);
    EXPECT_FALSE(got->result.success);
    EXPECT_EQ(got->result.detail, "connect: connection refused");
    EXPECT_LT(got->elapsed, 1s);
}

TEST(TcpProbe, FullBacklogTimesOut) {
    asio::io_context io;
    // listen(0): the accept queue holds one connection; with it taken, Linux drops further SYNs
    // on loopback, so the next connect hangs until the probe's deadline.
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    ASSERT_EQ(::listen(fd, 0), 0);
    ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
    const std::uint16_t port = ntohs(address.sin_port);
    std::vector<std::unique_ptr<tcp::socket>> fillers;
    for (int i = 0; i < 2; ++i) {
        fillers.push_back(std::make_unique<tcp::socket>(io));
        fillers.back()->async_connect(tcp::endpoint(asio::ip::address_v4::loopback(), port),
                                      [](const boost::system::error_code&) {});
    }
    run_for(io, 100ms);
    auto probe = make_probe(io, spec_of(tcp_check{}, 300ms), {loopback_v4(), port});
    const auto got = run_probe(io, *probe);
    ::close(fd);
    ASSERT_TRUE(got);
    EXPECT_FALSE(got->result.success);
    EXPECT_EQ(got->result.detail, "timeout after 300ms (connecting)");
    EXPECT_GE(got->elapsed, 290ms);
    EXPECT_LT(got->elapsed, 2300ms);
}

TEST(TcpProbe, StartAgainRestartsWithoutTheOldCallback) {
    asio::io_context io;
    tcp::acceptor listener(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    auto probe =
        make_probe(io, spec_of(tcp_check{}), {loopback_v4(), listener.local_endpoint().port()});
    int first = 0;
    probe->start([&](const probe_result&) { ++first; });
    const auto got = run_probe(io, *probe);
    ASSERT_TRUE(got);
    EXPECT_TRUE(got->result.success);
    EXPECT_EQ(got->calls, 1);
    EXPECT_EQ(first, 0);
}

// ---- udp -----------------------------------------------------------------------------------

/// Answers each datagram per `mode`: echo it, send a fixed text, or stay silent.
class udp_server {
  public:
    enum class mode { echo, fixed, silent };
    udp_server(asio::io_context& io, mode m, std::string reply = {},
               asio::ip::address address = asio::ip::address_v4::loopback())
        : socket_(io, udp::endpoint(address, 0)), mode_(m), reply_(std::move(reply)) {
        receive();
    }
    std::uint16_t port() const { return socket_.local_endpoint().port(); }
    int received() const { return received_; }

  private:
    void receive() {
        socket_.async_receive_from(asio::buffer(buffer_), peer_,
                                   [this](const boost::system::error_code& error, std::size_t n) {
                                       if (error) {
                                           return;
                                       }
                                       ++received_;
                                       if (mode_ == mode::echo) {
                                           socket_.send_to(asio::buffer(buffer_.data(), n), peer_);
                                       } else if (mode_ == mode::fixed) {
                                           socket_.send_to(asio::buffer(reply_), peer_);
                                       }
                                       receive();
                                   });
    }
    udp::socket socket_;
    mode mode_;
    std::string reply_;
    std::array<char, 2048> buffer_{};
    udp::endpoint peer_;
    int received_ = 0;
};

check_spec udp_spec(std::string payload, std::optional<std::string> expect,
                    microseconds timeout = 1s) {
    udp_check check;
    check.payload = std::move(payload);
    check.expect = std::move(expect);
    return spec_of(check, timeout);
}

TEST(UdpProbe, EchoedReplySucceeds) {
    asio::io_context io;
    udp_server server(io, udp_server::mode::echo);
    auto probe = make_probe(io, udp_spec("ping", "ping"), {loopback_v4(), server.port()});
    const auto got = run_probe(io, *probe);
    ASSERT_TRUE(got);
    EXPECT_TRUE(got->result.success) << got->result.detail;
    EXPECT_EQ(server.received(), 1);
}

TEST(UdpProbe, AnyReplySucceedsWithoutExpect) {
    asio::io_context io;
    udp_server server(io, udp_server::mode::fixed, "whatever");
    auto probe = make_probe(io, udp_spec("hello", std::nullopt), {loopback_v4(), server.port()});
    const auto got = run_probe(io, *probe);
    ASSERT_TRUE(got);
    EXPECT_TRUE(got->result.success) << got->result.detail;
}

TEST(UdpProbe, ReplyWithoutTheExpectedTextFails) {
    asio::io_context io;
    udp_server server(io, udp_server::mode::fixed, "status=down");
    auto probe = make_probe(io, udp_spec("status?", "status=up"), {loopback_v4(), server.port()});
    const auto got = run_probe(io, *probe);
    ASSERT_TRUE(got);
    EXPECT_FALSE(got->result.success);
    EXPECT_EQ(got->result.detail, "reply lacks \"status=up\"");
}

TEST(UdpProbe, ClosedPortIsRefusedAtOnce) {
    asio::io_context io;
    auto probe =
        make_probe(io, udp_spec("ping", std::nullopt, 3s), {loopback_v4(), unused_port<udp>(io)});
    const auto got = run_probe(io, *probe);
    ASSERT_TRUE(got);
    EXPECT_FALSE(got->result.success);
    EXPECT_TRUE(contains(got->result.detail, "connection refused")) << got->result.detail;
    EXPECT_LT(got->elapsed, 1s);
}

TEST(UdpProbe, SilentServerTimesOut) {
    asio::io_context io;
    udp_server server(io, udp_server::mode::silent);
    auto probe =
        make_probe(io, udp_spec("ping", std::nullopt, 300ms), {loopback_v4(), server.port()});
    const auto got = run_probe(io, *probe);
    ASSERT_TRUE(got);
    EXPECT_FALSE(got->result.success);
    EXPECT_EQ(got->result.detail, "timeout after 300ms (waiting for a reply)");
    EXPECT_GE(got->elapsed, 290ms);
    EXPECT_LT(got->elapsed, 2300ms);
    EXPECT_EQ(server.received(), 1);
}

TEST(UdpProbe, EchoOverIpv6Succeeds) {
    asio::io_context io;
    std::unique_ptr<udp_server> server;
    try {
        server = std::make_unique<udp_server>(io, udp_server::mode::echo, "",
                                              asio::ip::address_v6::loopback());
    } catch (const boost::system::system_error& error) {
        GTEST_SKIP() << "no IPv6 loopback: " << error.what();
    }
    auto probe = make_probe(io, udp_spec("ping6", "ping6"), {loopback_v6(), server->port()});
    const auto got = run_probe(io, *probe);
    ASSERT_TRUE(got);
    EXPECT_TRUE(got->result.success) << got->result.detail;
}

// ---- dns -----------------------------------------------------------------------------------

/// A DNS responder: answers each query with the question echoed, then per `mode`.
class dns_server {
  public:
    enum class mode { answer_a, nxdomain, wrong_id, wrong_id_then_answer };
    dns_server(asio::io_context& io, mode m)
        : socket_(io, udp::endpoint(asio::ip::address_v4::loopback(), 0)), mode_(m) {
        receive();
    }
    std::uint16_t port() const { return socket_.local_endpoint().port(); }
    const std::vector<std::uint8_t>& last_query() const { return last_query_; }

  private:
    void receive() {
        socket_.async_receive_from(
            asio::buffer(buffer_), peer_,
            [this](const boost::system::error_code& error, std::size_t n) {
                if (error) {
                    return;
                }
                last_query_.assign(buffer_.begin(), buffer_.begin() + static_cast<long>(n));
                if (mode_ == mode::wrong_id || mode_ == mode::wrong_id_then_answer) {
                    send(reply(true, 0, true));
                }
                if (mode_ == mode::answer_a || mode_ == mode::wrong_id_then_answer) {
                    send(reply(false, 0, true));
                } else if (mode_ == mode::nxdomain) {
                    send(reply(false, 3, false));
                }
                receive();
            });
    }
    std::vector<std::uint8_t> reply(bool wrong_id, std::uint8_t rcode, bool with_answer) const {
        auto out = last_query_;  // header + question
        if (wrong_id) {
            out[1] = static_cast<std::uint8_t>(out[1] + 1);
        }
        out[2] = 0x81;  // QR, RD
        out[3] = static_cast<std::uint8_t>(0x80 | rcode);
        out[7] = with_answer ? 1 : 0;
        if (with_answer) {
            const std::vector<std::uint8_t> answer{0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00,
                                                   0x00, 0x3c, 0x00, 0x04, 127,  0,    0,    1};
            out.insert(out.end(), answer.begin(), answer.end());
        }
        return out;
    }
    void send(const std::vector<std::uint8_t>& datagram) {
        socket_.send_to(asio::buffer(datagram), peer_);
    }
    udp::socket socket_;
    mode mode_;
    std::array<std::uint8_t, 512> buffer_{};
    udp::endpoint peer_;
    std::vector<std::uint8_t> last_query_;
};

check_spec dns_spec(std::string name, std::uint16_t type, microseconds timeout = 1s) {
    dns_check check;
    check.name = std::move(name);
    check.type = type;
    return spec_of(check, timeout);
}

TEST(DnsProbe, AnswerWithTheAskedTypeSucceeds) {
    asio::io_context io;
    dns_server server(io, dns_server::mode::answer_a);
    auto probe =
        make_probe(io, dns_spec("www.example.com", dns::k_type_a), {loopback_v4(), server.port()});
    const auto got = run_probe(io, *probe);
    ASSERT_TRUE(got);
    EXPECT_TRUE(got->result.success) << got->result.detail;
    // The query on the wire: RD set, one question for the name, type A, class IN.
    const auto& query = server.last_query();
    ASSERT_GE(query.size(), 12U);
    const auto expected = dns::encode_query(static_cast<std::uint16_t>(query[0] << 8 | query[1]),
                                            "www.example.com", dns::k_type_a);
    EXPECT_EQ(query, *expected);
}

TEST(DnsProbe, AskingForAnotherTypeFails) {
    asio::io_context io;
    dns_server server(io, dns_server::mode::answer_a);
    auto probe = make_probe(io, dns_spec("www.example.com", dns::k_type_aaaa),
                            {loopback_v4(), server.port()});
    const auto got = run_probe(io, *probe);
    ASSERT_TRUE(got);
    EXPECT_FALSE(got->result.success);
    EXPECT_EQ(got->result.detail, "no AAAA record among 1 answers");
}

TEST(DnsProbe, NxdomainFails) {
    asio::io_context io;
    dns_server server(io, dns_server::mode::nxdomain);
    auto probe =
        make_probe(io, dns_spec("nope.example.com", dns::k_type_a), {loopback_v4(), server.port()});
    const auto got = run_probe(io, *probe);
    ASSERT_TRUE(got);
    EXPECT_FALSE(got->result.success);
    EXPECT_EQ(got->result.detail, "rcode NXDOMAIN");
}

TEST(DnsProbe, ReplyWithAnotherIdIsIgnored) {
    asio::io_context io;
    dns_server server(io, dns_server::mode::wrong_id);
    auto probe = make_probe(io, dns_spec("www.example.com", dns::k_type_a, 300ms),
                            {loopback_v4(), server.port()});
    const auto got = run_probe(io, *probe);
    ASSERT_TRUE(got);
    EXPECT_FALSE(got->result.success);
    EXPECT_EQ(got->result.detail, "timeout after 300ms (waiting for a reply)");
}

TEST(DnsProbe, ForgedReplyDoesNotHideTheRealOne) {
    asio::io_context io;
    dns_server server(io, dns_server::mode::wrong_id_then_answer);
    auto probe =
        make_probe(io, dns_spec("www.example.com", dns::k_type_a), {loopback_v4(), server.port()});
    const auto got = run_probe(io, *probe);
    ASSERT_TRUE(got);
    EXPECT_TRUE(got->result.success) << got->result.detail;
}

TEST(DnsProbe, ClosedPortIsRefused) {
    asio::io_context io;
    auto probe = make_probe(io, dns_spec("www.example.com", dns::k_type_a, 3s),
                            {loopback_v4(), unused_port<udp>(io)});
    const auto got = run_probe(io, *probe);
    ASSERT_TRUE(got);
    EXPECT_FALSE(got->result.success);
    EXPECT_TRUE(contains(got->result.detail, "connection refused")) << got->result.detail;
    EXPECT_LT(got->elapsed, 1s);
}

TEST(DnsProbe, InvalidNameFailsEveryAttempt) {
    asio::io_context io;
    auto probe = make_probe(io, dns_spec("a..b", dns::k_type_a), {loopback_v4(), 53});
    const auto got = run_probe(io, *probe);
    ASSERT_TRUE(got);
    EXPECT_FALSE(got->result.success);
    EXPECT_EQ(got->result.detail, "invalid query name \"a..b\"");
}

// ---- script --------------------------------------------------------------------------------

check_spec script_spec(std::vector<std::string> command, microseconds timeout = 5s) {
    script_check check;
    check.command = std::move(command);
    return spec_of(check, timeout);
}

TEST(ScriptProbe, ExitZeroSucceedsNonZeroFails) {
    asio::io_context io;
    auto ok = make_probe(io, script_spec({"/bin/true"}), {loopback_v4(), 80});
    auto got = run_probe(io, *ok);
    ASSERT_TRUE(got);
    EXPECT_TRUE(got->result.success) << got->result.detail;
    auto bad = make_probe(io, script_spec({"/bin/false"}), {loopback_v4(), 80});
    got = run_probe(io, *bad);
    ASSERT_TRUE(got);
    EXPECT_FALSE(got->result.success);
    EXPECT_EQ(got->result.detail, "exit status 1");
}

TEST(ScriptProbe, TimeoutKillsTheCommand) {
    asio::io_context io;
    auto probe = make_probe(io, script_spec({"/bin/sleep", "10"}, 300ms), {loopback_v4(), 80});
    const auto got = run_probe(io, *probe);
    ASSERT_TRUE(got);
    EXPECT_FALSE(got->result.success);
    EXPECT_EQ(got->result.detail, "killed after timeout 300ms");
    EXPECT_LT(got->elapsed, 1300ms);
}

TEST(ScriptProbe, TargetReachesTheEnvironment) {
    asio::io_context io;
    const support::temp_dir dir("vipd-env", true);  // the script runs as nobody under root
    const auto out = dir.file("target");
    auto probe = make_probe(
        io, script_spec({"/bin/sh", "-c", "echo \"$VIPD_REAL_ADDRESS $VIPD_REAL_PORT\" > " + out}),
        {*ip_address::parse("2001:db8::7"), 8443});
    const auto got = run_probe(io, *probe);
    std::ifstream in(out);
    std::string line;
    std::getline(in, line);
    ASSERT_TRUE(got);
    EXPECT_TRUE(got->result.success) << got->result.detail;
    EXPECT_EQ(line, "2001:db8::7 8443");
}

// Issue 13: a script whose child SIGKILL cannot take down (D state, through the fake killer)
// fails at its timeout, and the real's next check runs and fails at its timeout too, each
// child counted against the check until it is reaped.
TEST(ScriptProbe, AStuckChildFailsTheCheckByItsTimeoutAndTheNextCheckRuns) {
    const auto killer = std::make_shared<fakes::fake_child_killer>();
    asio::io_context io;
    auto& ledger = asio::make_service<child_ledger>(io, killer);
    const support::temp_dir dir("vipd-stuck", true);
    const auto pids = dir.file("pids");
    auto probe = make_probe(
        io, script_spec({"/bin/sh", "-c", "echo $$ >> " + pids + "; exec sleep 30"}, 300ms),
        {*ip_address::parse("192.0.2.7"), 80});
    for (int check = 1; check <= 2; ++check) {
        const auto got = run_probe(io, *probe);
        ASSERT_TRUE(got) << "check " << check << " never ended";
        EXPECT_FALSE(got->result.success);
        EXPECT_TRUE(contains(got->result.detail, "timed out after 300ms; child "))
            << got->result.detail;
        EXPECT_TRUE(contains(got->result.detail, " not reaped after SIGKILL"))
            << got->result.detail;
        EXPECT_LT(got->elapsed, 2s);
        EXPECT_EQ(got->calls, 1);
    }
    EXPECT_EQ(ledger.unreaped("script /bin/sh for 192.0.2.7:80"), 2U);
    std::ifstream in(pids);
    std::vector<int> started;
    for (int pid = 0; in >> pid;) {
        started.push_back(pid);
    }
    ASSERT_EQ(started.size(), 2U);
    for (const int pid : started) {
        ::kill(pid, SIGKILL);  // the hung I/O returns
    }
    EXPECT_TRUE(test::run_until(
        io, [&] { return ledger.unreaped() == 0; }, 5s));
    for (const int pid : started) {
        EXPECT_NE(::kill(pid, 0), 0) << pid << " left as a zombie";
    }
}

}  // namespace
}  // namespace vipd::health::checkers
