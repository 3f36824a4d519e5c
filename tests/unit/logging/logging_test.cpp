#include "vipd/logging/logging.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

namespace vipd::logging {
namespace {

TEST(JournalEntries, CarryMessagePriorityIdentifierSubsystemAndFieldsInOrder) {
    auto entries =
        journal_entries("vrrp", spdlog::level::info,
                        "web: BACKUP -> MASTER (master down timer expired; priority 150)",
                        {{"VIPD_INSTANCE", "web"}, {"VIPD_FROM", "BACKUP"}, {"VIPD_TO", "MASTER"}});
    const std::vector<std::string> expected{
        "MESSAGE=web: BACKUP -> MASTER (master down timer expired; priority 150)",
        "PRIORITY=6",
        "SYSLOG_IDENTIFIER=vipd",
        "VIPD_SUBSYSTEM=vrrp",
        "VIPD_INSTANCE=web",
        "VIPD_FROM=BACKUP",
        "VIPD_TO=MASTER"};
    EXPECT_EQ(entries, expected);
}

TEST(JournalEntries, MapSpdlogLevelsToSyslogPriorities) {
    struct row {
        spdlog::level::level_enum level;
        const char* priority;
    };
    for (const auto& r :
         {row{spdlog::level::debug, "PRIORITY=7"}, row{spdlog::level::info, "PRIORITY=6"},
          row{spdlog::level::warn, "PRIORITY=4"}, row{spdlog::level::err, "PRIORITY=3"},
          row{spdlog::level::critical, "PRIORITY=2"}}) {
        EXPECT_EQ(journal_entries("daemon", r.level, "x", {}).at(1), r.priority);
    }
}

TEST(DetectTarget, StderrUnlessJournalStreamNamesOurStderr) {
    unsetenv("JOURNAL_STREAM");
    EXPECT_EQ(detect_target(), target::stderr_stream);
    setenv("JOURNAL_STREAM", "1:2", 1);  // some other stream
    EXPECT_EQ(detect_target(), target::stderr_stream);
    unsetenv("JOURNAL_STREAM");
}

}  // namespace
}  // namespace vipd::logging
