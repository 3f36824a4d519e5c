#include "vipd/vrrp/track_process.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vipd::vrrp {
namespace {

using namespace std::chrono_literals;

/// A cmdline as /proc has it: each argument ended by a NUL.
std::string cmdline(std::initializer_list<std::string> argv) {
    std::string out;
    for (const auto& arg : argv) {
        out += arg;
        out.push_back('\0');
    }
    return out;
}

const std::vector<process_entry> k_table{
    {"systemd", cmdline({"/sbin/init", "splash"})},
    {"nginx", cmdline({"nginx: master process /usr/sbin/nginx", "-g", "daemon off;"})},
    {"nginx", cmdline({"nginx: worker process"})},
    {"sleep", cmdline({"vipd-trk-4711", "600"})},  // bash -c 'exec -a vipd-trk-4711 sleep 600'
    {"haproxy", cmdline({"/usr/sbin/haproxy", "-f", "/etc/haproxy/haproxy.cfg"})},
    {"kthreadd", ""},  // kernel threads have no cmdline
    {"a-very-long-nam", cmdline({"/opt/bin/a-very-long-name-daemon"})},  // comm cut at 15
};

struct match_row {
    const char* description;
    process_pattern pattern;
    std::size_t expected;
};

void PrintTo(const match_row& row, std::ostream* out) {
    *out << row.description;
}

class CountMatching : public ::testing::TestWithParam<match_row> {};

TEST_P(CountMatching, CountsTheProcessesAPatternLooksFor) {
    const auto& row = GetParam();
    EXPECT_EQ(count_matching(row.pattern, k_table), row.expected) << row.description;
}

INSTANTIATE_TEST_SUITE_P(
    Rows, CountMatching,
    ::testing::Values(
        match_row{"by comm, every worker too", {"nginx", std::nullopt}, 2},
        match_row{"by the file name of argv[0]", {"vipd-trk-4711", std::nullopt}, 1},
        match_row{"by comm when argv[0] was renamed", {"sleep", std::nullopt}, 1},
        match_row{"by argv[0]'s file name", {"init", std::nullopt}, 1},
        match_row{"a long name only by argv[0]", {"a-very-long-name-daemon", std::nullopt}, 1},
        match_row{"a kernel thread by comm", {"kthreadd", std::nullopt}, 1},
        match_row{"args must equal the rest exactly",
                  {"haproxy", std::string("-f /etc/haproxy/haproxy.cfg")},
                  1},
        match_row{
            "args that differ do not match", {"haproxy", std::string("-f /etc/other.cfg")}, 0},
        match_row{"a prefix of the args does not match", {"haproxy", std::string("-f")}, 0},
        match_row{"empty args match only no arguments", {"nginx", std::string("")}, 1},
        match_row{
            "args with an argument holding a space", {"nginx", std::string("-g daemon off;")}, 1},
        match_row{"a substring of the name does not match", {"ngin", std::nullopt}, 0},
        match_row{"nobody", {"postgres", std::nullopt}, 0}),
    [](const auto& row) { return "row" + std::to_string(row.index); });

TEST(QuorumWatch, TheFirstScanDecidesAtOnce) {
    const time_point t0{std::chrono::seconds(100)};
    quorum_watch watch(1, 5s);
    EXPECT_TRUE(watch.observe(0, t0));
    EXPECT_FALSE(watch.observe(1, t0 + 1s));
}

TEST(QuorumWatch, AShortfallCountsOnlyOnceItOutlastsTheDelay) {
    const time_point t0{std::chrono::seconds(100)};
    quorum_watch watch(2, 3s);
    EXPECT_FALSE(watch.observe(2, t0));
    EXPECT_FALSE(watch.observe(1, t0 + 1s));  // short since t0 + 1s
    EXPECT_FALSE(watch.observe(1, t0 + 3s));
    EXPECT_TRUE(watch.observe(0, t0 + 4s));  // 3 s short
    EXPECT_TRUE(watch.down());
    EXPECT_FALSE(watch.observe(3, t0 + 5s));  // back at once
}

TEST(QuorumWatch, ARecoveryInsideTheDelayStartsItAgain) {
    const time_point t0{std::chrono::seconds(100)};
    quorum_watch watch(1, 2s);
    EXPECT_FALSE(watch.observe(1, t0));
    EXPECT_FALSE(watch.observe(0, t0 + 1s));
    EXPECT_FALSE(watch.observe(1, t0 + 2s));  // a restart: the process came back
    EXPECT_FALSE(watch.observe(0, t0 + 3s));
    EXPECT_FALSE(watch.observe(0, t0 + 4s));
    EXPECT_TRUE(watch.observe(0, t0 + 5s));
}

TEST(QuorumWatch, NoDelayMeansDownOnTheFirstShortScan) {
    const time_point t0{std::chrono::seconds(100)};
    quorum_watch watch(1, 0s);
    EXPECT_FALSE(watch.observe(1, t0));
    EXPECT_TRUE(watch.observe(0, t0 + 1s));
}

}  // namespace
}  // namespace vipd::vrrp
