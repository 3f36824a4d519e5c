#include <gtest/gtest.h>

#include "memory_files.hpp"
#include "vipd/importer/syntax.hpp"

namespace vipd::importer {
namespace {

using testing::memory_files;

parse_result parse_text(const std::string& text) {
    return parse(text, "/etc/keepalived/keepalived.conf", memory_files({}));
}

std::string errors_of(const parse_result& result) {
    std::string out;
    for (const auto& error : result.errors) {
        out += error.to_string() + "\n";
    }
    return out;
}

TEST(KeepalivedParserTest, AQuotedWordKeepsItsBlanks) {
    const auto result = parse_text("notify_master \"/usr/bin/hook  MASTER  web\" root\n");
    ASSERT_TRUE(result.ok()) << errors_of(result);
    ASSERT_EQ(result.nodes.size(), 1u);
    EXPECT_EQ(result.nodes[0].keyword, "notify_master");
    EXPECT_EQ(result.nodes[0].args,
              (std::vector<std::string>{"/usr/bin/hook  MASTER  web", "root"}));
}

TEST(KeepalivedParserTest, HashAndBangStartComments) {
    const auto result = parse_text("! a comment\npriority 100 # why\n# another\nadvert_int 1 !x\n");
    ASSERT_TRUE(result.ok()) << errors_of(result);
    ASSERT_EQ(result.nodes.size(), 2u);
    EXPECT_EQ(result.nodes[0].args, std::vector<std::string>{"100"});
    EXPECT_EQ(result.nodes[0].line, 2u);
    EXPECT_EQ(result.nodes[1].args, std::vector<std::string>{"1"});
    EXPECT_EQ(result.nodes[1].line, 4u);
}

TEST(KeepalivedParserTest, BlocksNestWithTheirLines) {
    const auto result = parse_text(
        "vrrp_instance web {\n"
        "  authentication {\n"
        "    auth_type PASS\n"
        "  }\n"
        "  virtual_ipaddress\n"
        "  {\n"
        "    10.0.0.1/24 dev eth1\n"
        "  }\n"
        "  nopreempt }\n");
    ASSERT_TRUE(result.ok()) << errors_of(result);
    ASSERT_EQ(result.nodes.size(), 1u);
    const auto& instance = result.nodes[0];
    EXPECT_EQ(instance.args, std::vector<std::string>{"web"});
    ASSERT_EQ(instance.children.size(), 3u);
    EXPECT_EQ(instance.children[0].children[0].keyword, "auth_type");
    EXPECT_EQ(instance.children[0].children[0].line, 3u);
    // `{` alone on the line after its keyword belongs to it.
    EXPECT_TRUE(instance.children[1].has_block);
    EXPECT_EQ(instance.children[1].children[0].args, (std::vector<std::string>{"dev", "eth1"}));
    EXPECT_EQ(instance.children[2].keyword, "nopreempt");
}

struct error_row {
    std::string_view description;
    std::string_view text;
    std::string_view expected;  // the only error's to_string()
};

class KeepalivedParserErrorTest : public ::testing::TestWithParam<error_row> {};

TEST_P(KeepalivedParserErrorTest, NamesFileAndLine) {
    const auto result = parse_text(std::string(GetParam().text));
    ASSERT_EQ(result.errors.size(), 1u) << errors_of(result);
    EXPECT_EQ(result.errors[0].to_string(), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Rows, KeepalivedParserErrorTest,
    ::testing::Values(
        error_row{"an unclosed block", "global_defs {\n  router_id a\n\nvrrp_instance x {\n}\n",
                  "/etc/keepalived/keepalived.conf:1: '{' is not closed by the end of the file"},
        error_row{"a brace too many", "global_defs {\n}\n}\n",
                  "/etc/keepalived/keepalived.conf:3: '}' without a '{' to close"},
        error_row{"a block without a keyword", "{\n}\n",
                  "/etc/keepalived/keepalived.conf:1: '{' without a keyword before it"},
        error_row{"an unterminated quote", "a 1\nnotify \"/bin/x\n",
                  "/etc/keepalived/keepalived.conf:2: a quote is not closed on its line"}));

TEST(KeepalivedParserTest, AConditionalPrefixIsKeptApart) {
    const auto result = parse_text("@high priority 170\n");
    ASSERT_TRUE(result.ok()) << errors_of(result);
    EXPECT_EQ(result.nodes[0].condition, "high");
    EXPECT_EQ(result.nodes[0].keyword, "priority");
}

TEST(KeepalivedIncludeTest, AGlobIsReadInSortedOrderFromTheIncludingFilesDirectory) {
    const auto files = memory_files({
        {"/k/main.conf", "global_defs {\n}\ninclude conf.d/*.conf\nvrrp_script last {\n}\n"},
        {"/k/conf.d/b.conf", "vrrp_instance b {\n}\n"},
        {"/k/conf.d/a.conf", "\nvrrp_instance a {\n}\n"},
        {"/k/conf.d/skip.txt", "garbage {\n"},
    });
    const auto result = parse_file("/k/main.conf", files);
    ASSERT_TRUE(result.ok()) << errors_of(result);
    ASSERT_EQ(result.nodes.size(), 4u);
    EXPECT_EQ(result.nodes[1].args, std::vector<std::string>{"a"});
    EXPECT_EQ(result.nodes[1].file, "/k/conf.d/a.conf");
    EXPECT_EQ(result.nodes[1].line, 2u);
    EXPECT_EQ(result.nodes[2].file, "/k/conf.d/b.conf");
    EXPECT_EQ(result.nodes[3].keyword, "vrrp_script");
}

TEST(KeepalivedIncludeTest, IncludesWorkInsideABlock) {
    const auto files = memory_files({
        {"/k/main.conf", "vrrp_instance a {\n  include vips.conf\n}\n"},
        {"/k/vips.conf", "virtual_ipaddress {\n  10.0.0.1\n}\n"},
    });
    const auto result = parse_file("/k/main.conf", files);
    ASSERT_TRUE(result.ok()) << errors_of(result);
    ASSERT_EQ(result.nodes[0].children.size(), 1u);
    EXPECT_EQ(result.nodes[0].children[0].keyword, "virtual_ipaddress");
}

TEST(KeepalivedIncludeTest, ACycleIsAnErrorAtTheIncludeThatClosesIt) {
    const auto files = memory_files({
        {"/k/a.conf", "include b.conf\n"},
        {"/k/b.conf", "\ninclude a.conf\n"},
    });
    const auto result = parse_file("/k/a.conf", files);
    ASSERT_EQ(result.errors.size(), 1u) << errors_of(result);
    EXPECT_EQ(result.errors[0].to_string(),
              "/k/b.conf:2: include cycle: /k/a.conf is already being read");
}

TEST(KeepalivedIncludeTest, AMissingFileIsAnErrorButAnEmptyGlobIsNot) {
    const auto files = memory_files({{"/k/a.conf", "include none/*.conf\ninclude gone.conf\n"}});
    const auto result = parse_file("/k/a.conf", files);
    ASSERT_EQ(result.errors.size(), 1u) << errors_of(result);
    EXPECT_EQ(result.errors[0].to_string(), "/k/a.conf:2: cannot read included file /k/gone.conf");
}

TEST(KeepalivedIncludeTest, NestingDeeperThanTheLimitIsAnError) {
    std::map<std::string, std::string> chain;
    for (int i = 0; i <= k_max_include_depth + 1; ++i) {
        chain["/k/" + std::to_string(i) + ".conf"] = "include " + std::to_string(i + 1) + ".conf\n";
    }
    chain["/k/" + std::to_string(k_max_include_depth + 2) + ".conf"] = "router_id x\n";
    const auto result = parse_file("/k/0.conf", memory_files(chain));
    ASSERT_EQ(result.errors.size(), 1u) << errors_of(result);
    EXPECT_NE(result.errors[0].message.find("nest deeper than"), std::string::npos);
}

TEST(KeepalivedIncludeTest, AnUnreadableMainFileIsAnErrorWithoutALine) {
    const auto result = parse_file("/k/none.conf", memory_files({}));
    ASSERT_EQ(result.errors.size(), 1u);
    EXPECT_EQ(result.errors[0].to_string(), "/k/none.conf: cannot read the file");
}

}  // namespace
}  // namespace vipd::importer
