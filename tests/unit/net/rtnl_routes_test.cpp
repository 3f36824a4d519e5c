// rtnl_routes against the real kernel, each test in a private network namespace: host routes
// through lo in a table of their own (unicast) and in the local table (local), with vipd's
// protocol number, and routes of other protocols left alone.

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "rtnl_netns.hpp"
#include "vipd/net/linux/rtnl_routes.hpp"

namespace vipd::net::linux {
namespace {

using testing::addr;
using testing::capture;
using testing::sh;

constexpr std::uint32_t k_table = 100;
constexpr std::uint8_t k_protocol = 86;

host_route announce(const char* address, std::uint32_t metric = 10) {
    return {route_type::unicast, addr(address), k_table, k_protocol, metric};
}
host_route accept(const char* address) {
    return {route_type::local, addr(address), k_local_table, k_protocol, 0};
}

class RtnlRoutesTest : public testing::netns_test {
  protected:
    void SetUpInNamespace() override {
        ASSERT_EQ(sh("ip link set lo up"), 0);
        routes_ = std::make_unique<rtnl_routes>();
    }
    std::vector<host_route> listed(std::uint32_t table) {
        std::vector<host_route> out;
        EXPECT_FALSE(routes_->list(table, k_protocol, out));
        return out;
    }
    std::unique_ptr<rtnl_routes> routes_;
};

TEST_F(RtnlRoutesTest, AddsListsAndRemovesAnAnnounceRouteInItsTable) {
    ASSERT_FALSE(routes_->add(announce("192.0.2.10")));
    EXPECT_EQ(capture("ip route show table 100"),
              "192.0.2.10 dev lo proto 86 scope link metric 10 \n");
    EXPECT_EQ(listed(k_table), std::vector<host_route>{announce("192.0.2.10")});
    EXPECT_TRUE(listed(254).empty());  // not in main

    ASSERT_FALSE(routes_->remove(announce("192.0.2.10")));
    EXPECT_EQ(capture("ip route show table 100"), "");
    EXPECT_TRUE(listed(k_table).empty());
}

TEST_F(RtnlRoutesTest, AnAcceptRouteMakesTheHostTakeTheAddress) {
    ASSERT_FALSE(routes_->add(accept("192.0.2.10")));
    EXPECT_EQ(listed(k_local_table), std::vector<host_route>{accept("192.0.2.10")});
    // The kernel delivers locally, as it does for an address: the route lookup says so.
    EXPECT_NE(capture("ip route get 192.0.2.10").find("local 192.0.2.10 dev lo"),
              std::string::npos);
    ASSERT_FALSE(routes_->remove(accept("192.0.2.10")));
    EXPECT_TRUE(listed(k_local_table).empty());
    EXPECT_EQ(capture("ip route get 192.0.2.10 2>&1").find("local"), std::string::npos);
}

TEST_F(RtnlRoutesTest, AnExistingRouteIsFileExistsAndAnAbsentOneRemovesFine) {
    ASSERT_FALSE(routes_->add(announce("192.0.2.10")));
    EXPECT_EQ(routes_->add(announce("192.0.2.10")), std::errc::file_exists);
    EXPECT_FALSE(routes_->remove(announce("192.0.2.11")));
    EXPECT_FALSE(routes_->remove(accept("192.0.2.11")));
}

TEST_F(RtnlRoutesTest, RoutesOfOtherProtocolsAndTablesAreNeitherListedNorRemoved) {
    ASSERT_EQ(sh("ip route add 192.0.2.20/32 dev lo table 100 proto static metric 10"), 0);
    ASSERT_EQ(sh("ip route add 192.0.2.21/32 dev lo table 101 proto 86 metric 10"), 0);
    ASSERT_EQ(sh("ip route add 198.51.100.0/24 dev lo table 100 proto 86"), 0);
    ASSERT_FALSE(routes_->add(announce("192.0.2.10")));
    EXPECT_EQ(listed(k_table), std::vector<host_route>{announce("192.0.2.10")});
    // Same destination, another owner: removing ours leaves theirs.
    ASSERT_FALSE(routes_->remove(announce("192.0.2.20")));
    EXPECT_NE(capture("ip route show table 100").find("192.0.2.20 dev lo proto static"),
              std::string::npos);
}

TEST_F(RtnlRoutesTest, AChangedMetricIsASecondRouteUntilTheOldOneGoes) {
    ASSERT_FALSE(routes_->add(announce("192.0.2.10", 10)));
    ASSERT_FALSE(routes_->add(announce("192.0.2.10", 20)));
    EXPECT_EQ(listed(k_table).size(), 2U);
    ASSERT_FALSE(routes_->remove(announce("192.0.2.10", 10)));
    EXPECT_EQ(listed(k_table), std::vector<host_route>{announce("192.0.2.10", 20)});
}

TEST_F(RtnlRoutesTest, IPv6RoutesGoInBothTables) {
    ASSERT_FALSE(routes_->add(accept("2001:db8::10")));
    ASSERT_FALSE(routes_->add(announce("2001:db8::10")));
    // IPv6 gives a route without a metric the default one, 1024.
    auto expected = accept("2001:db8::10");
    expected.metric = 1024;
    EXPECT_EQ(listed(k_local_table), std::vector<host_route>{expected});
    EXPECT_EQ(listed(k_table), std::vector<host_route>{announce("2001:db8::10")});
    ASSERT_FALSE(routes_->remove(announce("2001:db8::10")));
    ASSERT_FALSE(routes_->remove(accept("2001:db8::10")));
    EXPECT_TRUE(listed(k_table).empty());
    EXPECT_TRUE(listed(k_local_table).empty());
}

}  // namespace
}  // namespace vipd::net::linux
