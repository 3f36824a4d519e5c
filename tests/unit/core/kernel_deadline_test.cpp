#include "vipd/core/kernel_deadline.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <optional>
#include <regex>
#include <string>

namespace vipd {
namespace {

/// WatchdogSec of the shipped unit, in whole seconds.
std::optional<seconds> shipped_watchdog() {
    std::ifstream unit(VIPD_SOURCE_DIR "/packaging/vipd.service");
    const std::regex setting(R"(^WatchdogSec=(\d+)s?\s*$)");
    for (std::string line; std::getline(unit, line);) {
        if (std::smatch match; std::regex_match(line, match, setting)) {
            return seconds(std::stoi(match[1].str()));
        }
    }
    return std::nullopt;
}

// systemd kills a daemon that misses its keep-alive; the loop pings every WatchdogSec/2 and a
// turn may wait on a lost reply or two before it gets there.
TEST(KernelDeadline, StaysWellUnderTheWatchdog) {
    const auto watchdog = shipped_watchdog();
    ASSERT_TRUE(watchdog.has_value()) << "no WatchdogSec= in packaging/vipd.service";
    EXPECT_LE(k_kernel_reply_timeout * 4, *watchdog);
}

TEST(KernelDeadline, ConvertsToSocketTimeout) {
    const timeval timeout = kernel_reply_timeval();
    EXPECT_EQ(seconds(timeout.tv_sec) + microseconds(timeout.tv_usec), k_kernel_reply_timeout);
}

}  // namespace
}  // namespace vipd
