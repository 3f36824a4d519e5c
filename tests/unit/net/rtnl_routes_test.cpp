// rtnl_routes against the real kernel, each test in a private network namespace: host routes
// through lo in a table of their own (unicast) and in the local table (local), with vipd's
// protocol number, and routes of other protocols left alone. The dumps ask the kernel for one
// table and protocol; what comes back must not depend on whether it listened.

#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "rtnl_netlink.hpp"
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

/// Routes the dumps must not return: vipd's protocol in another table, another protocol in
/// vipd's table, a prefix that is not a host route, and IPv6 ones of each kind.
void add_foreign_routes() {
    ASSERT_EQ(sh("ip route add 192.0.2.20/32 dev lo table 100 proto static metric 10"), 0);
    ASSERT_EQ(sh("ip route add 192.0.2.21/32 dev lo table 101 proto 86 metric 10"), 0);
    ASSERT_EQ(sh("ip route add 198.51.100.0/24 dev lo table 100 proto 86"), 0);
    ASSERT_EQ(sh("ip route add local 192.0.2.22 dev lo table local proto static"), 0);
    ASSERT_EQ(sh("ip -6 route add 2001:db8::20/128 dev lo table 101 proto 86"), 0);
    ASSERT_EQ(sh("ip -6 route add 2001:db8::21/128 dev lo table 100 proto static"), 0);
}

/// The table and protocol of every route the kernel sends for a dump of `family` that asks for
/// `table` and vipd's protocol, on a socket that asks the kernel to honour that or not; the
/// error of the dump in `error`.
std::vector<std::pair<std::uint32_t, std::uint8_t>> sent_by_kernel(unsigned char family,
                                                                   std::uint32_t table, bool strict,
                                                                   std::error_code& error) {
    std::vector<std::pair<std::uint32_t, std::uint8_t>> sent;
    detail::nl_sock_ptr sock;
    error = detail::open_request_socket(sock);
    if (!error && strict) {
        error = detail::enable_strict_dumps(sock.get());
    }
    if (error) {
        return sent;
    }
    error = detail::dump_request(
        sock.get(), [&] { return detail::route_dump_request(family, table, k_protocol); },
        [&sent] { sent.clear(); },
        [&sent](const nlmsghdr* header) {
            if (header->nlmsg_type != RTM_NEWROUTE) {
                return;
            }
            const auto* info = static_cast<const rtmsg*>(nlmsg_data(header));
            nlattr* attributes[RTA_MAX + 1]{};
            nlmsg_parse(const_cast<nlmsghdr*>(header), sizeof(rtmsg), attributes, RTA_MAX, nullptr);
            sent.emplace_back(attributes[RTA_TABLE] != nullptr ? nla_get_u32(attributes[RTA_TABLE])
                                                               : info->rtm_table,
                              info->rtm_protocol);
        });
    return sent;
}

TEST_F(RtnlRoutesTest, TheKernelSendsOnlyTheTableAndProtocolTheDumpAsksFor) {
    add_foreign_routes();
    ASSERT_FALSE(routes_->add(announce("192.0.2.10")));
    std::error_code error;
    const auto strict = sent_by_kernel(AF_INET, k_table, true, error);
    if (error == std::errc::no_protocol_option) {
        GTEST_SKIP() << "kernel before 4.20: no NETLINK_GET_STRICT_CHK";
    }
    ASSERT_FALSE(error) << error.message();
    EXPECT_TRUE(routes_->kernel_filters());
    // The /24 is table 100 and protocol 86 too: only the prefix length is left to vipd.
    EXPECT_EQ(strict, (std::vector<std::pair<std::uint32_t, std::uint8_t>>{{k_table, k_protocol},
                                                                           {k_table, k_protocol}}));
    // Without the option the kernel ignores the filter: this is what a 4.18 kernel sends.
    const auto lenient = sent_by_kernel(AF_INET, k_table, false, error);
    ASSERT_FALSE(error) << error.message();
    EXPECT_GT(lenient.size(), strict.size() + 3);
    // Table 100 holds one IPv6 route, of another protocol.
    EXPECT_TRUE(sent_by_kernel(AF_INET6, k_table, true, error).empty());
    EXPECT_FALSE(error) << error.message();
    // A table without a route of the family is no table to a strict kernel (list() says none).
    sent_by_kernel(AF_INET, 102, true, error);
    EXPECT_EQ(error, std::errc::no_such_file_or_directory);
}

TEST_F(RtnlRoutesTest, ListingIsTheSameWhetherTheKernelFiltersOrNot) {
    add_foreign_routes();
    for (const auto& route : {announce("192.0.2.10"), accept("192.0.2.10"),
                              announce("2001:db8::10"), accept("2001:db8::10")}) {
        ASSERT_FALSE(routes_->add(route));
    }
    rtnl_routes unfiltered(dump_mode::unfiltered);
    EXPECT_FALSE(unfiltered.kernel_filters());
    auto expected_accept_v6 = accept("2001:db8::10");
    expected_accept_v6.metric = 1024;  // IPv6's default
    const std::vector<std::pair<std::uint32_t, std::vector<host_route>>> expected{
        {k_table, {announce("192.0.2.10"), announce("2001:db8::10")}},
        {k_local_table, {accept("192.0.2.10"), expected_accept_v6}},
        {101,
         {{route_type::unicast, addr("192.0.2.21"), 101, k_protocol, 10},
          {route_type::unicast, addr("2001:db8::20"), 101, k_protocol, 1024}}},
        {102, {}},  // no such table in either family
    };
    for (const auto& [table, routes] : expected) {
        std::vector<host_route> listed;
        ASSERT_FALSE(routes_->list(table, k_protocol, listed)) << "table " << table;
        EXPECT_EQ(listed, routes) << "table " << table;
        ASSERT_FALSE(unfiltered.list(table, k_protocol, listed)) << "table " << table;
        EXPECT_EQ(listed, routes) << "table " << table << ", unfiltered";
    }
}

}  // namespace
}  // namespace vipd::net::linux
