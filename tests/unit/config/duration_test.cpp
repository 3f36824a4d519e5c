#include <gtest/gtest.h>

#include <optional>
#include <string_view>

#include "vipd/config/loader.hpp"

namespace vipd::config {
namespace {

struct duration_row {
    std::string_view text;
    std::optional<std::int64_t> micros;  // nullopt = rejected
};

void PrintTo(const duration_row& row, std::ostream* out) {
    *out << '"' << row.text << '"';
}

class ParseDurationTest : public ::testing::TestWithParam<duration_row> {};

TEST_P(ParseDurationTest, ParsesOrRejects) {
    const auto& row = GetParam();
    const auto got = parse_duration(row.text);
    if (row.micros) {
        ASSERT_TRUE(got.has_value()) << row.text;
        EXPECT_EQ(got->count(), *row.micros) << row.text;
    } else {
        EXPECT_FALSE(got.has_value()) << row.text << " parsed as " << got->count();
    }
}

INSTANTIATE_TEST_SUITE_P(
    Table, ParseDurationTest,
    ::testing::Values(
        // accepted: every unit, integers and decimals
        duration_row{"1s", 1'000'000}, duration_row{"100ms", 100'000},
        duration_row{"2.5s", 2'500'000}, duration_row{"1m", 60'000'000}, duration_row{"10us", 10},
        duration_row{"1h", 3'600'000'000}, duration_row{"0s", 0}, duration_row{"0ms", 0},
        duration_row{"0.01s", 10'000}, duration_row{"40.95s", 40'950'000},
        duration_row{"1.5ms", 1'500}, duration_row{"0.5m", 30'000'000},
        duration_row{"007s", 7'000'000}, duration_row{"1.000001h", 3'600'003'600},
        duration_row{"1000s", 1'000'000'000},
        // rejected: no unit, unknown unit, signs, spaces, odd decimals, sub-microsecond
        duration_row{"1", std::nullopt}, duration_row{"", std::nullopt},
        duration_row{"s", std::nullopt}, duration_row{"ms", std::nullopt},
        duration_row{"1sec", std::nullopt}, duration_row{"1d", std::nullopt},
        duration_row{"1S", std::nullopt}, duration_row{"-1s", std::nullopt},
        duration_row{"+1s", std::nullopt}, duration_row{" 1s", std::nullopt},
        duration_row{"1 s", std::nullopt}, duration_row{"1s ", std::nullopt},
        duration_row{".5s", std::nullopt}, duration_row{"1.s", std::nullopt},
        duration_row{"1.2.3s", std::nullopt}, duration_row{"1e3ms", std::nullopt},
        duration_row{"0.5us", std::nullopt}, duration_row{"1.000000001h", std::nullopt},
        duration_row{"1.0000000001s", std::nullopt}, duration_row{"1ss", std::nullopt},
        duration_row{"1msx", std::nullopt},
        // rejected: would overflow int64 microseconds
        duration_row{"9223372036854775807h", std::nullopt},
        duration_row{"99999999999999999999999s", std::nullopt},
        duration_row{"9223372036854775807us", 9'223'372'036'854'775'807}));

}  // namespace
}  // namespace vipd::config
