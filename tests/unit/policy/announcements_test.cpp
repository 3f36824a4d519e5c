// Which [[bgp_vip]] addresses are announced: one row per combination of quorums, VRRP role,
// demote and stop, with the reason the journal gets.
#include "vipd/policy/announcements.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace vipd::policy {
namespace {

struct row {
    const char* description;
    std::vector<std::string> servers;
    config::bgp_gate gate;
    std::optional<std::string> follow;
    std::set<std::string> quorate;  // servers with their quorum
    bool master;                    // the followed instance
    bool demoted;
    bool stopping;
    bool announced;
    const char* reason;
};

class AnnouncementsTest : public ::testing::TestWithParam<row> {};

TEST_P(AnnouncementsTest, DecidesWithAReason) {
    const auto& r = GetParam();
    config::daemon_config config;
    config::bgp_vip vip;
    vip.name = "anycast";
    vip.address = *ip_address::parse("192.0.2.10");
    vip.virtual_servers = r.servers;
    vip.gate = r.gate;
    vip.follow_instance = r.follow;
    config.bgp_vips.push_back(vip);
    announcement_state state{
        .has_quorum = [&](std::string_view s) { return r.quorate.count(std::string(s)) > 0; },
        .is_master = [&](std::string_view i) { return r.master && i == "web"; },
        .demoted = r.demoted ? std::set<std::string>{"anycast"} : std::set<std::string>{},
        .stopping = r.stopping};
    const auto out = announcements(config, state);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].vip, &config.bgp_vips[0]);
    EXPECT_EQ(out[0].announced, r.announced) << r.description;
    EXPECT_EQ(out[0].reason, r.reason) << r.description;
}

using enum config::bgp_gate;
const std::vector<std::string> k_two{"web-80", "web-443"};

INSTANTIATE_TEST_SUITE_P(
    Rows, AnnouncementsTest,
    ::testing::Values(row{"no gate at all", {}, all, {}, {}, false, false, false, true, "no gate"},
                      row{"every server has quorum",
                          k_two,
                          all,
                          {},
                          {"web-80", "web-443"},
                          false,
                          false,
                          false,
                          true,
                          "web-80 and web-443 have their quorum"},
                      row{"one server lost it",
                          k_two,
                          all,
                          {},
                          {"web-80"},
                          false,
                          false,
                          false,
                          false,
                          "web-443 lost its quorum"},
                      row{"both lost it",
                          k_two,
                          all,
                          {},
                          {},
                          false,
                          false,
                          false,
                          false,
                          "web-80 and web-443 lost their quorum"},
                      row{"any: one is enough",
                          k_two,
                          any,
                          {},
                          {"web-443"},
                          false,
                          false,
                          false,
                          true,
                          "web-443 has its quorum"},
                      row{"any: none",
                          k_two,
                          any,
                          {},
                          {},
                          false,
                          false,
                          false,
                          false,
                          "none of web-80 and web-443 has its quorum"},
                      row{"following a Master",
                          {},
                          all,
                          "web",
                          {},
                          true,
                          false,
                          false,
                          true,
                          "instance web is MASTER"},
                      row{"following a Backup, servers fine",
                          k_two,
                          all,
                          "web",
                          {"web-80", "web-443"},
                          false,
                          false,
                          false,
                          false,
                          "instance web is not MASTER"},
                      row{"demoted wins over a good gate",
                          k_two,
                          all,
                          {},
                          {"web-80", "web-443"},
                          false,
                          true,
                          false,
                          false,
                          "demoted by vipctl"},
                      row{"stopping wins over everything",
                          {},
                          all,
                          {},
                          {},
                          false,
                          true,
                          true,
                          false,
                          "vipd is stopping"}));

}  // namespace
}  // namespace vipd::policy
