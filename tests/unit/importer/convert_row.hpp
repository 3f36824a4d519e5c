#pragma once
// The converter's table-driven tests: keepalived text in, lines the TOML must hold and the
// keywords that must be dropped (in order) out; the TOML must load with vipd's loader.

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "memory_files.hpp"
#include "support/config_results.hpp"
#include "vipd/importer/convert.hpp"

namespace vipd::importer::testing {

struct convert_row {
    std::string_view description;
    std::string_view keepalived;
    std::vector<std::string_view> expected_lines;  // each a whole line of the TOML
    std::vector<std::string_view> dropped;         // the dropped keywords, in order
};

inline void PrintTo(const convert_row& row, std::ostream* out) {
    *out << row.description;
}

inline void expect_conversion(const convert_row& row) {
    const auto parsed = parse(std::string(row.keepalived), "/k/keepalived.conf", memory_files({}));
    ASSERT_TRUE(parsed.ok());
    const auto converted = convert(parsed.nodes);
    for (const auto& line : row.expected_lines) {
        EXPECT_NE(("\n" + converted.toml).find("\n" + std::string(line) + "\n"), std::string::npos)
            << "missing line: " << line << "\n"
            << converted.toml;
    }
    std::vector<std::string> dropped;
    std::string reasons;
    for (const auto& item : converted.dropped) {
        dropped.push_back(item.keyword);
        reasons += item.to_string() + "\n";
        EXPECT_FALSE(item.reason.empty());
        EXPECT_EQ(item.file, "/k/keepalived.conf");
        EXPECT_GT(item.line, 0u);
    }
    EXPECT_EQ(dropped, std::vector<std::string>(row.dropped.begin(), row.dropped.end())) << reasons;
    const auto loaded = config::load_string(converted.toml, "converted.toml");
    EXPECT_TRUE(loaded.ok()) << support::all_errors(loaded) << converted.toml;
}

}  // namespace vipd::importer::testing
