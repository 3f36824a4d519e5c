// The IPVS half of the configuration read back: every key, the defaults, and how each service
// finds the instance that gates it.
#include <gtest/gtest.h>

#include <string>

#include "support/addresses.hpp"
#include "support/config_results.hpp"
#include "vipd/config/loader.hpp"

namespace vipd::config {
namespace {

using support::addr;
using support::all_errors;
using support::load_ok;

constexpr std::string_view k_full = R"([global]
router_id = "dir1"
static_vips = ["192.168.100.1/32 dev dummy1", "2001:db8:100::1/128 dev dummy1"]

[ipvs]
mode = "always"
resync_interval = "250ms"
[ipvs.sync]
interface = "eth1"
sync_id = 7

[[vrrp]]
name = "web"
interface = "eth1"
vrid = 51
vips = ["172.28.128.210/24"]

[[vrrp]]
name = "dns"
interface = "eth1"
vrid = 52
vips = ["2001:db8::53/64"]

[[virtual_server]]
name = "http"
address = "172.28.128.210"
port = 80
protocol = "tcp"
scheduler = "sh"
sh_port = true
sh_fallback = true
forwarding = "dr"
persistence = "300s"
persistence_netmask = "255.255.255.0"
  [[virtual_server.real]]
  address = "172.28.128.40"
  weight = 3
  upper_threshold = 100
  lower_threshold = 50
  [[virtual_server.real]]
  address = "172.28.128.50"
  port = 80
  weight = 0
  forwarding = "nat"

[[virtual_server]]
address = "2001:db8::53"
port = 53
protocol = "udp"
scheduler = "mh"
mh_port = true
mh_fallback = true
one_packet = true
forwarding = "tun"
tunnel_type = "gue"
tunnel_port = 6080
tunnel_checksum = true
persistence = "60s"
persistence_netmask = 64
  [[virtual_server.real]]
  address = "2001:db8::40"
  [[virtual_server.real]]
  address = "2001:db8::50"
  tunnel_type = "gre"
  [[virtual_server.real]]
  address = "2001:db8::60"
  forwarding = "nat"
  port = 5353

[[virtual_server]]
fwmark = 10
family = "ipv4"
scheduler = "wrr"
forwarding = "nat"
vrrp = "web"
  [[virtual_server.real]]
  address = "10.1.0.40"
  port = 8080

[[virtual_server]]
address = "192.168.100.1"
port = 443
protocol = "sctp"
scheduler = "twos"
)";

TEST(LoadIpvs, FullExampleReadsBack) {
    const auto c = load_ok(k_full);

    ASSERT_EQ(c.static_vips.size(), 2u);
    EXPECT_EQ(c.static_vips[0].prefix, *ip_prefix::parse("192.168.100.1/32"));
    EXPECT_EQ(c.static_vips[0].device, "dummy1");
    EXPECT_EQ(c.static_vips[1].prefix, *ip_prefix::parse("2001:db8:100::1/128"));

    EXPECT_EQ(c.ipvs.mode, ipvs_mode::always);
    EXPECT_EQ(c.ipvs.resync_interval, microseconds{250'000});
    ASSERT_TRUE(c.ipvs.sync.has_value());
    EXPECT_EQ(c.ipvs.sync->interface, "eth1");
    EXPECT_EQ(c.ipvs.sync->sync_id, 7);

    ASSERT_EQ(c.virtual_servers.size(), 4u);

    const auto& http = c.virtual_servers[0];
    EXPECT_EQ(http.name, "http");
    EXPECT_EQ(
        http.key,
        (ipvs::service_key{ipvs::endpoint_key{ipvs::protocol::tcp, addr("172.28.128.210"), 80}}));
    EXPECT_EQ(http.settings.scheduler, "sh");
    EXPECT_EQ(http.settings.flags, (ipvs::service_flags{false, true, true, false}));
    EXPECT_EQ(http.settings.persistence_timeout, 300u);
    EXPECT_EQ(http.settings.persistence_prefix, 24);
    EXPECT_EQ(http.vrrp, "web");  // the owner of 172.28.128.210
    EXPECT_EQ(http.position, (source_position{"t.toml", 24, 1}));
    ASSERT_EQ(http.reals.size(), 2u);
    EXPECT_EQ(http.reals[0].key, (ipvs::destination_key{addr("172.28.128.40"), 80}));
    EXPECT_EQ(http.reals[0].settings,
              (ipvs::destination_settings{ipvs::forwarding::direct, 3, 100, 50,
                                          ipvs::tunnel_type::ipip, 0, false}));
    EXPECT_EQ(http.reals[0].position, (source_position{"t.toml", 35, 3}));
    EXPECT_EQ(http.reals[1].key, (ipvs::destination_key{addr("172.28.128.50"), 80}));
    EXPECT_EQ(http.reals[1].settings.forwarding, ipvs::forwarding::nat);
    EXPECT_EQ(http.reals[1].settings.weight, 0u);

    const auto& dns = c.virtual_servers[1];
    EXPECT_EQ(
        dns.key,
        (ipvs::service_key{ipvs::endpoint_key{ipvs::protocol::udp, addr("2001:db8::53"), 53}}));
    EXPECT_EQ(dns.settings.scheduler, "mh");
    EXPECT_EQ(dns.settings.flags, (ipvs::service_flags{true, true, true, false}));
    EXPECT_EQ(dns.settings.persistence_timeout, 60u);
    EXPECT_EQ(dns.settings.persistence_prefix, 64);
    EXPECT_EQ(dns.vrrp, "dns");
    ASSERT_EQ(dns.reals.size(), 3u);
    // Inherits the service's tunnel settings.
    EXPECT_EQ(dns.reals[0].key, (ipvs::destination_key{addr("2001:db8::40"), 53}));
    EXPECT_EQ(dns.reals[0].settings,
              (ipvs::destination_settings{ipvs::forwarding::tunnel, 1, 0, 0, ipvs::tunnel_type::gue,
                                          6080, true}));
    // Its own tunnel_type drops the GUE port and checksum that came with the service's type.
    EXPECT_EQ(dns.reals[1].settings,
              (ipvs::destination_settings{ipvs::forwarding::tunnel, 1, 0, 0, ipvs::tunnel_type::gre,
                                          0, false}));
    // NAT maps the port.
    EXPECT_EQ(dns.reals[2].key, (ipvs::destination_key{addr("2001:db8::60"), 5353}));
    EXPECT_EQ(dns.reals[2].settings.forwarding, ipvs::forwarding::nat);

    const auto& marked = c.virtual_servers[2];
    EXPECT_EQ(marked.key, (ipvs::service_key{ipvs::fwmark_key{10, address_family::ipv4}}));
    EXPECT_EQ(marked.vrrp, "web");
    ASSERT_EQ(marked.reals.size(), 1u);
    EXPECT_EQ(marked.reals[0].key, (ipvs::destination_key{addr("10.1.0.40"), 8080}));

    const auto& on_static = c.virtual_servers[3];
    EXPECT_EQ(
        on_static.key,
        (ipvs::service_key{ipvs::endpoint_key{ipvs::protocol::sctp, addr("192.168.100.1"), 443}}));
    EXPECT_EQ(on_static.settings.scheduler, "twos");
    EXPECT_FALSE(on_static.vrrp.has_value()) << "a static VIP's service is always pushed";
    EXPECT_TRUE(on_static.reals.empty());
}

TEST(LoadIpvs, Defaults) {
    const auto c = load_ok(R"([[virtual_server]]
address = "10.0.0.1"
port = 80
  [[virtual_server.real]]
  address = "10.0.0.40"
[[virtual_server]]
address = "2001:db8::1"
port = 80
[[virtual_server]]
fwmark = 4
family = "ipv6"
  [[virtual_server.real]]
  address = "2001:db8::40"
[[virtual_server]]
fwmark = 5
forwarding = "nat"
  [[virtual_server.real]]
  address = "10.0.0.40"
)");
    EXPECT_EQ(c.ipvs, ipvs_settings{});
    EXPECT_EQ(c.ipvs.mode, ipvs_mode::master);
    EXPECT_EQ(c.ipvs.resync_interval, microseconds{5'000'000});
    EXPECT_FALSE(c.ipvs.sync.has_value());
    EXPECT_TRUE(c.static_vips.empty());
    ASSERT_EQ(c.virtual_servers.size(), 4u);

    const auto& v4 = c.virtual_servers[0];
    EXPECT_FALSE(v4.name.has_value());
    EXPECT_EQ(v4.settings, ipvs::service_settings{});  // wlc, no flags, not persistent, /32
    EXPECT_EQ(std::get<ipvs::endpoint_key>(v4.key).protocol, ipvs::protocol::tcp);
    EXPECT_FALSE(v4.vrrp.has_value()) << "no instance owns 10.0.0.1: always pushed";
    ASSERT_EQ(v4.reals.size(), 1u);
    EXPECT_EQ(v4.reals[0].key.port, 80) << "DR reals take the service port";
    EXPECT_EQ(v4.reals[0].settings, ipvs::destination_settings{});  // dr, weight 1

    EXPECT_EQ(c.virtual_servers[1].settings.persistence_prefix, 128) << "per client, IPv6";

    const auto& mark6 = c.virtual_servers[2];
    EXPECT_EQ(mark6.key, (ipvs::service_key{ipvs::fwmark_key{4, address_family::ipv6}}));
    EXPECT_EQ(mark6.settings.persistence_prefix, 128);
    ASSERT_EQ(mark6.reals.size(), 1u);
    EXPECT_EQ(mark6.reals[0].key.port, 0) << "fwmark DR reals keep each packet's port";
    EXPECT_FALSE(mark6.vrrp.has_value());

    const auto& mark_nat = c.virtual_servers[3];
    EXPECT_EQ(mark_nat.key, (ipvs::service_key{ipvs::fwmark_key{5, address_family::ipv4}}));
    ASSERT_EQ(mark_nat.reals.size(), 1u);
    EXPECT_EQ(mark_nat.reals[0].key.port, 0) << "NAT without a port keeps the packet's port";
    EXPECT_EQ(mark_nat.reals[0].settings.forwarding, ipvs::forwarding::nat);
}

TEST(LoadIpvs, AcceptedEdgeCases) {
    const auto c = load_ok(R"([[virtual_server]]
address = "10.0.0.1"
port = 0
persistence = "1s"
persistence_netmask = 32
[[virtual_server]]
address = "10.0.0.1"
port = 53
protocol = "udp"
one_packet = true
forwarding = "tun"
  [[virtual_server.real]]
  address = "2001:db8::40"
  upper_threshold = 10
  lower_threshold = 10
  [[virtual_server.real]]
  address = "10.0.0.40"
  port = 53
  forwarding = "nat"
  weight = 65535
  [[virtual_server.real]]
  address = "10.0.0.40"
  port = 5353
  forwarding = "nat"
[[virtual_server]]
fwmark = 4294967295
one_packet = true
sh_port = false
)");
    ASSERT_EQ(c.virtual_servers.size(), 3u);
    EXPECT_EQ(std::get<ipvs::endpoint_key>(c.virtual_servers[0].key).port, 0);
    const auto& dns = c.virtual_servers[1];
    ASSERT_EQ(dns.reals.size(), 3u) << "same address on two ports is two reals";
    EXPECT_EQ(dns.reals[0].key.address, addr("2001:db8::40")) << "TUN may cross families";
    EXPECT_EQ(dns.reals[0].settings.lower_threshold, 10u);
    EXPECT_EQ(dns.reals[1].settings.weight, 65535u);
    EXPECT_TRUE(c.virtual_servers[2].settings.flags.one_packet) << "a mark may select UDP";
    EXPECT_FALSE(c.virtual_servers[2].settings.flags.sched2);
}

TEST(LoadIpvs, VrrpGatesFwmarkServicesOnlyWhenNamed) {
    constexpr std::string_view k_text = R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 51
vips = ["10.0.0.1/24"]
[[virtual_server]]
fwmark = 1
[[virtual_server]]
fwmark = 2
vrrp = "web"
[[virtual_server]]
address = "10.0.0.1"
port = 80
vrrp = "web"
[[virtual_server]]
address = "10.0.0.9"
port = 80
vrrp = "web"
)";
    const auto c = load_ok(k_text);
    ASSERT_EQ(c.virtual_servers.size(), 4u);
    EXPECT_FALSE(c.virtual_servers[0].vrrp.has_value());
    EXPECT_EQ(c.virtual_servers[1].vrrp, "web");
    EXPECT_EQ(c.virtual_servers[2].vrrp, "web") << "naming the owner is allowed";
    EXPECT_EQ(c.virtual_servers[3].vrrp, "web") << "an address no instance owns may be gated";
}

TEST(LoadIpvs, EveryErrorReportedInFileOrder) {
    const auto result = load_string(R"([[virtual_server]]
address = "10.0.0.1"
port = 80
scheduler = "foo"
persistence = "0.5s"
[[virtual_server.real]]
address = "10.0.0.40"
port = 81
weight = 1.5
[[virtual_server]]
address = "10.0.0.1"
port = 80
[ipvs]
mode = "sometimes"
)",
                                    "m.toml");
    ASSERT_FALSE(result.ok());
    std::vector<std::string> got;
    for (const auto& e : result.errors) {
        got.push_back(std::to_string(e.position.line) + ":" + std::to_string(e.position.column) +
                      ": " + e.key);
    }
    const std::vector<std::string> want{
        "4:13: virtual_server[0].scheduler",   "5:15: virtual_server[0].persistence",
        "8:8: virtual_server[0].real[0].port", "9:10: virtual_server[0].real[0].weight",
        "11:11: virtual_server[1].address",    "14:8: ipvs.mode",
    };
    EXPECT_EQ(got, want) << all_errors(result);
}

}  // namespace
}  // namespace vipd::config
