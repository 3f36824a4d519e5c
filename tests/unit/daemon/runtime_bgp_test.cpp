// The runtime with a [[bgp_vip]] on fakes: when the announce routes go in and out, relative to
// the services and VIPs, what withdraws them (a lost quorum, vipctl demote, a stop), how long the
// accept route lingers after its announce route went ([bgp] accept_linger, real time), and what
// vipctl status and /metrics say about it.

#include "control_handler.hpp"
#include "metrics_view.hpp"
#include "runtime_fixture.hpp"

namespace vipd::control {

// gtest finds it by argument-dependent lookup: failures print the view, not its bytes.
void PrintTo(const bgp_vip_view& v, std::ostream* out) {
    *out << "{" << v.name << ", " << v.address << ", " << (v.announced ? "announced" : "withdrawn")
         << ", \"" << v.reason << "\"" << (v.demoted ? ", demoted" : "") << "}";
}

}  // namespace vipd::control

namespace vipd::daemon::test {
namespace {

/// `web` (an address owner, so Master at once) plus an anycast VIP whose service is checked.
std::string bgp_director(const std::string& state_file, const std::string& bgp_vip_extra = "",
                         const std::string& accept_linger = "100ms") {
    return director_config(state_file,
                           "\n[[virtual_server]]\nname = \"anycast-80\"\naddress = "
                           "\"192.0.2.10\"\nport = 80\nscheduler = \"mh\"\nforwarding = \"dr\"\n"
                           "  [virtual_server.check]\n  type = \"tcp\"\n  interval = \"20ms\"\n"
                           "  [[virtual_server.real]]\n  address = \"10.0.0.50\"\n"
                           "\n[bgp]\ntable = 100\nmetric = 10\naccept_linger = \"" +
                               accept_linger +
                               "\"\n"
                               "\n[[bgp_vip]]\nname = \"anycast\"\naddress = \"192.0.2.10\"\n"
                               "virtual_servers = [\"anycast-80\"]\n" +
                               bgp_vip_extra);
}

constexpr const char* k_announce = "route add 192.0.2.10 table 100 proto 86 metric 10";
constexpr const char* k_accept = "route add local 192.0.2.10 table 255 proto 86 metric 0";
constexpr const char* k_withdraw = "route remove 192.0.2.10 table 100 proto 86 metric 10";
constexpr const char* k_unaccept = "route remove local 192.0.2.10 table 255 proto 86 metric 0";
const std::vector<std::string> k_accept_alone{"local 192.0.2.10 table 255 proto 86 metric 0"};

class RuntimeBgpTest : public RuntimeTest {
  protected:
    void start_director(const std::string& extra = "", const std::string& accept_linger = "100ms") {
        build(bgp_director(state_file_, extra, accept_linger));
        runtime_->start();
        run_for(50ms);
    }
    /// Starts a stop with the linger bounded by `bound` and returns at once; stopped() tells.
    void begin_stop(microseconds bound) {
        stop_began_ = steady_clock::now();
        runtime_->shutdown_after_linger(
            bound, [this] { stopped_after_ = steady_clock::now() - stop_began_; });
    }
    /// Runs the loop until the stop is done, for at most 5 s; how long the stop took.
    std::chrono::milliseconds stopped() {
        io_.restart();
        while (!stopped_after_ && steady_clock::now() - stop_began_ < 5s) {
            io_.run_one_for(50ms);
        }
        EXPECT_TRUE(stopped_after_) << "the stop never finished";
        return std::chrono::duration_cast<std::chrono::milliseconds>(
            stopped_after_.value_or(steady_clock::duration{}));
    }
    time_point stop_began_;
    std::optional<steady_clock::duration> stopped_after_;
    bool announced() const {
        const auto shown = routes_.shown();
        return std::find(shown.begin(), shown.end(), "192.0.2.10 table 100 proto 86 metric 10") !=
               shown.end();
    }
    /// Asks the control handler as vipctl would; these commands are answered at once.
    control::response ask(control::command cmd, const std::string& name = "") {
        std::optional<control::response> answered;
        answer(
            io_, *runtime_, control::request{cmd, name},
            [this]() -> const reload_outcome& { return runtime_->reload(); },
            [&answered](control::response r) { answered = std::move(r); });
        EXPECT_TRUE(answered) << "no answer at once";
        return answered.value_or(control::response{false, "no answer", {}, {}, {}});
    }
    /// The anycast VIP as `vipctl status` shows it.
    control::bgp_vip_view shown() {
        const auto r = ask(control::command::status);
        if (!r.status || r.status->bgp_vips.size() != 1) {
            ADD_FAILURE() << "status without exactly one bgp_vip";
            return {};
        }
        return r.status->bgp_vips[0];
    }
    /// The scrape's sample of vipd_bgp_vip_announced for the anycast VIP, "" when there is none.
    std::string announced_sample() const {
        const auto text = metrics_text(*runtime_, loop_lag(10ms));
        const std::string name = "vipd_bgp_vip_announced{name=\"anycast\"} ";
        const auto at = text.find(name);
        return at == std::string::npos ? "" : text.substr(at + name.size(), 1);
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
    EXPECT_EQ(routes_.shown(), k_accept_alone);  // for 100 ms more
    run_for(150ms);
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

TEST_F(RuntimeBgpTest, StatusAndMetricsSayWhetherItIsAnnouncedAndWhy) {
    using control::bgp_vip_view;
    start_director();
    EXPECT_EQ(shown(),
              (bgp_vip_view{"anycast", "192.0.2.10", true, "anycast-80 has its quorum", false}));
    EXPECT_EQ(announced_sample(), "1");

    check_answers(false);
    EXPECT_EQ(shown(),
              (bgp_vip_view{"anycast", "192.0.2.10", false, "anycast-80 lost its quorum", false}));
    EXPECT_EQ(announced_sample(), "0");
    check_answers(true);
    EXPECT_TRUE(shown().announced);

    const auto demoted = ask(control::command::demote, "anycast");
    EXPECT_TRUE(demoted.ok) << demoted.error;
    EXPECT_FALSE(announced()) << journal_text();
    EXPECT_EQ(shown(), (bgp_vip_view{"anycast", "192.0.2.10", false, "demoted by vipctl", true}));
    EXPECT_EQ(announced_sample(), "0");
    // The instance's own view is untouched: the demote was the bgp_vip's.
    const auto status = ask(control::command::status).status.value_or(control::status_view{});
    ASSERT_EQ(status.instances.size(), 1U);
    EXPECT_FALSE(status.instances[0].demoted);

    const auto promoted = ask(control::command::promote, "anycast");
    EXPECT_TRUE(promoted.ok) << promoted.error;
    EXPECT_EQ(shown(),
              (bgp_vip_view{"anycast", "192.0.2.10", true, "anycast-80 has its quorum", false}));
    EXPECT_EQ(announced_sample(), "1");

    ASSERT_TRUE(runtime_->set_bgp_demoted("anycast", true));
    runtime_->shutdown();
    // Stopping comes first, and the demote still shows.
    EXPECT_EQ(shown(), (bgp_vip_view{"anycast", "192.0.2.10", false, "vipd is stopping", true}));
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
    EXPECT_EQ(routes_.shown(), k_accept_alone) << journal_text();
    run_for(150ms);
    EXPECT_TRUE(routes_.present.empty()) << journal_text();
}

TEST_F(RuntimeBgpTest, ADemotedVipStaysAcceptedForTheLingerThenNot) {
    start_director("", "600ms");
    ASSERT_TRUE(announced()) << journal_text();
    journal_.clear();
    ASSERT_TRUE(runtime_->set_bgp_demoted("anycast", true));
    EXPECT_EQ(journal_.front(), k_withdraw) << journal_text();  // at once
    EXPECT_EQ(routes_.shown(), k_accept_alone);
    run_for(200ms);
    EXPECT_EQ(routes_.shown(), k_accept_alone) << journal_text();
    run_for(700ms);
    EXPECT_TRUE(routes_.present.empty()) << journal_text();
}

TEST_F(RuntimeBgpTest, AVipPromotedDuringItsLingerKeepsItsAcceptRoute) {
    start_director("", "600ms");
    ASSERT_TRUE(runtime_->set_bgp_demoted("anycast", true));
    run_for(100ms);
    ASSERT_TRUE(runtime_->set_bgp_demoted("anycast", false));
    EXPECT_TRUE(announced());
    run_for(800ms);  // past the end the linger would have had
    EXPECT_FALSE(any(k_unaccept)) << journal_text();
    EXPECT_EQ(routes_.shown().size(), 2U) << journal_text();
}

TEST_F(RuntimeBgpTest, AStopServesWhatRoutersStillSendUntilTheLingerEnds) {
    start_director("", "400ms");
    journal_.clear();
    begin_stop(5s);
    // The routers hear of it at once; the director still takes the VIP and serves it.
    EXPECT_FALSE(stopped_after_);
    EXPECT_EQ(journal_.front(), k_withdraw) << journal_text();
    EXPECT_EQ(routes_.shown(), k_accept_alone);
    EXPECT_FALSE(runtime_->reload().ok);
    run_for(200ms);
    EXPECT_FALSE(any("ipvs delete")) << journal_text();
    EXPECT_FALSE(any("remove eth0 10.0.0.100/24")) << journal_text();
    EXPECT_FALSE(any("advert vrid 51 priority 0")) << journal_text();
    EXPECT_TRUE(any("advert vrid 51 priority 255")) << "VRRP goes on meanwhile";
    EXPECT_GE(stopped(), 400ms);
    const auto unaccept = first(k_unaccept);
    EXPECT_LT(unaccept, first("advert vrid 51 priority 0")) << journal_text();
    EXPECT_LT(unaccept, first("remove eth0 10.0.0.100/24")) << journal_text();
    EXPECT_LT(unaccept, first("ipvs delete tcp 192.0.2.10:80")) << journal_text();
    EXPECT_TRUE(routes_.present.empty());
}

TEST_F(RuntimeBgpTest, AStopLingersNoLongerThanItsBound) {
    start_director("", "20s");
    begin_stop(100ms);
    EXPECT_LT(stopped(), 2s);
    EXPECT_TRUE(routes_.present.empty()) << journal_text();
    EXPECT_TRUE(ipvs_.kernel.empty());
}

TEST_F(RuntimeBgpTest, AStopWithNothingToLingerEndsAtOnce) {
    start_director("", "0s");
    begin_stop(5s);
    EXPECT_TRUE(stopped_after_);
    EXPECT_TRUE(routes_.present.empty()) << journal_text();
    EXPECT_TRUE(ipvs_.kernel.empty());
}

}  // namespace
}  // namespace vipd::daemon::test
