// The tables the shipped examples (conf/) give for a set of MASTER instances: the one-host lab
// pushes its NAT service with nothing MASTER, the pair and the trio gate each service on the
// instance of its VIP.
#include <gtest/gtest.h>

#include <string>

#include "support/addresses.hpp"
#include "support/config_results.hpp"
#include "vipd/config/loader.hpp"
#include "vipd/policy/desired_table.hpp"

namespace vipd::policy {
namespace {

using support::addr;
using support::all_errors;

config::daemon_config load_example(const std::string& name) {
    auto result = config::load_file(std::string(VIPD_CONF_DIR) + "/" + name, "test-host");
    EXPECT_TRUE(result.ok()) << all_errors(result);
    return result.config.value_or(config::daemon_config{});
}

TEST(ShippedIpvsExamples, SingleHostIsTheLabNatPairOnAStaticVip) {
    const auto c = load_example("single-host-dummy.toml");
    EXPECT_TRUE(c.vrrp.empty());
    ASSERT_EQ(c.static_vips.size(), 1u);
    EXPECT_EQ(c.static_vips[0], (config::vip{support::prefix("192.168.100.1/32"), "dummy1"}));
    // Nothing is MASTER and nothing needs to be.
    const auto table = desired_table(c, [](std::string_view) { return false; });
    ASSERT_EQ(table.size(), 1u);
    const auto& [key, service] = *table.begin();
    EXPECT_EQ(
        key,
        (ipvs::service_key{ipvs::endpoint_key{ipvs::protocol::tcp, addr("192.168.100.1"), 80}}));
    EXPECT_EQ(service.settings.scheduler, "rr");
    ASSERT_EQ(service.destinations.size(), 2u);
    for (const auto port : {std::uint16_t{8081}, std::uint16_t{8082}}) {
        const auto it = service.destinations.find(ipvs::destination_key{addr("127.0.0.1"), port});
        ASSERT_NE(it, service.destinations.end()) << port;
        EXPECT_EQ(it->second.forwarding, ipvs::forwarding::nat);
    }
}

TEST(ShippedIpvsExamples, PairGatesTheDrServiceOnWeb) {
    for (const auto* file : {"pair-dir1.toml", "pair-dir2.toml"}) {
        const auto c = load_example(file);
        ASSERT_EQ(c.virtual_servers.size(), 1u) << file;
        const auto& vs = c.virtual_servers[0];
        EXPECT_EQ(vs.vrrp, "web") << file;
        EXPECT_EQ(vs.settings.scheduler, "rr");
        ASSERT_EQ(vs.reals.size(), 2u);
        EXPECT_EQ(vs.reals[0].key, (ipvs::destination_key{addr("172.28.128.40"), 80}));
        EXPECT_EQ(vs.reals[1].key, (ipvs::destination_key{addr("172.28.128.50"), 80}));
        EXPECT_EQ(vs.reals[1].settings.forwarding, ipvs::forwarding::direct);
        EXPECT_TRUE(desired_table(c, [](std::string_view) { return false; }).empty());
        EXPECT_EQ(desired_table(c, [](std::string_view n) { return n == "web"; }).size(), 1u);
    }
}

TEST(ShippedIpvsExamples, TrioGatesEachServiceOnItsVipsInstance) {
    for (const auto* file : {"trio-dir1.toml", "trio-dir2.toml", "trio-dir3.toml"}) {
        const auto c = load_example(file);
        ASSERT_EQ(c.virtual_servers.size(), 6u) << file;
        for (const auto& vs : c.virtual_servers) {
            const auto& endpoint = std::get<ipvs::endpoint_key>(vs.key);
            const auto bytes = endpoint.address.bytes();
            EXPECT_EQ(vs.vrrp, "vip" + std::to_string(bytes[3])) << file;
        }
        // dir1 is Master of vip211 and vip212: its table holds exactly those two services.
        const auto table =
            desired_table(c, [](std::string_view n) { return n == "vip211" || n == "vip212"; });
        EXPECT_EQ(table.size(), 2u);
        EXPECT_TRUE(
            table.contains(ipvs::endpoint_key{ipvs::protocol::tcp, addr("172.28.128.211"), 80}));
        EXPECT_TRUE(
            table.contains(ipvs::endpoint_key{ipvs::protocol::tcp, addr("172.28.128.212"), 80}));
    }
}

}  // namespace
}  // namespace vipd::policy
