// The runtime with a [[bgp_vip]] on fakes: when the announce routes go in and out, relative to
// the services and VIPs, and what withdraws them (a lost quorum, vipctl demote, a stop).

#include "runtime_fixture.hpp"

namespace vipd::daemon::test {
namespace {

/// `web` (an address owner, so Master at once) plus an anycast VIP whose service is checked.
std::string bgp_director(const std::string& state_file, const std::string& bgp_vip_extra = "") {
    return director_config(state_file,
                           "\n[[virtual_server]]\nname = \"anycast-80\"\naddress = "
                           "\"192.0.2.10\"\nport = 80\nscheduler = \"mh\"\nforwarding = \"dr\"\n"
                           "  [virtual_server.check]\n  type = \"tcp\"\n  interval = \"20ms\"\n"
                           "  [[virtual_server.real]]\n  address = \"10.0.0.50\"\n"
                           "\n[bgp]\ntable = 100\nmetric = 10\n"
                           "\n[[bgp_vip]]\nname = \"anycast\"\naddress = \"192.0.2.10\"\n"
                           "virtual_servers = [\"anycast-80\"]\n" +
                               bgp_vip_extra);
}

constexpr const char* k_announce = "route add 192.0.2.10 table 100 proto 86 metric 10";
constexpr const char* k_accept = "route add local 192.0.2.10 table 255 proto 86 metric 0";
constexpr const char* k_withdraw = "route remove 192.0.2.10 table 100 proto 86 metric 10";
constexpr const char* k_unaccept = "route remove local 192.0.2.10 table 255 proto 86 metric 0";

class RuntimeBgpTest : public RuntimeTest {
  protected:
    void start_director(const std::string& extra = "") {
        build(bgp_director(state_file_, extra));
        runtime_->start();
        run_for(50ms);
    }
    bool announced() const {
        const auto shown = routes_.shown();
        return std::find(shown.begin(), shown.end(), "192.0.2.10 table 100 proto 86 metric 10") !=
               shown.end();
    }
    /// Answers the anycast real's pending check.
    void check_answers(bool success) {
        run_for(50ms);  // the next attempt is due
        ASSERT_TRUE(fakes::fake_probes::answer(probes_.at("10.0.0.50"), success));
        run_for(20ms);
    }
};

TEST_F(RuntimeBgpTest, StartAnnouncesOnceTheServiceIsInAndTheVipIsAccepted) {
    start_director();
    const auto service = first("ipvs add tcp 192.0.2.10:80");
    const auto accept = first(k_accept);
    const auto announce = first(k_announce);
    EXPECT_LT(service, accept) << journal_text();
    EXPECT_LT(accept, announce) << journal_text();
    EXPECT_EQ(routes_.shown().size(), 2U);
}

TEST_F(RuntimeBgpTest, StopWithdrawsTheRouteBeforeAnyVipOrServiceGoes) {
    start_director();
    journal_.clear();
    runtime_->shutdown();
    run_for(20ms);
    const auto withdraw = first(k_withdraw);
    const auto unaccept = first(k_unaccept);
    EXPECT_EQ(withdraw, 0U) << journal_text();
    EXPECT_LT(withdraw, unaccept);
    EXPECT_LT(unaccept, first("remove eth0 10.0.0.100/24")) << journal_text();
    EXPECT_LT(unaccept, first("ipvs delete tcp 192.0.2.10:80")) << journal_text();
    EXPECT_TRUE(routes_.present.empty());
}

TEST_F(RuntimeBgpTest, ALostQuorumWithdrawsAndARegainedOneAnnouncesAgain) {
    start_director();
    ASSERT_TRUE(announced()) << journal_text();
    check_answers(false);
    EXPECT_FALSE(announced()) << journal_text();
    EXPECT_TRUE(routes_.present.empty());
    check_answers(true);
    EXPECT_TRUE(announced()) << journal_text();
}

TEST_F(RuntimeBgpTest, DemoteWithdrawsUntilPromoteAndSurvivesAReload) {
    start_director();
    ASSERT_TRUE(runtime_->set_bgp_demoted("anycast", true));
    EXPECT_FALSE(announced());
    runtime_->reload();
    run_for(20ms);
    EXPECT_FALSE(announced()) << journal_text();
    ASSERT_TRUE(runtime_->set_bgp_demoted("anycast", false));
    EXPECT_TRUE(announced());
    EXPECT_FALSE(runtime_->set_bgp_demoted("web", true));  // an instance, not a bgp_vip
}

TEST_F(RuntimeBgpTest, AVipFollowingAnInstanceIsAnnouncedOnlyWhileItIsMaster) {
    start_director("follow_instance = \"web\"\n");
    EXPECT_TRUE(announced()) << journal_text();  // web owns its address: Master at once
    runtime_->shutdown();
    EXPECT_FALSE(announced());
}

TEST_F(RuntimeBgpTest, ARouteDeletedByHandComesBackAtTheNextResync) {
    start_director();
    ASSERT_EQ(routes_.present.size(), 2U) << journal_text();
    routes_.present.erase(routes_.present.begin() + 1);
    ASSERT_FALSE(announced());
    run_for(150ms);  // vip_resync_interval is 100 ms
    EXPECT_TRUE(announced()) << journal_text();
}

TEST_F(RuntimeBgpTest, AReloadWithoutTheBgpVipWithdrawsIt) {
    start_director();
    auto text = bgp_director(state_file_);
    text.erase(text.find("[[bgp_vip]]"));
    write_config(text);
    ASSERT_TRUE(runtime_->reload().ok);
    EXPECT_TRUE(routes_.present.empty()) << journal_text();
}

}  // namespace
}  // namespace vipd::daemon::test
