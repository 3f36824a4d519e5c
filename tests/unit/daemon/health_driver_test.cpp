#include "vipd/daemon/health_driver.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <tuple>

#include "fakes/fake_probe.hpp"
#include "vipd/config/loader.hpp"
#include "vipd/policy/desired_table.hpp"

namespace vipd::daemon {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view k_config = R"(
[[vrrp]]
name = "web"
interface = "eth0"
vrid = 51
vips = ["172.28.128.210/24"]
track_scripts = [{ name = "nginx", command = ["/usr/local/bin/check-nginx"], interval = "2s", weight = -20, fall = 2 }]
track_virtual_servers = [{ name = "web-80", weight = -50 }]

[[virtual_server]]
name = "web-80"
address = "172.28.128.210"
port = 80
fallback = "10.0.0.9"
  [virtual_server.check]
  type = "http"
  interval = "1s"
  fall = 2
  rise = 2
  [[virtual_server.real]]
  address = "172.28.128.40"
  [[virtual_server.real]]
  address = "172.28.128.41"
    [virtual_server.real.check]
    type = "tcp"
    port = 8080
  [[virtual_server.real]]
  address = "172.28.128.42"
    [virtual_server.real.check]
    type = "tcp"
    initial = "down"
[[virtual_server]]
address = "172.28.128.210"
port = 443
  [[virtual_server.real]]
  address = "172.28.128.40"
)";

class HealthDriverTest : public ::testing::Test {
  protected:
    HealthDriverTest() {
        auto loaded = config::load_string(k_config, "t.toml");
        EXPECT_TRUE(loaded.ok());
        config_ = *loaded.config;
        health_events events;
        events.reals_changed = [this] { ++reals_changed_; };
        events.tracker_changed = [this](const std::string& instance, tracker_kind kind,
                                        const std::string& name, bool down) {
            trackers_.emplace_back(instance, kind, name, down);
        };
        events.deadlines_changed = [] {};
        driver_ = std::make_unique<health_driver>(
            config_, probes_.factory(), logs_, [this] { return now_; }, events);
    }

    /// Fires the driver's timer for everything due up to `until`.
    void run_until(time_point until) {
        while (auto deadline = driver_->next_deadline()) {
            if (*deadline > until) {
                break;
            }
            now_ = std::max(now_, *deadline);
            driver_->on_timer(now_);
        }
        now_ = until;
    }

    /// One round: every probe due by `until` starts and gets `success`.
    void round(time_point until, const std::string& address, bool success) {
        run_until(until);
        fakes::fake_probes::answer(probes_.at(address), success, "connect: connection refused");
    }

    bool up(const char* address, std::uint16_t port = 80) const {
        return driver_->is_up(config_.virtual_servers[0].key, {*ip_address::parse(address), port});
    }

    time_point now_{std::chrono::seconds(500)};
    config::daemon_config config_;
    fakes::fake_probes probes_;
    logging::log_set logs_{logging::target::stderr_stream, spdlog::level::off};
    std::unique_ptr<health_driver> driver_;
    int reals_changed_ = 0;
    std::vector<std::tuple<std::string, tracker_kind, std::string, bool>> trackers_;
};

TEST_F(HealthDriverTest, OneProbePerCheckedRealAndTrackScriptAimedRight) {
    driver_->start();
    EXPECT_EQ(driver_->size(), 4U);  // three reals of web-80 and the track script; :443 has none
    EXPECT_EQ(probes_.at("172.28.128.41").target.port, 8080);  // the check's own port
    EXPECT_EQ(probes_.at("172.28.128.40").target.port, 80);
    EXPECT_TRUE(std::holds_alternative<health::http_check>(probes_.at("172.28.128.40").spec.kind));
    EXPECT_TRUE(std::holds_alternative<health::script_check>(probes_.at("0.0.0.0").spec.kind));
}

TEST_F(HealthDriverTest, FirstProbesAreSpreadOverTheInterval) {
    driver_->start();
    // Three reals at 1s: offsets 0, 333ms, 666ms. Only the first is due at once.
    run_until(now_);
    EXPECT_EQ(probes_.at("172.28.128.40").started, 1);
    EXPECT_EQ(probes_.at("172.28.128.41").started, 0);
    run_until(now_ + 400ms);
    EXPECT_EQ(probes_.at("172.28.128.41").started, 1);
    EXPECT_EQ(probes_.at("172.28.128.42").started, 0);
    run_until(now_ + 300ms);
    EXPECT_EQ(probes_.at("172.28.128.42").started, 1);
}

TEST_F(HealthDriverTest, ARealFallsAfterFallFailuresAndRisesAfterRiseSuccesses) {
    driver_->start();
    const auto t0 = now_;
    EXPECT_TRUE(up("172.28.128.40"));
    round(t0, "172.28.128.40", false);
    EXPECT_TRUE(up("172.28.128.40"));  // fall = 2
    EXPECT_EQ(reals_changed_, 0);
    round(t0 + 1s, "172.28.128.40", false);
    EXPECT_FALSE(up("172.28.128.40"));
    EXPECT_EQ(reals_changed_, 1);
    round(t0 + 2s, "172.28.128.40", true);
    EXPECT_FALSE(up("172.28.128.40"));  // rise = 2
    round(t0 + 3s, "172.28.128.40", true);
    EXPECT_TRUE(up("172.28.128.40"));
    EXPECT_EQ(reals_changed_, 2);
    EXPECT_EQ(driver_->stats().transitions, 2U);
}

TEST_F(HealthDriverTest, NoNewProbeWhileOneIsInFlight) {
    driver_->start();
    run_until(now_ + 5s);
    EXPECT_EQ(probes_.at("172.28.128.40").started, 1);  // never answered: never restarted
}

TEST_F(HealthDriverTest, InitialDownRealsAreDownUntilTheyPass) {
    driver_->start();
    EXPECT_FALSE(up("172.28.128.42"));
    EXPECT_TRUE(up("172.28.128.41"));
    run_until(now_ + 700ms);
    fakes::fake_probes::answer(probes_.at("172.28.128.42"), true);
    EXPECT_FALSE(up("172.28.128.42"));  // its tcp check still inherits the timing: rise 2
    run_until(now_ + 1s);
    fakes::fake_probes::answer(probes_.at("172.28.128.42"), true);
    EXPECT_TRUE(up("172.28.128.42"));
}

TEST_F(HealthDriverTest, QuorumLossTellsTrackingInstancesAndBringsTheFallback) {
    driver_->start();
    const auto t0 = now_;
    const auto down_twice = [&](const char* address, microseconds offset) {
        round(t0 + offset, address, false);
        round(t0 + offset + 1s, address, false);
    };
    down_twice("172.28.128.40", 0s);
    EXPECT_TRUE(trackers_.empty());  // .41 still up (.42 starts down)
    down_twice("172.28.128.41", 2400ms);
    ASSERT_EQ(trackers_.size(), 1U);
    EXPECT_EQ(trackers_[0], std::make_tuple(std::string("web"), tracker_kind::virtual_server,
                                            std::string("web-80"), true));
    const auto table = policy::desired_table(
        config_, [](std::string_view) { return true; },
        [this](const ipvs::service_key& s, const ipvs::destination_key& r) {
            return driver_->is_up(s, r);
        });
    const auto& destinations = table.at(config_.virtual_servers[0].key).destinations;
    ASSERT_EQ(destinations.size(), 1U);
    EXPECT_EQ(destinations.begin()->first.address, *ip_address::parse("10.0.0.9"));

    round(now_ + 1s, "172.28.128.41", true);
    EXPECT_EQ(trackers_.size(), 1U);  // rise = 2
    round(now_ + 1s, "172.28.128.41", true);
    ASSERT_EQ(trackers_.size(), 2U);
    EXPECT_FALSE(std::get<3>(trackers_[1]));
}

TEST_F(HealthDriverTest, ATrackScriptReportsItsFailuresToItsInstance) {
    driver_->start();
    const auto script = [&](bool ok) {
        run_until(now_ + 2s);
        fakes::fake_probes::answer(probes_.at("0.0.0.0"), ok, "exit status 1");
    };
    script(false);
    EXPECT_TRUE(trackers_.empty());  // fall = 2
    script(false);
    ASSERT_EQ(trackers_.size(), 1U);
    EXPECT_EQ(trackers_[0], std::make_tuple(std::string("web"), tracker_kind::script,
                                            std::string("nginx"), true));
    script(true);
    ASSERT_EQ(trackers_.size(), 2U);
    EXPECT_FALSE(std::get<3>(trackers_[1]));
}

TEST_F(HealthDriverTest, DestroyingTheDriverDestroysItsProbes) {
    driver_->start();
    run_until(now_ + 1s);
    driver_.reset();
    for (const auto& r : probes_.made) {
        EXPECT_FALSE(r->alive);
    }
}

TEST_F(HealthDriverTest, AReloadKeepsTheStateOfEveryUnchangedCheck) {
    driver_->start();
    const auto t0 = now_;
    round(t0, "172.28.128.40", false);
    round(t0 + 1s, "172.28.128.40", false);
    ASSERT_FALSE(up("172.28.128.40"));
    run_until(now_ + 2s);
    fakes::fake_probes::answer(probes_.at("0.0.0.0"), false, "exit status 1");
    run_until(now_ + 2s);
    fakes::fake_probes::answer(probes_.at("0.0.0.0"), false, "exit status 1");
    ASSERT_EQ(trackers_.size(), 1U);

    // The new file changes .41's check port and nothing else that is checked.
    std::string text(k_config);
    text.replace(text.find("port = 8080"), 11, "port = 9090");
    auto loaded = config::load_string(text, "t.toml");
    ASSERT_TRUE(loaded.ok());
    auto next_config = *loaded.config;
    fakes::fake_probes next_probes;
    health_events events;
    events.reals_changed = [] {};
    events.tracker_changed = [this](const std::string& instance, tracker_kind kind,
                                    const std::string& name, bool down) {
        trackers_.emplace_back(instance, kind, name, down);
    };
    events.deadlines_changed = [] {};
    auto next = std::make_unique<health_driver>(
        next_config, next_probes.factory(), logs_, [this] { return now_; }, events);
    next->inherit(*driver_);
    driver_ = std::move(next);  // the old driver and its probes go
    driver_->start();
    const auto& web = next_config.virtual_servers[0].key;
    EXPECT_FALSE(driver_->is_up(web, {*ip_address::parse("172.28.128.40"), 80})) << "still down";
    EXPECT_FALSE(driver_->is_up(web, {*ip_address::parse("172.28.128.42"), 80})) << "never passed";
    EXPECT_TRUE(driver_->is_up(web, {*ip_address::parse("172.28.128.41"), 80})) << "a new check";
    trackers_.clear();
    driver_->report_trackers();
    EXPECT_NE(std::find(trackers_.begin(), trackers_.end(),
                        std::make_tuple(std::string("web"), tracker_kind::script,
                                        std::string("nginx"), true)),
              trackers_.end())
        << "the track script is still down";
    // One success is not enough to bring .40 back: it is down, not a fresh check with rise 2.
    run_until(now_ + 1s);
    fakes::fake_probes::answer(next_probes.at("172.28.128.40"), true);
    EXPECT_FALSE(driver_->is_up(web, {*ip_address::parse("172.28.128.40"), 80}));
}

}  // namespace
}  // namespace vipd::daemon
