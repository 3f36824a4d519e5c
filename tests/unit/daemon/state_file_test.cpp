#include "vipd/daemon/state_file.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace vipd::daemon {
namespace {

class StateFileTest : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string pattern = (std::filesystem::temp_directory_path() / "vipd-state-XXXXXX");
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::filesystem::path dir_;
    logging::log_set logs_{logging::target::stderr_stream, spdlog::level::off};
};

ipvs::service_key tcp(const char* vip, std::uint16_t port) {
    return ipvs::endpoint_key{ipvs::protocol::tcp, *ip_address::parse(vip), port};
}

TEST_F(StateFileTest, WrittenInAMissingDirectoryReadBackAndRemovedWhenEmpty) {
    const auto path = (dir_ / "run" / "state").string();
    EXPECT_TRUE(read_state_file(path, logs_).empty()) << "no file: no record";
    const std::set<ipvs::service_key> keys{tcp("10.0.0.1", 80),
                                           ipvs::fwmark_key{10, address_family::ipv6}};
    write_state_file(path, keys, logs_);
    EXPECT_EQ(read_state_file(path, logs_), keys);
    EXPECT_FALSE(std::filesystem::exists(path + ".new"));
    write_state_file(path, {tcp("10.0.0.2", 443)}, logs_);  // replaced, not appended
    EXPECT_EQ(read_state_file(path, logs_), (std::set<ipvs::service_key>{tcp("10.0.0.2", 443)}));
    write_state_file(path, {}, logs_);
    EXPECT_FALSE(std::filesystem::exists(path));
}

TEST_F(StateFileTest, AHandEditedRecordStillNamesItsReadableKeys) {
    const auto path = (dir_ / "state").string();
    std::ofstream(path) << "tcp 10.0.0.1 80\nnonsense\n";
    EXPECT_EQ(read_state_file(path, logs_), (std::set<ipvs::service_key>{tcp("10.0.0.1", 80)}));
}

TEST_F(StateFileTest, AnUnwritableDirectoryIsLoggedNotFatal) {
    const auto blocker = dir_ / "file";
    std::ofstream(blocker) << "x";
    const auto path = (blocker / "state").string();  // a directory that is a file
    write_state_file(path, {tcp("10.0.0.1", 80)}, logs_);
    EXPECT_TRUE(read_state_file(path, logs_).empty());
}

}  // namespace
}  // namespace vipd::daemon
