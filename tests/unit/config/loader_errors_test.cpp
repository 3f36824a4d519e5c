// One row per rule: a small file with exactly one mistake, and what its single error must say,
// position and key included ("FILE:LINE:COLUMN: KEY: MESSAGE").
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "error_row.hpp"
#include "vipd/config/loader.hpp"

namespace vipd::config {
namespace {

using testing::error_row;

class ConfigErrorTest : public ::testing::TestWithParam<error_row> {};

TEST_P(ConfigErrorTest, ReportsExactlyOneErrorWithPositionAndKey) {
    testing::expect_single_error(GetParam());
}

// Lines 1-5 of most rows: a valid instance the row then breaks in one place.
INSTANTIATE_TEST_SUITE_P(
    InstanceKeys, ConfigErrorTest,
    ::testing::Values(
        error_row{"vrid above 255",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vips = ["10.0.0.1/24"]
vrid = 300
)",
                  "t.toml:5:8: vrrp[0].vrid: vrid must be 1..255, got 300"},
        error_row{"vrid 0",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vips = ["10.0.0.1/24"]
vrid = 0
)",
                  "t.toml:5:8: vrrp[0].vrid: vrid must be 1..255, got 0"},
        error_row{"vrid that would wrap to 51 in 32 bits",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vips = ["10.0.0.1/24"]
vrid = 4294967347
)",
                  "t.toml:5:8: vrrp[0].vrid: vrid must be 1..255, got 4294967347"},
        error_row{"vrid as a string",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vips = ["10.0.0.1/24"]
vrid = "51"
)",
                  "t.toml:5:8: vrrp[0].vrid: vrid must be an integer 1..255, got a string \"51\""},
        error_row{"vrid missing: reported at the table",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vips = ["10.0.0.1/24"]
)",
                  "t.toml:1:1: vrrp[0].vrid: vrid is required: an integer 1..255"},
        error_row{"name missing in the second instance",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
[[vrrp]]
interface = "eth1"
vrid = 2
vips = ["10.0.0.2/24"]
)",
                  "t.toml:6:1: vrrp[1].name: name is required"},
        error_row{"interface missing",
                  R"([[vrrp]]
name = "web"
vrid = 1
vips = ["10.0.0.1/24"]
)",
                  "t.toml:1:1: vrrp[0].interface: interface is required"},
        error_row{"vips missing",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
)",
                  "t.toml:1:1: vrrp[0].vips: vips is required: a non-empty array"},
        error_row{"priority 0 is reserved for resigning",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
priority = 0
)",
                  "t.toml:6:12: vrrp[0].priority: priority must be 1..255, got 0"},
        error_row{"priority 256",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
priority = 256
)",
                  "t.toml:6:12: vrrp[0].priority: priority must be 1..255, got 256"},
        error_row{"name with a space",
                  R"([[vrrp]]
name = "my web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
)",
                  "t.toml:2:8: vrrp[0].name: name may only contain letters, digits, '_', '.' "
                  "and '-'"},
        error_row{"interface longer than IFNAMSIZ-1",
                  R"([[vrrp]]
name = "web"
interface = "averyverylongname0"
vrid = 1
vips = ["10.0.0.1/24"]
)",
                  "t.toml:3:13: vrrp[0].interface: interface must be 1..15 characters (Linux "
                  "IFNAMSIZ), got 18"},
        error_row{"interface with a slash",
                  R"([[vrrp]]
name = "web"
interface = "eth1/2"
vrid = 1
vips = ["10.0.0.1/24"]
)",
                  "t.toml:3:13: vrrp[0].interface: interface cannot contain '/', ':' or "
                  "whitespace"},
        error_row{"version 4",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
version = 4
)",
                  "t.toml:6:11: vrrp[0].version: version must be 2 or 3, got 4"},
        error_row{"preempt as a string",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
preempt = "yes"
)",
                  "t.toml:6:11: vrrp[0].preempt: preempt must be true or false"},
        error_row{"preempt_delay above 1000s",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
preempt_delay = "1001s"
)",
                  "t.toml:6:17: vrrp[0].preempt_delay: preempt_delay must be 0s..1000s, got "
                  "\"1001s\""},
        error_row{"unknown key with a near miss",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
prioirty = 100
)",
                  "t.toml:6:1: vrrp[0].prioirty: unknown key \"prioirty\" (did you mean "
                  "\"priority\"?); allowed keys: name, interface, vrid, priority"},
        error_row{"unknown key far from any allowed one",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
colour = "blue"
)",
                  "t.toml:6:1: vrrp[0].colour: unknown key \"colour\"; allowed keys: name, "
                  "interface"},
        error_row{"keepalived's name for vrid",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
virtual_router_id = 1
)",
                  "t.toml:6:1: vrrp[0].virtual_router_id: unknown key \"virtual_router_id\" "
                  "(keepalived's virtual_router_id is vrid here)"}));

INSTANTIATE_TEST_SUITE_P(
    Durations, ConfigErrorTest,
    ::testing::Values(
        error_row{"bare number asks for a unit",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
advert_interval = 1
)",
                  "t.toml:6:19: vrrp[0].advert_interval: advert_interval needs a unit: write it "
                  "as a string such as \"1s\" or \"1ms\""},
        error_row{"unknown unit",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
advert_interval = "1sec"
)",
                  "t.toml:6:19: vrrp[0].advert_interval: advert_interval must be a duration such "
                  "as \"1s\", \"100ms\" or \"2.5s\" (units us, ms, s, m, h), got \"1sec\""},
        error_row{"v3 interval below 10ms",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
advert_interval = "5ms"
)",
                  "t.toml:6:19: vrrp[0].advert_interval: advert_interval must be 10ms..40.95s, "
                  "got \"5ms\""},
        error_row{"v3 interval above 40.95s",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
advert_interval = "41s"
)",
                  "advert_interval must be 10ms..40.95s, got \"41s\""},
        error_row{"v3 interval not in 10ms steps",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
advert_interval = "15ms"
)",
                  "t.toml:6:19: vrrp[0].advert_interval: advert_interval must be a multiple of "
                  "10ms for VRRPv3"},
        error_row{"v2 interval not whole seconds",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
version = 2
advert_interval = "1.5s"
)",
                  "t.toml:7:19: vrrp[0].advert_interval: advert_interval must be whole seconds "
                  "1s..255s for VRRPv2, got \"1.5s\""},
        error_row{"v2 interval above 255s",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
version = 2
advert_interval = "256s"
)",
                  "t.toml:7:19: vrrp[0].advert_interval: advert_interval must be 1s..255s, got "
                  "\"256s\""},
        error_row{"negative duration",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
preempt_delay = "-1s"
)",
                  "t.toml:6:17: vrrp[0].preempt_delay: preempt_delay must be a duration"}));

INSTANTIATE_TEST_SUITE_P(
    AuthAndChecksum, ConfigErrorTest,
    ::testing::Values(
        error_row{"auth_pass with the default version 3",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
auth_pass = "secret"
)",
                  "t.toml:6:13: vrrp[0].auth_pass: auth_pass is only for VRRPv2"},
        error_row{"auth_pass longer than 8",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
version = 2
auth_pass = "123456789"
)",
                  "t.toml:7:13: vrrp[0].auth_pass: auth_pass must be 1..8 characters, got 9"},
        error_row{"auth_pass empty",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
version = 2
auth_pass = ""
)",
                  "t.toml:7:13: vrrp[0].auth_pass: auth_pass must be 1..8 characters, got 0"},
        error_row{"v3_checksum misspelt",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
v3_checksum = "rfc"
)",
                  "t.toml:6:15: vrrp[0].v3_checksum: v3_checksum must be \"pseudo_header\""},
        error_row{"v3_checksum on a v2 instance",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
version = 2
v3_checksum = "pseudo_header"
)",
                  "t.toml:7:15: vrrp[0].v3_checksum: v3_checksum applies to VRRPv3 only"},
        error_row{"rfc9568 checksum with IPv6",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["2001:db8::1/64"]
v3_checksum = "rfc9568"
)",
                  "t.toml:6:15: vrrp[0].v3_checksum: v3_checksum = \"rfc9568\" applies to IPv4 "
                  "only"},
        error_row{"IPv6 with version 2",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["2001:db8::1/64"]
version = 2
)",
                  "t.toml:6:11: vrrp[0].version: version = 2 cannot carry IPv6 VIPs"}));

INSTANTIATE_TEST_SUITE_P(
    Vips, ConfigErrorTest,
    ::testing::Values(
        error_row{"empty list",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = []
)",
                  "t.toml:5:8: vrrp[0].vips: vips must list at least one address"},
        error_row{"a string instead of a list",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = "10.0.0.1/24"
)",
                  "t.toml:5:8: vrrp[0].vips: vips must be an array"},
        error_row{"bad address in the second entry",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24", "10.0.0.300/24"]
)",
                  "t.toml:5:24: vrrp[0].vips[1]: \"10.0.0.300/24\" is not an IPv4 or IPv6 "
                  "address"},
        error_row{"prefix too long",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/33"]
)",
                  "t.toml:5:9: vrrp[0].vips[0]: \"10.0.0.1/33\" is not an IPv4 or IPv6"},
        error_row{"not a string",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = [10]
)",
                  "t.toml:5:9: vrrp[0].vips[0]: each VIP must be a string"},
        error_row{"mixed families",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24", "2001:db8::1/64"]
)",
                  "t.toml:5:24: vrrp[0].vips[1]: 2001:db8::1 is IPv6 but vips[0] is IPv4"},
        error_row{"duplicate within the instance",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24", "10.0.0.1/32"]
)",
                  "t.toml:5:24: vrrp[0].vips[1]: 10.0.0.1 is listed twice in vips"},
        error_row{"a word other than dev",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24 on eth2"]
)",
                  "t.toml:5:9: vrrp[0].vips[0]: a VIP must be \"ADDR/LEN\" or \"ADDR/LEN dev "
                  "IFNAME\", got \"10.0.0.1/24 on eth2\""},
        error_row{"dev without a name",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24 dev"]
)",
                  "t.toml:5:9: vrrp[0].vips[0]: a VIP must be"},
        error_row{"dev name too long",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24 dev dummy0123456789ab"]
)",
                  "t.toml:5:9: vrrp[0].vips[0]: dev \"dummy0123456789ab\": an interface name must "
                  "be 1..15 characters"},
        error_row{"multicast address",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["224.0.0.18"]
)",
                  "t.toml:5:9: vrrp[0].vips[0]: 224.0.0.18 cannot be a VIP"}));

INSTANTIATE_TEST_SUITE_P(
    Garp, ConfigErrorTest,
    ::testing::Values(
        error_row{"repeat above 100 (inline table)",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
garp = { repeat = 101 }
)",
                  "t.toml:6:19: vrrp[0].garp.repeat: repeat must be 0..100, got 101"},
        error_row{"negative repeat (sub-table)",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
[vrrp.garp]
repeat = -1
)",
                  "t.toml:7:10: vrrp[0].garp.repeat: repeat must be 0..100, got -1"},
        error_row{"interval without a unit",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
[vrrp.garp]
interval = 10
)",
                  "t.toml:7:12: vrrp[0].garp.interval: interval needs a unit"},
        error_row{"delay above an hour",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
[vrrp.garp]
delay = "2h"
)",
                  "t.toml:7:9: vrrp[0].garp.delay: delay must be 0s..3600s, got \"2h\""},
        error_row{"misspelt key",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
[vrrp.garp]
delays = "1s"
)",
                  "t.toml:7:1: vrrp[0].garp.delays: unknown key \"delays\" (did you mean "
                  "\"delay\"?); allowed keys: delay, repeat, interval, refresh"},
        error_row{"not a table",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
garp = 5
)",
                  "t.toml:6:8: vrrp[0].garp: garp must be a table"}));

INSTANTIATE_TEST_SUITE_P(
    GlobalKeys, ConfigErrorTest,
    ::testing::Values(
        error_row{"control_socket relative",
                  R"([global]
control_socket = "vipd.sock"
)",
                  "t.toml:2:18: global.control_socket: control_socket must be an absolute path "
                  "such as \"/run/vipd/vipd.sock\" (or \"\" for no control socket), got "
                  "\"vipd.sock\""},
        error_row{"control_socket longer than sun_path",
                  R"([global]
control_socket = "/run/vipd/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sock"
)",
                  "t.toml:2:18: global.control_socket: control_socket is 108 bytes long; a unix "
                  "socket path (sun_path) holds at most 107"},
        error_row{"state_file relative",
                  R"([global]
state_file = "vipd.state"
)",
                  "t.toml:2:14: global.state_file: state_file must be an absolute path such as "
                  "\"/run/vipd/state\" (or \"\" for no record), got \"vipd.state\""},
        error_row{"control_socket with a NUL",
                  R"([global]
control_socket = "/run/vipd\u0000x"
)",
                  "t.toml:2:18: global.control_socket: control_socket must not contain a NUL"},
        error_row{"control_socket not a string",
                  R"([global]
control_socket = false
)",
                  "t.toml:2:18: global.control_socket: control_socket must be an absolute path "
                  "such as \"/run/vipd/vipd.sock\", got a boolean false"},
        error_row{"metrics_listen without a port",
                  R"([global]
metrics_listen = "127.0.0.1"
)",
                  "t.toml:2:18: global.metrics_listen: metrics_listen needs a port: write "
                  "\"127.0.0.1:9650\" (any port 1..65535)"},
        error_row{"metrics_listen IPv6 without a port",
                  R"([global]
metrics_listen = "::1"
)",
                  "t.toml:2:18: global.metrics_listen: metrics_listen needs a port: write "
                  "\"[::1]:9650\""},
        error_row{"metrics_listen IPv6 in brackets without a port",
                  R"([global]
metrics_listen = "[::1]"
)",
                  "t.toml:2:18: global.metrics_listen: metrics_listen must be \"ADDR:PORT\" or "
                  "\"[IPV6]:PORT\" with a unicast address and a port 1..65535, such as "
                  "\"127.0.0.1:9650\", got \"[::1]\""},
        error_row{"metrics_listen port 0",
                  R"([global]
metrics_listen = "127.0.0.1:0"
)",
                  "global.metrics_listen: metrics_listen must be \"ADDR:PORT\""},
        error_row{"metrics_listen port above 65535",
                  R"([global]
metrics_listen = "127.0.0.1:65536"
)",
                  "got \"127.0.0.1:65536\""},
        error_row{"metrics_listen host name",
                  R"([global]
metrics_listen = "localhost:9650"
)",
                  "got \"localhost:9650\""},
        error_row{"metrics_listen multicast",
                  R"([global]
metrics_listen = "239.1.1.1:9650"
)",
                  "t.toml:2:18: global.metrics_listen: metrics_listen must be"},
        error_row{"metrics_listen as a number",
                  R"([global]
metrics_listen = 9650
)",
                  "t.toml:2:18: global.metrics_listen: metrics_listen must be \"ADDR:PORT\" "
                  "such as \"127.0.0.1:9650\", got an integer 9650"}));

INSTANTIATE_TEST_SUITE_P(
    TopLevel, ConfigErrorTest,
    ::testing::Values(
        error_row{"unknown top-level table",
                  R"([globl]
router_id = "dir1"
)",
                  "t.toml:1:2: globl: unknown key \"globl\" (did you mean \"global\"?); allowed "
                  "keys: global, vrrp, sync_group, virtual_server, ipvs, include"},
        error_row{"unknown key in [global]",
                  R"([global]
routerid = "dir1"
)",
                  "t.toml:2:1: global.routerid: unknown key \"routerid\" (did you mean "
                  "\"router_id\"?)"},
        error_row{"router_id not a string",
                  R"([global]
router_id = 5
)",
                  "t.toml:2:13: global.router_id: router_id must be a non-empty string"},
        error_row{"global not a table",
                  R"(global = 1
)",
                  "t.toml:1:10: global: global must be a table"},
        error_row{"[vrrp] instead of [[vrrp]]",
                  R"([vrrp]
name = "web"
)",
                  "t.toml:1:1: vrrp: vrrp must be an array of tables: write each instance under "
                  "[[vrrp]]"},
        error_row{"TOML syntax error",
                  R"([[vrrp]]
name = "web"
vrid = = 1
)",
                  "t.toml:3:8: TOML syntax error: "},
        error_row{"integer too big for TOML",
                  R"([[vrrp]]
vrid = 99999999999999999999
)",
                  "t.toml:2:28: TOML syntax error: "},
        error_row{"duplicate key",
                  R"([[vrrp]]
vrid = 1
vrid = 2
)",
                  "t.toml:3:"}));

INSTANTIATE_TEST_SUITE_P(
    AcrossInstances, ConfigErrorTest,
    ::testing::Values(
        error_row{"duplicate names",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
[[vrrp]]
name = "web"
interface = "eth1"
vrid = 2
vips = ["10.0.0.2/24"]
)",
                  "t.toml:7:8: vrrp[1].name: name \"web\" is already used by vrrp[0] \"web\" "
                  "(line 1); instance names must be unique"},
        error_row{"same vrid on the same interface and family",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 7
vips = ["10.0.0.1/24"]
[[vrrp]]
name = "db"
interface = "eth1"
vrid = 7
version = 2
vips = ["10.0.0.2/24"]
)",
                  "t.toml:9:8: vrrp[1].vrid: vrid 7 is already used on eth1 for IPv4 by vrrp[0] "
                  "\"web\" (line 1)"},
        error_row{"the same VIP in two instances",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
[[vrrp]]
name = "db"
interface = "eth2"
vrid = 2
vips = ["10.0.0.9/24", "10.0.0.1/32 dev lo"]
)",
                  "t.toml:10:24: vrrp[1].vips[1]: 10.0.0.1 is already a VIP of vrrp[0] \"web\" "
                  "(line 1)"}));

}  // namespace
}  // namespace vipd::config
