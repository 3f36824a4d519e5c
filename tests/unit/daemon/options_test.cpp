#include "vipd/daemon/options.hpp"

#include <gtest/gtest.h>

namespace vipd::daemon {
namespace {

TEST(Options, DefaultsAndFullForm) {
    auto outcome =
        parse_options({"--config", "/tmp/x.toml", "--log", "journal", "--log-level", "debug"});
    ASSERT_TRUE(outcome.options);
    EXPECT_EQ(outcome.options->config_file, "/tmp/x.toml");
    EXPECT_EQ(outcome.options->log, log_choice::journal);
    EXPECT_EQ(outcome.options->log_level, spdlog::level::debug);
    EXPECT_FALSE(outcome.options->check_only);

    auto defaults = parse_options({});
    ASSERT_TRUE(defaults.options);
    EXPECT_EQ(defaults.options->config_file, "/etc/vipd/vipd.toml");
    EXPECT_EQ(defaults.options->log, log_choice::automatic);
}

TEST(Options, CheckAndVersionFlags) {
    auto outcome = parse_options({"--check", "-c", "a.toml"});
    ASSERT_TRUE(outcome.options);
    EXPECT_TRUE(outcome.options->check_only);
    EXPECT_TRUE(parse_options({"--version"}).options->show_version);
}

TEST(Options, BadValuesAreUsageErrorsNamingTheOption) {
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"--log", "syslog"}, {"--log-level", "loud"}, {"--frobnicate"}}) {
        auto outcome = parse_options(args);
        EXPECT_FALSE(outcome.options);
        EXPECT_NE(outcome.exit_code, 0);
        EXPECT_FALSE(outcome.message.empty());
    }
}

TEST(Options, ImportKeepalivedIsASubcommandWithItsFile) {
    auto outcome = parse_options(
        {"import-keepalived", "--allow-lossy", "--ipvsadm-rules", "r.rules", "k.conf"});
    ASSERT_TRUE(outcome.options) << outcome.message;
    ASSERT_TRUE(outcome.options->import_keepalived);
    EXPECT_EQ(outcome.options->import_keepalived->file, "k.conf");
    EXPECT_TRUE(outcome.options->import_keepalived->allow_lossy);
    EXPECT_EQ(outcome.options->import_keepalived->ipvsadm_rules, "r.rules");
    EXPECT_FALSE(parse_options({"--check"}).options->import_keepalived);
    EXPECT_FALSE(parse_options({"import-keepalived"}).options);  // the file is required
}

TEST(Options, HelpExitsZeroWithText) {
    auto outcome = parse_options({"--help"});
    EXPECT_FALSE(outcome.options);
    EXPECT_EQ(outcome.exit_code, 0);
    EXPECT_NE(outcome.message.find("--config"), std::string::npos);
}

}  // namespace
}  // namespace vipd::daemon
