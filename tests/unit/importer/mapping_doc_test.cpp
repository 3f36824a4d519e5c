// docs/from-keepalived.md's mapping section is the importer's table, so that it cannot drift:
// regenerate it with build/src/importer/vipd_keepalived_mapping when the table changes.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "vipd/importer/convert.hpp"

namespace vipd::importer {
namespace {

constexpr std::string_view k_begin = "<!-- BEGIN GENERATED MAPPING (vipd_keepalived_mapping) -->\n";
constexpr std::string_view k_end = "<!-- END GENERATED MAPPING -->\n";

TEST(KeepalivedMappingDocTest, TheDocumentHoldsTheGeneratedTable) {
    std::ifstream in(VIPD_SOURCE_DIR "/docs/from-keepalived.md");
    ASSERT_TRUE(in) << "docs/from-keepalived.md is missing";
    std::stringstream text;
    text << in.rdbuf();
    const auto doc = text.str();
    const auto begin = doc.find(k_begin);
    const auto end = doc.find(k_end);
    ASSERT_NE(begin, std::string::npos) << "no begin marker";
    ASSERT_NE(end, std::string::npos) << "no end marker";
    const auto section = doc.substr(begin + k_begin.size(), end - begin - k_begin.size());
    EXPECT_EQ(section, mapping_markdown())
        << "regenerate: replace the section with the output of vipd_keepalived_mapping";
}

TEST(KeepalivedMappingDocTest, EveryRowSaysWhatItBecomesOrWhyItIsDropped) {
    for (const auto& row : keyword_mapping()) {
        EXPECT_FALSE(row.keyword.empty());
        EXPECT_TRUE(row.dropped ? !row.note.empty() : true) << row.keyword;
    }
}

}  // namespace
}  // namespace vipd::importer
