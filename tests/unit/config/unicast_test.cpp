// [[vrrp]] unicast_peers, unicast_source, unicast_ttl_check and unicast_min_ttl: what a valid
// instance loads into (defaults and the TTL mapping included), and one row per rule, each a
// small file with exactly one mistake and what its single error must say, position included.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "error_row.hpp"
#include "support/addresses.hpp"
#include "support/config_results.hpp"
#include "vipd/config/loader.hpp"

namespace vipd::config {
namespace {

using support::addr;
using support::all_errors;
using support::load_ok;
using testing::error_row;

// Lines 1-5 of every instance below; the unicast keys start on line 6.
constexpr std::string_view k_head = R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
)";

std::string instance_with(std::string_view unicast_keys) {
    return std::string(k_head) + std::string(unicast_keys);
}

/// "10.1.0.1", "10.1.0.2", ... as a TOML array of `count` addresses.
std::string peer_array(int count) {
    std::string out = "[";
    for (int i = 1; i <= count; ++i) {
        out += (i > 1 ? ", " : "") +
               ("\"10.1." + std::to_string(i / 256) + "." + std::to_string(i % 256) + "\"");
    }
    return out + "]";
}

TEST(Unicast, FullInstanceLoadsEveryKey) {
    const auto c = load_ok(instance_with(R"(unicast_peers = ["10.0.0.2", "10.0.0.3"]
unicast_source = "10.0.0.10"
unicast_ttl_check = false
unicast_min_ttl = 62
)"));
    ASSERT_EQ(c.vrrp.size(), 1u);
    const unicast_settings want{{addr("10.0.0.2"), addr("10.0.0.3")}, addr("10.0.0.10"), 62};
    EXPECT_EQ(c.vrrp[0].unicast, want);
}

TEST(Unicast, KeepalivedStyleVersion2PairLoads) {
    const auto c = load_ok(R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 210
version = 2
auth_pass = "PassW0rD"
vips = ["172.28.128.210/24"]
unicast_source = "172.28.128.10"
unicast_peers = ["172.28.128.11"]
)");
    ASSERT_EQ(c.vrrp.size(), 1u);
    const unicast_settings want{{addr("172.28.128.11")}, addr("172.28.128.10"), 255};
    EXPECT_EQ(c.vrrp[0].unicast, want);
}

TEST(Unicast, WithoutPeersTheInstanceIsMulticast) {
    const auto c = load_ok(k_head);
    ASSERT_EQ(c.vrrp.size(), 1u);
    EXPECT_FALSE(c.vrrp[0].unicast.has_value());
}

TEST(Unicast, PeersAloneTakeTheDefaults) {
    const auto c = load_ok(instance_with("unicast_peers = [\"10.0.0.2\"]\n"));
    ASSERT_EQ(c.vrrp.size(), 1u);
    ASSERT_TRUE(c.vrrp[0].unicast.has_value());
    EXPECT_EQ(c.vrrp[0].unicast->peers, std::vector<ip_address>{addr("10.0.0.2")});
    EXPECT_FALSE(c.vrrp[0].unicast->source.has_value());  // the interface's primary address
    EXPECT_EQ(c.vrrp[0].unicast->min_ttl, 255);
}

TEST(Unicast, TtlCheckAndMinTtlMapToTheLowestAcceptedTtl) {
    struct row {
        std::string_view keys;
        int min_ttl;
    };
    for (const auto& r : {
             row{"", 255},
             row{"unicast_ttl_check = true\n", 255},
             row{"unicast_ttl_check = false\n", 1},
             row{"unicast_ttl_check = false\nunicast_min_ttl = 2\n", 2},
             row{"unicast_ttl_check = false\nunicast_min_ttl = 255\n", 255},
             row{"unicast_min_ttl = 1\nunicast_ttl_check = false\n", 1},
         }) {
        const auto c =
            load_ok(instance_with("unicast_peers = [\"10.0.0.2\"]\n" + std::string(r.keys)));
        ASSERT_EQ(c.vrrp.size(), 1u) << r.keys;
        ASSERT_TRUE(c.vrrp[0].unicast.has_value()) << r.keys;
        EXPECT_EQ(c.vrrp[0].unicast->min_ttl, r.min_ttl) << r.keys;
    }
}

TEST(Unicast, SixtyFourPeersAreTheMostAccepted) {
    const auto c = load_ok(instance_with("unicast_peers = " + peer_array(64) + "\n"));
    ASSERT_EQ(c.vrrp.size(), 1u);
    ASSERT_TRUE(c.vrrp[0].unicast.has_value());
    EXPECT_EQ(c.vrrp[0].unicast->peers.size(), 64u);
    EXPECT_EQ(c.vrrp[0].unicast->peers.back(), addr("10.1.0.64"));

    const auto result =
        load_string(instance_with("unicast_peers = " + peer_array(65) + "\n"), "t.toml");
    ASSERT_EQ(result.errors.size(), 1u) << all_errors(result);
    EXPECT_EQ(result.errors[0].to_string(),
              "t.toml:6:17: vrrp[0].unicast_peers: unicast_peers lists 65 addresses; at most 64 "
              "(each gets every advert: use multicast for more)");
}

TEST(Unicast, Ipv6PeersAndSourceAreAccepted) {
    const auto c = load_ok(R"([[vrrp]]
name = "web6"
interface = "eth1"
vrid = 1
vips = ["fe80::1/64", "2001:db8::100/64"]
unicast_peers = ["fe80::2", "2001:db8::3"]
unicast_source = "2001:db8::10"
)");
    ASSERT_EQ(c.vrrp.size(), 1u);
    ASSERT_TRUE(c.vrrp[0].unicast.has_value());
    EXPECT_EQ(c.vrrp[0].unicast->peers,
              (std::vector<ip_address>{addr("fe80::2"), addr("2001:db8::3")}));
    EXPECT_EQ(c.vrrp[0].unicast->source, addr("2001:db8::10"));
}

class UnicastErrorTest : public ::testing::TestWithParam<error_row> {};

TEST_P(UnicastErrorTest, ReportsExactlyOneErrorWithPositionAndKey) {
    testing::expect_single_error(GetParam());
}

INSTANTIATE_TEST_SUITE_P(
    Peers, UnicastErrorTest,
    ::testing::Values(
        error_row{"a string instead of an array",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
unicast_peers = "10.0.0.2"
)",
                  "t.toml:6:17: vrrp[0].unicast_peers: unicast_peers must be an array of the "
                  "other directors' addresses such as [\"10.0.0.2\"], got a string; leave "
                  "unicast_peers out for multicast"},
        error_row{"an empty array",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
unicast_peers = []
)",
                  "t.toml:6:17: vrrp[0].unicast_peers: unicast_peers must list at least one "
                  "address; leave unicast_peers out for multicast"},
        error_row{"not an address",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
unicast_peers = ["10.0.0.300"]
)",
                  "t.toml:6:18: vrrp[0].unicast_peers[0]: \"10.0.0.300\" is not an IP address: "
                  "write a peer as a bare address such as \"10.0.0.2\" (no prefix length)"},
        error_row{"an address with a prefix length",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
unicast_peers = ["10.0.0.2", "10.0.0.3/24"]
)",
                  "t.toml:6:30: vrrp[0].unicast_peers[1]: \"10.0.0.3/24\" is not an IP address"},
        error_row{"not a string",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
unicast_peers = [10]
)",
                  "t.toml:6:18: vrrp[0].unicast_peers[0]: each peer must be an address string "
                  "such as \"10.0.0.2\", got an integer"},
        error_row{"the multicast group",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
unicast_peers = ["224.0.0.18"]
)",
                  "t.toml:6:18: vrrp[0].unicast_peers[0]: 224.0.0.18 cannot be a peer: it must "
                  "be another director's unicast address (leave unicast_peers out for "
                  "multicast)"},
        error_row{"listed twice",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
unicast_peers = [
    "10.0.0.2",
    "10.0.0.3",
    "10.0.0.2",
]
)",
                  "t.toml:9:5: vrrp[0].unicast_peers[2]: 10.0.0.2 is listed twice in "
                  "unicast_peers (first at line 7)"},
        error_row{"an IPv6 peer of IPv4 VIPs",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
unicast_peers = ["10.0.0.2", "2001:db8::2"]
)",
                  "t.toml:6:30: vrrp[0].unicast_peers[1]: 2001:db8::2 is IPv6 but vips are "
                  "IPv4; a peer must be of the VIPs' family"},
        error_row{"one of the instance's own VIPs",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24", "10.0.0.9/32 dev lo"]
unicast_peers = ["10.0.0.2", "10.0.0.9"]
)",
                  "t.toml:6:30: vrrp[0].unicast_peers[1]: 10.0.0.9 is a VIP of this instance "
                  "(vips[1]); list the other directors' own addresses, which stay with them "
                  "when the VIPs move"}));

INSTANTIATE_TEST_SUITE_P(
    Source, UnicastErrorTest,
    ::testing::Values(
        error_row{"without unicast_peers",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
unicast_source = "10.0.0.10"
)",
                  "t.toml:6:18: vrrp[0].unicast_source: unicast_source only applies together "
                  "with unicast_peers; remove it for multicast"},
        error_row{"not a string",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
unicast_peers = ["10.0.0.2"]
unicast_source = 10
)",
                  "t.toml:7:18: vrrp[0].unicast_source: unicast_source must be this director's "
                  "address such as \"10.0.0.1\", got an integer 10"},
        error_row{"with a prefix length",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
unicast_peers = ["10.0.0.2"]
unicast_source = "10.0.0.10/24"
)",
                  "t.toml:7:18: vrrp[0].unicast_source: unicast_source must be this director's "
                  "own address such as \"10.0.0.1\" or \"2001:db8::1\" (no prefix length), got "
                  "\"10.0.0.10/24\""},
        error_row{"an IPv6 address for IPv4 VIPs",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
unicast_peers = ["10.0.0.2"]
unicast_source = "2001:db8::10"
)",
                  "t.toml:7:18: vrrp[0].unicast_source: unicast_source 2001:db8::10 is IPv6 but "
                  "vips are IPv4; adverts leave from an address of the VIPs' family"},
        error_row{"one of the instance's VIPs",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
unicast_peers = ["10.0.0.2"]
unicast_source = "10.0.0.1"
)",
                  "t.toml:7:18: vrrp[0].unicast_source: unicast_source 10.0.0.1 is a VIP of "
                  "this instance (vips[0]); adverts must come from an address that stays on "
                  "this director, such as the interface's own"},
        error_row{"one of the peers",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
unicast_peers = ["10.0.0.2", "10.0.0.3"]
unicast_source = "10.0.0.3"
)",
                  "t.toml:7:18: vrrp[0].unicast_source: unicast_source 10.0.0.3 is also in "
                  "unicast_peers (line 6); the source is this director's own address, the "
                  "peers are the others'"}));

INSTANTIATE_TEST_SUITE_P(
    Ttl, UnicastErrorTest,
    ::testing::Values(
        error_row{"unicast_ttl_check without unicast_peers",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
unicast_ttl_check = true
)",
                  "t.toml:6:21: vrrp[0].unicast_ttl_check: unicast_ttl_check only applies "
                  "together with unicast_peers; remove it for multicast"},
        error_row{"unicast_min_ttl without unicast_peers",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
unicast_min_ttl = 2
)",
                  "t.toml:6:19: vrrp[0].unicast_min_ttl: unicast_min_ttl only applies together "
                  "with unicast_peers; remove it for multicast"},
        error_row{"unicast_min_ttl with the check left on by default",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
unicast_peers = ["10.0.0.2"]
unicast_min_ttl = 2
)",
                  "t.toml:7:19: vrrp[0].unicast_min_ttl: unicast_min_ttl needs "
                  "unicast_ttl_check = false (with the check on, only adverts with TTL 255 are "
                  "accepted)"},
        error_row{"unicast_min_ttl with the check on",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
unicast_peers = ["10.0.0.2"]
unicast_ttl_check = true
unicast_min_ttl = 2
)",
                  "t.toml:8:19: vrrp[0].unicast_min_ttl: unicast_min_ttl needs "
                  "unicast_ttl_check = false"},
        error_row{"unicast_min_ttl 0",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
unicast_peers = ["10.0.0.2"]
unicast_ttl_check = false
unicast_min_ttl = 0
)",
                  "t.toml:8:19: vrrp[0].unicast_min_ttl: unicast_min_ttl must be 1..255, got 0"},
        error_row{"unicast_min_ttl 256",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
unicast_peers = ["10.0.0.2"]
unicast_ttl_check = false
unicast_min_ttl = 256
)",
                  "t.toml:8:19: vrrp[0].unicast_min_ttl: unicast_min_ttl must be 1..255, got "
                  "256"},
        error_row{"unicast_ttl_check as a string: unicast_min_ttl is not judged against it",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
unicast_peers = ["10.0.0.2"]
unicast_ttl_check = "no"
unicast_min_ttl = 2
)",
                  "t.toml:7:21: vrrp[0].unicast_ttl_check: unicast_ttl_check must be true or "
                  "false (without quotes), got a string \"no\""}));

INSTANTIATE_TEST_SUITE_P(
    KeepalivedNames, UnicastErrorTest,
    ::testing::Values(
        error_row{"unicast_peer",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
unicast_peer = ["10.0.0.2"]
)",
                  "t.toml:6:1: vrrp[0].unicast_peer: unknown key \"unicast_peer\" (keepalived's "
                  "unicast_peer is unicast_peers here, a list of addresses such as "
                  "[\"10.0.0.2\"])"},
        error_row{"unicast_src_ip",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
unicast_src_ip = "10.0.0.10"
)",
                  "t.toml:6:1: vrrp[0].unicast_src_ip: unknown key \"unicast_src_ip\" "
                  "(keepalived's unicast_src_ip is unicast_source here)"},
        error_row{"unicast_ttl",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
unicast_ttl = 255
)",
                  "t.toml:6:1: vrrp[0].unicast_ttl: unknown key \"unicast_ttl\" (vipd always "
                  "sends with TTL 255; see unicast_ttl_check for receiving)"}));

}  // namespace
}  // namespace vipd::config
