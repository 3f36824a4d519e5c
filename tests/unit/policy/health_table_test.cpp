// What health does to the desired IPVS table: down reals leave (or stay at weight 0 when the
// service is quiescent), and the fallback comes in while the quorum is lost.
#include <gtest/gtest.h>

#include <string>

#include "support/config_results.hpp"
#include "support/ipvs_literals.hpp"
#include "vipd/policy/desired_table.hpp"

namespace vipd::policy {
namespace {

using ipvs::test::real;
using support::load_ok;

config::daemon_config service_with_three_reals(bool quiescent, std::uint32_t quorum,
                                               bool fallback) {
    std::string text = R"(
[[virtual_server]]
address = "10.0.0.1"
port = 80
)";
    text += quiescent ? "quiescent = true\n" : "";
    text += "quorum = " + std::to_string(quorum) + "\n";
    text += fallback ? "fallback = \"10.0.0.9\"\n" : "";
    text += R"(
  [virtual_server.check]
  type = "tcp"
  [[virtual_server.real]]
  address = "10.0.0.2"
  weight = 2
  [[virtual_server.real]]
  address = "10.0.0.3"
  [[virtual_server.real]]
  address = "10.0.0.4"
    [virtual_server.real.check]
    type = "tcp"
)";
    return load_ok(text);
}

const master_predicate k_no_master = [](std::string_view) { return false; };

TEST(HealthDesiredTable, DownRealsLeaveAndComeBack) {
    const auto config = service_with_three_reals(false, 1, false);
    const auto down = real("10.0.0.3", 80);
    const auto table = desired_table(
        config, k_no_master,
        [&](const ipvs::service_key&, const ipvs::destination_key& r) { return r != down; });
    const auto& destinations = table.begin()->second.destinations;
    EXPECT_EQ(destinations.size(), 2U);
    EXPECT_EQ(destinations.count(down), 0U);
    EXPECT_EQ(desired_table(config, k_no_master).begin()->second.destinations.size(), 3U);
}

TEST(HealthDesiredTable, QuiescentRealsStayAtWeightZero) {
    const auto config = service_with_three_reals(true, 1, false);
    const auto down = real("10.0.0.2", 80);
    const auto table = desired_table(
        config, k_no_master,
        [&](const ipvs::service_key&, const ipvs::destination_key& r) { return r != down; });
    const auto& destinations = table.begin()->second.destinations;
    EXPECT_EQ(destinations.size(), 3U);
    EXPECT_EQ(destinations.at(down).weight, 0U);
    EXPECT_EQ(destinations.at(real("10.0.0.3", 80)).weight, 1U);
}

TEST(HealthDesiredTable, FallbackWhileQuorumIsLost) {
    const auto config = service_with_three_reals(false, 3, true);
    const auto& server = config.virtual_servers.at(0);
    const health_predicate only_weight_two_down = [](const ipvs::service_key&,
                                                     const ipvs::destination_key& r) {
        return r != real("10.0.0.2", 80);
    };
    // 1 + 1 < 3: quorum lost, the fallback joins the two live reals.
    EXPECT_FALSE(has_quorum(server, only_weight_two_down));
    auto destinations =
        desired_table(config, k_no_master, only_weight_two_down).begin()->second.destinations;
    EXPECT_EQ(destinations.size(), 3U);
    EXPECT_EQ(destinations.count(real("10.0.0.9", 80)), 1U);
    // Everyone up: 4 >= 3, no fallback.
    EXPECT_TRUE(has_quorum(server, {}));
    destinations = desired_table(config, k_no_master).begin()->second.destinations;
    EXPECT_EQ(destinations.count(real("10.0.0.9", 80)), 0U);
}

}  // namespace
}  // namespace vipd::policy
