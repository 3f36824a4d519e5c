// route_driver on a fake route port and a hand-moved clock: routes follow the announcements, a
// withdrawn VIP's accept route lingers, foreign routes stay, a [bgp] change moves vipd's routes,
// and kernel failures are retried by the next pass.

#include "vipd/daemon/route_driver.hpp"

#include <gtest/gtest.h>

#include "fakes/fake_route_port.hpp"

namespace vipd::daemon {
namespace {

config::bgp_vip vip(const char* name, const char* address) {
    config::bgp_vip v;
    v.name = name;
    v.address = *ip_address::parse(address);
    return v;
}

class RouteDriverTest : public ::testing::Test {
  protected:
    std::vector<policy::announcement> wanted(bool first, bool second = false) {
        return {{&vips_[0], first, first ? "no gate" : "demoted by vipctl"},
                {&vips_[1], second, second ? "no gate" : "demoted by vipctl"}};
    }
    route_outcome converge(bool first, bool second = false,
                           route_cause cause = route_cause::change) {
        return driver_.converge(wanted(first, second), settings_, cause);
    }

    std::vector<config::bgp_vip> vips_{vip("a", "192.0.2.10"), vip("b", "2001:db8::10")};
    config::bgp_settings settings_;
    fakes::fake_route_port port_;
    logging::log_set logs_{logging::target::stderr_stream, spdlog::level::off};
    time_point now_{};
    route_driver driver_{port_, logs_, [this] { return now_; }};
};

TEST_F(RouteDriverTest, AnnouncedVipsGetBothRoutesAndWithdrawnOnesLoseThemInOrder) {
    settings_.accept_linger = microseconds{0};
    EXPECT_EQ(converge(true, true).added, 4U);
    EXPECT_EQ(port_.shown(),
              (std::vector<std::string>{"local 192.0.2.10 table 255 proto 86 metric 0",
                                        "local 2001:db8::10 table 255 proto 86 metric 0",
                                        "192.0.2.10 table 100 proto 86 metric 10",
                                        "2001:db8::10 table 100 proto 86 metric 10"}));
    EXPECT_EQ(driver_.announced().size(), 2U);
    port_.calls.clear();
    EXPECT_EQ(converge(false, true).removed, 2U);
    EXPECT_EQ(port_.calls, (std::vector<std::string>{
                               "route remove 192.0.2.10 table 100 proto 86 metric 10",
                               "route remove local 192.0.2.10 table 255 proto 86 metric 0"}));
}

TEST_F(RouteDriverTest, AWithdrawnVipIsAcceptedUntilItsLingerEnds) {
    converge(true);
    now_ += std::chrono::seconds(10);
    port_.calls.clear();
    EXPECT_EQ(converge(false).removed, 1U);
    EXPECT_EQ(port_.calls,
              std::vector<std::string>{"route remove 192.0.2.10 table 100 proto 86 metric 10"});
    EXPECT_EQ(driver_.next_linger_end(), now_ + settings_.accept_linger);
    now_ += settings_.accept_linger - microseconds{1};
    EXPECT_EQ(converge(false).removed, 0U);
    now_ += microseconds{1};
    EXPECT_EQ(converge(false).removed, 1U);
    EXPECT_TRUE(port_.present.empty());
    EXPECT_EQ(driver_.next_linger_end(), std::nullopt);
}

TEST_F(RouteDriverTest, EndingTheLingersWithdrawsTheAcceptRoutesAtTheNextPass) {
    converge(true);
    converge(false);
    driver_.end_lingers();
    EXPECT_EQ(driver_.last_linger_end(), std::nullopt);
    EXPECT_EQ(converge(false).removed, 1U);
    EXPECT_TRUE(port_.present.empty());
}

TEST_F(RouteDriverTest, RoutesOfOtherProtocolsInTheSameTablesAreLeftAlone) {
    const net::host_route theirs{net::route_type::unicast, *ip_address::parse("192.0.2.10"), 100, 4,
                                 10};
    port_.present.push_back(theirs);
    settings_.accept_linger = microseconds{0};
    converge(true);
    converge(false);
    EXPECT_EQ(port_.present, std::vector<net::host_route>{theirs});
}

TEST_F(RouteDriverTest, ANewTableOrProtocolTakesOurRoutesAlong) {
    converge(true);
    settings_.table = 101;
    settings_.protocol = 87;
    converge(true);
    EXPECT_EQ(port_.shown(),
              (std::vector<std::string>{"local 192.0.2.10 table 255 proto 87 metric 0",
                                        "192.0.2.10 table 101 proto 87 metric 10"}));
}

TEST_F(RouteDriverTest, AFailedAddIsRetriedByTheNextPass) {
    port_.fail_adds = true;
    EXPECT_EQ(converge(true).failed, 2U);
    port_.fail_adds = false;
    EXPECT_EQ(converge(true, false, route_cause::resync).added, 2U);
    EXPECT_EQ(port_.present.size(), 2U);
}

TEST_F(RouteDriverTest, AnUnreadableTableStillWithdrawsWhatWasAnnounced) {
    converge(true);
    port_.fail_list = true;
    converge(false);
    EXPECT_EQ(port_.shown(),
              std::vector<std::string>{"local 192.0.2.10 table 255 proto 86 metric 0"});
    now_ += settings_.accept_linger;
    converge(false);
    EXPECT_TRUE(port_.present.empty());
}

}  // namespace
}  // namespace vipd::daemon
