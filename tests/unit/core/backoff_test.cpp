#include "vipd/core/backoff.hpp"

#include <gtest/gtest.h>

namespace vipd {
namespace {

using namespace std::chrono_literals;

TEST(Backoff, DoublesFromTheFirstDelayUpToTheCap) {
    backoff delays(250ms, 2s);
    EXPECT_EQ(delays.next(), 250ms);
    EXPECT_EQ(delays.next(), 500ms);
    EXPECT_EQ(delays.next(), 1s);
    EXPECT_EQ(delays.next(), 2s);
    EXPECT_EQ(delays.next(), 2s);
}

TEST(Backoff, ASuccessStartsItOver) {
    backoff delays(250ms, 2s);
    delays.next();
    delays.next();
    delays.reset();
    EXPECT_EQ(delays.next(), 250ms);
}

TEST(Backoff, ACapBelowTwiceTheFirstDelayHoldsFromTheSecondRetry) {
    backoff delays(300ms, 400ms);
    EXPECT_EQ(delays.next(), 300ms);
    EXPECT_EQ(delays.next(), 400ms);
    EXPECT_EQ(delays.next(), 400ms);
}

}  // namespace
}  // namespace vipd
