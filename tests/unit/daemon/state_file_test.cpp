#include "vipd/daemon/state_file.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "support/ipvs_literals.hpp"
#include "support/temp_dir.hpp"

namespace vipd::daemon {
namespace {

using ipvs::test::tcp;

class StateFileTest : public ::testing::Test {
  protected:
    support::temp_dir dir_{"vipd-state"};
    logging::log_set logs_{logging::target::stderr_stream, spdlog::level::off};
};

vips::address vip(const char* device, const char* prefix) {
    return {device, *ip_prefix::parse(prefix)};
}

state_record services(std::set<ipvs::service_key> keys) {
    return {std::move(keys), {}};
}

TEST_F(StateFileTest, WrittenInAMissingDirectoryReadBackAndRemovedWhenEmpty) {
    const auto path = (dir_.path() / "run" / "state").string();
    EXPECT_TRUE(read_state_file(path, logs_).empty()) << "no file: no record";
    const state_record record{{tcp("10.0.0.1", 80), ipvs::fwmark_key{10, address_family::ipv6}},
                              {vip("eth1", "10.0.0.1/24"), vip("dummy1", "192.168.100.1/32")}};
    write_state_file(path, record, logs_);
    EXPECT_EQ(read_state_file(path, logs_), record);
    EXPECT_FALSE(std::filesystem::exists(path + ".new"));
    write_state_file(path, services({tcp("10.0.0.2", 443)}), logs_);  // replaced, not appended
    EXPECT_EQ(read_state_file(path, logs_), services({tcp("10.0.0.2", 443)}));
    write_state_file(path, {{}, {vip("eth1", "10.0.0.1/24")}}, logs_);  // VIPs alone
    EXPECT_EQ(read_state_file(path, logs_), (state_record{{}, {vip("eth1", "10.0.0.1/24")}}));
    write_state_file(path, {}, logs_);
    EXPECT_FALSE(std::filesystem::exists(path));
}

TEST_F(StateFileTest, AHandEditedRecordStillNamesItsReadableKeysAndVips) {
    const auto path = (dir_.path() / "state").string();
    std::ofstream(path) << "tcp 10.0.0.1 80\nnonsense\nvip eth1 10.0.0.1/24\nvip eth1\n";
    EXPECT_EQ(read_state_file(path, logs_),
              (state_record{{tcp("10.0.0.1", 80)}, {vip("eth1", "10.0.0.1/24")}}));
}

TEST_F(StateFileTest, ARecordOfAnEarlierVersionIsRead) {
    // Before VIPs were recorded the file held service keys only.
    const auto path = (dir_.path() / "state").string();
    std::ofstream(path) << "tcp 10.0.0.1 80\nfwmark 10 ipv4\n";
    EXPECT_EQ(read_state_file(path, logs_),
              services({tcp("10.0.0.1", 80), ipvs::fwmark_key{10, address_family::ipv4}}));
}

// What follows guards the writes against links planted in the state file's directory. That the
// new record is fsynced (file, then directory) before and after the rename cannot be observed
// from a test; a crash test would need a power cut.

TEST_F(StateFileTest, ALinkPlantedAtTheNewFileIsReplacedNotWrittenThrough) {
    const auto path = dir_.file("state");
    const auto victim = dir_.file("victim");
    std::ofstream(victim) << "precious\n";
    std::filesystem::create_symlink(victim, path + ".new");
    write_state_file(path, services({tcp("10.0.0.1", 80)}), logs_);
    std::ifstream in(victim);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(text, "precious\n") << "the link's target was written through";
    EXPECT_FALSE(std::filesystem::is_symlink(path)) << "the link was renamed over the record";
    EXPECT_EQ(read_state_file(path, logs_), services({tcp("10.0.0.1", 80)}));
    EXPECT_FALSE(std::filesystem::exists(std::filesystem::symlink_status(path + ".new")));
}

TEST_F(StateFileTest, ARecordThatIsALinkIsNotFollowed) {
    const auto path = dir_.file("state");
    const auto elsewhere = dir_.file("elsewhere");
    std::ofstream(elsewhere) << "tcp 10.0.0.1 80\nvip eth1 10.0.0.1/24\n";
    std::filesystem::create_symlink(elsewhere, path);
    EXPECT_TRUE(read_state_file(path, logs_).empty()) << "read through the link";
    write_state_file(path, services({tcp("10.0.0.2", 80)}), logs_);
    EXPECT_FALSE(std::filesystem::is_symlink(path)) << "the link is replaced, not written through";
    EXPECT_EQ(read_state_file(path, logs_), services({tcp("10.0.0.2", 80)}));
    EXPECT_EQ(read_state_file(elsewhere, logs_),
              (state_record{{tcp("10.0.0.1", 80)}, {vip("eth1", "10.0.0.1/24")}}));
}

TEST_F(StateFileTest, AFifoInPlaceOfTheRecordIsRefusedWithoutBlocking) {
    const auto path = dir_.file("state");
    ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
    EXPECT_TRUE(read_state_file(path, logs_).empty());
}

TEST_F(StateFileTest, AnUnwritableDirectoryIsLoggedNotFatal) {
    const auto blocker = dir_.path() / "file";
    std::ofstream(blocker) << "x";
    const auto path = (blocker / "state").string();  // a directory that is a file
    write_state_file(path, services({tcp("10.0.0.1", 80)}), logs_);
    EXPECT_TRUE(read_state_file(path, logs_).empty());
}

}  // namespace
}  // namespace vipd::daemon
