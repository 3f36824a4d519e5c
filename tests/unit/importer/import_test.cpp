#include <gtest/gtest.h>

#include "memory_files.hpp"
#include "support/config_results.hpp"
#include "vipd/importer/import.hpp"

namespace vipd::importer {
namespace {

using testing::memory_files;

// Two directors of one VIP, written for this test in the seed lab's shape: VRRPv2 with a
// simple password; the second one also balances HTTP to two reals with direct routing.
std::string lab_instance(std::string_view state, int priority) {
    return "vrrp_instance lab {\n    state " + std::string(state) +
           "\n    interface eth1\n    virtual_router_id 77\n    priority " +
           std::to_string(priority) +
           "\n    advert_int 1\n"
           "    authentication {\n        auth_type PASS\n        auth_pass Lab-Pass\n    }\n"
           "    virtual_ipaddress {\n        192.0.2.80/24 dev eth1\n    }\n}\n";
}

const std::string k_director1 = "! director 1: VRRP only\n" + lab_instance("MASTER", 120);

const std::string k_director2 = "global_defs {\n    router_id director2\n}\n" +
                                lab_instance("BACKUP", 80) + R"(virtual_server 192.0.2.80 80 {
    delay_loop 5
    lb_algo rr
    lb_kind DR
    protocol TCP
    real_server 192.0.2.41 80 {
        weight 1
        TCP_CHECK {
            connect_timeout 2
        }
    }
    real_server 192.0.2.42 80 {
        weight 1
        TCP_CHECK {
            connect_timeout 2
        }
    }
}
)";

import_outcome run(std::string_view text, bool allow_lossy = false) {
    return import_keepalived(import_options{"/k/keepalived.conf", allow_lossy, std::nullopt},
                             memory_files({{"/k/keepalived.conf", std::string(text)}}));
}

std::string messages_of(const import_outcome& outcome) {
    std::string out;
    for (const auto& line : outcome.messages) {
        out += line + "\n";
    }
    return out;
}

TEST(ImportKeepalivedTest, TheFirstDirectorConvertsLosslessly) {
    const auto outcome = run(k_director1);
    ASSERT_EQ(outcome.exit_code, k_exit_converted) << messages_of(outcome);
    EXPECT_TRUE(outcome.messages.empty()) << messages_of(outcome);
    const auto config = support::load_ok(outcome.toml);
    ASSERT_EQ(config.vrrp.size(), 1u);
    const auto& lab = config.vrrp[0];
    EXPECT_EQ(lab.version, vrrp::version::v2);
    EXPECT_EQ(lab.vrid, 77);
    EXPECT_EQ(lab.priority, 120);
    EXPECT_EQ(lab.advert_interval, centiseconds{100});
    ASSERT_TRUE(lab.auth_pass.has_value());
    ASSERT_EQ(lab.vips.size(), 1u);
    EXPECT_EQ(lab.vips[0].prefix.to_string(), "192.0.2.80/24");
    EXPECT_EQ(lab.vips[0].device, std::optional<std::string>("eth1"));
}

TEST(ImportKeepalivedTest, TheSecondDirectorWithItsServiceConvertsLosslessly) {
    const auto outcome = run(k_director2);
    ASSERT_EQ(outcome.exit_code, k_exit_converted) << messages_of(outcome);
    EXPECT_TRUE(outcome.messages.empty()) << messages_of(outcome);
    const auto config = support::load_ok(outcome.toml);
    EXPECT_EQ(config.global.router_id, "director2");
    ASSERT_EQ(config.virtual_servers.size(), 1u);
    const auto& web = config.virtual_servers[0];
    EXPECT_EQ(web.settings.scheduler, "rr");
    EXPECT_EQ(web.vrrp, std::optional<std::string>("lab"));  // gated by the VIP's owner
    ASSERT_EQ(web.reals.size(), 2u);
    ASSERT_TRUE(web.reals[0].check.has_value());
    EXPECT_EQ(config.ipvs.mode, config::ipvs_mode::always);
}

TEST(ImportKeepalivedTest, SomethingDroppedExitsThreeUnlessLossyIsAllowed) {
    const std::string lossy = std::string(k_director1) + "vrrp_instance lab2 {\n smtp_alert\n}\n";
    const auto refused = run(lossy);
    EXPECT_EQ(refused.exit_code, k_exit_lossy);
    EXPECT_FALSE(refused.toml.empty());
    ASSERT_EQ(refused.messages.size(), 2u) << messages_of(refused);
    EXPECT_EQ(refused.messages[0].rfind("/k/keepalived.conf:17: smtp_alert: dropped: ", 0), 0u);
    EXPECT_EQ(run(lossy, true).exit_code, k_exit_converted);
}

TEST(ImportKeepalivedTest, ASyntaxErrorExitsOneWithoutOutput) {
    const auto outcome = run("vrrp_instance a {\n", true);
    EXPECT_EQ(outcome.exit_code, k_exit_failed);
    EXPECT_TRUE(outcome.toml.empty());
    EXPECT_EQ(messages_of(outcome),
              "/k/keepalived.conf:1: '{' is not closed by the end of the file\n");
}

TEST(ImportKeepalivedTest, AnOutputThatDoesNotLoadIsNeverHandedOut) {
    // A vrid vipd refuses: the converter writes it as given, the loader answers.
    const auto outcome =
        run("vrrp_instance a {\n interface eth0\n virtual_router_id 300\n"
            " virtual_ipaddress {\n  10.0.0.1/24\n }\n}\n",
            true);
    EXPECT_EQ(outcome.exit_code, k_exit_failed);
    EXPECT_TRUE(outcome.toml.empty());
    EXPECT_NE(messages_of(outcome).find("vrid"), std::string::npos) << messages_of(outcome);
}

// The first director's VRRP with the services of its ipvsadm rules, written for this test in
// the seed lab's shape (ipvsadm-save -n).
constexpr std::string_view k_rules =
    "-A -t 192.0.2.80:80 -s rr\n"
    "-a -t 192.0.2.80:80 -r 192.0.2.41:80 -g -w 1\n"
    "-a -t 192.0.2.80:80 -r 192.0.2.42:80 -g -w 2\n"
    "-A -u [2001:db8::80]:53 -s wlc -p 300\n"
    "-a -u [2001:db8::80]:53 -r [2001:db8::41]:5353 -m -w 1 -x 10\n";

import_outcome run_with_rules(std::string_view rules) {
    import_options options{"/k/keepalived.conf", false, "/k/ipvsadm.rules"};
    return import_keepalived(options, memory_files({{"/k/keepalived.conf", k_director1},
                                                    {"/k/ipvsadm.rules", std::string(rules)}}));
}

TEST(ImportIpvsadmRulesTest, TheRulesServicesJoinTheVrrpLosslessly) {
    const auto outcome = run_with_rules(k_rules);
    ASSERT_EQ(outcome.exit_code, k_exit_converted) << messages_of(outcome);
    const auto config = support::load_ok(outcome.toml);
    ASSERT_EQ(config.virtual_servers.size(), 2u);
    const auto& web = config.virtual_servers[0];
    EXPECT_EQ(web.settings.scheduler, "rr");
    EXPECT_EQ(web.vrrp, std::optional<std::string>("lab"));
    ASSERT_EQ(web.reals.size(), 2u);
    EXPECT_EQ(web.reals[1].settings.weight, 2u);
    EXPECT_EQ(web.reals[0].settings.forwarding, ipvs::forwarding::direct);
    const auto& dns = config.virtual_servers[1];
    EXPECT_NE(outcome.toml.find("protocol = \"udp\""), std::string::npos) << outcome.toml;
    ASSERT_EQ(dns.reals.size(), 1u);
    EXPECT_EQ(dns.reals[0].key.port, 5353);
    EXPECT_EQ(dns.reals[0].settings.upper_threshold, 10u);
    EXPECT_NE(outcome.toml.find("persistence = \"300s\""), std::string::npos) << outcome.toml;
}

TEST(ImportIpvsadmRulesTest, AnUnknownOptionIsDroppedAtItsLine) {
    const auto outcome = run_with_rules("-A -t 192.0.2.80:80 -s sh -b sh-port --pe sip\n");
    EXPECT_EQ(outcome.exit_code, k_exit_lossy);
    ASSERT_EQ(outcome.messages.size(), 1u) << messages_of(outcome);
    EXPECT_EQ(outcome.messages[0].rfind("/k/ipvsadm.rules:1: ipvsadm --pe: dropped: ", 0), 0u)
        << messages_of(outcome);
}

TEST(ImportIpvsadmRulesTest, ARealOfAnUnknownServiceIsAnError) {
    const auto outcome = run_with_rules("-a -t 192.0.2.80:80 -r 192.0.2.41:80 -g\n");
    EXPECT_EQ(outcome.exit_code, k_exit_failed);
    EXPECT_EQ(messages_of(outcome), "/k/ipvsadm.rules:1: a real of a service no -A line added\n");
}

}  // namespace
}  // namespace vipd::importer
