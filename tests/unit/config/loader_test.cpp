#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/addresses.hpp"
#include "support/config_results.hpp"
#include "vipd/config/loader.hpp"

namespace vipd::config {
namespace {

using support::all_errors;
using support::prefix;

constexpr std::string_view k_full = R"([global]
router_id = "dir1"

[[vrrp]]
name = "web"
interface = "eth1"
vrid = 51
priority = 150
version = 3
advert_interval = "100ms"
preempt = false
preempt_delay = "2.5s"
vips = ["172.28.128.210/24", "192.168.100.1/32 dev dummy1", "10.9.9.9"]
garp = { delay = "1s", repeat = 3, interval = "20ms", refresh = "1m" }
v3_checksum = "rfc9568"

[[vrrp]]
name = "legacy"
interface = "eth1"
vrid = 210
priority = 1
version = 2
advert_interval = "3s"
auth_pass = "PassW0rD"
vips = ["172.28.128.211/24"]

[[vrrp]]
name = "v6"
interface = "eth1"
vrid = 51
priority = 255
vips = ["fe80::51", "2001:db8::51/64"]
[vrrp.garp]
repeat = 0
)";

TEST(LoadString, FullExampleRoundTripsIntoStructs) {
    const auto result = load_string(k_full, "full.toml", "host");
    ASSERT_TRUE(result.ok()) << all_errors(result);
    const auto& c = *result.config;
    EXPECT_EQ(c.file, "full.toml");
    EXPECT_EQ(c.global.router_id, "dir1");
    ASSERT_EQ(c.vrrp.size(), 3u);

    const auto& web = c.vrrp[0];
    EXPECT_EQ(web.name, "web");
    EXPECT_EQ(web.interface, "eth1");
    EXPECT_EQ(web.vrid, 51);
    EXPECT_EQ(web.priority, 150);
    EXPECT_EQ(web.version, vrrp::version::v3);
    EXPECT_EQ(web.advert_interval, centiseconds{10});
    EXPECT_FALSE(web.preempt);
    EXPECT_EQ(web.preempt_delay, microseconds{2'500'000});
    EXPECT_FALSE(web.auth_pass.has_value());
    ASSERT_EQ(web.vips.size(), 3u);
    EXPECT_EQ(web.vips[0], (vip{prefix("172.28.128.210/24"), std::nullopt}));
    EXPECT_EQ(web.vips[1], (vip{prefix("192.168.100.1/32"), "dummy1"}));
    EXPECT_EQ(web.vips[2], (vip{prefix("10.9.9.9/32"), std::nullopt}));  // bare = host route
    EXPECT_EQ(web.device_of(web.vips[0]), "eth1");
    EXPECT_EQ(web.device_of(web.vips[1]), "dummy1");
    EXPECT_EQ(web.family(), address_family::ipv4);
    EXPECT_EQ(web.garp, (vrrp::garp_settings{microseconds{1'000'000}, 3, microseconds{20'000},
                                             microseconds{60'000'000}}));
    EXPECT_EQ(web.v3_checksum, vrrp::checksum_mode::rfc9568);
    EXPECT_EQ(web.position, (source_position{"full.toml", 4, 1}));

    const auto& legacy = c.vrrp[1];
    EXPECT_EQ(legacy.version, vrrp::version::v2);
    EXPECT_EQ(legacy.advert_interval, centiseconds{300});
    const vrrp::auth_pass pass{'P', 'a', 's', 's', 'W', '0', 'r', 'D'};
    EXPECT_EQ(legacy.auth_pass, pass);
    EXPECT_EQ(legacy.position.line, 17u);

    const auto& v6 = c.vrrp[2];
    EXPECT_EQ(v6.family(), address_family::ipv6);
    EXPECT_EQ(v6.priority, 255);
    EXPECT_EQ(v6.vips[0].prefix, prefix("fe80::51/128"));
    EXPECT_EQ(v6.garp.repeat, 0u);
    EXPECT_EQ(v6.garp.interval, microseconds{10'000});  // the rest of the sub-table defaults
}

TEST(LoadString, ShortAuthPassIsZeroPadded) {
    const auto result = load_string(R"([[vrrp]]
name = "a"
interface = "eth0"
vrid = 1
version = 2
auth_pass = "abc"
vips = ["10.0.0.1"]
)",
                                    "t.toml");
    ASSERT_TRUE(result.ok()) << all_errors(result);
    const vrrp::auth_pass pass{'a', 'b', 'c', 0, 0, 0, 0, 0};
    EXPECT_EQ(result.config->vrrp[0].auth_pass, pass);
}

TEST(LoadString, DefaultsFillEverythingOptional) {
    const auto result = load_string(R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 51
vips = ["172.28.128.210/24"]
)",
                                    "t.toml", "myhost");
    ASSERT_TRUE(result.ok()) << all_errors(result);
    EXPECT_EQ(result.config->global.router_id, "myhost");
    const auto& i = result.config->vrrp.at(0);
    EXPECT_EQ(i.priority, 100);
    EXPECT_EQ(i.version, vrrp::version::v3);  // keepalived would default to 2
    EXPECT_EQ(i.advert_interval, centiseconds{100});
    EXPECT_TRUE(i.preempt);
    EXPECT_EQ(i.preempt_delay, microseconds{0});
    EXPECT_FALSE(i.auth_pass.has_value());
    EXPECT_EQ(i.garp,
              (vrrp::garp_settings{microseconds{0}, 5, microseconds{10'000}, microseconds{0}}));
    EXPECT_EQ(i.v3_checksum, vrrp::checksum_mode::pseudo_header);
}

TEST(LoadString, EmptyFileIsValidWithNoInstances) {
    const auto result = load_string("", "t.toml", "h");
    ASSERT_TRUE(result.ok());
    EXPECT_TRUE(result.config->vrrp.empty());
    EXPECT_EQ(result.config->global.router_id, "h");
}

TEST(LoadString, ControlSocketDefaultsAndCanBeMovedOrDisabled) {
    auto result = load_string("", "t.toml");
    ASSERT_TRUE(result.ok()) << all_errors(result);
    EXPECT_EQ(result.config->global.control_socket, "/run/vipd/vipd.sock");

    result = load_string("[global]\ncontrol_socket = \"/var/run/vipd-a.sock\"\n", "t.toml");
    ASSERT_TRUE(result.ok()) << all_errors(result);
    EXPECT_EQ(result.config->global.control_socket, "/var/run/vipd-a.sock");

    // 107 bytes: the longest path sun_path holds with its NUL.
    const std::string longest = "/" + std::string(106, 'a');
    result = load_string("[global]\ncontrol_socket = \"" + longest + "\"\n", "t.toml");
    ASSERT_TRUE(result.ok()) << all_errors(result);
    EXPECT_EQ(result.config->global.control_socket, longest);

    result = load_string("[global]\ncontrol_socket = \"\"\n", "t.toml");
    ASSERT_TRUE(result.ok()) << all_errors(result);
    EXPECT_FALSE(result.config->global.control_socket.has_value());
}

TEST(LoadString, MetricsListenTakesAnAddressAndPort) {
    struct row {
        std::string_view text;
        std::string_view address;
        std::uint16_t port;
    };
    for (const auto& r : {row{"127.0.0.1:9650", "127.0.0.1", 9650}, row{"0.0.0.0:1", "0.0.0.0", 1},
                          row{"[::1]:65535", "::1", 65535}, row{"[::]:9650", "::", 9650},
                          row{"[2001:db8::1]:80", "2001:db8::1", 80}}) {
        const auto result =
            load_string("[global]\nmetrics_listen = \"" + std::string(r.text) + "\"\n", "t.toml");
        ASSERT_TRUE(result.ok()) << r.text << ": " << all_errors(result);
        ASSERT_TRUE(result.config->global.metrics_listen.has_value()) << r.text;
        EXPECT_EQ(result.config->global.metrics_listen->address.to_string(), r.address);
        EXPECT_EQ(result.config->global.metrics_listen->port, r.port);
    }
    const auto none = load_string("", "t.toml");
    ASSERT_TRUE(none.ok());
    EXPECT_FALSE(none.config->global.metrics_listen.has_value());
}

TEST(LoadString, FilesIsTheMainFileAloneWithoutInclude) {
    const auto result = load_string("", "/etc/vipd/vipd.toml");
    ASSERT_TRUE(result.ok()) << all_errors(result);
    EXPECT_EQ(result.config->file, "/etc/vipd/vipd.toml");
    EXPECT_EQ(result.config->files, std::vector<std::string>{"/etc/vipd/vipd.toml"});
}

TEST(LoadString, SameVridIsFineOnAnotherInterfaceOrFamily) {
    const auto result = load_string(R"([[vrrp]]
name = "a"
interface = "eth1"
vrid = 7
vips = ["10.0.0.1/24"]
[[vrrp]]
name = "b"
interface = "eth2"
vrid = 7
vips = ["10.0.1.1/24"]
[[vrrp]]
name = "c"
interface = "eth1"
vrid = 7
vips = ["2001:db8::7/64"]
)",
                                    "t.toml");
    EXPECT_TRUE(result.ok()) << all_errors(result);
}

TEST(LoadString, V2AcceptsWholeSecondsAndV3TheExtremes) {
    for (const auto* text : {R"([[vrrp]]
name = "a"
interface = "eth1"
vrid = 1
version = 2
advert_interval = "255s"
vips = ["10.0.0.1"]
)",
                             R"([[vrrp]]
name = "a"
interface = "eth1"
vrid = 1
advert_interval = "40.95s"
vips = ["10.0.0.1"]
)",
                             R"([[vrrp]]
name = "a"
interface = "eth1"
vrid = 1
advert_interval = "10ms"
vips = ["10.0.0.1"]
)"}) {
        const auto result = load_string(text, "t.toml");
        EXPECT_TRUE(result.ok()) << text << all_errors(result);
    }
}

TEST(LoadString, ReportsEveryErrorInFileOrder) {
    const auto result = load_string(R"([global]
router_id = ""
[[vrrp]]
name = "web"
interface = "eth1/x"
vrid = 300
priority = 0
advert_interval = 1
vips = ["10.0.0.1/24", "bogus"]
garp = { repeat = 500, delays = "1s" }
color = "red"
[[vrrp]]
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
)",
                                    "m.toml");
    ASSERT_FALSE(result.ok());
    std::vector<std::string> got;
    for (const auto& e : result.errors) {
        got.push_back(e.position.file + ":" + std::to_string(e.position.line) + ":" +
                      std::to_string(e.position.column) + ": " + e.key);
    }
    const std::vector<std::string> want{
        "m.toml:2:13: global.router_id",
        "m.toml:5:13: vrrp[0].interface",
        "m.toml:6:8: vrrp[0].vrid",
        "m.toml:7:12: vrrp[0].priority",
        "m.toml:8:19: vrrp[0].advert_interval",
        "m.toml:9:24: vrrp[0].vips[1]",
        "m.toml:10:19: vrrp[0].garp.repeat",
        "m.toml:10:24: vrrp[0].garp.delays",
        "m.toml:11:1: vrrp[0].color",
        "m.toml:12:1: vrrp[1].name",
        "m.toml:15:9: vrrp[1].vips[0]",
    };
    EXPECT_EQ(got, want) << all_errors(result);
}

TEST(ConfigError, FormatsFileLineColumnKeyMessage) {
    EXPECT_EQ((config_error{{"a.toml", 3, 7}, "vrrp[0].vrid", "vrid must be 1..255, got 300"})
                  .to_string(),
              "a.toml:3:7: vrrp[0].vrid: vrid must be 1..255, got 300");
    EXPECT_EQ((config_error{{"a.toml", 3, 7}, "", "TOML syntax error: x"}).to_string(),
              "a.toml:3:7: TOML syntax error: x");
    EXPECT_EQ((config_error{{"a.toml", 0, 0}, "", "cannot read"}).to_string(),
              "a.toml: cannot read");
}

TEST(LoadFile, MissingFileIsOneErrorNamingIt) {
    const auto result = load_file("/nonexistent/vipd.toml");
    ASSERT_FALSE(result.ok());
    ASSERT_EQ(result.errors.size(), 1u);
    EXPECT_EQ(result.errors[0].to_string(),
              "/nonexistent/vipd.toml: cannot read the configuration: No such file or directory");
}

TEST(LoadFile, DirectoryIsAnError) {
    const auto result = load_file(VIPD_CONF_DIR);
    ASSERT_EQ(result.errors.size(), 1u);
    EXPECT_NE(result.errors[0].message.find("directory"), std::string::npos);
}

TEST(LoadFile, ReadsAFileAndNamesItInErrors) {
    const auto path = std::filesystem::temp_directory_path() / "vipd-config-test.toml";
    {
        std::ofstream out(path);
        out << "[[vrrp]]\nname = \"web\"\ninterface = \"eth1\"\nvrid = 256\nvips = "
               "[\"10.0.0.1\"]\n";
    }
    const auto result = load_file(path.string(), "box");
    std::filesystem::remove(path);
    ASSERT_EQ(result.errors.size(), 1u);
    EXPECT_EQ(result.errors[0].to_string(),
              path.string() + ":4:8: vrrp[0].vrid: vrid must be 1..255, got 256");
}

TEST(ShippedExamples, EveryFileInConfLoadsWithoutErrors) {
    std::size_t count = 0;
    for (const auto& entry : std::filesystem::directory_iterator(VIPD_CONF_DIR)) {
        if (entry.path().extension() != ".toml") {
            continue;
        }
        ++count;
        const auto result = load_file(entry.path().string(), "test-host");
        EXPECT_TRUE(result.ok()) << all_errors(result);
        if (result.ok()) {
            EXPECT_FALSE(result.config->vrrp.empty() && result.config->virtual_servers.empty())
                << entry.path();
        }
    }
    EXPECT_GE(count, 8u) << "the pair, the trio, the IPv6 and the single-host examples";
}

}  // namespace
}  // namespace vipd::config
