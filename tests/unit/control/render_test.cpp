#include "vipd/control/render.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "samples.hpp"

namespace vipd::control {
namespace {

using testing::k_now;
using testing::sample_services;
using testing::sample_status;
using testing::web_master;

bool has_trailing_blank(const std::string& text) {
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        if (!line.empty() && line.back() == ' ') {
            return true;
        }
    }
    return false;
}

TEST(FormatDuration, TwoUnitsAtMost) {
    struct row {
        std::int64_t seconds;
        const char* text;
    };
    for (const auto& r : {row{-5, "0s"}, row{0, "0s"}, row{59, "59s"}, row{60, "1m00s"},
                          row{192, "3m12s"}, row{3599, "59m59s"}, row{3600, "1h00m"},
                          row{7380, "2h03m"}, row{86399, "23h59m"}, row{86400, "1d00h"},
                          row{2 * 86400 + 4 * 3600 + 59, "2d04h"}, row{400 * 86400, "400d00h"}}) {
        EXPECT_EQ(format_duration(r.seconds), r.text) << r.seconds;
    }
}

TEST(FormatCount, FiveDigitsThenUnits) {
    struct row {
        std::uint64_t n;
        const char* text;
    };
    for (const auto& r : {row{0, "0"}, row{99999, "99999"}, row{100000, "100K"},
                          row{567890, "567K"}, row{99999999, "99999K"}, row{100000000, "100M"},
                          row{4000000000, "4000M"}, row{UINT64_MAX, "18446P"}}) {
        EXPECT_EQ(format_count(r.n), r.text) << r.n;
    }
}

TEST(RenderStatus, AlignedTableWithoutColour) {
    const std::string expected =
        "vipd router-id dir1, up 2d01h, config /etc/vipd/vipd.toml, /etc/vipd/conf.d/web.toml\n"
        "INSTANCE  STATE   PRIO                         MASTER        VIPS                       "
        "          SINCE\n"
        "web       MASTER  150                          172.28.128.2  "
        "172.28.128.210/32,172.28.128.211/32  3m12s ago\n"
        "db        BACKUP  1 (demoted, configured 100)  172.28.129.3  172.28.129.10/32           "
        "          2h03m ago\n"
        "v6        FAULT   90 (configured 100)          -             2001:db8::10/128           "
        "          12s ago\n";
    const std::string text = render_status(sample_status(), k_now, false);
    EXPECT_EQ(text, expected);
    EXPECT_EQ(text.find('\x1b'), std::string::npos);
    EXPECT_FALSE(has_trailing_blank(text));
}

TEST(RenderStatus, ASyncGroupMemberShowsItsGroup) {
    status_view s;
    s.router_id = "dir1";
    s.instances = {web_master()};
    s.instances[0].sync_group = "nat";
    const std::string text = render_status(s, k_now, false);
    EXPECT_NE(text.find("\nweb [nat]  MASTER"), std::string::npos) << text;
}

TEST(RenderStatus, ColourMarksStatesDemotesAndHeadersWithoutShiftingColumns) {
    status_view s;
    s.router_id = "r";
    s.instances = {testing::web_master(), testing::db_demoted(), testing::v6_fault()};
    const std::string expected =
        "vipd router-id \x1b[1mr\x1b[0m\n"
        "\x1b[1mINSTANCE\x1b[0m  \x1b[1mSTATE\x1b[0m   \x1b[1mPRIO\x1b[0m                       "
        "  \x1b[1mMASTER\x1b[0m        \x1b[1mVIPS\x1b[0m                                 "
        "\x1b[1mSINCE\x1b[0m\n"
        "web       \x1b[32mMASTER\x1b[0m  150                          172.28.128.2  "
        "172.28.128.210/32,172.28.128.211/32  3m12s ago\n"
        "db        BACKUP  \x1b[33m1 (demoted, configured 100)\x1b[0m  172.28.129.3  "
        "172.28.129.10/32                     2h03m ago\n"
        "v6        \x1b[31mFAULT\x1b[0m   90 (configured 100)          -             "
        "2001:db8::10/128                     12s ago\n";
    EXPECT_EQ(render_status(s, k_now, true), expected);
}

TEST(RenderStatus, InitIsYellowAndUnknownSinceIsADash) {
    status_view s;
    s.router_id = "r";
    instance_view v;
    v.name = "x";
    v.state = "INIT";
    v.priority = v.configured_priority = 100;
    s.instances = {v};
    EXPECT_EQ(render_status(s, k_now, true).substr(std::string("vipd router-id ").size()),
              "\x1b[1mr\x1b[0m\n"
              "\x1b[1mINSTANCE\x1b[0m  \x1b[1mSTATE\x1b[0m  \x1b[1mPRIO\x1b[0m  "
              "\x1b[1mMASTER\x1b[0m  \x1b[1mVIPS\x1b[0m  \x1b[1mSINCE\x1b[0m\n"
              "x         \x1b[33mINIT\x1b[0m   100   -       -     -\n");
}

TEST(RenderStatus, FailedReloadGetsALineASuccessfulOneDoesNot) {
    auto s = sample_status();
    s.instances.clear();
    s.last_reload = reload_view{true, k_now - 30, "3 instances"};
    EXPECT_EQ(render_status(s, k_now, false),
              "vipd router-id dir1, up 2d01h, config /etc/vipd/vipd.toml, "
              "/etc/vipd/conf.d/web.toml\n"
              "no VRRP instances\n");
    s.last_reload = reload_view{false, k_now - 75, "vipd.toml:12:3: vrrp[0].vrid: must be 1-255"};
    s.config_files.clear();
    s.started_unix = 0;
    EXPECT_EQ(render_status(s, k_now, false),
              "vipd router-id dir1\n"
              "last reload failed 1m15s ago: vipd.toml:12:3: vrrp[0].vrid: must be 1-255\n"
              "no VRRP instances\n");
    EXPECT_EQ(render_status(s, k_now, true),
              "vipd router-id \x1b[1mdir1\x1b[0m\n"
              "\x1b[31mlast reload failed 1m15s ago\x1b[0m: vipd.toml:12:3: vrrp[0].vrid: must "
              "be 1-255\n"
              "no VRRP instances\n");
}

TEST(RenderServices, IpvsadmLikeWithoutColour) {
    const std::string expected =
        "SERVICE   VIRTUAL                SCHED  GATE    KERNEL  CONNS  PKTS IN  PKTS OUT  "
        "BYTES IN  BYTES OUT\n"
        "  -> REAL              FORWARD  WEIGHT             HEALTH                ACTIVE  "
        "INACTIVE  CHECK\n"
        "web-http  tcp 172.28.128.210:80  wlc    web     yes     1234   567K     99999     "
        "123M      4000M\n"
        "  -> 10.0.0.1:80       route    1                  up                    3       "
        "10        HTTP 200 (1.4 ms)\n"
        "  -> 10.0.0.2:80       route    5 (kernel 0)       down                  0       "
        "0         connect: connection refused\n"
        "mail      fwmark 10              rr     always  no      0      0        0         0 "
        "        0\n"
        "  -> [2001:db8::1]:25  masq     1 (not in kernel)  unchecked (fallback)  0       0\n";
    const std::string text = render_services(sample_services(), false);
    EXPECT_EQ(text, expected);
    EXPECT_FALSE(has_trailing_blank(text));
}

TEST(RenderServices, ColourMarksHealth) {
    auto services = sample_services();
    services.resize(1);
    const std::string text = render_services(services, true);
    EXPECT_NE(text.find("  -> 10.0.0.1:80  route    1             \x1b[32mup\x1b[0m      3"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("  -> 10.0.0.2:80  route    5 (kernel 0)  \x1b[31mdown\x1b[0m    0"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("\x1b[1mSERVICE\x1b[0m"), std::string::npos);
}

TEST(RenderServices, LatencyAloneAndServiceWithoutReals) {
    service_view s;
    s.name = "n";
    s.key = "udp 10.0.0.53:53";
    s.scheduler = "rr";
    service_view bare = s;
    real_view r;
    r.address = "a";
    r.forwarding = "route";
    r.weight = 1;
    r.kernel_weight = 1;
    r.health = "up";
    r.latency_ms = 12.0;
    s.reals = {r};
    const std::string text = render_services({s, bare}, false);
    EXPECT_NE(text.find("  -> a     route    1       up      0       0         12.0 ms\nn "),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("n        udp 10.0.0.53:53  rr     always  no      0      0        0"
                        "         0         0\n  -> a "),
              std::string::npos)
        << text;
}

TEST(RenderServices, ADrainedRealSaysSoWithItsHealth) {
    auto services = sample_services();
    services.resize(1);
    auto& up = services[0].reals[0];
    up.drained = true;
    up.kernel_weight = 0;
    auto& down = services[0].reals[1];
    down.drained = true;
    down.kernel_weight = std::nullopt;  // not quiescent: health took it out
    const std::string text = render_services(services, false);
    EXPECT_NE(text.find("  -> 10.0.0.1:80  route    1 (drained)                 up      3"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("  -> 10.0.0.2:80  route    5 (drained, not in kernel)  down    0"),
              std::string::npos)
        << text;
    EXPECT_NE(render_services(services, true).find("\x1b[33m1 (drained)\x1b[0m"),
              std::string::npos);
}

TEST(RenderStatus, DrainedRealsGetALineWithTheTimeLeft) {
    auto s = sample_status();
    s.instances.clear();
    s.drained = {{"web-http", "10.0.0.1:80", k_now + 599}, {"mail", "[2001:db8::1]:25", {}}};
    const std::string text = render_status(s, k_now, false);
    EXPECT_NE(text.find("\ndrained: web-http 10.0.0.1:80 (9m59s left), mail [2001:db8::1]:25\n"),
              std::string::npos)
        << text;
    EXPECT_EQ(render_status(sample_status(), k_now, false).find("drained"), std::string::npos);
}

TEST(RenderStatus, BgpVipsFollowTheInstancesWithTheirReason) {
    status_view s;
    s.router_id = "dir1";
    s.instances = {web_master()};
    s.instances[0].since_unix = 0;
    s.bgp_vips = testing::sample_bgp_vips();
    const std::string text = render_status(s, k_now, false);
    EXPECT_EQ(text,
              "vipd router-id dir1\n"
              "INSTANCE  STATE   PRIO  MASTER        VIPS                                 SINCE\n"
              "web       MASTER  150   172.28.128.2  172.28.128.210/32,172.28.128.211/32  -\n"
              "BGP VIP  ADDRESS       STATE      WHY\n"
              "anycast  192.0.2.10    announced  anycast-80 has its quorum\n"
              "edge     192.0.2.11    withdrawn  instance web is not MASTER\n"
              "api      2001:db8::53  withdrawn  demoted by vipctl\n");
    EXPECT_FALSE(has_trailing_blank(text));
}

TEST(RenderStatus, ColourMarksAnnouncedAndDemotedBgpVips) {
    status_view s;
    s.router_id = "r";
    s.bgp_vips = testing::sample_bgp_vips();
    const std::string text = render_status(s, k_now, true);
    EXPECT_NE(text.find("anycast  192.0.2.10    \x1b[32mannounced\x1b[0m  anycast-80 has its "
                        "quorum\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("edge     192.0.2.11    withdrawn  instance web is not MASTER\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("api      2001:db8::53  \x1b[33mwithdrawn\x1b[0m  \x1b[33mdemoted by "
                        "vipctl\x1b[0m\n"),
              std::string::npos)
        << text;
}

TEST(RenderStatus, ABgpOnlyDirectorShowsItsBgpVipsAlone) {
    status_view s;
    s.router_id = "r";
    s.bgp_vips = {testing::sample_bgp_vips().front()};
    EXPECT_EQ(render_status(s, k_now, false),
              "vipd router-id r\n"
              "BGP VIP  ADDRESS     STATE      WHY\n"
              "anycast  192.0.2.10  announced  anycast-80 has its quorum\n");
}

TEST(RenderServices, NoneConfigured) {
    EXPECT_EQ(render_services({}, true), "no virtual servers\n");
}

}  // namespace
}  // namespace vipd::control
