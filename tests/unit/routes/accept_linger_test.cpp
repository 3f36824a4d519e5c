// accept_linger on a hand-moved clock: a withdrawn VIP's announce route goes at once and its
// accept route when the linger runs out; announced again meanwhile, it keeps the accept route
// throughout; a linger of 0 keeps nothing; a stop can end every linger early.

#include "vipd/routes/accept_linger.hpp"

#include <gtest/gtest.h>

namespace vipd::routes {
namespace {

using namespace std::chrono_literals;

constexpr std::uint32_t k_metric = 10;
constexpr microseconds k_linger = 2s;
const time_point k_start{};

ip_address at(const char* text) {
    return *ip_address::parse(text);
}
route accept(const char* address) {
    return {route_kind::accept, at(address), 0};
}
route announce(const char* address) {
    return {route_kind::announce, at(address), k_metric};
}

class AcceptLingerTest : public ::testing::Test {
  protected:
    /// The routes wanted `after` the start, with `announced` announced then.
    std::set<route> at_time(microseconds after, std::set<ip_address> announced,
                            microseconds linger = k_linger) {
        return linger_.routes_at(announced, k_metric, k_start + after, linger);
    }

    const std::set<ip_address> vip_{at("192.0.2.10")};
    const std::set<ip_address> none_{};
    accept_linger linger_;
};

TEST_F(AcceptLingerTest, AnAnnouncedVipHasBothRoutes) {
    EXPECT_EQ(at_time(0s, vip_), (std::set{accept("192.0.2.10"), announce("192.0.2.10")}));
    EXPECT_EQ(linger_.next_deadline(), std::nullopt);
}

TEST_F(AcceptLingerTest, AWithdrawnVipIsStillAcceptedUntilItsLingerRunsOut) {
    at_time(0s, vip_);
    EXPECT_EQ(at_time(1s, none_), std::set{accept("192.0.2.10")});
    EXPECT_EQ(linger_.next_deadline(), k_start + 3s);
    EXPECT_EQ(at_time(2999ms, none_), std::set{accept("192.0.2.10")});
    EXPECT_EQ(at_time(3s, none_), std::set<route>{});
    EXPECT_EQ(linger_.next_deadline(), std::nullopt);
    EXPECT_TRUE(linger_.lingering().empty());
}

TEST_F(AcceptLingerTest, AVipAnnouncedAgainDuringItsLingerKeepsItsAcceptRoute) {
    at_time(0s, vip_);
    at_time(1s, none_);
    EXPECT_EQ(at_time(2s, vip_), (std::set{accept("192.0.2.10"), announce("192.0.2.10")}));
    EXPECT_EQ(linger_.next_deadline(), std::nullopt);
    // The old linger's end passes unnoticed; a new withdrawal starts a whole linger.
    EXPECT_EQ(at_time(3500ms, vip_).size(), 2U);
    EXPECT_EQ(at_time(4s, none_), std::set{accept("192.0.2.10")});
    EXPECT_EQ(at_time(5999ms, none_), std::set{accept("192.0.2.10")});
    EXPECT_EQ(at_time(6s, none_), std::set<route>{});
}

TEST_F(AcceptLingerTest, ALingerOfZeroWithdrawsBothRoutesAtOnce) {
    at_time(0s, vip_, 0s);
    EXPECT_EQ(at_time(1s, none_, 0s), std::set<route>{});
    EXPECT_EQ(linger_.next_deadline(), std::nullopt);
}

TEST_F(AcceptLingerTest, OnlyAVipSeenAnnouncedLingers) {
    // What a start finds in the kernel from an earlier run is no withdrawal of this one's.
    EXPECT_EQ(at_time(0s, none_), std::set<route>{});
    EXPECT_EQ(linger_.next_deadline(), std::nullopt);
}

TEST_F(AcceptLingerTest, EachVipLingersFromItsOwnWithdrawal) {
    const std::set<ip_address> both{at("192.0.2.10"), at("192.0.2.11")};
    at_time(0s, both);
    at_time(1s, {at("192.0.2.11")});
    EXPECT_EQ(at_time(2s, none_), (std::set{accept("192.0.2.10"), accept("192.0.2.11")}));
    EXPECT_EQ(linger_.next_deadline(), k_start + 3s);
    EXPECT_EQ(linger_.last_deadline(), k_start + 4s);
    EXPECT_EQ(at_time(3s, none_), std::set{accept("192.0.2.11")});
    EXPECT_EQ(linger_.lingering(),
              (std::map<ip_address, time_point>{{at("192.0.2.11"), k_start + 4s}}));
}

TEST_F(AcceptLingerTest, AShorterLingerFromAReloadAppliesToVipsAlreadyLingering) {
    at_time(0s, vip_);
    at_time(1s, none_);
    EXPECT_EQ(at_time(1500ms, none_, 500ms), std::set<route>{});
}

TEST_F(AcceptLingerTest, EndingEveryLingerWithdrawsTheAcceptRoutesAtTheNextCall) {
    at_time(0s, vip_);
    at_time(1s, none_);
    linger_.end_all();
    EXPECT_EQ(linger_.last_deadline(), std::nullopt);
    EXPECT_EQ(at_time(1100ms, none_), std::set<route>{});
}

}  // namespace
}  // namespace vipd::routes
