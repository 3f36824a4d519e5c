#include "vipd/vrrp/track_file.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace vipd::vrrp {
namespace {

struct parse_row {
    const char* description;
    std::string content;
    std::optional<std::int16_t> expected;
};

void PrintTo(const parse_row& row, std::ostream* out) {
    *out << row.description;
}

class ParseTrackValue : public ::testing::TestWithParam<parse_row> {};

TEST_P(ParseTrackValue, ReadsOneDecimalNumber) {
    const auto& row = GetParam();
    EXPECT_EQ(parse_track_value(row.content), row.expected) << row.description;
}

INSTANTIATE_TEST_SUITE_P(
    Rows, ParseTrackValue,
    ::testing::Values(
        parse_row{"a plain number", "42", 42}, parse_row{"echo's newline", "42\n", 42},
        parse_row{"blanks around it", " \t 7 \r\n", 7}, parse_row{"zero", "0\n", 0},
        parse_row{"a minus sign", "-5\n", -5}, parse_row{"a plus sign", "+5", 5},
        parse_row{"leading zeros", "007", 7}, parse_row{"the upper bound", "254", 254},
        parse_row{"above the bound saturates", "255", 254},
        parse_row{"below the bound saturates", "-1000", -254},
        parse_row{"beyond 64 bits saturates", "99999999999999999999999999", 254},
        parse_row{"a huge negative saturates", "-99999999999999999999999999", -254},
        parse_row{"empty", "", std::nullopt}, parse_row{"only blanks", " \n", std::nullopt},
        parse_row{"a sign alone", "-", std::nullopt},
        parse_row{"a word", "maintenance\n", std::nullopt},
        parse_row{"digits then garbage", "12abc", std::nullopt},
        parse_row{"hexadecimal", "0x10", std::nullopt},
        parse_row{"two numbers", "1 2", std::nullopt},
        parse_row{"a sign after blanks inside", "- 3", std::nullopt},
        parse_row{"a decimal point", "1.5", std::nullopt},
        parse_row{"a NUL", std::string("3\0", 2), std::nullopt}),
    [](const auto& row) { return "row" + std::to_string(row.index); });

}  // namespace
}  // namespace vipd::vrrp
