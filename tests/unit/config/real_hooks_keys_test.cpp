// A real's notify_up / notify_down and a virtual server's quorum_up / quorum_down with the
// service's notify_user and notify_timeout (issue 15): read, and refused with their place.
#include <gtest/gtest.h>

#include <string>

#include "error_row.hpp"
#include "vipd/config/loader.hpp"

namespace vipd::config {
namespace {

using namespace std::chrono_literals;
using testing::error_row;
using commands = std::vector<std::string>;

const std::string k_service = R"([[virtual_server]]
address = "10.0.0.1"
port = 80
)";

TEST(RealHooksKeys, TheHooksAndHowTheyRunAreRead) {
    const auto result = load_string(k_service + R"(quorum_up = "/usr/local/bin/quorum-up"
quorum_down = ["/usr/local/bin/quorum", "down"]
notify_user = "vipd"
notify_timeout = "3s"
  [[virtual_server.real]]
  address = "10.0.1.1"
  notify_up = ["/usr/local/bin/real", "up"]
  notify_down = "/usr/local/bin/real-down"
  [[virtual_server.real]]
  address = "10.0.1.2"
)",
                                    "t.toml");
    ASSERT_TRUE(result.ok()) << result.errors.front().to_string();
    const auto& server = result.config->virtual_servers[0];
    EXPECT_EQ(server.quorum_notify.up, commands{"/usr/local/bin/quorum-up"});
    EXPECT_EQ(server.quorum_notify.down, (commands{"/usr/local/bin/quorum", "down"}));
    EXPECT_EQ(server.hook_user.name, "vipd");
    EXPECT_EQ(server.hook_timeout, 3s);
    EXPECT_EQ(server.reals[0].notify.up, (commands{"/usr/local/bin/real", "up"}));
    EXPECT_EQ(server.reals[0].notify.down, commands{"/usr/local/bin/real-down"});
    EXPECT_TRUE(server.reals[1].notify.empty());
    EXPECT_TRUE(server.has_hooks());
}

TEST(RealHooksKeys, NoHooksByDefaultAndTheInstanceHooksDefaults) {
    const auto result =
        load_string(k_service + "  [[virtual_server.real]]\n  address = \"10.0.1.1\"\n", "t.toml");
    ASSERT_TRUE(result.ok()) << result.errors.front().to_string();
    const auto& server = result.config->virtual_servers[0];
    EXPECT_FALSE(server.has_hooks());
    EXPECT_FALSE(server.hook_user.name);
    EXPECT_EQ(server.hook_timeout, notify_settings{}.timeout);
}

TEST(RealHooksKeys, ARealsHookAloneIsAHookOfTheService) {
    const auto result = load_string(
        k_service +
            "  [[virtual_server.real]]\n  address = \"10.0.1.1\"\n  notify_up = \"/bin/up\"\n",
        "t.toml");
    ASSERT_TRUE(result.ok()) << result.errors.front().to_string();
    EXPECT_TRUE(result.config->virtual_servers[0].has_hooks());
}

class RealHooksErrorTest : public ::testing::TestWithParam<error_row> {};

TEST_P(RealHooksErrorTest, ReportsExactlyOneErrorWithPositionAndKey) {
    testing::expect_single_error(GetParam());
}

INSTANTIATE_TEST_SUITE_P(
    Keys, RealHooksErrorTest,
    ::testing::Values(
        error_row{"a real's notify_down with a relative program",
                  "[[virtual_server]]\naddress = \"10.0.0.1\"\nport = 80\n"
                  "[[virtual_server.real]]\naddress = \"10.0.1.1\"\nnotify_down = \"down.sh\"\n",
                  "t.toml:6:15: virtual_server[0].real[0].notify_down: notify_down must start "
                  "with an absolute program path"},
        error_row{"a real's notify_up written as a shell line",
                  "[[virtual_server]]\naddress = \"10.0.0.1\"\nport = 80\n"
                  "[[virtual_server.real]]\naddress = \"10.0.1.1\"\nnotify_up = \"/bin/up now\"\n",
                  "t.toml:6:13: virtual_server[0].real[0].notify_up: notify_up is run without a "
                  "shell"},
        error_row{"quorum_up that is no command",
                  "[[virtual_server]]\naddress = \"10.0.0.1\"\nport = 80\nquorum_up = []\n",
                  "t.toml:4:13: virtual_server[0].quorum_up: quorum_up must be a program path or "
                  "a non-empty array"},
        error_row{"quorum_down with a relative program",
                  "[[virtual_server]]\naddress = \"10.0.0.1\"\nport = 80\n"
                  "quorum_down = [\"down\", \"now\"]\n",
                  "virtual_server[0].quorum_down: quorum_down must start with an absolute"},
        error_row{"a service's notify_user that is no user name",
                  "[[virtual_server]]\naddress = \"10.0.0.1\"\nport = 80\nnotify_user = \"a b\"\n",
                  "t.toml:4:15: virtual_server[0].notify_user: notify_user must be a user name"},
        error_row{
            "a service's notify_timeout below 10 ms",
            "[[virtual_server]]\naddress = \"10.0.0.1\"\nport = 80\nnotify_timeout = \"1ms\"\n",
            "t.toml:4:18: virtual_server[0].notify_timeout:"},
        error_row{"notify_user on a real",
                  "[[virtual_server]]\naddress = \"10.0.0.1\"\nport = 80\n"
                  "[[virtual_server.real]]\naddress = \"10.0.1.1\"\nnotify_user = \"vipd\"\n",
                  "virtual_server[0].real[0].notify_user: unknown key"}));

}  // namespace
}  // namespace vipd::config
