// use_vmac in the router, on fakes: the instance's VMAC is made before it starts, its adverts
// leave from the VMAC's own socket (which joins no group), its VIPs live there and are
// announced with the virtual router MAC; the VMAC goes, and its parent's ARP settings come
// back, when the instance stops or a reload removes it. A VMAC that cannot be made keeps the
// instance in Fault and is tried again.
#include <gtest/gtest.h>

#include <spdlog/sinks/ostream_sink.h>

#include <algorithm>
#include <string>
#include <vector>

#include "router_fixture.hpp"

namespace vipd::daemon {
namespace {

using namespace std::chrono_literals;
using router_tests::make_instance;

const net::mac_address k_virtual_mac{0x00, 0x00, 0x5e, 0x00, 0x01, 51};

class VmacRouterTest : public router_tests::RouterTest {
  protected:
    void SetUp() override {
        links_.links["eth0"] = fakes::eth0_up();
        add_vmac_link("vrrp.51", 9, k_virtual_mac);
        vmacs_ = &fake_vmacs_;
        addresses_.changes = channels_.changes = fake_vmacs_.changes = &kernel_;
        logs_.vrrp().sinks().push_back(std::make_shared<spdlog::sinks::ostream_sink_st>(log_));
        logs_.vrrp().set_level(spdlog::level::info);
    }
    /// The fake port makes nothing: the link the kernel would show once the VMAC exists.
    void add_vmac_link(const std::string& name, int index, const net::mac_address& mac) {
        net::link_status vmac;
        vmac.name = name;
        vmac.index = index;
        vmac.up = true;
        vmac.mac = mac;
        links_.links[name] = vmac;
    }
    config::vrrp_instance web() {
        auto instance = make_instance("web", 51, 150, {"10.0.0.100/24"});
        instance.vmac = "vrrp.51";
        return instance;
    }
    fakes::fake_advert_channel& on(const char* interface) {
        return *channels_.opened.at({interface, address_family::ipv4});
    }
    fakes::fake_advert_channel& on6(const char* interface) {
        return *channels_.opened.at({interface, address_family::ipv6});
    }

    /// What reached the kernel after the first `start` entries: addresses, adverts, VMACs.
    std::vector<std::string> kernel_after(std::size_t start) const {
        return {kernel_.begin() + static_cast<std::ptrdiff_t>(start), kernel_.end()};
    }

    fakes::journal kernel_;
    fakes::fake_vmac_port fake_vmacs_;
    std::ostringstream log_;
};

TEST_F(VmacRouterTest, AMasterAdvertisesAndAnnouncesFromItsVmacWhereItsVipsLive) {
    build({web()});
    router_->start();
    ASSERT_EQ(fake_vmacs_.present.count("vrrp.51"), 1u);
    EXPECT_EQ(fake_vmacs_.present["vrrp.51"], (net::vmac_spec{"vrrp.51", "eth0", k_virtual_mac}));
    // It listens on eth0 and sends from the VMAC, whose socket joins no group.
    EXPECT_EQ(channels_.senders, std::set<std::string>{"vrrp.51"});
    EXPECT_EQ(channels_.opened.count({"eth0", address_family::ipv4}), 1u);

    run_until(now_ + 4s);
    ASSERT_EQ(router_->status().at(0).state, vrrp::state::master);
    EXPECT_TRUE(addresses_.has("vrrp.51", "10.0.0.100/24"));
    EXPECT_FALSE(addresses_.has("eth0", "10.0.0.100/24"));
    EXPECT_FALSE(on("vrrp.51").batches.empty());
    EXPECT_TRUE(on("eth0").batches.empty()) << "no advert may leave from eth0's own MAC";
    EXPECT_EQ(on("vrrp.51").batches.front().source, *ip_address::parse("10.0.0.1"));
    ASSERT_FALSE(frames_.sent.empty());
    for (const auto& [interface, frame] : frames_.sent) {
        EXPECT_EQ(interface, "vrrp.51");
        // The ARP sender hardware address: bytes 22-27.
        EXPECT_TRUE(std::equal(k_virtual_mac.begin(), k_virtual_mac.end(), frame.begin() + 22));
    }
}

TEST_F(VmacRouterTest, StoppingRemovesTheVmacAfterItsVipsAndGivesTheParentBack) {
    build({web()});
    router_->start();
    run_until(now_ + 4s);
    const auto before = kernel_.size();
    router_->shutdown();
    EXPECT_FALSE(addresses_.has("vrrp.51", "10.0.0.100/24"));
    // The resignation leaves from the VMAC, the VIP goes, then the VMAC and the parent's settings.
    EXPECT_EQ(kernel_after(before),
              (std::vector<std::string>{"advert vrid 51 priority 0", "remove vrrp.51 10.0.0.100/24",
                                        "vmac remove vrrp.51", "vmac release eth0"}));
}

TEST_F(VmacRouterTest, AVmacThatCannotBeMadeKeepsTheInstanceInFaultUntilARetryWorks) {
    fake_vmacs_.fail_with = std::make_error_code(std::errc::file_exists);
    build({web()});
    router_->start();
    EXPECT_EQ(router_->status().at(0).state, vrrp::state::fault);
    EXPECT_NE(log_.str().find("web: cannot make its VMAC vrrp.51 on eth0: File exists; retrying "
                              "every 1000 ms"),
              std::string::npos)
        << log_.str();
    run_until(now_ + 3s);
    EXPECT_EQ(router_->status().at(0).state, vrrp::state::fault);
    EXPECT_GE(
        std::count(fake_vmacs_.calls.begin(), fake_vmacs_.calls.end(), "ensure vrrp.51 on eth0"),
        3);

    fake_vmacs_.fail_with.clear();
    run_until(now_ + 1100ms);
    EXPECT_EQ(router_->status().at(0).state, vrrp::state::backup);
    EXPECT_NE(log_.str().find("web: VMAC vrrp.51 on eth0 ready after"), std::string::npos);
    run_until(now_ + 4s);
    EXPECT_TRUE(addresses_.has("vrrp.51", "10.0.0.100/24"));
}

TEST_F(VmacRouterTest, AReloadThatRemovesTheInstanceRemovesItsVmac) {
    auto other = make_instance("api", 52, 100, {"10.0.0.200/24"});
    build({web(), other});
    router_->start();
    run_until(now_ + 4s);
    config::daemon_config next;
    next.vrrp = {other};
    const auto before = kernel_.size();
    router_->reconfigure(next);
    EXPECT_FALSE(addresses_.has("vrrp.51", "10.0.0.100/24"));
    EXPECT_EQ(fake_vmacs_.present.count("vrrp.51"), 0u);
    EXPECT_EQ(kernel_after(before),
              (std::vector<std::string>{"advert vrid 51 priority 0", "remove vrrp.51 10.0.0.100/24",
                                        "vmac remove vrrp.51", "vmac release eth0"}));
}

TEST_F(VmacRouterTest, TheParentKeepsItsArpSettingsWhileAnotherVmacIsOnIt) {
    auto api = make_instance("api", 52, 100, {"10.0.0.200/24"});
    api.vmac = "vrrp.52";
    auto vmac52 = links_.links["vrrp.51"];
    vmac52.name = "vrrp.52";
    vmac52.index = 10;
    links_.links["vrrp.52"] = vmac52;
    build({web(), api});
    router_->start();
    config::daemon_config next;
    next.vrrp = {api};
    const auto before = fake_vmacs_.calls.size();
    router_->reconfigure(next);
    EXPECT_EQ(
        std::vector<std::string>(fake_vmacs_.calls.begin() + static_cast<std::ptrdiff_t>(before),
                                 fake_vmacs_.calls.end()),
        std::vector<std::string>{"remove vrrp.51"});
    router_->shutdown();
    EXPECT_EQ(fake_vmacs_.calls.back(), "release eth0");
}

TEST_F(VmacRouterTest, WithoutAVmacPortTheInstanceStaysInFault) {
    vmacs_ = nullptr;
    build({web()});
    router_->start();
    run_until(now_ + 4s);
    EXPECT_EQ(router_->status().at(0).state, vrrp::state::fault);
}

TEST_F(VmacRouterTest, AVmacDeletedByHandIsMadeAgainAndTheMasterKeepsItsVip) {
    build({web()});
    router_->start();
    run_until(now_ + 4s);
    ASSERT_EQ(router_->status().at(0).state, vrrp::state::master);

    // Someone runs `ip link del vrrp.51`: the VIP goes with it.
    fake_vmacs_.present.erase("vrrp.51");
    std::erase_if(addresses_.present, [](const auto& e) { return e.interface == "vrrp.51"; });
    const int opens = channels_.opens;
    net::link_status gone;
    gone.name = "vrrp.51";
    links_.set(gone);

    EXPECT_EQ(fake_vmacs_.present.count("vrrp.51"), 1u);
    EXPECT_EQ(router_->status().at(0).state, vrrp::state::master);
    EXPECT_TRUE(addresses_.has("vrrp.51", "10.0.0.100/24"));
    EXPECT_NE(log_.str().find("web: its VMAC vrrp.51 was deleted by someone else; making it again"),
              std::string::npos)
        << log_.str();
    EXPECT_EQ(channels_.opens, opens + 1) << "a new socket on the new VMAC";
}

TEST_F(VmacRouterTest, AVmacThatCannotBeMadeAgainFaultsTheInstanceUntilARetryWorks) {
    build({web()});
    router_->start();
    run_until(now_ + 4s);
    fake_vmacs_.present.erase("vrrp.51");
    fake_vmacs_.fail_with = std::make_error_code(std::errc::operation_not_permitted);
    net::link_status gone;
    gone.name = "vrrp.51";
    links_.set(gone);
    EXPECT_EQ(router_->status().at(0).state, vrrp::state::fault);
    EXPECT_FALSE(addresses_.has("vrrp.51", "10.0.0.100/24"));

    fake_vmacs_.fail_with.clear();
    run_until(now_ + 1100ms);
    EXPECT_EQ(router_->status().at(0).state, vrrp::state::backup);
}

// IPv6: the VMAC is down while the instance is not Master, so a Backup's VMAC cannot send an
// MLD report (any IPv6 address joins a group) with the virtual MAC.
class Ipv6VmacRouterTest : public VmacRouterTest {
  protected:
    void SetUp() override {
        VmacRouterTest::SetUp();
        links_.links["eth0"].link_local_v6 = ip_address::parse("fe80::1");
        add_vmac_link("vrrp6.51", 10, k_virtual_mac6);
    }
    static config::vrrp_instance web6() {
        auto instance = make_instance("web6", 51, 150, {"fe80::51/64", "2001:db8::100/64"});
        instance.vmac = "vrrp6.51";
        return instance;
    }
    static constexpr net::mac_address k_virtual_mac6{0x00, 0x00, 0x5e, 0x00, 0x02, 51};
};

TEST_F(Ipv6VmacRouterTest, ItIsUpOnlyWhileMasterAndAMastersFirstAndLastAdvertsLeaveFromIt) {
    build({web6()});
    router_->start();
    EXPECT_EQ(fake_vmacs_.present["vrrp6.51"],
              (net::vmac_spec{"vrrp6.51", "eth0", k_virtual_mac6, address_family::ipv6}));
    EXPECT_TRUE(fake_vmacs_.active.empty()) << "a Backup's IPv6 VMAC is down";

    const auto start = kernel_.size();
    run_until(now_ + 4s);
    ASSERT_EQ(router_->status().at(0).state, vrrp::state::master);
    EXPECT_EQ(fake_vmacs_.active, std::set<std::string>{"vrrp6.51"});
    // Up, with eth0's link-local (the adverts' source whatever the state), before the first
    // advert; the VIPs after it.
    const auto became_master = kernel_after(start);
    ASSERT_GE(became_master.size(), 3u);
    EXPECT_EQ(became_master[0], "vmac activate vrrp6.51 fe80::1");
    EXPECT_EQ(became_master[1], "advert vrid 51 priority 150");
    EXPECT_TRUE(addresses_.has("vrrp6.51", "2001:db8::100/64"));
    EXPECT_EQ(on6("vrrp6.51").batches.front().source, *ip_address::parse("fe80::1"));

    const auto before = kernel_.size();
    router_->shutdown();
    // The priority-0 advert leaves from the VMAC while it is up; then it goes down (its
    // addresses with it, silently), and the VIPs and the VMAC are removed.
    const auto stopped = kernel_after(before);
    ASSERT_GE(stopped.size(), 2u);
    EXPECT_EQ(stopped[0], "advert vrid 51 priority 0");
    EXPECT_EQ(stopped[1], "vmac deactivate vrrp6.51");
    EXPECT_TRUE(fake_vmacs_.active.empty());
}

TEST_F(Ipv6VmacRouterTest, AMasterThatYieldsToAHigherPriorityTakesItsVmacDown) {
    build({web6()});
    router_->start();
    run_until(now_ + 4s);
    ASSERT_EQ(router_->status().at(0).state, vrrp::state::master);

    auto higher = advert_bytes(51, 200, "fe80::2", "fe80::51", "ff02::12");
    on6("eth0").deliver(
        {higher, *ip_address::parse("fe80::2"), *ip_address::parse("ff02::12"), 255, 2});
    EXPECT_EQ(router_->status().at(0).state, vrrp::state::backup);
    EXPECT_TRUE(fake_vmacs_.active.empty());
    EXPECT_FALSE(addresses_.has("vrrp6.51", "2001:db8::100/64"));
}

TEST_F(Ipv6VmacRouterTest, AVmacThatWillNotComeUpIsTriedAgainAtTheNextAdvert) {
    fake_vmacs_.activate_fails_with = std::make_error_code(std::errc::no_such_device);
    build({web6()});
    router_->start();
    run_until(now_ + 4s);
    ASSERT_EQ(router_->status().at(0).state, vrrp::state::master);
    EXPECT_TRUE(fake_vmacs_.active.empty());
    EXPECT_NE(log_.str().find("web6: cannot bring its VMAC vrrp6.51 up: No such device; retrying"),
              std::string::npos)
        << log_.str();

    fake_vmacs_.activate_fails_with.clear();
    run_until(now_ + 1100ms);
    EXPECT_EQ(fake_vmacs_.active, std::set<std::string>{"vrrp6.51"});
}

}  // namespace
}  // namespace vipd::daemon
