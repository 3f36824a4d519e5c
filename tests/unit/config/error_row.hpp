#pragma once
// Shared by the table-driven config error tests: a small file with exactly one mistake, and a
// substring its single error must contain, position and key included
// ("FILE:LINE:COLUMN: KEY: MESSAGE").

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <string_view>

#include "vipd/config/loader.hpp"

namespace vipd::config::testing {

struct error_row {
    std::string_view description;
    std::string_view toml;
    std::string_view expected;  // a substring of the only error's to_string()
};

inline void PrintTo(const error_row& row, std::ostream* out) {
    *out << row.description;
}

/// Loads `row.toml` as "t.toml" and checks it yields exactly one error containing `expected`.
inline void expect_single_error(const error_row& row) {
    const auto result = load_string(row.toml, "t.toml");
    EXPECT_FALSE(result.ok());
    ASSERT_EQ(result.errors.size(), 1u) << [&] {
        std::string all;
        for (const auto& e : result.errors) {
            all += e.to_string() + "\n";
        }
        return all;
    }();
    EXPECT_NE(result.errors[0].to_string().find(row.expected), std::string::npos)
        << "  got: " << result.errors[0].to_string() << "\n  want: " << row.expected;
}

}  // namespace vipd::config::testing
