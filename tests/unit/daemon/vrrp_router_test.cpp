#include "vipd/daemon/vrrp_router.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>
#include <spdlog/sinks/ostream_sink.h>

#include <algorithm>
#include <set>
#include <sstream>
#include <variant>

#include "fakes/fake_ports.hpp"
#include "router_fixture.hpp"
#include "vipd/vrrp/packet.hpp"

namespace vipd::daemon {
namespace {

using namespace std::chrono_literals;
using fakes::eth0_up;
using router_tests::make_instance;
using router_tests::RouterTest;

TEST_F(RouterTest, StartRemovesLeftoversButNotForeignAddresses) {
    addresses_.present.insert({"eth0", *ip_prefix::parse("10.0.0.99/24"), true});
    addresses_.present.insert({"eth0", *ip_prefix::parse("10.0.0.1/24"), false});
    links_.links["eth0"] = eth0_up();
    build({make_instance("web", 51, 100, {"10.0.0.100/24"})});
    router_->start();
    EXPECT_FALSE(addresses_.has("eth0", "10.0.0.99/24"));
    EXPECT_EQ(addresses_.present.size(), 1u);  // the untagged owner's address stays
    EXPECT_EQ(router_->status().at(0).state, vrrp::state::backup);
    EXPECT_GT(deadline_changes_, 0);
}

TEST_F(RouterTest, BackupBecomesMasterAddsVipsSendsAdvertAndGarp) {
    links_.links["eth0"] = eth0_up();
    build({make_instance("web", 51, 100, {"10.0.0.100/24", "192.168.100.1/32 dev dummy1"})});
    router_->start();
    run_until(now_ + 4s);
    EXPECT_EQ(router_->status().at(0).state, vrrp::state::master);
    EXPECT_TRUE(addresses_.has("eth0", "10.0.0.100/24"));
    EXPECT_TRUE(addresses_.has("dummy1", "192.168.100.1/32"));
    EXPECT_NE(std::find(addresses_.calls.begin(), addresses_.calls.end(), "ensure_dummy dummy1"),
              addresses_.calls.end());
    ASSERT_FALSE(channel().batches.empty());
    EXPECT_EQ(channel().batches.front().source, *ip_address::parse("10.0.0.1"));
    // Every GARP goes out on the instance's interface, also for the VIP on dummy1.
    ASSERT_FALSE(frames_.sent.empty());
    for (const auto& [interface, frame] : frames_.sent) {
        EXPECT_EQ(interface, "eth0");
        EXPECT_EQ(frame.size(), 60u);  // Ethernet + ARP, padded to the minimum frame
    }
}

/// How often the router asked the kernel to add `prefix` on eth0.
std::ptrdiff_t adds_of(const fakes::fake_address_port& addresses, const std::string& prefix) {
    return std::count(addresses.calls.begin(), addresses.calls.end(), "add eth0 " + prefix);
}

TEST_F(RouterTest, AVipTheKernelRefusedIsTriedAgainWithinAQuarterSecond) {
    links_.links["eth0"] = eth0_up();
    addresses_.fail_next_add = true;
    build({make_instance("web", 51, 100, {"10.0.0.100/24"})});
    router_->start();
    run_until(now_ + 3500ms);  // Master at 3.6 s (v3, 1 s adverts, priority 100)
    ASSERT_EQ(router_->status().at(0).state, vrrp::state::backup);
    run_until(now_ + 150ms);
    ASSERT_EQ(router_->status().at(0).state, vrrp::state::master);
    EXPECT_FALSE(addresses_.has("eth0", "10.0.0.100/24"));
    run_until(now_ + 300ms);
    EXPECT_TRUE(addresses_.has("eth0", "10.0.0.100/24"));
    EXPECT_EQ(adds_of(addresses_, "10.0.0.100/24"), 2);
}

TEST_F(RouterTest, AVipTheKernelKeepsRefusingIsTriedLessAndLessOften) {
    links_.links["eth0"] = eth0_up();
    addresses_.refuse_adds = true;
    build({make_instance("web", 51, 100, {"10.0.0.100/24"})});
    router_->start();
    // Master (and the first refusal) at 3.6 s; tries again 0.25, 0.5, 1, 2, 4 and 4 s apart:
    // at 3.85, 4.35, 5.35, 7.35, 11.35 and 15.35 s. Seven in 16 s, not one per advert.
    run_until(now_ + 16s);
    ASSERT_EQ(router_->status().at(0).state, vrrp::state::master);
    EXPECT_EQ(adds_of(addresses_, "10.0.0.100/24"), 7);
    addresses_.refuse_adds = false;
    run_until(now_ + 4100ms);
    EXPECT_TRUE(addresses_.has("eth0", "10.0.0.100/24"));
}

TEST_F(RouterTest, AVipOnAnotherLinkIsAnnouncedThereWithThatLinksMac) {
    links_.links["eth0"] = eth0_up();
    auto eth2 = eth0_up();
    eth2.name = "eth2";
    eth2.index = 4;
    eth2.mac = {0x02, 0, 0, 0, 0, 0x02};
    links_.links["eth2"] = eth2;
    build({make_instance("web", 51, 100,
                         {"10.0.0.100/24", "10.1.0.1/24 dev eth2", "192.168.100.1/32 dev dummy1",
                          "10.9.9.9/32 dev lo"})});
    router_->start();
    run_until(now_ + 4s);
    ASSERT_EQ(router_->status().at(0).state, vrrp::state::master);
    // ARP sender hardware and protocol addresses: bytes 22-27 and 28-31 of the frame.
    std::multiset<std::string> announced;
    for (const auto& [interface, frame] : frames_.sent) {
        const auto sender =
            ip_address(ip_address::v4_bytes{frame[28], frame[29], frame[30], frame[31]});
        announced.insert(
            fmt::format("{} on {} from {:02x}", sender.to_string(), interface, frame[27]));
    }
    // The default burst: 5 rounds of each VIP.
    for (const char* expected : {"10.0.0.100 on eth0 from 01", "10.1.0.1 on eth2 from 02",
                                 "192.168.100.1 on eth0 from 01", "10.9.9.9 on eth0 from 01"}) {
        EXPECT_EQ(announced.count(expected), 5u) << expected;
    }
    EXPECT_EQ(announced.size(), 20u);

    // eth2 comes back with another MAC: the next announcements use it.
    eth2.mac = {0x02, 0, 0, 0, 0, 0x03};
    links_.set(eth2);
    frames_.sent.clear();
    ASSERT_FALSE(router_->announce("web"));
    const auto on_eth2 = std::count_if(frames_.sent.begin(), frames_.sent.end(), [](const auto& f) {
        return f.first == "eth2" && f.second[27] == 0x03;
    });
    EXPECT_EQ(on_eth2, 1);
}

TEST_F(RouterTest, AForwardingDirectorsUnsolicitedNasCarryTheRouterFlag) {
    auto eth0 = eth0_up();
    eth0.link_local_v6 = ip_address::parse("fe80::1");
    eth0.ipv6_forwarding = true;
    links_.links["eth0"] = eth0;
    build({make_instance("web6", 51, 100, {"fe80::100/64", "2001:db8::100/64"})});
    router_->start();
    run_until(now_ + 4s);
    ASSERT_EQ(router_->status().at(0).state, vrrp::state::master);
    ASSERT_EQ(frames_.sent.size(), 10u);  // 5 rounds, 2 VIPs
    for (const auto& [interface, frame] : frames_.sent) {
        ASSERT_EQ(frame.size(), 86u);
        EXPECT_EQ(frame[58], 0xa0) << "Router and Override (RFC 4861 §4.4)";
    }
}

TEST_F(RouterTest, HigherPriorityAdvertKeepsItBackupAndLowerOneIsPreempted) {
    links_.links["eth0"] = eth0_up();
    build({make_instance("web", 51, 100, {"10.0.0.100/24"})});
    router_->start();
    for (int i = 0; i < 10; ++i) {
        run_until(now_ + 1s);
        deliver(advert_bytes(51, 200, "10.0.0.2", "10.0.0.100"), "10.0.0.2");
    }
    EXPECT_EQ(router_->status().at(0).state, vrrp::state::backup);
    EXPECT_EQ(router_->status().at(0).master, ip_address::parse("10.0.0.2"));
    EXPECT_TRUE(channel().batches.empty());
    for (int i = 0; i < 10; ++i) {
        run_until(now_ + 1s);
        deliver(advert_bytes(51, 50, "10.0.0.2", "10.0.0.100"), "10.0.0.2");
    }
    EXPECT_EQ(router_->status().at(0).state, vrrp::state::master);
}

TEST_F(RouterTest, RejectedPacketsAreCountedByReasonAndChangeNothing) {
    links_.links["eth0"] = eth0_up();
    build({make_instance("web", 51, 100, {"10.0.0.100/24"})});
    router_->start();
    deliver(advert_bytes(51, 200, "10.0.0.2", "10.0.0.100"), "10.0.0.2", 64);
    deliver(advert_bytes(52, 200, "10.0.0.2", "10.0.0.100"), "10.0.0.2");
    std::vector<std::uint8_t> garbage{0x21, 0x33};
    deliver(garbage, "10.0.0.2");
    EXPECT_EQ(router_->drops()[vrrp::drop_reason::bad_ttl], 1u);
    EXPECT_EQ(router_->drops()[vrrp::drop_reason::unknown_vrid], 1u);
    EXPECT_EQ(router_->drops().total(), 3u);
    run_until(now_ + 4s);  // none of them counted as a master: it still times out
    EXPECT_EQ(router_->status().at(0).state, vrrp::state::master);
}

TEST_F(RouterTest, AnInstanceLevelDropNamesTheSender) {
    const auto& text = capture_pkt_warnings();
    links_.links["eth0"] = eth0_up();
    build({make_instance("web", 51, 100, {"10.0.0.100/24"})});
    router_->start();
    vrrp::advert v2;  // our instance is v3: a version mismatch, decided by the instance
    v2.version = vrrp::version::v2;
    v2.vrid = 51;
    v2.priority = 200;
    v2.addresses = {*ip_address::parse("10.0.0.100")};
    deliver(
        vrrp::encode(v2, *ip_address::parse("10.0.0.2"), vrrp::advert_group(address_family::ipv4)),
        "10.0.0.2");
    EXPECT_EQ(router_->drops()[vrrp::drop_reason::version_mismatch], 1u);
    EXPECT_NE(text.str().find("dropped advert from 10.0.0.2: version_mismatch"), std::string::npos)
        << text.str();
}

TEST_F(RouterTest, AMasterAnswersARivalMasterAndAnnouncesItsVipsAgain) {
    // After a partition heals, the lower-priority side still advertises itself as Master and
    // the hosts learnt the VIP at it: an advert and a new GARP burst bring them back.
    const auto& text = capture_vrrp_log();
    links_.links["eth0"] = eth0_up();
    build({make_instance("web", 51, 150, {"10.0.0.100/24"})});
    router_->start();
    run_until(now_ + 10s);
    ASSERT_EQ(router_->status().at(0).state, vrrp::state::master);
    const auto adverts = router_->status().at(0).adverts_sent;
    frames_.sent.clear();
    deliver(advert_bytes(51, 100, "10.0.0.2", "10.0.0.100"), "10.0.0.2");
    run_until(now_ + 100ms);
    EXPECT_EQ(router_->status().at(0).state, vrrp::state::master);
    EXPECT_EQ(router_->status().at(0).adverts_sent, adverts + 1) << "answered at once";
    EXPECT_EQ(frames_.sent.size(), 5u) << "the default burst: 5 rounds, one VIP";
    EXPECT_NE(text.str().find("web: 10.0.0.2 also advertises itself as Master, with priority "
                              "100 (ours 150): answering with an advert so it yields, and "
                              "announcing the VIPs again"),
              std::string::npos)
        << text.str();
}

config::vrrp_instance unicast_instance(std::string name, std::uint8_t vrid, std::uint8_t priority,
                                       std::vector<const char*> peers, std::uint8_t min_ttl = 255) {
    auto instance = make_instance(std::move(name), vrid, priority, {"10.0.0.100/24"});
    config::unicast_settings unicast;
    for (const char* peer : peers) {
        unicast.peers.push_back(*ip_address::parse(peer));
    }
    unicast.source = *ip_address::parse("10.0.0.1");
    unicast.min_ttl = min_ttl;
    instance.unicast = std::move(unicast);
    return instance;
}

TEST_F(RouterTest, AUnicastMasterSendsEachAdvertToEveryPeerInOneBatch) {
    links_.links["eth0"] = eth0_up();
    build({unicast_instance("web", 51, 150, {"10.0.0.2", "10.0.0.3"}),
           make_instance("db", 52, 150, {"10.0.0.200/24"})});
    router_->start();
    run_until(now_ + 4s);
    ASSERT_EQ(router_->status().at(0).state, vrrp::state::master);
    const auto& last = channel().batches.back();
    // One send for the unicast instance's two copies and the multicast instance's one.
    ASSERT_EQ(last.destinations.size(), 3u);
    std::multiset<std::string> destinations;
    for (const auto& d : last.destinations) {
        destinations.insert(d.to_string());
    }
    EXPECT_EQ(destinations, (std::multiset<std::string>{"10.0.0.2", "10.0.0.3", "224.0.0.18"}));
    for (std::size_t i = 0; i < last.messages.size(); ++i) {
        SCOPED_TRACE(last.destinations[i].to_string());
        EXPECT_EQ(last.sources[i], *ip_address::parse("10.0.0.1"));
        // VRRPv3's checksum covers the destination: each copy must check out at its peer.
        const vrrp::packet_meta meta{last.sources[i], last.destinations[i], 255};
        EXPECT_TRUE(
            std::holds_alternative<vrrp::decoded_advert>(vrrp::decode(last.messages[i], meta)));
    }
}

TEST_F(RouterTest, AUnicastInstanceHearsOnlyItsPeers) {
    links_.links["eth0"] = eth0_up();
    build({unicast_instance("web", 51, 100, {"10.0.0.2"})});
    router_->start();
    for (int i = 0; i < 10; ++i) {
        run_until(now_ + 1s);
        deliver(advert_bytes(51, 200, "10.0.0.9", "10.0.0.100", "10.0.0.1"), "10.0.0.9", 255,
                "10.0.0.1");
    }
    EXPECT_EQ(router_->drops()[vrrp::drop_reason::not_a_peer], 10u);
    EXPECT_EQ(router_->status().at(0).state, vrrp::state::master) << "a stranger is no master";
    deliver(advert_bytes(51, 200, "10.0.0.2", "10.0.0.100", "10.0.0.1"), "10.0.0.2", 255,
            "10.0.0.1");
    EXPECT_EQ(router_->status().at(0).state, vrrp::state::backup);
    EXPECT_EQ(router_->status().at(0).master, ip_address::parse("10.0.0.2"));
}

TEST_F(RouterTest, RoutedUnicastPeersAreHeardDownToTheirTtlFloorAndOthersStillNeed255) {
    links_.links["eth0"] = eth0_up();
    build({unicast_instance("web", 51, 100, {"10.0.0.2"}, 60),
           make_instance("db", 52, 100, {"10.0.0.200/24"})});
    router_->start();
    for (int i = 0; i < 10; ++i) {
        run_until(now_ + 1s);
        deliver(advert_bytes(51, 200, "10.0.0.2", "10.0.0.100", "10.0.0.1"), "10.0.0.2", 61,
                "10.0.0.1");
        deliver(advert_bytes(52, 200, "10.0.0.2", "10.0.0.200"), "10.0.0.2", 61);
    }
    EXPECT_EQ(router_->status().at(0).state, vrrp::state::backup) << "TTL 61 >= its floor 60";
    EXPECT_EQ(router_->status().at(1).state, vrrp::state::master) << "multicast needs 255";
    EXPECT_EQ(router_->drops()[vrrp::drop_reason::bad_ttl], 10u);
    deliver(advert_bytes(51, 200, "10.0.0.2", "10.0.0.100", "10.0.0.1"), "10.0.0.2", 59,
            "10.0.0.1");
    EXPECT_EQ(router_->drops()[vrrp::drop_reason::bad_ttl], 11u);
}

TEST_F(RouterTest, AFailedSendIsLoggedEvenAfterAFloodOfDroppedPackets) {
    const auto& text = capture_pkt_warnings();
    links_.links["eth0"] = eth0_up();
    build({make_instance("web", 51, 255, {"10.0.0.100/24"})});
    router_->start();
    for (int i = 0; i < 50; ++i) {  // far over the drop log's budget
        deliver(advert_bytes(51, 200, "10.0.0.2", "10.0.0.100"), "10.0.0.2", 64);
    }
    EXPECT_EQ(router_->drops()[vrrp::drop_reason::bad_ttl], 50u);
    channel().fail_with = std::make_error_code(std::errc::no_buffer_space);
    run_until(now_ + 1s);
    EXPECT_NE(text.str().find("sending 1 advert(s) on eth0 failed"), std::string::npos)
        << text.str();
}

TEST_F(RouterTest, AdvertsDueTogetherLeaveInOneBatch) {
    links_.links["eth0"] = eth0_up();
    build({make_instance("a", 1, 255, {"10.0.0.101/24"}),
           make_instance("b", 2, 255, {"10.0.0.102/24"}),
           make_instance("c", 3, 255, {"10.0.0.103/24"})});
    router_->start();  // owners: Master at once, in one batch
    ASSERT_EQ(channel().batches.size(), 1u);
    EXPECT_EQ(channel().batches[0].messages.size(), 3u);
    channel().batches.clear();
    run_until(now_ + 1s);
    ASSERT_EQ(channel().batches.size(), 1u);
    EXPECT_EQ(channel().batches[0].messages.size(), 3u);
}

TEST_F(RouterTest, LinkDownFaultsAndRemovesVipsLinkUpRecovers) {
    links_.links["eth0"] = eth0_up();
    build({make_instance("web", 51, 255, {"10.0.0.100/24"})});
    router_->start();
    EXPECT_TRUE(addresses_.has("eth0", "10.0.0.100/24"));
    auto down = eth0_up();
    down.up = false;
    links_.set(down);
    EXPECT_EQ(router_->status().at(0).state, vrrp::state::fault);
    EXPECT_FALSE(addresses_.has("eth0", "10.0.0.100/24"));
    links_.set(eth0_up());
    EXPECT_EQ(router_->status().at(0).state, vrrp::state::master);
    EXPECT_TRUE(addresses_.has("eth0", "10.0.0.100/24"));
}

TEST_F(RouterTest, MissingInterfaceStartsInFaultAndRecoversWhenItAppears) {
    build({make_instance("web", 51, 100, {"10.0.0.100/24"})});
    router_->start();
    EXPECT_EQ(router_->status().at(0).state, vrrp::state::fault);
    EXPECT_FALSE(router_->next_deadline());
    links_.set(eth0_up());
    EXPECT_EQ(router_->status().at(0).state, vrrp::state::backup);
}

TEST_F(RouterTest, RecreatedInterfaceGetsAFreshSocket) {
    links_.links["eth0"] = eth0_up();
    build({make_instance("web", 51, 255, {"10.0.0.100/24"})});
    router_->start();
    ASSERT_EQ(channels_.opens, 1);
    auto gone = eth0_up();
    gone.index = 0;
    gone.up = false;
    links_.set(gone);
    EXPECT_EQ(router_->status().at(0).state, vrrp::state::fault);
    auto recreated = eth0_up();
    recreated.index = 7;
    links_.set(recreated);
    EXPECT_EQ(channels_.opens, 2);  // the factory opened a new socket for the new ifindex
    EXPECT_EQ(router_->status().at(0).state, vrrp::state::master);
    EXPECT_FALSE(channel().batches.empty());
}

TEST_F(RouterTest, KernelDropsOnASharedSocketShowInEveryInstanceOnIt) {
    links_.links["eth0"] = eth0_up();
    build({make_instance("a", 1, 100, {"10.0.0.101/24"}),
           make_instance("b", 2, 100, {"10.0.0.102/24"})});
    router_->start();
    EXPECT_EQ(router_->status().at(0).socket_drops, 0u);
    channel().kernel_drops = 7;
    EXPECT_EQ(router_->status().at(0).socket_drops, 7u);
    EXPECT_EQ(router_->status().at(1).socket_drops, 7u);
}

TEST_F(RouterTest, SocketDropsSurviveAReopenedSocket) {
    links_.links["eth0"] = eth0_up();
    build({make_instance("web", 51, 100, {"10.0.0.100/24"})});
    router_->start();
    channel().kernel_drops = 5;
    auto recreated = eth0_up();
    recreated.index = 7;
    links_.set(recreated);  // a new socket, whose kernel count starts from 0 again
    ASSERT_EQ(channels_.opens, 2);
    EXPECT_EQ(router_->status().at(0).socket_drops, 5u);
    channel().kernel_drops = 2;
    EXPECT_EQ(router_->status().at(0).socket_drops, 7u) << "the counter never goes back";
}

TEST_F(RouterTest, LinkMonitorOverrunsAreReported) {
    links_.links["eth0"] = eth0_up();
    build({make_instance("web", 51, 100, {"10.0.0.100/24"})});
    router_->start();
    EXPECT_EQ(router_->link_overruns(), 0u);
    links_.overrun_count = 3;
    EXPECT_EQ(router_->link_overruns(), 3u);
}

net::link_status link_named(const char* name, int index, bool up) {
    net::link_status link;
    link.name = name;
    link.index = index;
    link.up = up;
    return link;
}

TEST_F(RouterTest, ATrackedInterfaceDownLowersThePriorityAndTheAdvertsCarryIt) {
    links_.links["eth0"] = eth0_up();
    links_.links["eth2"] = link_named("eth2", 3, true);
    auto instance = make_instance("web", 51, 150, {"10.0.0.100/24"});
    instance.track_interfaces = {{"eth2", -60}};
    build({instance});
    router_->start();
    run_until(now_ + 4s);
    ASSERT_EQ(router_->status().at(0).state, vrrp::state::master);
    EXPECT_EQ(router_->status().at(0).priority, 150);
    channel().batches.clear();
    links_.set(link_named("eth2", 3, false));
    EXPECT_EQ(router_->status().at(0).priority, 90);
    // A Master that lowers its priority tells the backups at once.
    ASSERT_FALSE(channel().batches.empty());
    const auto sent =
        vrrp::decode(channel().batches.back().messages.at(0),
                     {*ip_address::parse("10.0.0.1"), *ip_address::parse("224.0.0.18"), 255});
    EXPECT_EQ(std::get<vrrp::decoded_advert>(sent).advert.priority, 90);
    links_.set(link_named("eth2", 3, true));
    EXPECT_EQ(router_->status().at(0).priority, 150);
}

TEST_F(RouterTest, AWeightZeroTrackedInterfaceFaultsTheInstance) {
    links_.links["eth0"] = eth0_up();
    links_.links["eth2"] = link_named("eth2", 3, true);
    auto instance = make_instance("web", 51, 255, {"10.0.0.100/24"});
    instance.track_interfaces = {{"eth2", 0}};
    build({instance});
    router_->start();
    ASSERT_EQ(router_->status().at(0).state, vrrp::state::master);
    links_.set(link_named("eth2", 3, false));
    EXPECT_EQ(router_->status().at(0).state, vrrp::state::fault);
    EXPECT_FALSE(addresses_.has("eth0", "10.0.0.100/24"));
    // eth0 flapping while eth2 is down must not bring it out of Fault.
    auto down = eth0_up();
    down.up = false;
    links_.set(down);
    links_.set(eth0_up());
    EXPECT_EQ(router_->status().at(0).state, vrrp::state::fault);
    links_.set(link_named("eth2", 3, true));
    EXPECT_EQ(router_->status().at(0).state, vrrp::state::master);
    EXPECT_TRUE(addresses_.has("eth0", "10.0.0.100/24"));
}

TEST_F(RouterTest, ATrackedInterfaceMissingAtStartCountsAsDown) {
    links_.links["eth0"] = eth0_up();
    auto instance = make_instance("web", 51, 150, {"10.0.0.100/24"});
    instance.track_interfaces = {{"eth9", -100}};
    build({instance});
    router_->start();
    EXPECT_EQ(router_->status().at(0).priority, 50);
}

TEST_F(RouterTest, ScriptAndVirtualServerTrackersReportedByTheHealthDriverAddUp) {
    links_.links["eth0"] = eth0_up();
    auto instance = make_instance("web", 51, 150, {"10.0.0.100/24"});
    config::tracked_script script;
    script.name = "check-nginx";
    script.weight = -20;
    instance.track_scripts = {script};
    instance.track_virtual_servers = {{"web-80", -50}};
    build({instance});
    router_->start();
    router_->set_tracked("web", tracker_kind::script, "check-nginx", true);
    EXPECT_EQ(router_->status().at(0).priority, 130);
    router_->set_tracked("web", tracker_kind::virtual_server, "web-80", true);
    EXPECT_EQ(router_->status().at(0).priority, 80);
    // Unknown names and kinds change nothing.
    router_->set_tracked("web", tracker_kind::interface, "check-nginx", false);
    router_->set_tracked("db", tracker_kind::script, "check-nginx", false);
    EXPECT_EQ(router_->status().at(0).priority, 80);
    router_->set_tracked("web", tracker_kind::script, "check-nginx", false);
    EXPECT_EQ(router_->status().at(0).priority, 100);
}

TEST_F(RouterTest, ALoweredMasterHandsTheVipToAHigherBackup) {
    links_.links["eth0"] = eth0_up();
    auto instance = make_instance("web", 51, 150, {"10.0.0.100/24"});
    instance.track_virtual_servers = {{"web-80", -100}};
    build({instance});
    router_->start();
    run_until(now_ + 4s);
    ASSERT_EQ(router_->status().at(0).state, vrrp::state::master);
    router_->set_tracked("web", tracker_kind::virtual_server, "web-80", true);
    // The peer (priority 100) now outranks our 50 and preempts.
    deliver(advert_bytes(51, 100, "10.0.0.2", "10.0.0.100"), "10.0.0.2");
    EXPECT_EQ(router_->status().at(0).state, vrrp::state::backup);
    EXPECT_FALSE(addresses_.has("eth0", "10.0.0.100/24"));
}

TEST_F(RouterTest, ATrackFileMovesThePriorityByValueTimesWeightAndZeroRestoresIt) {
    links_.links["eth0"] = eth0_up();
    auto instance = make_instance("web", 51, 150, {"10.0.0.100/24"});
    instance.track_files = {{"maint", "/run/vipd/web.weight", -1, std::nullopt}};
    build({instance});
    router_->start();
    run_until(now_ + 4s);
    ASSERT_EQ(router_->status().at(0).state, vrrp::state::master);
    router_->set_tracked_file("web", "maint", 60);
    EXPECT_EQ(router_->status().at(0).priority, 90);
    // The peer (priority 100) now outranks our 90 and preempts.
    deliver(advert_bytes(51, 100, "10.0.0.2", "10.0.0.100"), "10.0.0.2");
    EXPECT_EQ(router_->status().at(0).state, vrrp::state::backup);
    EXPECT_FALSE(addresses_.has("eth0", "10.0.0.100/24"));
    router_->set_tracked_file("web", "maint", 0);
    EXPECT_EQ(router_->status().at(0).priority, 150);
    // Unknown names change nothing.
    router_->set_tracked_file("web", "other", 100);
    router_->set_tracked_file("db", "maint", 100);
    EXPECT_EQ(router_->status().at(0).priority, 150);
}

TEST_F(RouterTest, ATrackFileWithWeightZeroOrAProductOfMinus254FaultsTheInstance) {
    links_.links["eth0"] = eth0_up();
    auto instance = make_instance("web", 51, 150, {"10.0.0.100/24"});
    instance.track_files = {{"flag", "/run/vipd/flag", 0, std::nullopt},
                            {"deep", "/run/vipd/deep", -2, std::nullopt}};
    build({instance});
    router_->start();
    run_until(now_ + 4s);
    ASSERT_EQ(router_->status().at(0).state, vrrp::state::master);
    router_->set_tracked_file("web", "flag", 1);
    EXPECT_EQ(router_->status().at(0).state, vrrp::state::fault);
    EXPECT_FALSE(addresses_.has("eth0", "10.0.0.100/24"));
    router_->set_tracked_file("web", "flag", 0);
    run_until(now_ + 4s);
    EXPECT_EQ(router_->status().at(0).state, vrrp::state::master);
    router_->set_tracked_file("web", "deep", 127);  // 127 x -2 = -254: keepalived's Fault
    EXPECT_EQ(router_->status().at(0).state, vrrp::state::fault);
    router_->set_tracked_file("web", "deep", 126);  // -252: only lowered (to the floor, 1)
    run_until(now_ + 4s);
    EXPECT_EQ(router_->status().at(0).priority, 1);
    EXPECT_NE(router_->status().at(0).state, vrrp::state::fault);
}

/// Records role changes together with what the address port had seen at that moment.
class recording_roles final : public role_listener {
  public:
    explicit recording_roles(const fakes::fake_address_port& addresses) : addresses_(addresses) {}
    bool entering_master(const std::string& instance) override {
        events.push_back("enter " + instance +
                         " vips=" + std::to_string(addresses_.present.size()));
        return true;
    }
    void left_master(const std::string& instance) override {
        events.push_back("leave " + instance +
                         " vips=" + std::to_string(addresses_.present.size()));
    }
    std::vector<std::string> events;

  private:
    const fakes::fake_address_port& addresses_;
};

TEST_F(RouterTest, ServicesGoInBeforeTheVipsAndComeOutAfterThem) {
    links_.links["eth0"] = eth0_up();
    recording_roles roles(addresses_);
    config_.vrrp = {make_instance("web", 51, 255, {"10.0.0.100/24"})};
    router_ = std::make_unique<vrrp_router>(
        config_, router_ports{addresses_, frames_, links_, channels_, &roles}, logs_,
        [this] { return now_; }, [] {});
    router_->start();
    router_->shutdown();
    EXPECT_EQ(roles.events, (std::vector<std::string>{"enter web vips=0", "leave web vips=0"}));
}

TEST_F(RouterTest, StaticVipsAreHeldWhileRunningWithoutAnyInstance) {
    config_.static_vips = {{*ip_prefix::parse("192.168.100.1/32"), std::string("dummy1")}};
    build({});
    router_->start();
    EXPECT_TRUE(addresses_.has("dummy1", "192.168.100.1/32"));
    EXPECT_NE(std::find(addresses_.calls.begin(), addresses_.calls.end(), "ensure_dummy dummy1"),
              addresses_.calls.end());
    router_->shutdown();
    EXPECT_FALSE(addresses_.has("dummy1", "192.168.100.1/32"));
}

TEST_F(RouterTest, SocketThatCannotOpenMeansFaultNotACrash) {
    links_.links["eth0"] = eth0_up();
    channels_.refuse.insert("eth0");
    build({make_instance("web", 51, 100, {"10.0.0.100/24"})});
    router_->start();
    EXPECT_EQ(router_->status().at(0).state, vrrp::state::fault);
}

TEST_F(RouterTest, ASocketThatFailedToOpenIsRetriedOnATimer) {
    links_.links["eth0"] = eth0_up();
    channels_.refuse.insert("eth0");
    build({make_instance("web", 51, 100, {"10.0.0.100/24"})});
    router_->start();
    ASSERT_EQ(router_->status().at(0).state, vrrp::state::fault);
    ASSERT_TRUE(router_->next_deadline().has_value()) << "a retry is armed";
    run_until(now_ + 3s);
    EXPECT_EQ(router_->status().at(0).state, vrrp::state::fault) << "still refused";
    channels_.refuse.clear();
    run_until(now_ + 1500ms);  // no link event: only the timer can bring it back
    EXPECT_EQ(router_->status().at(0).state, vrrp::state::backup);
    EXPECT_EQ(channels_.opens, 1);
}

TEST_F(RouterTest, ShutdownResignsWithPriorityZeroAndRemovesVips) {
    links_.links["eth0"] = eth0_up();
    build({make_instance("web", 51, 255, {"10.0.0.100/24"})});
    router_->start();
    channel().batches.clear();
    router_->shutdown();
    EXPECT_FALSE(addresses_.has("eth0", "10.0.0.100/24"));
    ASSERT_EQ(channel().batches.size(), 1u);
    auto decoded =
        vrrp::decode(channel().batches[0].messages.at(0),
                     {*ip_address::parse("10.0.0.1"), *ip_address::parse("224.0.0.18"), 255});
    ASSERT_TRUE(std::holds_alternative<vrrp::decoded_advert>(decoded));
    EXPECT_EQ(std::get<vrrp::decoded_advert>(decoded).advert.priority, 0);
}

// ---- reload ----

/// The priority carried by an encoded advert (RFC 5798 §5.2: third byte).
int advert_priority(const std::vector<std::uint8_t>& message) {
    return message.at(2);
}

class RouterReloadTest : public RouterTest {
  protected:
    /// Two owners (Master at once) on eth0, started, with the start-up calls forgotten.
    void start_two_masters() {
        links_.links["eth0"] = eth0_up();
        build({make_instance("a", 1, 255, {"10.0.0.101/24", "10.0.0.102/24"}),
               make_instance("b", 2, 255, {"10.0.0.103/24"})});
        router_->start();
        forget();
    }
    void forget() {
        addresses_.calls.clear();
        frames_.sent.clear();
        channel().batches.clear();
    }
    reload_summary reload(std::vector<config::vrrp_instance> instances,
                          std::vector<config::vip> statics = {}) {
        next_.vrrp = std::move(instances);
        next_.static_vips = std::move(statics);
        return router_->reconfigure(next_);
    }
    config::daemon_config next_;
};

TEST_F(RouterReloadTest, AnUnchangedInstanceIsNotTouched) {
    start_two_masters();
    auto a = make_instance("a", 1, 255, {"10.0.0.101/24", "10.0.0.102/24"});
    a.position.line = 40;  // moved in the file: not a change
    const auto summary = reload({a, make_instance("b", 2, 255, {"10.0.0.103/24"})});
    EXPECT_EQ(summary.unchanged, 2u);
    EXPECT_TRUE(summary.changed.empty() && summary.added.empty() && summary.removed.empty());
    EXPECT_TRUE(addresses_.calls.empty());
    EXPECT_TRUE(frames_.sent.empty()) << "no re-GARP";
    EXPECT_TRUE(channel().batches.empty()) << "no extra advert";
    EXPECT_EQ(router_->status().at(0).transitions, 1u);
    EXPECT_EQ(router_->status().at(0).state, vrrp::state::master);
}

TEST_F(RouterReloadTest, AMasterAddsAndAnnouncesNewVipsAndRemovesDroppedOnes) {
    start_two_masters();
    const auto summary = reload({make_instance("a", 1, 255, {"10.0.0.101/24", "10.0.0.104/24"}),
                                 make_instance("b", 2, 255, {"10.0.0.103/24"})});
    EXPECT_EQ(summary.changed, std::vector<std::string>{"a"});
    EXPECT_EQ(summary.vips_added, 1u);
    EXPECT_EQ(summary.vips_removed, 1u);
    EXPECT_EQ(addresses_.calls,
              (std::vector<std::string>{"remove eth0 10.0.0.102/24", "add eth0 10.0.0.104/24"}));
    EXPECT_EQ(frames_.sent.size(), 1u) << "only the new VIP is announced";
    ASSERT_EQ(channel().batches.size(), 1u) << "one advert with the new address list";
    EXPECT_EQ(router_->status().at(0).state, vrrp::state::master);
    EXPECT_EQ(router_->status().at(0).transitions, 1u);
    EXPECT_TRUE(addresses_.has("eth0", "10.0.0.104/24"));
    EXPECT_FALSE(addresses_.has("eth0", "10.0.0.102/24"));
}

TEST_F(RouterReloadTest, AVipMovingBetweenTwoMasterInstancesStaysUp) {
    start_two_masters();
    reload({make_instance("a", 1, 255, {"10.0.0.101/24"}),
            make_instance("b", 2, 255, {"10.0.0.103/24", "10.0.0.102/24"})});
    EXPECT_TRUE(addresses_.calls.empty()) << ::testing::PrintToString(addresses_.calls);
    EXPECT_TRUE(addresses_.has("eth0", "10.0.0.102/24"));
    // It belongs to b now: b resigning takes it away.
    reload({make_instance("a", 1, 255, {"10.0.0.101/24"})});
    EXPECT_FALSE(addresses_.has("eth0", "10.0.0.102/24"));
    EXPECT_TRUE(addresses_.has("eth0", "10.0.0.101/24"));
}

TEST_F(RouterReloadTest, AVipMovingToANewAddressOwnerIsNeverRemoved) {
    start_two_masters();
    reload({make_instance("a", 1, 255, {"10.0.0.101/24"}),
            make_instance("b", 2, 255, {"10.0.0.103/24"}),
            make_instance("c", 3, 255, {"10.0.0.102/24"})});
    EXPECT_EQ(std::count_if(addresses_.calls.begin(), addresses_.calls.end(),
                            [](const std::string& call) { return call.starts_with("remove"); }),
              0)
        << ::testing::PrintToString(addresses_.calls);
    EXPECT_EQ(router_->status().at(2).state, vrrp::state::master);
    EXPECT_TRUE(addresses_.has("eth0", "10.0.0.102/24"));
}

TEST_F(RouterReloadTest, AVipKeptForAnOwnerThatCannotStartIsRemoved) {
    start_two_masters();
    auto c = make_instance("c", 3, 255, {"10.0.0.102/24"});
    c.interface = "eth7";  // does not exist: c starts in Fault
    reload({make_instance("a", 1, 255, {"10.0.0.101/24"}),
            make_instance("b", 2, 255, {"10.0.0.103/24"}), c});
    EXPECT_EQ(router_->status().at(2).state, vrrp::state::fault);
    EXPECT_FALSE(addresses_.has("eth0", "10.0.0.102/24"));
}

TEST_F(RouterReloadTest, ARemovedInstanceResignsAndANewOneStartsAsBackup) {
    start_two_masters();
    const auto summary = reload({make_instance("a", 1, 255, {"10.0.0.101/24", "10.0.0.102/24"}),
                                 make_instance("c", 3, 100, {"10.0.0.105/24"})});
    EXPECT_EQ(summary.removed, std::vector<std::string>{"b"});
    EXPECT_EQ(summary.added, std::vector<std::string>{"c"});
    EXPECT_FALSE(addresses_.has("eth0", "10.0.0.103/24"));
    ASSERT_FALSE(channel().batches.empty());
    EXPECT_EQ(advert_priority(channel().batches.front().messages.at(0)), 0) << "b resigned";
    ASSERT_EQ(router_->status().size(), 2u);
    EXPECT_EQ(router_->status().at(1).name, "c");
    EXPECT_EQ(router_->status().at(1).state, vrrp::state::backup);
    // c hears nobody: it takes over after its master down interval, on the shared channel.
    run_until(now_ + 4s);
    EXPECT_EQ(router_->status().at(1).state, vrrp::state::master);
    EXPECT_TRUE(addresses_.has("eth0", "10.0.0.105/24"));
}

TEST_F(RouterReloadTest, AnInstanceJoiningASocketCountsOnlyItsLaterDrops) {
    start_two_masters();
    channel().kernel_drops = 4;
    reload({make_instance("a", 1, 255, {"10.0.0.101/24", "10.0.0.102/24"}),
            make_instance("b", 2, 255, {"10.0.0.103/24"}),
            make_instance("c", 3, 100, {"10.0.0.105/24"})});
    ASSERT_EQ(channels_.opens, 1) << "c shares a and b's socket";
    EXPECT_EQ(router_->status().at(2).socket_drops, 0u);
    channel().kernel_drops = 6;
    EXPECT_EQ(router_->status().at(0).socket_drops, 6u);
    EXPECT_EQ(router_->status().at(2).socket_drops, 2u);
}

TEST_F(RouterReloadTest, ANewVridReplacesTheInstance) {
    start_two_masters();
    const auto summary = reload({make_instance("a", 1, 255, {"10.0.0.101/24", "10.0.0.102/24"}),
                                 make_instance("b", 9, 255, {"10.0.0.103/24"})});
    EXPECT_EQ(summary.replaced, std::vector<std::string>{"b"});
    EXPECT_EQ(router_->status().at(1).state, vrrp::state::master) << "the owner is back at once";
    EXPECT_EQ(router_->status().at(1).transitions, 1u) << "a new instance";
    EXPECT_TRUE(addresses_.has("eth0", "10.0.0.103/24"));
    // The old VRID no longer has a listener; the new one has.
    deliver(advert_bytes(2, 200, "10.0.0.2", "10.0.0.103"), "10.0.0.2");
    EXPECT_EQ(router_->drops()[vrrp::drop_reason::unknown_vrid], 1u);
}

TEST_F(RouterReloadTest, StaticVipsChangeByTheirDifference) {
    links_.links["eth0"] = eth0_up();
    config_.static_vips = {{*ip_prefix::parse("192.168.100.1/32"), "dummy1"},
                           {*ip_prefix::parse("192.168.100.2/32"), "dummy1"}};
    build({make_instance("a", 1, 100, {"10.0.0.101/24"})});
    router_->start();
    forget();
    reload({make_instance("a", 1, 100, {"10.0.0.101/24"})},
           {{*ip_prefix::parse("192.168.100.2/32"), "dummy1"},
            {*ip_prefix::parse("192.168.100.3/32"), "dummy1"}});
    EXPECT_EQ(addresses_.calls,
              (std::vector<std::string>{"remove dummy1 192.168.100.1/32", "ensure_dummy dummy1",
                                        "add dummy1 192.168.100.3/32"}));
}

TEST_F(RouterReloadTest, DemoteAdvertisesPriorityOneAtOnceAndSurvivesAReload) {
    links_.links["eth0"] = eth0_up();
    build({make_instance("web", 51, 150, {"10.0.0.100/24"})});
    router_->start();
    run_until(now_ + 4s);
    ASSERT_EQ(router_->status().at(0).state, vrrp::state::master);
    channel().batches.clear();
    EXPECT_EQ(router_->set_priority_override("web", 1), std::nullopt);
    ASSERT_EQ(channel().batches.size(), 1u);
    EXPECT_EQ(advert_priority(channel().batches[0].messages.at(0)), 1);
    EXPECT_EQ(router_->status().at(0).priority, 1);
    EXPECT_EQ(router_->status().at(0).priority_override, std::optional<std::uint8_t>{1});

    reload({make_instance("web", 51, 160, {"10.0.0.100/24"})});
    EXPECT_EQ(router_->status().at(0).priority, 1) << "the override survives a reload";
    EXPECT_EQ(router_->status().at(0).configured_priority, 160);

    EXPECT_EQ(router_->set_priority_override("web", std::nullopt), std::nullopt);
    EXPECT_EQ(router_->status().at(0).priority, 160);
    EXPECT_EQ(router_->status().at(0).priority_override, std::nullopt);
}

TEST_F(RouterReloadTest, OverridesAndAnnouncementsNameTheirRefusals) {
    start_two_masters();
    EXPECT_NE(router_->set_priority_override("a", 1), std::nullopt) << "an owner stays 255";
    EXPECT_NE(router_->set_priority_override("nope", 1), std::nullopt);
    EXPECT_EQ(router_->announce("b"), std::nullopt);
    EXPECT_EQ(frames_.sent.size(), 1u);
    EXPECT_NE(router_->announce("nope"), std::nullopt);
    reload({make_instance("a", 1, 255, {"10.0.0.101/24", "10.0.0.102/24"}),
            make_instance("c", 3, 100, {"10.0.0.105/24"})});
    const auto refusal = router_->announce("c");
    ASSERT_NE(refusal, std::nullopt);
    EXPECT_NE(refusal->find("BACKUP"), std::string::npos) << *refusal;
}

TEST_F(RouterReloadTest, ANewTrackedInterfaceCountsAtOnce) {
    links_.links["eth0"] = eth0_up();
    build({make_instance("web", 51, 150, {"10.0.0.100/24"})});
    router_->start();
    auto tracked = make_instance("web", 51, 150, {"10.0.0.100/24"});
    tracked.track_interfaces = {{"eth9", -50}};  // absent: down
    reload({tracked});
    EXPECT_EQ(router_->status().at(0).priority, 100);
    auto eth9 = eth0_up();
    eth9.name = "eth9";
    eth9.index = 9;
    links_.set(eth9);
    EXPECT_EQ(router_->status().at(0).priority, 150) << "its link is watched";
}

// ---- VIPs on kernels that drop address tags (before 5.18), and the effect order ----

/// A router on a kernel that keeps no IFA_PROTO: ownership must come from memory, the record
/// and the configuration.
TEST_F(RouterReloadTest, AMissingTrackedProcessLowersThePriorityAndAReloadKeepsTrackerValues) {
    links_.links["eth0"] = eth0_up();
    auto instance = make_instance("web", 51, 150, {"10.0.0.100/24"});
    config::tracked_process nginx;
    nginx.name = "nginx";
    nginx.process = "nginx";
    nginx.weight = -20;
    instance.track_processes = {nginx};
    instance.track_files = {{"maint", "/run/vipd/web.weight", -1, std::nullopt}};
    build({instance});
    router_->start();
    router_->set_tracked("web", tracker_kind::process, "nginx", true);
    EXPECT_EQ(router_->status().at(0).priority, 130);
    router_->set_tracked_file("web", "maint", 30);
    EXPECT_EQ(router_->status().at(0).priority, 100);
    // A reload that changes something else keeps what the trackers reported.
    auto changed = instance;
    changed.preempt_delay = microseconds(1'000'000);
    reload({changed});
    EXPECT_EQ(router_->status().at(0).priority, 100);
    router_->set_tracked("web", tracker_kind::process, "nginx", false);
    EXPECT_EQ(router_->status().at(0).priority, 120);
}

class UntaggedKernelTest : public RouterTest {
  protected:
    void SetUp() override {
        addresses_.keeps_tags = false;
        links_.links["eth0"] = eth0_up();
    }
    void build_recording(std::vector<config::vrrp_instance> instances) {
        config_.vrrp = std::move(instances);
        router_ports ports{addresses_, frames_, links_, channels_};
        ports.record_vips = [this](const std::set<vips::address>& owned) {
            records.push_back(owned);
            present_when_recorded.push_back(addresses_.present.size());
        };
        router_ = std::make_unique<vrrp_router>(
            config_, ports, logs_, [this] { return now_; }, [] {});
    }
    bool up(const char* device, const char* prefix) const {
        return addresses_.present.count({device, *ip_prefix::parse(prefix), false}) > 0;
    }
    void become_master() {
        run_until(now_ + 4s);
        ASSERT_EQ(router_->status().at(0).state, vrrp::state::master);
    }
    std::vector<std::set<vips::address>> records;
    std::vector<std::size_t> present_when_recorded;
};

TEST_F(UntaggedKernelTest, ABackupRemovesTheVipItAddedAsMaster) {
    build_recording({make_instance("web", 51, 100, {"10.0.0.100/24"})});
    router_->start();
    become_master();
    ASSERT_TRUE(up("eth0", "10.0.0.100/24"));
    deliver(advert_bytes(51, 200, "10.0.0.2", "10.0.0.100"), "10.0.0.2");
    EXPECT_EQ(router_->status().at(0).state, vrrp::state::backup);
    EXPECT_FALSE(up("eth0", "10.0.0.100/24")) << "the VIP must not stay on two directors";
    EXPECT_EQ(router_->address_tags_kept(), std::optional<bool>(false));
}

TEST_F(UntaggedKernelTest, FaultAndShutdownRemoveTheVipToo) {
    build_recording({make_instance("web", 51, 100, {"10.0.0.100/24"})});
    router_->start();
    become_master();
    auto down = eth0_up();
    down.up = false;
    links_.set(down);
    EXPECT_EQ(router_->status().at(0).state, vrrp::state::fault);
    EXPECT_FALSE(up("eth0", "10.0.0.100/24"));
    links_.set(eth0_up());
    become_master();
    router_->shutdown();
    EXPECT_FALSE(up("eth0", "10.0.0.100/24"));
    EXPECT_TRUE(records.back().empty()) << "a clean stop leaves nothing recorded";
}

TEST_F(UntaggedKernelTest, AStartRemovesTheCrashedRunsVipsButNobodyElses) {
    // The killed run left its configured VIP and one it no longer configures; the host also
    // has its own address and one added by hand that vipd never heard of.
    for (const char* prefix : {"10.0.0.100/24", "10.0.0.99/24", "10.0.0.1/24", "10.0.0.50/24"}) {
        addresses_.present.insert({"eth0", *ip_prefix::parse(prefix), false});
    }
    build_recording({make_instance("web", 51, 100, {"10.0.0.100/24"})});
    router_->start({{"eth0", *ip_prefix::parse("10.0.0.99/24")}});
    EXPECT_EQ(router_->status().at(0).state, vrrp::state::backup);
    EXPECT_FALSE(up("eth0", "10.0.0.100/24")) << "configured and not MASTER: taken over, removed";
    EXPECT_FALSE(up("eth0", "10.0.0.99/24")) << "recorded by the last run";
    EXPECT_TRUE(up("eth0", "10.0.0.1/24"));
    EXPECT_TRUE(up("eth0", "10.0.0.50/24"));
    EXPECT_TRUE(router_->owned_vips().empty());
}

TEST_F(UntaggedKernelTest, AVipIsRecordedBeforeItIsAdded) {
    build_recording({make_instance("web", 51, 100, {"10.0.0.100/24"})});
    router_->start();
    become_master();
    const std::set<vips::address> web{{"eth0", *ip_prefix::parse("10.0.0.100/24")}};
    ASSERT_FALSE(records.empty());
    EXPECT_EQ(records.front(), web);
    EXPECT_EQ(present_when_recorded.front(), 0u) << "recorded while not yet in the kernel";
    EXPECT_EQ(router_->owned_vips(), web);
}

TEST_F(UntaggedKernelTest, AnOwnersOwnAddressIsNeverRemoved) {
    // The address owner's VIP is the interface's real address (RFC 5798 §1).
    addresses_.present.insert({"eth0", *ip_prefix::parse("10.0.0.1/24"), false});
    build_recording({make_instance("web", 51, 255, {"10.0.0.1/24"})});
    router_->start();
    EXPECT_EQ(router_->status().at(0).state, vrrp::state::master);
    router_->shutdown();
    EXPECT_TRUE(up("eth0", "10.0.0.1/24"));
}

TEST_F(UntaggedKernelTest, TheResyncRestoresAMastersVipDeletedByHandAndAnnouncesIt) {
    build_recording({make_instance("web", 51, 100, {"10.0.0.100/24"})});
    router_->start();
    become_master();
    run_until(now_ + 1s);  // the GARP burst is over
    addresses_.present.erase({"eth0", *ip_prefix::parse("10.0.0.100/24"), false});
    frames_.sent.clear();
    router_->resync_vips();
    EXPECT_TRUE(up("eth0", "10.0.0.100/24"));
    EXPECT_EQ(frames_.sent.size(), 1u) << "one announcement for the repaired VIP";
}

TEST_F(UntaggedKernelTest, TheResyncRemovesAVipUpOnABackup) {
    build_recording({make_instance("web", 51, 100, {"10.0.0.100/24"})});
    router_->start();
    addresses_.present.insert({"eth0", *ip_prefix::parse("10.0.0.100/24"), false});
    router_->resync_vips();
    EXPECT_FALSE(up("eth0", "10.0.0.100/24"));
}

TEST_F(UntaggedKernelTest, AdvertsAndTimersAloneReadNoAddresses) {
    build_recording({make_instance("web", 51, 100, {"10.0.0.100/24"})});
    router_->start();
    become_master();
    const int dumps = addresses_.dumps;
    run_until(now_ + 10s);  // ten adverts, no role change
    EXPECT_EQ(addresses_.dumps, dumps);
}

TEST_F(UntaggedKernelTest, AFailedDumpStillRemovesWhatItOwns) {
    build_recording({make_instance("web", 51, 100, {"10.0.0.100/24"})});
    router_->start();
    become_master();
    addresses_.fail_list = true;
    deliver(advert_bytes(51, 200, "10.0.0.2", "10.0.0.100"), "10.0.0.2");
    EXPECT_FALSE(up("eth0", "10.0.0.100/24"));
}

/// Everything the router does, in one order, as the kernel and the hooks saw it.
class effect_log final : public role_listener, public transition_listener {
  public:
    effect_log(const fakes::fake_address_port& addresses, const fakes::fake_frame_port& frames,
               const fakes::fake_channel_factory& channels)
        : addresses_(addresses), frames_(frames), channels_(channels) {}
    bool entering_master(const std::string& instance) override {
        note("enter " + instance);
        return services_in_at_once;
    }
    void left_master(const std::string& instance) override { note("leave " + instance); }
    void on_transition(const std::string& instance, const vrrp::state_changed& change) override {
        note("notify " + instance + " " + std::string(vrrp::to_string(change.to)));
    }
    void on_group_transition(const std::string& group, const vrrp::state_changed& change) override {
        note("group " + group + " " + std::string(vrrp::to_string(change.to)));
    }
    /// "what: adverts=N vips=N garps=N" at the moment of each call.
    std::vector<std::string> lines;
    /// false: plays a big IPVS table that goes in over several loop turns.
    bool services_in_at_once = true;

  private:
    void note(const std::string& what) {
        std::size_t adverts = 0;
        for (const auto& [key, channel] : channels_.opened) {
            adverts += channel->batches.size();
        }
        lines.push_back(what + ": adverts=" + std::to_string(adverts) +
                        " vips=" + std::to_string(addresses_.present.size()) +
                        " garps=" + std::to_string(frames_.sent.size()));
    }
    const fakes::fake_address_port& addresses_;
    const fakes::fake_frame_port& frames_;
    const fakes::fake_channel_factory& channels_;
};

class EffectOrderTest : public RouterTest {
  protected:
    void build_logged(std::vector<config::vrrp_instance> instances) {
        links_.links["eth0"] = eth0_up();
        config_.vrrp = std::move(instances);
        router_ = std::make_unique<vrrp_router>(
            config_, router_ports{addresses_, frames_, links_, channels_, &log_, &log_}, logs_,
            [this] { return now_; }, [] {});
    }
    effect_log log_{addresses_, frames_, channels_};
};

TEST_F(EffectOrderTest, BecomingMasterSendsTheAdvertThenServicesThenVipsThenGarpThenNotify) {
    build_logged({make_instance("web", 51, 100, {"10.0.0.100/24"})});
    router_->start();
    EXPECT_EQ(log_.lines,
              (std::vector<std::string>{"notify web BACKUP: adverts=0 vips=0 garps=0"}));
    log_.lines.clear();
    run_until(now_ + 4s);
    ASSERT_GE(log_.lines.size(), 2u);
    // The advert is out before the services (IPVS) start; the VIP is up before GARP and
    // before notify_master runs.
    EXPECT_EQ(log_.lines[0], "enter web: adverts=1 vips=0 garps=0");
    EXPECT_EQ(log_.lines[1], "notify web MASTER: adverts=1 vips=1 garps=1");
}

TEST_F(EffectOrderTest, LeavingMasterRemovesTheVipsBeforeTheServicesAndNotifiesLast) {
    build_logged({make_instance("web", 51, 100, {"10.0.0.100/24"})});
    router_->start();
    run_until(now_ + 4s);
    log_.lines.clear();
    frames_.sent.clear();
    deliver(advert_bytes(51, 200, "10.0.0.2", "10.0.0.100"), "10.0.0.2");
    // adverts=2: the one of becoming Master, then the last one as it yields, before the VIPs go.
    EXPECT_EQ(log_.lines,
              (std::vector<std::string>{"leave web: adverts=2 vips=0 garps=0",
                                        "notify web BACKUP: adverts=2 vips=0 garps=0"}));
}

TEST_F(EffectOrderTest, ShutdownResignsBeforeAnyVipOrServiceLeaves) {
    build_logged({make_instance("web", 51, 255, {"10.0.0.100/24"})});
    router_->start();
    log_.lines.clear();
    channel().batches.clear();
    frames_.sent.clear();
    router_->shutdown();
    // The priority-0 advert is the one batch already sent when the services are told.
    EXPECT_EQ(log_.lines, (std::vector<std::string>{"leave web: adverts=1 vips=0 garps=0",
                                                    "notify web INIT: adverts=1 vips=0 garps=0"}));
}

TEST_F(EffectOrderTest, TwoInstancesTakingOverTogetherShareOneAdvertBatchBeforeAnyService) {
    build_logged({make_instance("a", 1, 100, {"10.0.0.101/24"}),
                  make_instance("b", 2, 100, {"10.0.0.102/24"})});
    router_->start();
    log_.lines.clear();
    run_until(now_ + 4s);
    ASSERT_GE(log_.lines.size(), 4u);
    EXPECT_EQ(log_.lines[0], "enter a: adverts=1 vips=0 garps=0");
    EXPECT_EQ(log_.lines[1], "enter b: adverts=1 vips=0 garps=0");
}

TEST_F(EffectOrderTest, VipsGarpAndNotifyWaitForServicesThatGoInOverSeveralTurns) {
    build_logged({make_instance("web", 51, 100, {"10.0.0.100/24"})});
    log_.services_in_at_once = false;
    router_->start();
    log_.lines.clear();
    run_until(now_ + 4s);
    ASSERT_EQ(router_->status().at(0).state, vrrp::state::master);
    // Adverts go on every interval while the table goes in; the VIP, GARP and notify wait.
    EXPECT_EQ(log_.lines, (std::vector<std::string>{"enter web: adverts=1 vips=0 garps=0"}));
    run_until(now_ + 300ms);
    EXPECT_FALSE(addresses_.has("eth0", "10.0.0.100/24"));
    EXPECT_TRUE(frames_.sent.empty());
    router_->services_ready();
    EXPECT_TRUE(addresses_.has("eth0", "10.0.0.100/24"));
    ASSERT_EQ(log_.lines.size(), 2u);
    EXPECT_EQ(log_.lines[1].rfind("notify web MASTER: ", 0), 0u) << log_.lines[1];
    EXPECT_NE(log_.lines[1].find("vips=1 garps=1"), std::string::npos) << log_.lines[1];
    // The whole GARP burst runs from the moment the VIP exists.
    run_until(now_ + 1s);
    EXPECT_EQ(frames_.sent.size(), 5u);
}

TEST_F(EffectOrderTest, AnInstanceLeavingBeforeItsServicesAreInNeverAddsItsVip) {
    build_logged({make_instance("web", 51, 100, {"10.0.0.100/24"})});
    log_.services_in_at_once = false;
    router_->start();
    run_until(now_ + 4s);
    log_.lines.clear();
    deliver(advert_bytes(51, 200, "10.0.0.2", "10.0.0.100"), "10.0.0.2");
    router_->services_ready();
    EXPECT_FALSE(addresses_.has("eth0", "10.0.0.100/24"));
    EXPECT_TRUE(frames_.sent.empty());
    // notify_master (held back) before notify_backup, both after the leave.
    ASSERT_EQ(log_.lines.size(), 3u);
    EXPECT_EQ(log_.lines[0].rfind("leave web", 0), 0u);
    EXPECT_EQ(log_.lines[1].rfind("notify web MASTER", 0), 0u);
    EXPECT_EQ(log_.lines[2].rfind("notify web BACKUP", 0), 0u);
}

}  // namespace
}  // namespace vipd::daemon
