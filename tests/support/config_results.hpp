#pragma once
/// Loading configuration text in tests: every error of a result on one line each, and a load
/// that must succeed (the test fails with the errors when it does not).

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "vipd/config/loader.hpp"

namespace vipd::support {

inline std::string all_errors(const config::load_result& result) {
    std::string out;
    for (const auto& error : result.errors) {
        out += error.to_string() + "\n";
    }
    return out;
}

/// The configuration `text` describes; an empty one (and a failed test) when it is invalid.
inline config::daemon_config load_ok(std::string_view text, std::string_view file = "t.toml") {
    auto result = config::load_string(text, std::string(file));
    EXPECT_TRUE(result.ok()) << all_errors(result);
    return result.config.value_or(config::daemon_config{});
}

}  // namespace vipd::support
