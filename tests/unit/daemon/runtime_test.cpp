#include "vipd/daemon/runtime.hpp"

#include <gtest/gtest.h>

#include "runtime_fixture.hpp"

// The runtime on fakes and a real io_context: the order in which start-up, reload and shutdown
// reach the kernel (services, addresses, adverts, frames), and what a failing adapter does.
// VRRP runs at 10 ms adverts so that a backup takes over within a few tens of milliseconds.

namespace vipd::daemon {
namespace {

using namespace vipd::daemon::test;

TEST_F(RuntimeTest, StartPutsTheAdvertFirstThenServicesThenTheVipThenGarp) {
    build(director_config(state_file_));
    runtime_->start();
    run_for(100ms);
    const auto advert = first("advert vrid 51 priority 255");
    const auto service = first("ipvs add tcp 10.0.0.100:80");
    const auto real = first("ipvs add tcp 10.0.0.100:80 -> 10.0.0.40:80");
    const auto vip = first("add eth0 10.0.0.100/24");
    const auto garp = first("frame eth0");
    EXPECT_LT(advert, service) << journal_text();
    EXPECT_LT(service, real) << journal_text();
    EXPECT_LT(real, vip) << journal_text();
    EXPECT_LT(vip, garp) << journal_text();
    EXPECT_NE(state_text().find("10.0.0.100"), std::string::npos) << state_text();
}

TEST_F(RuntimeTest, StartRemovesTheRecordedLeftoversButNobodyElses) {
    // A crashed run left a service and a VIP it recorded; someone else has a service and an
    // address of their own.
    std::ofstream(state_file_) << "tcp 10.0.0.99 80\nvip eth0 10.0.0.99/24\n";
    ipvs_.kernel[tcp("10.0.0.99", 80)].settings.scheduler = "rr";
    ipvs_.kernel[tcp("10.0.0.98", 80)].settings.scheduler = "rr";
    addresses_.present.insert({"eth0", *ip_prefix::parse("10.0.0.99/24"), false});
    addresses_.present.insert({"eth0", *ip_prefix::parse("10.0.0.98/24"), false});
    build(director_config(state_file_));
    runtime_->start();
    run_for(100ms);
    EXPECT_FALSE(ipvs_.kernel.contains(tcp("10.0.0.99", 80))) << journal_text();
    EXPECT_TRUE(ipvs_.kernel.contains(tcp("10.0.0.98", 80)));
    EXPECT_FALSE(addresses_.has("eth0", "10.0.0.99/24")) << journal_text();
    EXPECT_TRUE(addresses_.has("eth0", "10.0.0.98/24"));
    EXPECT_TRUE(addresses_.has("eth0", "10.0.0.100/24"));
    EXPECT_EQ(state_text().find("10.0.0.99"), std::string::npos) << state_text();
}

TEST_F(RuntimeTest, AStaticVipComesUpAfterItsServiceEvenWithoutAnyInstance) {
    build("[global]\nrouter_id = \"dir1\"\ncontrol_socket = \"\"\nstate_file = \"" + state_file_ +
          "\"\nstatic_vips = [\"192.168.100.1/32 dev dummy1\"]\n\n"
          "[[virtual_server]]\naddress = \"192.168.100.1\"\nport = 80\nscheduler = \"rr\"\n"
          "forwarding = \"nat\"\n  [[virtual_server.real]]\n  address = \"127.0.0.1\"\n"
          "  port = 8081\n");
    runtime_->start();
    run_for(50ms);
    EXPECT_LT(first("ipvs add tcp 192.168.100.1:80"), first("add dummy1 192.168.100.1/32"))
        << journal_text();
    EXPECT_FALSE(any("advert"));
}

TEST_F(RuntimeTest, AReloadPutsNewServicesInBeforeTheirVipAndTakesDroppedOnesOutAfterTheirs) {
    build(director_config(state_file_));
    runtime_->start();
    run_for(100ms);
    ASSERT_TRUE(addresses_.has("eth0", "10.0.0.100/24"));
    journal_.clear();
    // web goes, api comes.
    write_config(director_config(state_file_, k_api, false));
    const auto& outcome = runtime_->reload();
    run_for(100ms);
    ASSERT_TRUE(outcome.ok) << outcome.message;
    EXPECT_NE(outcome.message.find("added api"), std::string::npos) << outcome.message;
    EXPECT_NE(outcome.message.find("removed web"), std::string::npos) << outcome.message;
    // web resigns, its VIP goes, then its service.
    const auto resign = first("advert vrid 51 priority 0");
    const auto web_vip = first("remove eth0 10.0.0.100/24");
    const auto web_service = first("ipvs delete tcp 10.0.0.100:80");
    EXPECT_LT(resign, web_vip) << journal_text();
    EXPECT_LT(web_vip, web_service) << journal_text();
    // api announces itself, its service goes in, then its VIP, then GARP.
    const auto api_advert = first("advert vrid 52 priority 255");
    const auto api_service = first("ipvs add tcp 10.0.0.200:80");
    const auto api_vip = first("add eth0 10.0.0.200/24");
    EXPECT_LT(api_advert, api_service) << journal_text();
    EXPECT_LT(api_service, api_vip) << journal_text();
    EXPECT_LT(api_vip, first("frame eth0", api_vip)) << journal_text();
    EXPECT_FALSE(ipvs_.kernel.contains(tcp("10.0.0.100", 80)));
    EXPECT_EQ(state_text().find("10.0.0.100"), std::string::npos) << state_text();
    EXPECT_NE(state_text().find("10.0.0.200"), std::string::npos) << state_text();
}

TEST_F(RuntimeTest, AnUnchangedReloadTouchesNothing) {
    build(director_config(state_file_));
    runtime_->start();
    run_for(100ms);
    journal_.clear();
    const auto& outcome = runtime_->reload();
    run_for(100ms);
    EXPECT_TRUE(outcome.ok) << outcome.message;
    EXPECT_TRUE(kernel_changes().empty()) << journal_text();
    EXPECT_TRUE(any("advert vrid 51 priority 255")) << "adverts go on";
}

TEST_F(RuntimeTest, AnInvalidReloadIsRefusedWithItsPlaceAndChangesNothing) {
    const auto& outcome = start_then_reload_with("vrid = 51", "vrid = 300");
    EXPECT_FALSE(outcome.ok);
    EXPECT_NE(outcome.message.find(config_file_ + ":13:"), std::string::npos) << outcome.message;
    EXPECT_NE(outcome.message.find("vrrp[0].vrid"), std::string::npos) << outcome.message;
    EXPECT_TRUE(kernel_changes().empty()) << journal_text();
    EXPECT_TRUE(addresses_.has("eth0", "10.0.0.100/24"));
    EXPECT_EQ(runtime_->reloads(false), 1u);
}

TEST_F(RuntimeTest, AReloadNamingAnUnknownUserIsRefusedWithItsPlace) {
    const auto& outcome = start_then_reload_with(
        "priority = 255\n",
        "priority = 255\nnotify = \"/usr/local/bin/notify\"\nnotify_user = \"ghost\"\n");
    EXPECT_FALSE(outcome.ok);
    EXPECT_NE(outcome.message.find(config_file_ + ":10:"), std::string::npos) << outcome.message;
    EXPECT_NE(outcome.message.find("vrrp[0].notify_user: user \"ghost\" does not exist"),
              std::string::npos)
        << outcome.message;
    EXPECT_TRUE(kernel_changes().empty()) << journal_text();
    EXPECT_EQ(users_.lookups["ghost"], 1) << "looked up once, at the reload";
}

TEST_F(RuntimeTest, ShutdownResignsThenRemovesTheVipThenTheServicesAndTheRecord) {
    build(director_config(state_file_));
    runtime_->start();
    run_for(100ms);
    journal_.clear();
    runtime_->shutdown();
    const auto resign = first("advert vrid 51 priority 0");
    const auto vip = first("remove eth0 10.0.0.100/24");
    const auto service = first("ipvs delete tcp 10.0.0.100:80");
    EXPECT_LT(resign, vip) << journal_text();
    EXPECT_LT(vip, service) << journal_text();
    EXPECT_TRUE(ipvs_.kernel.empty());
    EXPECT_FALSE(std::filesystem::exists(state_file_));
}

// ---- failing adapters ----

TEST_F(RuntimeTest, WithoutIpvsTheVipStillComesUpAndNoServiceIsRecorded) {
    ipvs_.has_ipvs = false;
    build(director_config(state_file_));
    runtime_->start();
    run_for(100ms);
    EXPECT_TRUE(addresses_.has("eth0", "10.0.0.100/24")) << journal_text();
    EXPECT_FALSE(any("ipvs "));
    EXPECT_EQ(state_text().find("tcp "), std::string::npos) << state_text();
    EXPECT_NE(state_text().find("10.0.0.100"), std::string::npos) << state_text();
}

TEST_F(RuntimeTest, AFailedServiceStillLetsTheVipUpAndTheResyncRepairsIt) {
    bool refuse = true;
    ipvs_.inject = [&refuse](const ipvs::operation& op) {
        return refuse && std::holds_alternative<ipvs::add_service>(op)
                   ? std::error_code(EPERM, std::generic_category())
                   : std::error_code();
    };
    build(director_config(state_file_));
    runtime_->start();
    run_for(100ms);
    EXPECT_TRUE(addresses_.has("eth0", "10.0.0.100/24")) << "VRRP matters more than one service";
    EXPECT_FALSE(ipvs_.kernel.contains(tcp("10.0.0.100", 80)));
    refuse = false;
    run_for(400ms);  // [ipvs] resync_interval = 100ms
    ASSERT_TRUE(ipvs_.kernel.contains(tcp("10.0.0.100", 80))) << journal_text();
    EXPECT_EQ(ipvs_.kernel.at(tcp("10.0.0.100", 80)).destinations.size(), 1u);
}

TEST_F(RuntimeTest, AFailedAddressAddIsRepairedByTheVipResync) {
    addresses_.fail_next_add = true;
    build(director_config(state_file_));
    runtime_->start();
    run_for(30ms);
    EXPECT_FALSE(addresses_.has("eth0", "10.0.0.100/24"));
    run_for(400ms);  // [global] vip_resync_interval = 100ms
    EXPECT_TRUE(addresses_.has("eth0", "10.0.0.100/24")) << journal_text();
    EXPECT_LT(first("ipvs add tcp 10.0.0.100:80"), first("add eth0 10.0.0.100/24"));
}

TEST_F(RuntimeTest, ASocketThatCannotOpenKeepsTheVipDownUntilItOpens) {
    channels_.refuse.insert("eth0");
    build(director_config(state_file_));
    runtime_->start();
    run_for(100ms);
    EXPECT_EQ(runtime_->router().status().at(0).state, vrrp::state::fault);
    EXPECT_TRUE(kernel_changes().empty()) << journal_text();
    channels_.refuse.clear();
    run_for(1500ms);  // retried every second
    EXPECT_EQ(runtime_->router().status().at(0).state, vrrp::state::master);
    EXPECT_LT(first("ipvs add tcp 10.0.0.100:80"), first("add eth0 10.0.0.100/24"));
}

TEST_F(RuntimeTest, ALeftoverWhoseRemovalFailsStaysRecordedUntilAResyncRemovesIt) {
    std::ofstream(state_file_) << "tcp 10.0.0.99 80\nvip eth0 10.0.0.99/24\n";
    ipvs_.kernel[tcp("10.0.0.99", 80)].settings.scheduler = "rr";
    addresses_.present.insert({"eth0", *ip_prefix::parse("10.0.0.99/24"), false});
    refuse_removal("10.0.0.99");
    build(director_config(state_file_));
    runtime_->start();
    run_for(30ms);
    EXPECT_TRUE(ipvs_.kernel.contains(tcp("10.0.0.99", 80)));
    EXPECT_TRUE(recorded("tcp 10.0.0.99 80")) << "forgotten after start:\n" << state_text();
    EXPECT_TRUE(recorded("vip eth0 10.0.0.99/24")) << state_text();
    run_for(250ms);  // a couple of resyncs, each failing again
    EXPECT_TRUE(recorded("tcp 10.0.0.99 80")) << "forgotten by a resync:\n" << state_text();
    EXPECT_TRUE(recorded("vip eth0 10.0.0.99/24")) << state_text();
    allow_removals();
    run_for(250ms);
    EXPECT_FALSE(ipvs_.kernel.contains(tcp("10.0.0.99", 80))) << "not retried:\n" << journal_text();
    EXPECT_FALSE(addresses_.has("eth0", "10.0.0.99/24")) << journal_text();
    EXPECT_FALSE(recorded("10.0.0.99")) << state_text();
    EXPECT_TRUE(recorded("tcp 10.0.0.100 80")) << state_text();
}

TEST_F(RuntimeTest, AServiceAReloadDroppedStaysRecordedUntilItsRemovalSucceeds) {
    build(director_config(state_file_, k_api));
    runtime_->start();
    run_for(100ms);
    ASSERT_TRUE(ipvs_.kernel.contains(tcp("10.0.0.200", 80)));
    refuse_removal("10.0.0.200");
    write_config(director_config(state_file_));  // api goes
    ASSERT_TRUE(runtime_->reload().ok);
    run_for(30ms);
    EXPECT_TRUE(ipvs_.kernel.contains(tcp("10.0.0.200", 80)));
    EXPECT_TRUE(recorded("tcp 10.0.0.200 80")) << state_text();
    EXPECT_TRUE(recorded("vip eth0 10.0.0.200/24")) << state_text();
    allow_removals();
    run_for(250ms);
    EXPECT_FALSE(ipvs_.kernel.contains(tcp("10.0.0.200", 80))) << journal_text();
    EXPECT_FALSE(addresses_.has("eth0", "10.0.0.200/24")) << journal_text();
    EXPECT_FALSE(recorded("10.0.0.200")) << state_text();
}

TEST_F(RuntimeTest, AStopThatCannotRemoveEverythingLeavesTheRestRecordedForTheNextStart) {
    build(director_config(state_file_, k_api));
    runtime_->start();
    run_for(100ms);
    refuse_removal("10.0.0.200");
    runtime_->shutdown();
    EXPECT_FALSE(ipvs_.kernel.contains(tcp("10.0.0.100", 80)));
    EXPECT_EQ(state_text(), "tcp 10.0.0.200 80\nvip eth0 10.0.0.200/24\n");
}

TEST_F(RuntimeTest, AStateFileThatCannotBeWrittenDoesNotStopTheDaemon) {
    std::ofstream(dir_.file("file")) << "not a directory\n";
    const auto blocked = (dir_.path() / "file" / "state").string();
    build(director_config(blocked));
    runtime_->start();
    run_for(100ms);
    EXPECT_TRUE(addresses_.has("eth0", "10.0.0.100/24"));
    EXPECT_TRUE(ipvs_.kernel.contains(tcp("10.0.0.100", 80)));
    runtime_->shutdown();
    EXPECT_TRUE(ipvs_.kernel.empty());
}

}  // namespace
}  // namespace vipd::daemon
