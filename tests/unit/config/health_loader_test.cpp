// Health checks, quorum, fallback and VRRP trackers as the loader reads them (what they do to
// the desired IPVS table: tests/unit/policy/health_table_test.cpp).
#include <gtest/gtest.h>

#include <string>

#include "support/config_results.hpp"
#include "support/ipvs_literals.hpp"
#include "vipd/config/loader.hpp"

namespace vipd::config {
namespace {

using ipvs::test::real;
using support::load_ok;

constexpr std::string_view k_http_service = R"(
[[virtual_server]]
name = "web-80"
address = "172.28.128.210"
port = 80
quiescent = true
quorum = 2
fallback = "10.0.0.9"
  [virtual_server.check]
  type = "http"
  path = "/test.html"
  host = "www.example.com"
  expect_status = [200, 204]
  expect_body = "OK"
  interval = "2s"
  timeout = "1s"
  rise = 2
  fall = 3
  initial = "down"
  [[virtual_server.real]]
  address = "172.28.128.40"
  [[virtual_server.real]]
  address = "172.28.128.41"
    [virtual_server.real.check]
    type = "tcp"
    interval = "1s"
  [[virtual_server.real]]
  address = "172.28.128.42"
    [virtual_server.real.check]
    path = "/other"
)";

TEST(HealthConfig, AServiceCheckIsEveryRealsDefault) {
    const auto config = load_ok(k_http_service);
    const auto& server = config.virtual_servers.at(0);
    EXPECT_TRUE(server.quiescent);
    EXPECT_EQ(server.quorum, 2U);
    const auto& first = server.reals.at(0);
    ASSERT_TRUE(first.check.has_value());
    const auto& http = std::get<health::http_check>(first.check->kind);
    EXPECT_FALSE(http.tls);
    EXPECT_EQ(http.method, "GET");
    EXPECT_EQ(http.path, "/test.html");
    EXPECT_EQ(http.host, "www.example.com");
    EXPECT_EQ(http.expect_status, (std::vector<std::uint16_t>{200, 204}));
    EXPECT_EQ(http.expect_body, "OK");
    EXPECT_EQ(first.check->timing.interval, microseconds{2'000'000});
    EXPECT_EQ(first.check->timing.timeout, microseconds{1'000'000});
    EXPECT_EQ(first.check->timing.rise, 2U);
    EXPECT_EQ(first.check->timing.fall, 3U);
    EXPECT_EQ(first.check->timing.initial, health::health_state::down);
}

TEST(HealthConfig, ARealOfAnotherTypeKeepsOnlyTheTiming) {
    const auto config = load_ok(k_http_service);
    const auto& check = *config.virtual_servers.at(0).reals.at(1).check;
    EXPECT_TRUE(std::holds_alternative<health::tcp_check>(check.kind));
    EXPECT_EQ(check.timing.interval, microseconds{1'000'000});
    EXPECT_EQ(check.timing.fall, 3U);  // inherited
    EXPECT_EQ(check.timing.initial, health::health_state::down);
}

TEST(HealthConfig, ARealOfTheSameTypeOverridesSingleKeys) {
    const auto config = load_ok(k_http_service);
    const auto& check = *config.virtual_servers.at(0).reals.at(2).check;
    const auto& http = std::get<health::http_check>(check.kind);
    EXPECT_EQ(http.path, "/other");
    EXPECT_EQ(http.host, "www.example.com");
    EXPECT_EQ(http.expect_body, "OK");
}

TEST(HealthConfig, FallbackTakesTheServicePortAndForwarding) {
    const auto config = load_ok(k_http_service);
    const auto& fallback = *config.virtual_servers.at(0).fallback;
    EXPECT_EQ(fallback.key, real("10.0.0.9", 80));
    EXPECT_EQ(fallback.settings.forwarding, ipvs::forwarding::direct);
    EXPECT_EQ(fallback.settings.weight, 1U);
}

TEST(HealthConfig, FallbackWithAPortMapsItUnderNat) {
    const auto config = load_ok(R"(
[[virtual_server]]
address = "192.168.100.1"
port = 80
forwarding = "nat"
fallback = "127.0.0.1:8090"
[[virtual_server]]
address = "2001:db8::1"
port = 443
forwarding = "nat"
fallback = "[2001:db8::9]:8443"
)");
    EXPECT_EQ(config.virtual_servers.at(0).fallback->key, real("127.0.0.1", 8090));
    EXPECT_EQ(config.virtual_servers.at(0).fallback->settings.forwarding, ipvs::forwarding::nat);
    EXPECT_EQ(config.virtual_servers.at(1).fallback->key, real("2001:db8::9", 8443));
}

TEST(HealthConfig, DefaultsAreKeepalivedLike) {
    const auto config = load_ok(R"(
[[virtual_server]]
address = "10.0.0.1"
port = 80
  [virtual_server.check]
  type = "tcp"
  [[virtual_server.real]]
  address = "10.0.0.2"
[[virtual_server]]
address = "10.0.0.1"
port = 81
  [virtual_server.check]
  type = "tcp"
  interval = "300ms"
  [[virtual_server.real]]
  address = "10.0.0.2"
)");
    const auto& server = config.virtual_servers.at(0);
    EXPECT_FALSE(server.quiescent);
    EXPECT_EQ(server.quorum, 1U);
    EXPECT_FALSE(server.fallback.has_value());
    const auto& timing = server.reals.at(0).check->timing;
    EXPECT_EQ(timing.interval, microseconds{2'000'000});
    EXPECT_EQ(timing.timeout, microseconds{1'000'000});
    EXPECT_EQ(timing.rise, 1U);
    EXPECT_EQ(timing.fall, 1U);
    EXPECT_EQ(timing.initial, health::health_state::up);
    // A short interval pulls the default timeout down with it.
    EXPECT_EQ(config.virtual_servers.at(1).reals.at(0).check->timing.timeout,
              microseconds{300'000});
}

TEST(HealthConfig, EveryCheckTypeReadsItsOwnKeys) {
    const auto config = load_ok(R"(
[[virtual_server]]
address = "10.0.0.1"
port = 443
  [virtual_server.check]
  type = "https"
  method = "HEAD"
  tls_verify = true
  expect_body_regex = "^ok$"
  port = 8443
  [[virtual_server.real]]
  address = "10.0.0.2"
[[virtual_server]]
address = "10.0.0.1"
port = 53
protocol = "udp"
  [virtual_server.check]
  type = "dns"
  name = "www.example.com"
  query_type = "AAAA"
  [[virtual_server.real]]
  address = "10.0.0.2"
[[virtual_server]]
address = "10.0.0.1"
port = 5000
protocol = "udp"
  [virtual_server.check]
  type = "udp"
  payload = "ping"
  expect = "pong"
  [[virtual_server.real]]
  address = "10.0.0.2"
[[virtual_server]]
address = "10.0.0.1"
port = 25
  [virtual_server.check]
  type = "script"
  command = ["/usr/local/bin/check-smtp", "--quick"]
  user = "daemon"
  [[virtual_server.real]]
  address = "10.0.0.2"
)");
    const auto& https =
        std::get<health::http_check>(config.virtual_servers[0].reals[0].check->kind);
    EXPECT_TRUE(https.tls);
    EXPECT_TRUE(https.tls_verify);
    EXPECT_EQ(https.method, "HEAD");
    EXPECT_EQ(https.expect_body_regex, "^ok$");
    EXPECT_EQ(config.virtual_servers[0].reals[0].check->port, 8443);
    const auto& dns = std::get<health::dns_check>(config.virtual_servers[1].reals[0].check->kind);
    EXPECT_EQ(dns.name, "www.example.com");
    EXPECT_EQ(dns.type, 28);
    const auto& udp = std::get<health::udp_check>(config.virtual_servers[2].reals[0].check->kind);
    EXPECT_EQ(udp.payload, "ping");
    EXPECT_EQ(udp.expect, "pong");
    const auto& script =
        std::get<health::script_check>(config.virtual_servers[3].reals[0].check->kind);
    EXPECT_EQ(script.command, (std::vector<std::string>{"/usr/local/bin/check-smtp", "--quick"}));
    EXPECT_EQ(script.user.name, "daemon");
}

TEST(HealthConfig, RealsWithoutACheckHaveNone) {
    const auto config = load_ok(R"(
[[virtual_server]]
address = "10.0.0.1"
port = 80
  [[virtual_server.real]]
  address = "10.0.0.2"
)");
    EXPECT_FALSE(config.virtual_servers.at(0).reals.at(0).check.has_value());
}

TEST(HealthConfig, TrackersOfAnInstance) {
    const auto config = load_ok(R"(
[[vrrp]]
name = "web"
interface = "eth1"
vrid = 51
priority = 150
vips = ["172.28.128.210/24"]
track_interfaces = ["eth3", { name = "eth2", weight = -30 }]
track_scripts = [{ command = ["/usr/local/bin/check-nginx", "-q"], interval = "2s", weight = -20, rise = 2, fall = 2 }]
track_virtual_servers = [{ name = "web-80", weight = -50 }]
[[virtual_server]]
name = "web-80"
address = "172.28.128.210"
port = 80
)");
    const auto& instance = config.vrrp.at(0);
    ASSERT_EQ(instance.track_interfaces.size(), 2U);
    EXPECT_EQ(instance.track_interfaces[0], (tracked_interface{"eth3", 0}));
    EXPECT_EQ(instance.track_interfaces[1], (tracked_interface{"eth2", -30}));
    ASSERT_EQ(instance.track_scripts.size(), 1U);
    const auto& script = instance.track_scripts[0];
    EXPECT_EQ(script.name, "check-nginx");
    EXPECT_EQ(script.script.command,
              (std::vector<std::string>{"/usr/local/bin/check-nginx", "-q"}));
    EXPECT_EQ(script.script.user.name, std::nullopt);  // the default: bound at start-up
    EXPECT_EQ(script.weight, -20);
    EXPECT_EQ(script.timing.rise, 2U);
    EXPECT_EQ(script.timing.interval, microseconds{2'000'000});
    ASSERT_EQ(instance.track_virtual_servers.size(), 1U);
    EXPECT_EQ(instance.track_virtual_servers[0], (tracked_virtual_server{"web-80", -50}));
}

TEST(NotifyConfig, CommandsUserAndTimeout) {
    const auto config = load_ok(R"(
[[vrrp]]
name = "web"
interface = "eth1"
vrid = 51
vips = ["172.28.128.210/24"]
notify = "/etc/vipd/notify.sh"
notify_master = ["/usr/local/bin/promote", "--now"]
notify_user = "daemon"
notify_timeout = "3s"
)");
    const auto& notify = config.vrrp.at(0).notify;
    EXPECT_EQ(notify.any, (std::vector<std::string>{"/etc/vipd/notify.sh"}));
    EXPECT_EQ(notify.master, (std::vector<std::string>{"/usr/local/bin/promote", "--now"}));
    EXPECT_TRUE(notify.backup.empty());
    EXPECT_EQ(notify.user.name, "daemon");
    EXPECT_EQ(notify.timeout, microseconds{3'000'000});
}

TEST(NotifyConfig, Defaults) {
    const auto config = load_ok(R"(
[[vrrp]]
name = "web"
interface = "eth1"
vrid = 51
vips = ["172.28.128.210/24"]
)");
    const auto& notify = config.vrrp.at(0).notify;
    EXPECT_TRUE(notify.empty());
    EXPECT_EQ(notify.user.name, std::nullopt);  // the default: bound at start-up
    EXPECT_EQ(notify.timeout, microseconds{10'000'000});
}

}  // namespace
}  // namespace vipd::config
