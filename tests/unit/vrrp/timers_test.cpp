#include "vipd/vrrp/timers.hpp"

#include <gtest/gtest.h>

namespace vipd::vrrp {
namespace {

struct timer_row {
    const char* description;
    vrrp::version version;
    std::uint8_t priority;
    centiseconds interval;
    std::int64_t skew_us;
    std::int64_t master_down_us;
};

// Golden values. Skew is rounded to the nearest microsecond (halves up), never truncated to
// centiseconds: the 6.09375 ms becomes 6094 us.
TEST(VrrpTimers, GoldenValues) {
    const timer_row rows[] = {
        {"v3 prio 200 at 1 s (issue)", version::v3, 200, centiseconds{100}, 218'750, 3'218'750},
        {"v3 prio 100 at 10 ms (issue, 6.09375 ms)", version::v3, 100, centiseconds{1}, 6'094,
         36'094},
        {"v3 prio 100 at 1 s", version::v3, 100, centiseconds{100}, 609'375, 3'609'375},
        {"v3 prio 254 at 10 ms (78.125 us)", version::v3, 254, centiseconds{1}, 78, 30'078},
        {"v3 owner at 1 s (3906.25 us)", version::v3, 255, centiseconds{100}, 3'906, 3'003'906},
        {"v3 prio 1 at 40.95 s (max interval)", version::v3, 1, centiseconds{4095}, 40'790'039,
         163'640'039},
        {"v3 prio 150 at 50 ms", version::v3, 150, centiseconds{5}, 20'703, 170'703},
        {"v2 prio 200 at 1 s", version::v2, 200, centiseconds{100}, 218'750, 3'218'750},
        {"v2 prio 100 at 3 s: skew ignores the interval", version::v2, 100, centiseconds{300},
         609'375, 9'609'375},
        {"v2 owner at 1 s", version::v2, 255, centiseconds{100}, 3'906, 3'003'906},
    };
    for (const auto& row : rows) {
        EXPECT_EQ(skew_time(row.version, row.priority, row.interval).count(), row.skew_us)
            << row.description;
        EXPECT_EQ(master_down_interval(row.version, row.priority, row.interval).count(),
                  row.master_down_us)
            << row.description;
    }
}

// The reason for microseconds: at 10 ms adverts every priority must get its own, non-zero skew,
// so backups of different priority never time out together.
TEST(VrrpTimers, SkewAtTenMillisecondsIsNonZeroAndStrictlyOrdered) {
    for (int priority = 1; priority < 255; ++priority) {
        const auto p = static_cast<std::uint8_t>(priority);
        const auto next = static_cast<std::uint8_t>(priority + 1);
        const auto skew = skew_time(version::v3, p, centiseconds{1});
        EXPECT_GT(skew.count(), 0) << priority;
        EXPECT_GT(skew, skew_time(version::v3, next, centiseconds{1})) << priority;
        EXPECT_LT(skew, microseconds{10'000}) << priority;
    }
}

TEST(VrrpTimers, V2SkewDependsOnPriorityOnly) {
    for (auto interval : {centiseconds{100}, centiseconds{200}, centiseconds{25500}}) {
        EXPECT_EQ(skew_time(version::v2, 50, interval).count(), 804'688);  // 206/256 s
    }
}

}  // namespace
}  // namespace vipd::vrrp
