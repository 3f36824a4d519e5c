#include "vipd/daemon/loop_lag.hpp"

#include <gtest/gtest.h>

#include <numeric>

#include "support/config_results.hpp"

namespace vipd::daemon {
namespace {

using namespace std::chrono_literals;

TEST(LoopLag, EachLagLandsInTheFirstBucketThatHoldsIt) {
    loop_lag lag(1s);
    const time_point now{};
    lag.record(0us, now);   // <= 1 ms
    lag.record(1ms, now);   // <= 1 ms: bounds are inclusive
    lag.record(30ms, now);  // <= 50 ms
    lag.record(7s, now);    // above every bound
    lag.record(-5ms, now);  // a timer cannot be early: counted as on time
    const auto counts = lag.counts();
    EXPECT_EQ(counts[0], 3U);
    EXPECT_EQ(counts[4], 1U);
    EXPECT_EQ(counts.back(), 1U);
    EXPECT_EQ(std::accumulate(counts.begin(), counts.end(), std::uint64_t{0}), 5U);
    EXPECT_DOUBLE_EQ(lag.sum_seconds(), 7.031);
    EXPECT_EQ(lag.worst(), 7s);
}

TEST(LoopLag, AStallPastTheThresholdWarnsWithinABudget) {
    loop_lag lag(50ms);
    const time_point start{};
    EXPECT_EQ(lag.record(50ms, start), std::nullopt) << "at the threshold is no stall";
    const auto first = lag.record(300ms, start);
    ASSERT_TRUE(first);
    EXPECT_NE(first->find("0.300 s late"), std::string::npos) << *first;
    EXPECT_NE(first->find("past 0.050 s"), std::string::npos) << *first;
    EXPECT_TRUE(lag.record(60ms, start + 1s));
    EXPECT_TRUE(lag.record(60ms, start + 2s));
    for (int i = 0; i < 10; ++i) {
        EXPECT_EQ(lag.record(60ms, start + 3s), std::nullopt) << "over the budget of 3 a minute";
    }
    const auto later = lag.record(60ms, start + 61s);
    ASSERT_TRUE(later);
    EXPECT_NE(later->find("(10 more stall(s) not logged)"), std::string::npos) << *later;
    EXPECT_EQ(lag.stalls(), 14U);
}

TEST(LoopLag, AStallSaysWhetherVipdWasBusyOrWaiting) {
    loop_lag lag(50ms);
    const time_point start{};
    const auto busy = lag.record(400ms, start, loop_cpu{350ms, 500ms});
    ASSERT_TRUE(busy);
    EXPECT_NE(busy->find("vipd used 0.350 s of CPU in the last 0.500 s: its own work held the "
                         "loop"),
              std::string::npos)
        << *busy;
    const auto starved = lag.record(400ms, start + 1s, loop_cpu{20ms, 500ms});
    ASSERT_TRUE(starved);
    EXPECT_NE(starved->find("vipd used 0.020 s of CPU in the last 0.500 s: it was waiting "
                            "(starved of CPU"),
              std::string::npos)
        << *starved;
}

TEST(LoopLag, TheThresholdIsHalfTheShortestAdvertInterval) {
    auto config = support::load_ok(R"(
[[vrrp]]
name = "a"
interface = "eth1"
vrid = 1
advert_interval = "1s"
vips = ["192.0.2.1/24"]

[[vrrp]]
name = "b"
interface = "eth1"
vrid = 2
advert_interval = "100ms"
vips = ["192.0.2.2/24"]
)");
    EXPECT_EQ(lag_warning_threshold(config), 50ms);
    config.vrrp.clear();
    EXPECT_EQ(lag_warning_threshold(config), 500ms);
}

}  // namespace
}  // namespace vipd::daemon
