#include "vipd/config/advice.hpp"

#include <gtest/gtest.h>

#include "vipd/config/loader.hpp"

namespace vipd::config {
namespace {

std::vector<std::string> advice_for(const char* vips, int version = 3) {
    const auto result =
        load_string("[[vrrp]]\nname = \"web6\"\ninterface = \"eth1\"\nvrid = 7\nversion = " +
                        std::to_string(version) + "\nvips = " + vips + "\n",
                    "t.toml");
    EXPECT_TRUE(result.ok());
    return result.ok() ? advise(*result.config) : std::vector<std::string>{};
}

TEST(Advice, AnIpv6InstanceShouldListItsLinkLocalFirst) {
    const auto advice = advice_for(R"(["2001:db8::100/64", "fe80::1/64"])");
    ASSERT_EQ(advice.size(), 1u);
    EXPECT_EQ(advice[0].rfind("t.toml:1: vrrp instance web6: the first VIP of an IPv6 instance "
                              "should be the virtual router's link-local address (RFC 5798 "
                              "§5.2.9)",
                              0),
              0u)
        << advice[0];
    EXPECT_NE(advice[0].find("2001:db8::100 is not"), std::string::npos) << advice[0];
}

TEST(Advice, NothingToSayAboutALinkLocalFirstOrIpv4) {
    EXPECT_TRUE(advice_for(R"(["fe80::1/64", "2001:db8::100/64"])").empty());
    EXPECT_TRUE(advice_for(R"(["10.0.0.100/24"])").empty());
    EXPECT_TRUE(advice_for(R"(["10.0.0.100/24"])", 2).empty());
}

std::vector<std::string> unicast_advice_for(const char* unicast_keys) {
    const auto result = load_string(std::string("[[vrrp]]\nname = \"web6\"\ninterface = "
                                                "\"eth1\"\nvrid = 7\nvips = [\"fe80::1/64\"]\n") +
                                        unicast_keys,
                                    "t.toml");
    EXPECT_TRUE(result.ok());
    return result.ok() ? advise(*result.config) : std::vector<std::string>{};
}

TEST(Advice, Ipv6PeersNamedGloballyWantAUnicastSource) {
    const auto advice = unicast_advice_for("unicast_peers = [\"fe80::2\", \"2001:db8::3\"]\n");
    ASSERT_EQ(advice.size(), 1u);
    EXPECT_EQ(advice[0],
              "t.toml:1: vrrp instance web6: its adverts leave from eth1's link-local address (no "
              "unicast_source), but peer 2001:db8::3 is named by a global one: the peers must "
              "list this director's link-local address, or set unicast_source to the address "
              "they list");
}

TEST(Advice, Ipv6PeersByLinkLocalOrWithASourceNeedNoAdvice) {
    EXPECT_TRUE(unicast_advice_for("unicast_peers = [\"fe80::2\"]\n").empty());
    EXPECT_TRUE(
        unicast_advice_for("unicast_peers = [\"2001:db8::3\"]\nunicast_source = \"2001:db8::2\"\n")
            .empty());
}

std::vector<std::string> bgp_advice_for(const char* scheduler) {
    const auto result =
        load_string(std::string("[[virtual_server]]\nname = \"any-80\"\naddress = "
                                "\"192.0.2.10\"\nport = 80\nscheduler = \"") +
                        scheduler +
                        "\"\n\n[[bgp_vip]]\nname = \"any\"\naddress = \"192.0.2.10\"\n"
                        "virtual_servers = [\"any-80\"]\n",
                    "t.toml");
    EXPECT_TRUE(result.ok());
    return result.ok() ? advise(*result.config) : std::vector<std::string>{};
}

TEST(Advice, AServiceGatingABgpVipShouldHashConsistently) {
    const auto advice = bgp_advice_for("rr");
    ASSERT_EQ(advice.size(), 1u);
    EXPECT_EQ(advice[0].rfind("t.toml:1: virtual server any-80 gates bgp_vip any but uses "
                              "scheduler \"rr\"",
                              0),
              0u)
        << advice[0];
    EXPECT_TRUE(bgp_advice_for("mh").empty());
    EXPECT_TRUE(bgp_advice_for("sh").empty());
}

std::optional<std::string> sloppy_advice_for(bool with_bgp_vip,
                                             const std::optional<std::string>& sloppy_tcp) {
    const std::string bgp_vip =
        "\n[[bgp_vip]]\nname = \"any\"\naddress = \"192.0.2.10\"\n"
        "virtual_servers = [\"any-80\"]\n";
    const auto result = load_string(
        "[[virtual_server]]\nname = \"any-80\"\naddress = \"192.0.2.10\"\nport = "
        "80\nscheduler = \"mh\"\n" +
            (with_bgp_vip ? bgp_vip : std::string()),
        "t.toml");
    EXPECT_TRUE(result.ok());
    return result.ok() ? sloppy_tcp_advice(*result.config, sloppy_tcp) : std::nullopt;
}

TEST(SloppyTcpAdvice, WarnsWhenOffAndSaysSoWhenItCannotTell) {
    struct row {
        const char* description;
        std::optional<std::string> sloppy_tcp;
        std::optional<std::string> advice;
    };
    const std::string cannot_tell =
        ": cannot tell whether net.ipv4.vs.sloppy_tcp is 1, which ECMP over several directors "
        "needs";
    const row rows[] = {
        {"IPVS not loaded: no file", std::nullopt,
         "[[bgp_vip]] configured but IPVS is not loaded (no /proc/sys/net/ipv4/vs/sloppy_tcp)" +
             cannot_tell},
        {"off", "0\n",
         "net.ipv4.vs.sloppy_tcp is 0: with ECMP over several directors, a director drops TCP "
         "flows the routers move to it mid-way; set it to 1 (sysctl -w "
         "net.ipv4.vs.sloppy_tcp=1, and in /etc/sysctl.d)"},
        {"on", "1\n", std::nullopt},
        {"on, any value but 0", "2", std::nullopt},
        {"empty", "", "/proc/sys/net/ipv4/vs/sloppy_tcp reads \"\", not a number" + cannot_tell},
        {"not a number", "on\n",
         "/proc/sys/net/ipv4/vs/sloppy_tcp reads \"on\", not a number" + cannot_tell},
        {"trailing junk", "1x\n",
         "/proc/sys/net/ipv4/vs/sloppy_tcp reads \"1x\", not a number" + cannot_tell},
    };
    for (const auto& r : rows) {
        EXPECT_EQ(sloppy_advice_for(true, r.sloppy_tcp), r.advice) << r.description;
    }
}

TEST(SloppyTcpAdvice, SilentWithoutABgpVip) {
    for (const auto& sloppy_tcp : {std::optional<std::string>(), std::optional<std::string>("0\n"),
                                   std::optional<std::string>("1\n")}) {
        EXPECT_EQ(sloppy_advice_for(false, sloppy_tcp), std::nullopt)
            << sloppy_tcp.value_or("(missing)");
    }
}

}  // namespace
}  // namespace vipd::config
