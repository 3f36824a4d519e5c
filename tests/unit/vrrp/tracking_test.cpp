#include "vipd/vrrp/tracking.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace vipd::vrrp {
namespace {

TEST(ApplyTrackers, NothingDownKeepsTheConfiguredPriority) {
    const std::vector<tracker_state> trackers{{-50, false}, {0, false}};
    const auto result = apply_trackers(150, trackers);
    EXPECT_EQ(result.priority, 150);
    EXPECT_FALSE(result.fault);
}

TEST(ApplyTrackers, DownTrackersAddTheirWeights) {
    const std::vector<tracker_state> trackers{{-50, true}, {-20, true}, {-30, false}};
    EXPECT_EQ(apply_trackers(150, trackers).priority, 80);
}

TEST(ApplyTrackers, ClampsToOneAtTheBottom) {
    const std::vector<tracker_state> trackers{{-254, true}, {-254, true}};
    EXPECT_EQ(apply_trackers(100, trackers).priority, 1);
}

TEST(ApplyTrackers, AWeightZeroTrackerDownMeansFault) {
    const std::vector<tracker_state> trackers{{0, true}, {-10, false}};
    const auto result = apply_trackers(100, trackers);
    EXPECT_TRUE(result.fault);
    EXPECT_EQ(result.priority, 100);
}

TEST(ApplyTrackers, AnOwnerKeeps255ButCanFault) {
    const std::vector<tracker_state> lowered{{-100, true}};
    EXPECT_EQ(apply_trackers(255, lowered).priority, 255);
    EXPECT_FALSE(apply_trackers(255, lowered).fault);
    const std::vector<tracker_state> faulted{{0, true}};
    EXPECT_TRUE(apply_trackers(255, faulted).fault);
}

TEST(ApplyTrackers, NeverReaches255FromBelow) {
    EXPECT_EQ(apply_trackers(254, {}).priority, 254);
}

}  // namespace
}  // namespace vipd::vrrp
