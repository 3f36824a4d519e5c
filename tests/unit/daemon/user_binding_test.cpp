#include "vipd/daemon/user_binding.hpp"

#include <gtest/gtest.h>

#include <map>
#include <variant>

#include "fakes/fake_users.hpp"
#include "support/config_results.hpp"

namespace vipd::daemon {
namespace {

using fakes::fake_users;
using support::load_ok;

constexpr std::string_view k_config = R"(
[[vrrp]]
name = "web"
interface = "eth1"
vrid = 51
vips = ["172.28.128.210/24"]
notify = "/etc/vipd/notify.sh"
track_scripts = [{command = ["/usr/local/bin/check-nginx"]}]

[[virtual_server]]
address = "172.28.128.210"
port = 80
check = {type = "script", command = ["/usr/local/bin/check-web"], user = "vipd"}

[[virtual_server.real]]
address = "10.0.0.1"

[[virtual_server.real]]
address = "10.0.0.2"
)";

const health::run_as& real_user(const config::daemon_config& config, std::size_t real) {
    return std::get<health::script_check>(config.virtual_servers[0].reals[real].check->kind).user;
}

TEST(UserBinding, ARootDaemonBindsEveryUserAndTheDefaults) {
    auto config = load_ok(k_config);
    const fake_users users(true, 0);
    const auto errors = bind_users(config, users);
    EXPECT_TRUE(errors.empty());
    EXPECT_EQ(real_user(config, 0).identity->uid, 998U);
    EXPECT_EQ(real_user(config, 1).identity->groups, (std::vector<std::uint32_t>{998, 4}));
    EXPECT_EQ(config.vrrp[0].track_scripts[0].script.user.identity->name, "nobody");
    EXPECT_EQ(config.vrrp[0].notify.user.identity->name, "root");
    // Once per name and configuration, however many checks name it.
    EXPECT_EQ(users.lookups, (std::map<std::string, int>{{"nobody", 1}, {"root", 1}, {"vipd", 1}}));
}

TEST(UserBinding, AnUnknownUserIsAnErrorAtItsTableAndKey) {
    auto config = load_ok(R"(
[[vrrp]]
name = "web"
interface = "eth1"
vrid = 51
vips = ["172.28.128.210/24"]
notify = "/etc/vipd/notify.sh"
notify_user = "ghost"
)",
                          "v.toml");
    const auto errors = bind_users(config, fake_users(true, 0));
    ASSERT_EQ(errors.size(), 1U);
    EXPECT_EQ(errors[0].to_string(),
              "v.toml:2:1: vrrp[0].notify_user: user \"ghost\" does not exist on this host");
}

TEST(UserBinding, AServiceWithRealOrQuorumHooksBindsItsNotifyUser) {
    auto config = load_ok(R"(
[[virtual_server]]
address = "10.0.0.1"
port = 80
[[virtual_server.real]]
address = "10.0.1.1"
notify_down = "/usr/local/bin/down"

[[virtual_server]]
address = "10.0.0.2"
port = 80
quorum_up = "/usr/local/bin/up"
notify_user = "ghost"

[[virtual_server]]
address = "10.0.0.3"
port = 80
notify_user = "ghost"
)",
                          "v.toml");
    const auto errors = bind_users(config, fake_users(true, 0));
    EXPECT_EQ(config.virtual_servers[0].hook_user.identity->name, "root");
    // The third has no hook: its notify_user is never looked up.
    ASSERT_EQ(errors.size(), 1U);
    EXPECT_EQ(errors[0].to_string(),
              "v.toml:9:1: virtual_server[1].notify_user: user \"ghost\" does not exist on this "
              "host");
}

TEST(UserBinding, AnUnprivilegedDaemonRunsDefaultsAsItselfAndRefusesOthers) {
    auto config = load_ok(k_config);
    const auto errors = bind_users(config, fake_users(false, 65534));
    // The track script and notify left their users out: they run as the daemon, unswitched.
    EXPECT_EQ(config.vrrp[0].track_scripts[0].script.user.identity, std::nullopt);
    EXPECT_EQ(config.vrrp[0].notify.user.identity, std::nullopt);
    // Both reals inherit user = "vipd", which this daemon cannot become.
    ASSERT_EQ(errors.size(), 2U);
    EXPECT_EQ(errors[0].key, "virtual_server[0].real[0].check.user");
    EXPECT_EQ(errors[0].message,
              "cannot run commands as \"vipd\": vipd runs as uid 65534 without CAP_SETUID and "
              "CAP_SETGID (leave `user` out to run them as vipd's own user)");
    EXPECT_EQ(errors[1].key, "virtual_server[0].real[1].check.user");
    EXPECT_EQ(errors[0].position.line, 15U);
}

TEST(UserBinding, AnUnprivilegedDaemonMayNameItself) {
    auto config = load_ok(k_config);
    const auto errors = bind_users(config, fake_users(false, 998));
    EXPECT_TRUE(errors.empty());
    EXPECT_EQ(real_user(config, 0).identity, std::nullopt) << "itself: nothing to switch";
}

}  // namespace
}  // namespace vipd::daemon
