// Every sample of Debian's keepalived package converts (allowing losses) into a configuration
// vipd loads, or is refused with its reasons; PING_CHECK and SMTP_CHECK are dropped with one.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "vipd/importer/import.hpp"

namespace vipd::importer {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> samples() {
    std::vector<std::string> files;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(VIPD_KEEPALIVED_SAMPLES, ec)) {
        if (entry.path().filename().string().starts_with("keepalived.conf.")) {
            files.push_back(entry.path().string());
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

std::string messages_of(const import_outcome& outcome) {
    std::string out;
    for (const auto& line : outcome.messages) {
        out += line + "\n";
    }
    return out;
}

TEST(KeepalivedSamplesTest, EachConvertsIntoALoadableFileOrIsRefusedWithReasons) {
    const auto files = samples();
    if (files.empty()) {
        GTEST_SKIP() << "no keepalived samples in " VIPD_KEEPALIVED_SAMPLES
                        " (install Debian's keepalived package)";
    }
    EXPECT_EQ(files.size(), 25u);
    for (const auto& file : files) {
        SCOPED_TRACE(file);
        const auto strict = import_keepalived({file, false, std::nullopt}, disk_files());
        const auto lossy = import_keepalived({file, true, std::nullopt}, disk_files());
        // import_keepalived hands out TOML only after vipd's loader accepted it.
        EXPECT_EQ(lossy.exit_code, k_exit_converted) << messages_of(lossy);
        EXPECT_FALSE(lossy.toml.empty());
        EXPECT_EQ(strict.exit_code, strict.messages.empty() ? k_exit_converted : k_exit_lossy)
            << messages_of(strict);
    }
}

TEST(KeepalivedSamplesTest, PingAndSmtpChecksAreDroppedWithAReason) {
    for (const auto* check : {"PING_CHECK", "SMTP_CHECK"}) {
        const std::string file = std::string(VIPD_KEEPALIVED_SAMPLES) + "/keepalived.conf." + check;
        if (!fs::exists(file)) {
            GTEST_SKIP() << file << " is missing (install Debian's keepalived package)";
        }
        const auto outcome = import_keepalived({file, false, std::nullopt}, disk_files());
        EXPECT_EQ(outcome.exit_code, k_exit_lossy);
        const auto reason = std::string(": ") + check + ": dropped: vipd has no ";
        EXPECT_TRUE(std::any_of(outcome.messages.begin(), outcome.messages.end(),
                                [&](const std::string& line) {
                                    return line.starts_with(file + ":") &&
                                           line.find(reason) != std::string::npos;
                                }))
            << messages_of(outcome);
    }
}

}  // namespace
}  // namespace vipd::importer
