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

struct file_row {
    const char* description;
    std::int16_t weight;
    std::int16_t value;
    tracker_effect expected;
};

void PrintTo(const file_row& row, std::ostream* out) {
    *out << row.description;
}

class FileEffect : public ::testing::TestWithParam<file_row> {};

TEST_P(FileEffect, MovesThePriorityByValueTimesWeightOrFaults) {
    const auto& row = GetParam();
    EXPECT_EQ(file_effect(row.weight, row.value), row.expected) << row.description;
}

INSTANTIATE_TEST_SUITE_P(
    Rows, FileEffect,
    ::testing::Values(
        file_row{"zero changes nothing", -10, 0, {0, false}},
        file_row{"value times a negative weight", -1, 30, {-30, false}},
        file_row{"a positive weight raises", 2, 10, {20, false}},
        file_row{"a negative value with a positive weight lowers", 1, -50, {-50, false}},
        file_row{"a negative value times a negative weight raises", -1, -20, {20, false}},
        file_row{"weight 0 and a non-zero value is Fault", 0, 3, {0, true}},
        file_row{"weight 0 and a negative value is Fault too", 0, -1, {0, true}},
        file_row{"weight 0 and value 0 is healthy", 0, 0, {0, false}},
        file_row{"a product of -253 only lowers", -1, 253, {-253, false}},
        file_row{"a product of exactly -254 is Fault", -1, 254, {0, true}},
        file_row{"a product far below -254 is Fault", -254, 254, {0, true}}),
    [](const auto& row) { return "row" + std::to_string(row.index); });

TEST(ApplyEffects, FileDeltasAddToDownTrackersAndClampAtOne) {
    const std::vector<tracker_effect> effects{effect_of({-50, true}), file_effect(-1, 60),
                                              file_effect(2, 5), effect_of({-20, false})};
    EXPECT_EQ(apply_effects(150, effects).priority, 50);  // 150 - 50 - 60 + 10
    const std::vector<tracker_effect> deep{file_effect(-1, 200)};
    const auto result = apply_effects(100, deep);
    EXPECT_EQ(result.priority, 1);
    EXPECT_FALSE(result.fault);
}

TEST(ApplyEffects, APositiveFileNeverReachesTheOwnersPriority) {
    const std::vector<tracker_effect> effects{file_effect(10, 100)};
    EXPECT_EQ(apply_effects(200, effects).priority, 254);
}

TEST(ApplyEffects, AFileFaultFaultsTheInstance) {
    const std::vector<tracker_effect> effects{file_effect(-2, 127), effect_of({-10, false})};
    EXPECT_TRUE(apply_effects(100, effects).fault);
}

}  // namespace
}  // namespace vipd::vrrp
