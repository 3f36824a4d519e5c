#include <gtest/gtest.h>

#include "vipd/config/loader.hpp"

namespace vipd::config {
namespace {

TEST(InstanceConfig, MapsEveryProtocolField) {
    const auto result = load_string(R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 210
priority = 200
version = 2
advert_interval = "2s"
preempt = false
preempt_delay = "30s"
auth_pass = "PassW0rD"
vips = ["172.28.128.210/24", "192.168.100.1/32 dev lo"]
garp = { delay = "5s", repeat = 2, interval = "100ms", refresh = "60s" }
)",
                                    "t.toml");
    ASSERT_TRUE(result.ok());
    const auto c = result.config->vrrp.at(0).instance_config();
    EXPECT_EQ(c.name, "web");
    EXPECT_EQ(c.version, vrrp::version::v2);
    EXPECT_EQ(c.family, address_family::ipv4);
    EXPECT_EQ(c.vrid, 210);
    EXPECT_EQ(c.priority, 200);
    EXPECT_EQ(c.advert_interval, centiseconds{200});
    EXPECT_FALSE(c.preempt);
    EXPECT_EQ(c.preempt_delay, microseconds{30'000'000});
    const vrrp::auth_pass pass{'P', 'a', 's', 's', 'W', '0', 'r', 'D'};
    EXPECT_EQ(c.password, pass);
    // Adverts carry addresses only; lengths and devices are the host's business.
    const std::vector<ip_address> vips{*ip_address::parse("172.28.128.210"),
                                       *ip_address::parse("192.168.100.1")};
    EXPECT_EQ(c.vips, vips);
    EXPECT_EQ(c.garp, (vrrp::garp_settings{microseconds{5'000'000}, 2, microseconds{100'000},
                                           microseconds{60'000'000}}));
}

TEST(InstanceConfig, Ipv6InstanceHasIpv6FamilyAndNoPassword) {
    const auto result = load_string(R"([[vrrp]]
name = "v6"
interface = "eth1"
vrid = 1
vips = ["2001:db8::1/64"]
)",
                                    "t.toml");
    ASSERT_TRUE(result.ok());
    const auto c = result.config->vrrp.at(0).instance_config();
    EXPECT_EQ(c.family, address_family::ipv6);
    EXPECT_EQ(c.version, vrrp::version::v3);
    EXPECT_FALSE(c.password.has_value());
}

}  // namespace
}  // namespace vipd::config
