// One row per health-check and tracker rule: a small file with exactly one mistake, and what its
// single error must say, position and key included ("FILE:LINE:COLUMN: KEY: MESSAGE").
#include <gtest/gtest.h>

#include "error_row.hpp"

namespace vipd::config {
namespace {

using testing::error_row;

class HealthConfigErrorTest : public ::testing::TestWithParam<error_row> {};

TEST_P(HealthConfigErrorTest, ReportsExactlyOneErrorWithPositionAndKey) {
    testing::expect_single_error(GetParam());
}

// Rows start with a valid service on lines 1-3 and break it in one place.
INSTANTIATE_TEST_SUITE_P(
    Checks, HealthConfigErrorTest,
    ::testing::Values(
        error_row{"check type missing", R"([[virtual_server]]
address = "10.0.0.1"
port = 80
[virtual_server.check]
path = "/"
)",
                  "t.toml:4:1: virtual_server[0].check.type: type is required"},
        error_row{"check type misspelt", R"([[virtual_server]]
address = "10.0.0.1"
port = 80
[virtual_server.check]
type = "htp"
)",
                  "t.toml:5:8: virtual_server[0].check.type: unknown check type \"htp\" (did "
                  "you mean \"http\"?)"},
        error_row{"key of another type", R"([[virtual_server]]
address = "10.0.0.1"
port = 80
[virtual_server.check]
type = "tcp"
path = "/"
)",
                  "t.toml:6:8: virtual_server[0].check.path: path applies to type = \"http\" "
                  "or \"https\" only; this check is \"tcp\""},
        error_row{"tls_verify on plain http", R"([[virtual_server]]
address = "10.0.0.1"
port = 80
[virtual_server.check]
type = "http"
tls_verify = true
)",
                  "virtual_server[0].check.tls_verify: tls_verify applies to type = \"https\""},
        error_row{"timeout longer than interval", R"([[virtual_server]]
address = "10.0.0.1"
port = 80
[virtual_server.check]
type = "tcp"
interval = "1s"
timeout = "2s"
)",
                  "t.toml:7:11: virtual_server[0].check.timeout: timeout 2s is longer than "
                  "interval 1s"},
        error_row{"interval without unit", R"([[virtual_server]]
address = "10.0.0.1"
port = 80
[virtual_server.check]
type = "tcp"
interval = 2
)",
                  "virtual_server[0].check.interval:"},
        error_row{"rise zero", R"([[virtual_server]]
address = "10.0.0.1"
port = 80
[virtual_server.check]
type = "tcp"
rise = 0
)",
                  "t.toml:6:8: virtual_server[0].check.rise: rise must be 1..100"},
        error_row{"initial misspelt", R"([[virtual_server]]
address = "10.0.0.1"
port = 80
[virtual_server.check]
type = "tcp"
initial = "off"
)",
                  "virtual_server[0].check.initial: initial must be \"up\" or \"down\""},
        error_row{"status out of range", R"([[virtual_server]]
address = "10.0.0.1"
port = 80
[virtual_server.check]
type = "http"
expect_status = [200, 999]
)",
                  "virtual_server[0].check.expect_status: expect_status must be a status "
                  "code 100..599"},
        error_row{"bad regex", R"([[virtual_server]]
address = "10.0.0.1"
port = 80
[virtual_server.check]
type = "http"
expect_body_regex = "(unclosed"
)",
                  "virtual_server[0].check.expect_body_regex: expect_body_regex is not a "
                  "valid regular expression (missing closing parenthesis at offset 9)"},
        error_row{"ca_file on plain http", R"([[virtual_server]]
address = "10.0.0.1"
port = 80
[virtual_server.check]
type = "http"
ca_file = "/etc/ssl/ca.pem"
)",
                  "virtual_server[0].check.ca_file: ca_file applies to type = \"https\""},
        error_row{"body and regex both", R"([[virtual_server]]
address = "10.0.0.1"
port = 80
[virtual_server.check]
type = "http"
expect_body = "OK"
expect_body_regex = "OK"
)",
                  "virtual_server[0].check.expect_body_regex: give expect_body (a substring) "
                  "or expect_body_regex, not both"},
        error_row{"path without slash", R"([[virtual_server]]
address = "10.0.0.1"
port = 80
[virtual_server.check]
type = "http"
path = "health"
)",
                  "virtual_server[0].check.path: path must start with '/'"},
        error_row{"script with a relative command", R"([[virtual_server]]
address = "10.0.0.1"
port = 80
[virtual_server.check]
type = "script"
command = ["check-web"]
)",
                  "t.toml:6:11: virtual_server[0].check.command: command must start with an "
                  "absolute program path"},
        error_row{"script as a shell string", R"([[virtual_server]]
address = "10.0.0.1"
port = 80
[virtual_server.check]
type = "script"
command = "/bin/check --all"
)",
                  "virtual_server[0].check.command: command must be a non-empty array of "
                  "strings"},
        error_row{"dns without a name", R"([[virtual_server]]
address = "10.0.0.1"
port = 53
protocol = "udp"
[virtual_server.check]
type = "dns"
)",
                  "t.toml:5:1: virtual_server[0].check.name: name is required"},
        error_row{"dns query type unknown", R"([[virtual_server]]
address = "10.0.0.1"
port = 53
protocol = "udp"
[virtual_server.check]
type = "dns"
name = "example.com"
query_type = "ANY"
)",
                  "virtual_server[0].check.query_type: query_type must be one of A, AAAA"},
        error_row{"keepalived's delay_loop", R"([[virtual_server]]
address = "10.0.0.1"
port = 80
[virtual_server.check]
type = "tcp"
delay_loop = 6
)",
                  "t.toml:6:1: virtual_server[0].check.delay_loop: unknown key \"delay_loop\" "
                  "(keepalived's delay_loop is interval here"},
        error_row{"check not a table", R"([[virtual_server]]
address = "10.0.0.1"
port = 80
check = "tcp"
)",
                  "t.toml:4:9: virtual_server[0].check: check must be a table"},
        error_row{"real check key of another type", R"([[virtual_server]]
address = "10.0.0.1"
port = 80
[virtual_server.check]
type = "tcp"
[[virtual_server.real]]
address = "10.0.0.2"
[virtual_server.real.check]
expect_body = "x"
)",
                  "t.toml:9:15: virtual_server[0].real[0].check.expect_body: expect_body "
                  "applies to type = \"http\" or \"https\" only"},
        error_row{"real check without a default or a type", R"([[virtual_server]]
address = "10.0.0.1"
port = 80
[[virtual_server.real]]
address = "10.0.0.2"
[virtual_server.real.check]
interval = "1s"
)",
                  "virtual_server[0].real[0].check.type: type is required"}));

INSTANTIATE_TEST_SUITE_P(
    ServiceHealth, HealthConfigErrorTest,
    ::testing::Values(
        error_row{"fallback not an address", R"([[virtual_server]]
address = "10.0.0.1"
port = 80
fallback = "sorry.example.com"
)",
                  "t.toml:4:12: virtual_server[0].fallback: fallback must be a unicast"},
        error_row{"fallback of the other family", R"([[virtual_server]]
address = "10.0.0.1"
port = 80
fallback = "[2001:db8::1]:80"
)",
                  "virtual_server[0].fallback: 2001:db8::1 is IPv6 but the service is IPv4"},
        error_row{"fallback mapping a port under dr", R"([[virtual_server]]
address = "10.0.0.1"
port = 80
fallback = "10.0.0.9:8080"
)",
                  "virtual_server[0].fallback: forwarding = \"dr\" cannot map ports"},
        error_row{"quorum negative", R"([[virtual_server]]
address = "10.0.0.1"
port = 80
quorum = -1
)",
                  "t.toml:4:10: virtual_server[0].quorum: quorum must be 0..2147483647"},
        error_row{"keepalived's sorry_server", R"([[virtual_server]]
address = "10.0.0.1"
port = 80
sorry_server = "10.0.0.9 80"
)",
                  "virtual_server[0].sorry_server: unknown key \"sorry_server\" (keepalived's "
                  "sorry_server is fallback here"}));

// Rows start with a valid instance on lines 1-5.
INSTANTIATE_TEST_SUITE_P(
    Trackers, HealthConfigErrorTest,
    ::testing::Values(
        error_row{"positive tracker weight", R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
track_interfaces = [{ name = "eth2", weight = 10 }]
)",
                  "t.toml:6:47: vrrp[0].track_interfaces[0].weight: weight must be -254..0"},
        error_row{"weight below -254", R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
track_interfaces = [{ name = "eth2", weight = -300 }]
)",
                  "vrrp[0].track_interfaces[0].weight: weight must be -254..0"},
        error_row{"interface tracked twice", R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
track_interfaces = ["eth2", "eth2"]
)",
                  "vrrp[0].track_interfaces[1]: interface eth2 is already tracked"},
        error_row{"track_interfaces not a list", R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
track_interfaces = "eth2"
)",
                  "t.toml:6:20: vrrp[0].track_interfaces: track_interfaces must be a list"},
        error_row{"track script without command", R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
track_scripts = [{ interval = "2s", weight = -20 }]
)",
                  "vrrp[0].track_scripts[0].command: command is required"},
        error_row{"track script unknown key", R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
track_scripts = [{ command = ["/bin/true"], intervall = "2s" }]
)",
                  "vrrp[0].track_scripts[0].intervall: unknown key"},
        error_row{"two track scripts with one name", R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
track_scripts = [{ command = ["/bin/true"] }, { command = ["/usr/bin/true"] }]
)",
                  "vrrp[0].track_scripts[1].command: a track script named \"true\" already "
                  "exists"},
        error_row{"tracking an unknown virtual server", R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
track_virtual_servers = [{ name = "web-8O", weight = -50 }]
[[virtual_server]]
name = "web-80"
address = "10.0.0.1"
port = 80
)",
                  "t.toml:6:35: vrrp[0].track_virtual_servers[0]: no [[virtual_server]] is "
                  "named \"web-8O\" (did you mean \"web-80\"?)"},
        error_row{"keepalived's track_script", R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
track_script = ["chk_nginx"]
)",
                  "vrrp[0].track_script: unknown key \"track_script\" (keepalived's "
                  "track_script is track_scripts here"},
        error_row{"notify as a shell line", R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
notify = "/etc/vipd/notify.sh --all"
)",
                  "t.toml:6:10: vrrp[0].notify: notify is run without a shell"},
        error_row{"notify_master relative", R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
notify_master = ["promote"]
)",
                  "vrrp[0].notify_master: notify_master must start with an absolute program "
                  "path"},
        error_row{"notify_timeout without unit", R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
notify_timeout = 5
)",
                  "vrrp[0].notify_timeout:"}));

}  // namespace
}  // namespace vipd::config
