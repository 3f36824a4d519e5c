// Probes destroyed or restarted while an attempt is in flight: no callback afterwards, no use
// after free (this binary also runs under ASan + UBSan).

#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "common.hpp"
#include "loopback.hpp"
#include "test_servers.hpp"

namespace vipd::health::checkers {
namespace {

using namespace std::chrono_literals;
using asio::ip::tcp;
using asio::ip::udp;
using test::http_server;
using test::loopback_v4;
using test::run_for;
using test::server_behaviour;
using test::spec_of;

/// A listener whose accept queue is full: connects to it hang (see TcpProbe.FullBacklogTimesOut).
class full_listener {
  public:
    explicit full_listener(asio::io_context& io) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
        ::listen(fd_, 0);
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
        port_ = ntohs(address.sin_port);
        for (int i = 0; i < 2; ++i) {
            fillers_.push_back(std::make_unique<tcp::socket>(io));
            fillers_.back()->async_connect(tcp::endpoint(asio::ip::address_v4::loopback(), port_),
                                           [](const boost::system::error_code&) {});
        }
        run_for(io, 50ms);
    }
    ~full_listener() { ::close(fd_); }
    std::uint16_t port() const { return port_; }

  private:
    int fd_ = -1;
    std::uint16_t port_ = 0;
    std::vector<std::unique_ptr<tcp::socket>> fillers_;
};

/// Each kind, pointed at something that keeps the attempt in flight for seconds.
struct in_flight {
    const char* name;
    std::function<check_spec()> spec;
};

class LifetimeTest : public ::testing::TestWithParam<in_flight> {
  protected:
    void SetUp() override {
        full_ = std::make_unique<full_listener>(io_);
        silent_http_ = std::make_unique<http_server>(io_, "", server_behaviour::silent);
        tls_context_ = pki_.server_context();
        stalled_tls_ = std::make_unique<http_server>(io_, "", server_behaviour::no_handshake,
                                                     tls_context_.get());
        silent_udp_ =
            std::make_unique<udp::socket>(io_, udp::endpoint(asio::ip::address_v4::loopback(), 0));
    }
    probe_target target_for(const check_spec& spec) const {
        std::uint16_t port = 0;
        if (std::holds_alternative<tcp_check>(spec.kind)) {
            port = full_->port();
        } else if (const auto* http = std::get_if<http_check>(&spec.kind)) {
            port = http->tls ? stalled_tls_->port() : silent_http_->port();
        } else if (std::holds_alternative<udp_check>(spec.kind) ||
                   std::holds_alternative<dns_check>(spec.kind)) {
            port = silent_udp_->local_endpoint().port();
        }
        return {loopback_v4(), port};
    }

    asio::io_context io_;
    test::test_pki pki_ = test::test_pki::make();
    std::unique_ptr<full_listener> full_;
    std::unique_ptr<http_server> silent_http_;
    std::unique_ptr<asio::ssl::context> tls_context_;
    std::unique_ptr<http_server> stalled_tls_;
    std::unique_ptr<udp::socket> silent_udp_;
};

TEST_P(LifetimeTest, DestroyedMidAttemptNeverCallsBack) {
    const auto spec = GetParam().spec();
    auto probe = make_probe(io_, spec, target_for(spec));
    int calls = 0;
    probe->start([&](const probe_result&) { ++calls; });
    run_for(io_, 100ms);  // well into the attempt: connecting, handshaking, waiting, running
    ASSERT_EQ(calls, 0) << "the attempt ended early; the test proves nothing";
    probe.reset();
    run_for(io_, 300ms);
    EXPECT_EQ(calls, 0);
}

TEST_P(LifetimeTest, RestartedMidAttemptCallsBackOnlyForTheNewAttempt) {
    auto spec = GetParam().spec();
    spec.timing.timeout = 300ms;
    auto probe = make_probe(io_, spec, target_for(spec));
    int first = 0;
    int second = 0;
    probe->start([&](const probe_result&) { ++first; });
    run_for(io_, 100ms);
    probe->start([&](const probe_result& result) {
        ++second;
        EXPECT_FALSE(result.success);
    });
    test::run_until(
        io_, [&] { return second > 0; }, 5s);
    run_for(io_, 100ms);
    EXPECT_EQ(first, 0);
    EXPECT_EQ(second, 1);
}

TEST_P(LifetimeTest, DestroyedTogetherWithTheLoop) {
    // The daemon's shutdown: probes go, then the io_context with their handlers still queued.
    auto io = std::make_unique<asio::io_context>();
    const auto spec = GetParam().spec();
    auto probe = make_probe(*io, spec, target_for(spec));
    int calls = 0;
    probe->start([&](const probe_result&) { ++calls; });
    io->run_for(50ms);
    probe.reset();
    io.reset();
    EXPECT_EQ(calls, 0);
}

TEST_P(LifetimeTest, CallbackMayDestroyTheProbe) {
    auto spec = GetParam().spec();
    spec.timing.timeout = 200ms;
    auto probe = make_probe(io_, spec, target_for(spec));
    int calls = 0;
    probe->start([&](const probe_result&) {
        ++calls;
        probe.reset();
    });
    test::run_until(
        io_, [&] { return calls > 0; }, 5s);
    run_for(io_, 100ms);
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(probe, nullptr);
}

TEST_P(LifetimeTest, CallbackMayStartTheNextAttempt) {
    auto spec = GetParam().spec();
    spec.timing.timeout = 150ms;
    auto probe = make_probe(io_, spec, target_for(spec));
    int calls = 0;
    std::function<void(const probe_result&)> again = [&](const probe_result&) {
        if (++calls < 3) {
            probe->start(again);
        }
    };
    probe->start(again);
    test::run_until(
        io_, [&] { return calls == 3; }, 5s);
    run_for(io_, 100ms);
    EXPECT_EQ(calls, 3);
}

check_spec tcp_spec() {
    return spec_of(tcp_check{}, 5s);
}
check_spec http_spec() {
    return spec_of(http_check{}, 5s);
}
check_spec https_spec() {
    http_check check;
    check.tls = true;
    check.host = "www.example.test";
    return spec_of(check, 5s);
}
check_spec udp_spec() {
    udp_check check;
    check.payload = "ping";
    return spec_of(check, 5s);
}
check_spec dns_spec() {
    dns_check check;
    check.name = "www.example.test";
    return spec_of(check, 5s);
}
check_spec script_spec() {
    script_check check;
    check.command = {"/bin/sleep", "10"};
    return spec_of(check, 5s);
}

INSTANTIATE_TEST_SUITE_P(EveryKind, LifetimeTest,
                         ::testing::Values(in_flight{"tcp", tcp_spec}, in_flight{"http", http_spec},
                                           in_flight{"https", https_spec},
                                           in_flight{"udp", udp_spec}, in_flight{"dns", dns_spec},
                                           in_flight{"script", script_spec}),
                         [](const ::testing::TestParamInfo<in_flight>& param_info) {
                             return std::string(param_info.param.name);
                         });

/// An attempt that answers at once, through the loop.
class answered_attempt final : public detail::attempt {
  public:
    answered_attempt(asio::io_context& io, probe_callback done)
        : attempt(io, microseconds{1'000'000}, std::move(done)) {}
    void begin() override { fail_soon("answered"); }

  private:
    void close_io() override {}
};

// Issue 13's heap profile: every http probe kept its last attempt, and with it the response's
// 64 KiB body buffer, until its next check; 400 checked reals held 20 MiB that way. A probe
// lets go of an attempt once it has reported.
TEST(AttemptProbe, LetsGoOfAnAttemptOnceItHasReported) {
    asio::io_context io;
    std::weak_ptr<detail::attempt> made;
    detail::attempt_probe probe([&](probe_callback done) {
        auto attempt = std::make_shared<answered_attempt>(io, std::move(done));
        made = attempt;
        return attempt;
    });
    for (int check = 0; check < 2; ++check) {
        const auto got = test::run_probe(io, probe);
        ASSERT_TRUE(got);
        EXPECT_EQ(got->result.detail, "answered");
        EXPECT_EQ(got->calls, 1);
        EXPECT_TRUE(made.expired()) << "the probe still holds its finished attempt";
    }
}

// The callback may destroy the probe, as the health driver does on a reload.
TEST(AttemptProbe, TheCallbackMayDestroyTheProbe) {
    asio::io_context io;
    auto probe = std::make_unique<detail::attempt_probe>([&](probe_callback done) {
        return std::make_shared<answered_attempt>(io, std::move(done));
    });
    int calls = 0;
    probe->start([&](const probe_result&) {
        ++calls;
        probe.reset();
    });
    run_for(io, 50ms);
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(probe, nullptr);
}

}  // namespace
}  // namespace vipd::health::checkers
