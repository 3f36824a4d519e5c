// [bgp] and [[bgp_vip]]: what a valid file loads into, and one row per rule, each a small file
// with exactly one mistake and what its single error says (file:line:column, key, message).
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "error_row.hpp"
#include "support/config_results.hpp"
#include "vipd/config/loader.hpp"

namespace vipd::config {
namespace {

using support::load_ok;
using testing::error_row;

// Lines 1-11: an instance and a named service; what a row adds starts on line 12.
constexpr std::string_view k_base = R"([[vrrp]]
name = "web"
interface = "eth0"
vrid = 1
vips = ["10.0.0.100/24"]

[[virtual_server]]
name = "web-80"
address = "192.0.2.10"
port = 80

)";

std::string base_with(std::string_view rest) {
    return std::string(k_base) + std::string(rest);
}

TEST(BgpVip, LoadsEveryKey) {
    const auto c = load_ok(base_with(R"([bgp]
table = 120
metric = 5
protocol = 87
accept_linger = "500ms"

[[bgp_vip]]
name = "anycast"
address = "192.0.2.10/32"
virtual_servers = ["web-80"]
gate = "any"
follow_instance = "web"

[[bgp_vip]]
name = "v6"
address = "2001:db8::10"
)"));
    EXPECT_EQ(c.bgp, (bgp_settings{120, 5, 87, std::chrono::milliseconds(500)}));
    ASSERT_EQ(c.bgp_vips.size(), 2u);
    const auto& a = c.bgp_vips[0];
    EXPECT_EQ(a.name, "anycast");
    EXPECT_EQ(a.address.to_string(), "192.0.2.10");
    EXPECT_EQ(a.virtual_servers, std::vector<std::string>{"web-80"});
    EXPECT_EQ(a.gate, bgp_gate::any);
    EXPECT_EQ(a.follow_instance, "web");
    EXPECT_EQ(a.position.line, 18u);
    const auto& b = c.bgp_vips[1];
    EXPECT_EQ(b.address.to_string(), "2001:db8::10");
    EXPECT_TRUE(b.virtual_servers.empty());
    EXPECT_EQ(b.gate, bgp_gate::all);
    EXPECT_FALSE(b.follow_instance);
}

TEST(BgpVip, DefaultsWithoutBgpTable) {
    const auto c = load_ok(std::string(k_base));
    EXPECT_EQ(c.bgp, (bgp_settings{100, 10, 86, std::chrono::seconds(2)}));
    EXPECT_TRUE(c.bgp_vips.empty());
}

TEST(BgpVip, AnAcceptLingerOfZeroTurnsItOff) {
    EXPECT_EQ(load_ok(base_with("[bgp]\naccept_linger = \"0s\"\n")).bgp.accept_linger,
              microseconds{0});
}

class BgpVipErrorTest : public ::testing::TestWithParam<error_row> {};

TEST_P(BgpVipErrorTest, ReportsExactlyOneErrorWithPositionAndKey) {
    testing::expect_single_error(GetParam());
}

// Each row is k_base plus the rest; positions count from the file's first line.
const std::string k_rows_text[] = {
    base_with("[bgp]\ntable = 253\n"),
    base_with("[bgp]\nprotocol = 186\n"),
    base_with("[bgp]\nprotocol = 2\n"),
    base_with("[bgp]\nmetrics = 2\n"),
    "bgp = 1\n" + std::string(k_base),
    base_with("[[bgp_vip]]\naddress = \"192.0.2.10\"\n"),
    base_with("[[bgp_vip]]\nname = \"a b\"\naddress = \"192.0.2.10\"\n"),
    base_with("[[bgp_vip]]\nname = \"a\"\naddress = \"192.0.2.0/24\"\n"),
    base_with("[[bgp_vip]]\nname = \"a\"\naddress = \"224.0.0.1\"\n"),
    base_with("[[bgp_vip]]\nname = \"a\"\naddress = \"10.0.0.100\"\n"),
    base_with("[[bgp_vip]]\nname = \"a\"\naddress = \"192.0.2.10\"\n"
              "[[bgp_vip]]\nname = \"b\"\naddress = \"192.0.2.10\"\n"),
    base_with("[[bgp_vip]]\nname = \"a\"\naddress = \"192.0.2.10\"\n"
              "[[bgp_vip]]\nname = \"a\"\naddress = \"192.0.2.11\"\n"),
    base_with("[[bgp_vip]]\nname = \"web\"\naddress = \"192.0.2.10\"\n"),
    base_with("[[bgp_vip]]\nname = \"a\"\naddress = \"192.0.2.10\"\n"
              "virtual_servers = [\"web-8\"]\n"),
    base_with(
        "[[bgp_vip]]\nname = \"a\"\naddress = \"192.0.2.10\"\nvirtual_servers = \"web-80\"\n"),
    base_with("[[bgp_vip]]\nname = \"a\"\naddress = \"192.0.2.10\"\n"
              "virtual_servers = [\"web-80\", \"web-80\"]\n"),
    base_with("[[bgp_vip]]\nname = \"a\"\naddress = \"192.0.2.10\"\ngate = \"most\"\n"),
    base_with("[[bgp_vip]]\nname = \"a\"\naddress = \"192.0.2.10\"\nfollow_instance = \"wbe\"\n"),
    base_with("[[bgp_vip]]\nname = \"a\"\naddress = \"192.0.2.10\"\nvrrp = \"web\"\n"),
    base_with("[bgp]\naccept_linger = 2\n"),
    base_with("[bgp]\naccept_linger = \"31s\"\n"),
    base_with("[bgp]\naccept_linger = \"2 seconds\"\n"),
    base_with("[bgp]\nlinger = \"2s\"\n"),
};

INSTANTIATE_TEST_SUITE_P(
    Rows, BgpVipErrorTest,
    ::testing::Values(
        error_row{"table beyond zebra's import range", k_rows_text[0], "t.toml:13:9: bgp.table: "},
        error_row{"protocol of FRR's own", k_rows_text[1],
                  "t.toml:13:12: bgp.protocol: protocol 186 cannot be vipd's: FRR's zebra"},
        error_row{"protocol of the kernel's", k_rows_text[2],
                  "t.toml:13:12: bgp.protocol: protocol 2 cannot be vipd's: 0..4 are the "
                  "kernel's"},
        error_row{"unknown [bgp] key", k_rows_text[3],
                  "t.toml:13:1: bgp.metrics: unknown key \"metrics\" (did you mean \"metric\"?)"},
        error_row{"bgp not a table", k_rows_text[4], "t.toml:1:7: bgp: bgp must be a table"},
        error_row{"no name", k_rows_text[5], "t.toml:12:1: bgp_vip[0].name: "},
        error_row{"bad name", k_rows_text[6], "t.toml:13:8: bgp_vip[0].name: name must be"},
        error_row{"a subnet", k_rows_text[7],
                  "t.toml:14:11: bgp_vip[0].address: a [[bgp_vip]] is announced as a host route: "
                  "write \"192.0.2.0\" (a /32)"},
        error_row{"multicast", k_rows_text[8],
                  "t.toml:14:11: bgp_vip[0].address: address must be a unicast address"},
        error_row{"a VRRP VIP", k_rows_text[9],
                  "t.toml:14:11: bgp_vip[0].address: 10.0.0.100 is also a VIP of vrrp[0]: vipd "
                  "makes a [[bgp_vip]] local with a route of its own"},
        error_row{"address twice", k_rows_text[10],
                  "t.toml:17:11: bgp_vip[1].address: 192.0.2.10 is already announced by "
                  "bgp_vip[0] (line 12)"},
        error_row{"name twice", k_rows_text[11],
                  "t.toml:16:8: bgp_vip[1].name: a [[bgp_vip]] named \"a\" already exists (line "
                  "12)"},
        error_row{"name of an instance", k_rows_text[12],
                  "t.toml:13:8: bgp_vip[0].name: \"web\" also names vrrp[0] \"web\" (line 1); "
                  "vipctl demote takes either"},
        error_row{"unknown service", k_rows_text[13],
                  "t.toml:15:20: bgp_vip[0].virtual_servers[0]: no [[virtual_server]] is named "
                  "\"web-8\" (did you mean \"web-80\"?); names: \"web-80\""},
        error_row{"servers not a list", k_rows_text[14],
                  "t.toml:15:19: bgp_vip[0].virtual_servers: virtual_servers must be a list"},
        error_row{"service twice", k_rows_text[15],
                  "t.toml:15:30: bgp_vip[0].virtual_servers[1]: \"web-80\" is already listed"},
        error_row{"bad gate", k_rows_text[16],
                  "t.toml:15:8: bgp_vip[0].gate: gate must be \"all\""},
        error_row{"unknown instance", k_rows_text[17],
                  "t.toml:15:19: bgp_vip[0].follow_instance: no [[vrrp]] instance is named "
                  "\"wbe\" (did you mean \"web\"?)"},
        error_row{"keepalived-style vrrp key", k_rows_text[18],
                  "t.toml:15:1: bgp_vip[0].vrrp: unknown key \"vrrp\" (a [[bgp_vip]] follows "
                  "an instance with follow_instance"},
        error_row{"accept_linger without a unit", k_rows_text[19],
                  "t.toml:13:17: bgp.accept_linger: accept_linger needs a unit: write it as a "
                  "string such as \"2s\""},
        error_row{"accept_linger beyond 30 s", k_rows_text[20],
                  "t.toml:13:17: bgp.accept_linger: accept_linger must be 0s..30s, got \"31s\""},
        error_row{"accept_linger not a duration", k_rows_text[21],
                  "t.toml:13:17: bgp.accept_linger: accept_linger must be a duration such as"},
        error_row{"linger for accept_linger", k_rows_text[22],
                  "t.toml:13:1: bgp.linger: unknown key \"linger\""}));

}  // namespace
}  // namespace vipd::config
