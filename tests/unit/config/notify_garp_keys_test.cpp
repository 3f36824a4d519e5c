// The keys of issue 15: notify_stop, [global] notify_fifo and the GARP second burst, read and
// refused with their place.
#include <gtest/gtest.h>

#include <string>

#include "error_row.hpp"
#include "vipd/config/loader.hpp"

namespace vipd::config {
namespace {

using namespace std::chrono_literals;
using testing::error_row;

const std::string k_instance = R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
)";

TEST(NotifyAndGarpKeys, NotifyStopAndTheFifoAreRead) {
    const auto result = load_string(R"([global]
notify_fifo = "/run/vipd/notify.fifo"
)" + k_instance + R"(notify_stop = ["/usr/local/bin/stopped", "web"]

[[vrrp]]
name = "api"
interface = "eth1"
vrid = 2
vips = ["10.0.0.2/24"]

[[sync_group]]
name = "pair"
members = ["web", "api"]
notify_stop = "/usr/local/bin/group-stopped"
)",
                                    "t.toml");
    ASSERT_TRUE(result.ok()) << result.errors.front().to_string();
    const auto& config = *result.config;
    EXPECT_EQ(config.global.notify_fifo, "/run/vipd/notify.fifo");
    EXPECT_EQ(config.vrrp[0].notify.stop,
              (std::vector<std::string>{"/usr/local/bin/stopped", "web"}));
    EXPECT_FALSE(config.vrrp[0].notify.empty()) << "a stop hook alone is a hook";
    EXPECT_EQ(config.sync_groups[0].notify.stop,
              (std::vector<std::string>{"/usr/local/bin/group-stopped"}));
}

TEST(NotifyAndGarpKeys, NoFifoByDefaultOrWithAnEmptyPath) {
    EXPECT_FALSE(load_string(k_instance, "t.toml").config->global.notify_fifo);
    EXPECT_FALSE(load_string("[global]\nnotify_fifo = \"\"\n" + k_instance, "t.toml")
                     .config->global.notify_fifo);
}

TEST(NotifyAndGarpKeys, TheSecondBurstRepeatsTheFirstUnlessToldOtherwise) {
    const auto same =
        load_string(k_instance + "garp = { repeat = 3, second_delay = \"5s\" }\n", "t.toml");
    ASSERT_TRUE(same.ok()) << same.errors.front().to_string();
    EXPECT_EQ(same.config->vrrp[0].garp.second_delay, 5s);
    EXPECT_EQ(same.config->vrrp[0].garp.second_repeat, 3u);
    const auto own = load_string(
        k_instance + "[vrrp.garp]\nsecond_repeat = 1\nrepeat = 4\nsecond_delay = \"2s\"\n",
        "t.toml");
    ASSERT_TRUE(own.ok()) << own.errors.front().to_string();
    EXPECT_EQ(own.config->vrrp[0].garp.second_repeat, 1u);
    EXPECT_EQ(own.config->vrrp[0].garp.repeat, 4u);
    const auto none = load_string(k_instance, "t.toml");
    EXPECT_EQ(none.config->vrrp[0].garp.second_delay, 0s);
    EXPECT_EQ(none.config->vrrp[0].garp.second_repeat, 0u);
}

class NotifyAndGarpErrorTest : public ::testing::TestWithParam<error_row> {};

TEST_P(NotifyAndGarpErrorTest, ReportsExactlyOneErrorWithPositionAndKey) {
    testing::expect_single_error(GetParam());
}

INSTANTIATE_TEST_SUITE_P(
    Keys, NotifyAndGarpErrorTest,
    ::testing::Values(
        error_row{"notify_stop with a relative program",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
notify_stop = "stop.sh"
)",
                  "t.toml:6:15: vrrp[0].notify_stop: notify_stop must start with an absolute "
                  "program path"},
        error_row{"a relative notify_fifo",
                  R"([global]
notify_fifo = "notify.fifo"
)",
                  "t.toml:2:15: global.notify_fifo: notify_fifo must be an absolute path"},
        error_row{"second_delay without a unit",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
garp = { second_delay = 5 }
)",
                  "t.toml:6:25: vrrp[0].garp.second_delay: second_delay"},
        error_row{"second_repeat above 100",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
[vrrp.garp]
second_delay = "5s"
second_repeat = 101
)",
                  "t.toml:8:17: vrrp[0].garp.second_repeat: second_repeat must be 0..100, got "
                  "101"},
        error_row{"second_repeat alone",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
garp = { second_repeat = 2 }
)",
                  "t.toml:6:26: vrrp[0].garp.second_repeat: second_repeat needs second_delay"},
        error_row{"keepalived's garp_master_delay",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
garp_master_delay = 5
)",
                  "second_delay"}));

}  // namespace
}  // namespace vipd::config
