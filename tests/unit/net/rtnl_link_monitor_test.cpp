// rtnl_link_monitor against the real kernel, each test in a private network namespace. The
// io_context runs in short slices under a deadline, so a missing notification fails the test
// instead of hanging it.

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "rtnl_netns.hpp"
#include "vipd/io/asio.hpp"
#include "vipd/net/linux/rtnl_addresses.hpp"
#include "vipd/net/linux/rtnl_link_monitor.hpp"

namespace vipd::net::linux {
namespace {

using namespace std::chrono_literals;
using testing::addr;
using testing::prefix;
using testing::sh;

class RtnlLinkMonitorTest : public testing::netns_test {
  protected:
    void SetUp() override {
        netns_test::SetUp();
        if (IsSkipped()) {
            return;
        }
        add_veth("va", "vb");
        monitor_ = std::make_unique<rtnl_link_monitor>(io_);
    }

    /// Records every report for `name`.
    void record(const std::string& name) {
        monitor_->watch(name, [this](const link_status& status) { reports_.push_back(status); });
    }

    /// Runs the loop until `done` holds for some report or the deadline passes.
    bool wait_for(const std::function<bool(const link_status&)>& done,
                  std::chrono::milliseconds deadline = 5s) {
        const auto until = std::chrono::steady_clock::now() + deadline;
        while (std::chrono::steady_clock::now() < until) {
            for (const auto& status : reports_) {
                if (done(status)) {
                    return true;
                }
            }
            if (io_.stopped()) {
                io_.restart();
            }
            io_.run_for(20ms);
        }
        return false;
    }

    /// Runs the loop for `period`, whatever happens.
    void settle(std::chrono::milliseconds period) {
        if (io_.stopped()) {
            io_.restart();
        }
        io_.run_for(period);
    }

    asio::io_context io_;
    std::unique_ptr<rtnl_link_monitor> monitor_;
    std::vector<link_status> reports_;
};

TEST_F(RtnlLinkMonitorTest, StatusReadsTheInterface) {
    ASSERT_EQ(sh("ip addr add 10.3.0.1/24 dev va"), 0);
    const auto status = monitor_->status("va");
    ASSERT_TRUE(status.has_value());
    EXPECT_EQ(status->name, "va");
    EXPECT_GT(status->index, 0);
    EXPECT_EQ(status->mac, (mac_address{0x02, 0, 0, 0, 0, 0x0a}));
    EXPECT_EQ(status->primary_v4, addr("10.3.0.1"));
    EXPECT_FALSE(monitor_->status("nosuch0").has_value());
}

TEST_F(RtnlLinkMonitorTest, StatusReadsTheInterfacesIpv6Forwarding) {
    // The sysctl as the kernel reports it in the link's IFLA_AF_SPEC (inet6 devconf).
    EXPECT_FALSE(monitor_->status("va")->ipv6_forwarding);
    ASSERT_EQ(sh("sysctl -qw net.ipv6.conf.va.forwarding=1"), 0);
    EXPECT_TRUE(monitor_->status("va")->ipv6_forwarding);
    EXPECT_FALSE(monitor_->status("vb")->ipv6_forwarding) << "per interface";
}

TEST_F(RtnlLinkMonitorTest, LoopbackIsUpOnceSetUp) {
    // lo has operstate UNKNOWN: IFF_RUNNING is still set, so it counts as up.
    EXPECT_FALSE(monitor_->status("lo")->up);
    ASSERT_EQ(sh("ip link set lo up"), 0);
    EXPECT_TRUE(monitor_->status("lo")->up);
}

TEST_F(RtnlLinkMonitorTest, ReportsLinkDownAndUp) {
    record("va");
    settle(200ms);
    ASSERT_TRUE(monitor_->status("va")->up);
    reports_.clear();

    ASSERT_EQ(sh("ip link set va down"), 0);
    EXPECT_TRUE(wait_for([](const link_status& s) { return s.name == "va" && !s.up; }));
    reports_.clear();

    ASSERT_EQ(sh("ip link set va up"), 0);
    EXPECT_TRUE(wait_for([](const link_status& s) { return s.name == "va" && s.up; }));
    reports_.clear();

    // The peer going down takes the carrier away: va is no longer RUNNING.
    ASSERT_EQ(sh("ip link set vb down"), 0);
    EXPECT_TRUE(wait_for([](const link_status& s) { return s.name == "va" && !s.up; }));
}

TEST_F(RtnlLinkMonitorTest, UnchangedStatusIsNotReported) {
    record("va");
    settle(300ms);
    reports_.clear();
    // An address on another interface changes nothing about va.
    ASSERT_EQ(sh("ip addr add 10.9.0.1/24 dev vb"), 0);
    settle(300ms);
    EXPECT_TRUE(reports_.empty());
}

TEST_F(RtnlLinkMonitorTest, PrimaryV4AppearsWhenAnAddressIsAdded) {
    record("va");
    ASSERT_EQ(sh("ip addr add 10.3.0.1/24 dev va"), 0);
    EXPECT_TRUE(wait_for([](const link_status& s) { return s.primary_v4 == addr("10.3.0.1"); }));
    reports_.clear();
    ASSERT_EQ(sh("ip addr del 10.3.0.1/24 dev va"), 0);
    EXPECT_TRUE(wait_for([](const link_status& s) { return !s.primary_v4.has_value(); }));
}

TEST_F(RtnlLinkMonitorTest, TaggedVipDoesNotBecomePrimaryV4) {
    rtnl_addresses addresses;
    record("va");
    settle(300ms);
    reports_.clear();

    ASSERT_FALSE(addresses.add("va", prefix("192.0.2.50/32")));
    settle(300ms);
    for (const auto& status : reports_) {
        EXPECT_FALSE(status.primary_v4.has_value()) << status.primary_v4->to_string();
    }
    EXPECT_FALSE(monitor_->status("va")->primary_v4.has_value());

    // The VIP stays first in the kernel's list; the real address added after it is chosen.
    ASSERT_EQ(sh("ip addr add 10.3.0.1/24 dev va"), 0);
    EXPECT_TRUE(wait_for([](const link_status& s) { return s.primary_v4 == addr("10.3.0.1"); }));
}

TEST_F(RtnlLinkMonitorTest, RealAddressMadeSecondaryByAnEarlierVipIsStillPrimaryV4) {
    rtnl_addresses addresses;
    // Same subnet, VIP first: the kernel makes the real address a secondary.
    ASSERT_FALSE(addresses.add("va", prefix("10.4.0.100/24")));
    ASSERT_EQ(sh("ip addr add 10.4.0.1/24 dev va"), 0);
    EXPECT_EQ(monitor_->status("va")->primary_v4, addr("10.4.0.1"));
}

TEST_F(RtnlLinkMonitorTest, AnUntaggedVipNamedByExcludeSourcesIsNeverTheSource) {
    // Kernels before 5.18 drop the tag: an untagged VIP added before the real address would
    // otherwise be the first primary, and adverts would leave from the VIP.
    monitor_->exclude_sources({addr("192.0.2.50"), addr("10.5.0.100")});
    ASSERT_EQ(sh("ip addr add 192.0.2.50/32 dev va"), 0);
    ASSERT_EQ(sh("ip addr add 10.5.0.100/24 dev va"), 0);
    EXPECT_FALSE(monitor_->status("va")->primary_v4.has_value());
    ASSERT_EQ(sh("ip addr add 10.5.0.1/24 dev va"), 0);
    EXPECT_EQ(monitor_->status("va")->primary_v4, addr("10.5.0.1"));
    monitor_->exclude_sources({});
    EXPECT_EQ(monitor_->status("va")->primary_v4, addr("192.0.2.50"))
        << "without the exclusion the earlier untagged address is the primary";
}

TEST_F(RtnlLinkMonitorTest, InterfaceCreatedAfterWatchIsReported) {
    record("vlate");
    settle(100ms);
    EXPECT_TRUE(reports_.empty());

    ASSERT_EQ(sh("ip link add vlate type veth peer name vlate-p"), 0);
    EXPECT_TRUE(wait_for([](const link_status& s) { return s.name == "vlate" && s.index > 0; }));
    reports_.clear();

    ASSERT_EQ(sh("ip link set vlate-p up && ip link set vlate up"), 0);
    EXPECT_TRUE(wait_for([](const link_status& s) { return s.name == "vlate" && s.up; }));
    reports_.clear();

    // Deleted: reported as down with no index.
    ASSERT_EQ(sh("ip link del vlate"), 0);
    EXPECT_TRUE(wait_for([](const link_status& s) { return s.name == "vlate" && s.index == 0; }));
}

TEST_F(RtnlLinkMonitorTest, LinkLocalV6IsReportedOnceDadCompletes) {
    // The kernel's fe80:: address starts tentative; it is reported only when usable.
    record("va");
    EXPECT_TRUE(wait_for(
        [](const link_status& s) {
            return s.link_local_v6.has_value() && s.link_local_v6->is_link_local_v6();
        },
        10s));
    const auto status = monitor_->status("va");
    ASSERT_TRUE(status->link_local_v6.has_value());
    // EUI-64 from 02:00:00:00:00:0a.
    EXPECT_EQ(*status->link_local_v6, addr("fe80::ff:fe00:a"));
}

TEST_F(RtnlLinkMonitorTest, SeveralHandlersOnOneInterface) {
    int second = 0;
    record("va");
    monitor_->watch("va", [&second](const link_status&) { ++second; });
    ASSERT_EQ(sh("ip addr add 10.3.0.1/24 dev va"), 0);
    EXPECT_TRUE(wait_for([](const link_status& s) { return s.primary_v4.has_value(); }));
    EXPECT_GE(second, 1);
}

TEST_F(RtnlLinkMonitorTest, DestroyedMonitorLeavesTheLoopSafe) {
    record("va");
    ASSERT_EQ(sh("ip link set va down"), 0);
    monitor_.reset();  // with a notification queued
    settle(100ms);
    EXPECT_TRUE(reports_.empty());
}

}  // namespace
}  // namespace vipd::net::linux

namespace vipd::net::linux {
namespace {

// A director beside churning containers: links and addresses that are not watched come and go
// without a dump of the host's tables; a watched link's own changes are applied from their
// notifications, also without one.
TEST_F(RtnlLinkMonitorTest, OtherInterfacesChangingCostNoReRead) {
    record("va");
    settle(100ms);
    const auto reads = monitor_->full_reads();
    for (int i = 0; i < 20; ++i) {
        const auto name = "vx" + std::to_string(i);
        ASSERT_EQ(sh("ip link add " + name + " type veth peer name vy" + std::to_string(i) +
                     " && ip link set " + name + " up && ip addr add 10.9." + std::to_string(i) +
                     ".1/24 dev " + name + " && ip link set " + name + " down"),
                  0);
    }
    settle(300ms);
    EXPECT_EQ(monitor_->full_reads(), reads) << "an unrelated link or address re-read everything";
    ASSERT_EQ(sh("ip addr add 10.3.0.1/24 dev va"), 0);
    EXPECT_TRUE(wait_for([](const link_status& s) { return s.primary_v4 == addr("10.3.0.1"); }));
    ASSERT_EQ(sh("ip addr del 10.3.0.1/24 dev va"), 0);
    EXPECT_TRUE(wait_for([](const link_status& s) { return s.primary_v4 == std::nullopt; }));
    EXPECT_EQ(monitor_->full_reads(), reads) << "the watched link's own address re-read everything";
}

TEST_F(RtnlLinkMonitorTest, AWatchedLinkRenamedAwayIsGoneAndItsNameComingBackIsReported) {
    ASSERT_EQ(sh("ip addr add 10.3.0.1/24 dev va && ip link set va up && ip link set vb up"), 0);
    record("va");
    settle(100ms);
    ASSERT_EQ(sh("ip link set va down && ip link set va name vc"), 0);
    EXPECT_TRUE(wait_for([](const link_status& s) { return s.index == 0 && !s.up; }));
    ASSERT_EQ(sh("ip link set vc name va && ip link set va up"), 0);
    EXPECT_TRUE(wait_for([](const link_status& s) {
        return s.up && s.primary_v4 == addr("10.3.0.1");
    })) << "the name came back with its address";
}

TEST_F(RtnlLinkMonitorTest, OverrunIsRecoveredByReReadingEverything) {
    // No IPv6 on va: its DAD completing would send a notification of its own and hide a lost one.
    ASSERT_EQ(sh("sysctl -w net.ipv6.conf.va.disable_ipv6=1"), 0);
    record("va");
    settle(200ms);
    // While the loop is not running, flood the notification socket far past its buffer, then
    // make one relevant change whose notification is likely lost in the overrun.
    std::string batch = "/tmp/vipd-rtnl-batch-" + std::to_string(getpid());
    {
        std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(batch.c_str(), "w"), std::fclose);
        ASSERT_TRUE(file);
        for (int i = 0; i < 8000; ++i) {
            std::fprintf(file.get(), "addr add 10.%d.%d.1/32 dev vb\n", 100 + i / 250, i % 250);
        }
        std::fprintf(file.get(), "addr add 10.3.0.1/24 dev va\n");
    }
    const int loaded = sh("ip -batch " + batch);
    std::remove(batch.c_str());
    ASSERT_EQ(loaded, 0);
    EXPECT_TRUE(wait_for([](const link_status& s) { return s.primary_v4 == addr("10.3.0.1"); }));
    // Read as the daemon reads it (vipd_link_monitor_overruns_total): through the port.
    const link_monitor& port = *monitor_;
    EXPECT_GT(port.overruns(), 0U) << "the flood did not overrun the socket buffer";
}

}  // namespace
}  // namespace vipd::net::linux
