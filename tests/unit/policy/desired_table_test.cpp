// desired_table: which services the daemon pushes for a given set of MASTER instances.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

#include "support/config_results.hpp"
#include "support/ipvs_literals.hpp"
#include "vipd/policy/desired_table.hpp"

namespace vipd::policy {
namespace {

using config::daemon_config;
using ipvs::test::real;
using ipvs::test::tcp;

// Two instances, a service gated by each, one on a static VIP and one fwmark service that names
// no instance: the last two are always pushed.
constexpr std::string_view k_config = R"([global]
static_vips = ["192.168.100.1/32 dev dummy1"]
[[vrrp]]
name = "a"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
[[vrrp]]
name = "b"
interface = "eth1"
vrid = 2
vips = ["10.0.0.2/24"]
[[virtual_server]]
address = "10.0.0.1"
port = 80
scheduler = "rr"
  [[virtual_server.real]]
  address = "10.0.0.40"
  weight = 2
  [[virtual_server.real]]
  address = "10.0.0.50"
[[virtual_server]]
address = "10.0.0.2"
port = 80
[[virtual_server]]
address = "192.168.100.1"
port = 80
forwarding = "nat"
  [[virtual_server.real]]
  address = "127.0.0.1"
  port = 8081
[[virtual_server]]
fwmark = 9
)";

daemon_config config(std::string_view extra = "") {
    return support::load_ok(std::string(k_config) + std::string(extra));
}

master_predicate masters(std::set<std::string> names) {
    return [names = std::move(names)](std::string_view name) {
        return names.contains(std::string(name));
    };
}

std::set<ipvs::service_key> keys(const ipvs::table& table) {
    std::set<ipvs::service_key> out;
    for (const auto& [key, service] : table) {
        out.insert(key);
    }
    return out;
}

struct gating_row {
    std::string_view description;
    std::set<std::string> masters;
    std::set<ipvs::service_key> expected;
};

class DesiredTableGating : public ::testing::TestWithParam<gating_row> {};

TEST_P(DesiredTableGating, HoldsTheServicesOfMasterInstancesAndUngatedOnes) {
    const auto& row = GetParam();
    EXPECT_EQ(keys(desired_table(config(), masters(row.masters))), row.expected);
}

const ipvs::service_key k_fwmark = ipvs::fwmark_key{9, address_family::ipv4};

INSTANTIATE_TEST_SUITE_P(
    Rows, DesiredTableGating,
    ::testing::Values(
        gating_row{"backup everywhere", {}, {tcp("192.168.100.1", 80), k_fwmark}},
        gating_row{"master of a", {"a"}, {tcp("10.0.0.1", 80), tcp("192.168.100.1", 80), k_fwmark}},
        gating_row{"master of b", {"b"}, {tcp("10.0.0.2", 80), tcp("192.168.100.1", 80), k_fwmark}},
        gating_row{"master of both",
                   {"a", "b"},
                   {tcp("10.0.0.1", 80), tcp("10.0.0.2", 80), tcp("192.168.100.1", 80), k_fwmark}}),
    [](const auto& param_info) {
        std::string name(param_info.param.description);
        std::replace(name.begin(), name.end(), ' ', '_');
        return name;
    });

TEST(DesiredTable, CarriesSettingsAndReals) {
    const auto table = desired_table(config(), masters({"a"}));
    const auto& web = table.at(tcp("10.0.0.1", 80));
    EXPECT_EQ(web.settings.scheduler, "rr");
    ASSERT_EQ(web.destinations.size(), 2u);
    EXPECT_EQ(web.destinations.at(real("10.0.0.40", 80)).weight, 2u);
    EXPECT_EQ(web.destinations.at(real("10.0.0.50", 80)), ipvs::destination_settings{});
    const auto& single = table.at(tcp("192.168.100.1", 80));
    ASSERT_EQ(single.destinations.size(), 1u);
    EXPECT_EQ(single.destinations.begin()->first, real("127.0.0.1", 8081));
    EXPECT_EQ(single.destinations.begin()->second.forwarding, ipvs::forwarding::nat);
    EXPECT_TRUE(table.at(k_fwmark).destinations.empty());
}

TEST(DesiredTable, ModeAlwaysPushesEverythingAndAsksNobody) {
    const auto c = config("[ipvs]\nmode = \"always\"\n");
    bool asked = false;
    const auto table = desired_table(c, [&](std::string_view) {
        asked = true;
        return false;
    });
    EXPECT_EQ(table.size(), 4u);
    EXPECT_FALSE(asked);
}

TEST(DesiredTable, AsksOnlyAboutGatingInstances) {
    std::set<std::string> asked;
    desired_table(config(), [&](std::string_view name) {
        asked.insert(std::string(name));
        return true;
    });
    EXPECT_EQ(asked, (std::set<std::string>{"a", "b"}));
}

TEST(DesiredTable, EmptyConfigGivesAnEmptyTable) {
    EXPECT_TRUE(desired_table(daemon_config{}, masters({"a"})).empty());
}

TEST(GatingInstances, ListsEachGatingInstanceOnce) {
    EXPECT_EQ(gating_instances(config()), (std::vector<std::string>{"a", "b"}));
    EXPECT_TRUE(gating_instances(daemon_config{}).empty());
}

}  // namespace
}  // namespace vipd::policy
