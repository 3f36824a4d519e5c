#include "vipd/daemon/track_poller.hpp"

#include <gtest/gtest.h>

#include <spdlog/sinks/ostream_sink.h>

#include <sstream>
#include <tuple>
#include <vector>

#include "fakes/fake_track_host.hpp"

namespace vipd::daemon {
namespace {

using namespace std::chrono_literals;

/// A poller on a fake host, recording what it reports, with a hand-driven clock.
class TrackPollerTest : public ::testing::Test {
  protected:
    TrackPollerTest() {
        logs_.vrrp().sinks().push_back(std::make_shared<spdlog::sinks::ostream_sink_st>(log_));
        logs_.vrrp().set_level(spdlog::level::info);
        config::vrrp_instance web;
        web.name = "web";
        web.track_files = {{"maint", "/run/vipd/web.weight", -1, std::nullopt}};
        config::tracked_process nginx;
        nginx.name = "nginx";
        nginx.process = "nginx";
        nginx.delay = 2s;
        config::tracked_process sshd = nginx;
        sshd.name = sshd.process = "sshd";
        sshd.delay = 0s;
        web.track_processes = {nginx, sshd};
        config_.vrrp = {web};
    }
    std::unique_ptr<track_poller> make() {
        track_events events;
        events.file_read = [this](const std::string& instance, const std::string& name,
                                  std::int16_t value) {
            files_.emplace_back(instance, name, value);
        };
        events.process_changed = [this](const std::string& instance, const std::string& name,
                                        bool down) {
            processes_.emplace_back(instance, name, down);
        };
        return std::make_unique<track_poller>(config_, host_, logs_, events);
    }
    std::size_t count(const std::string& text) const {
        std::size_t n = 0;
        for (auto at = log_.str().find(text); at != std::string::npos;
             at = log_.str().find(text, at + 1)) {
            ++n;
        }
        return n;
    }

    time_point now_{std::chrono::seconds(1000)};
    config::daemon_config config_;
    fakes::fake_track_host host_;
    std::ostringstream log_;  // declared before logs_: its sink writes here
    logging::log_set logs_{logging::target::stderr_stream, spdlog::level::off};
    std::vector<std::tuple<std::string, std::string, std::int16_t>> files_;
    std::vector<std::tuple<std::string, std::string, bool>> processes_;
};

TEST_F(TrackPollerTest, TheFirstPollReportsEveryTrackerAndLaterPollsOnlyChanges) {
    host_.files["/run/vipd/web.weight"] = "0\n";
    host_.table = {{"nginx", std::string("nginx\0", 6)}, {"sshd", std::string("sshd\0", 5)}};
    auto poller = make();
    poller->poll(now_);
    using file = std::tuple<std::string, std::string, std::int16_t>;
    using process = std::tuple<std::string, std::string, bool>;
    EXPECT_EQ(files_, (std::vector<file>{{"web", "maint", 0}}));
    EXPECT_EQ(processes_, (std::vector<process>{{"web", "nginx", false}, {"web", "sshd", false}}));
    EXPECT_EQ(host_.scans, 1);  // one scan shared by both process trackers
    poller->poll(now_ + 1s);
    EXPECT_EQ(files_.size(), 1U);
    EXPECT_EQ(processes_.size(), 2U);
    host_.files["/run/vipd/web.weight"] = "50\n";
    poller->poll(now_ + 2s);
    EXPECT_EQ(files_.back(), (file{"web", "maint", 50}));
    EXPECT_EQ(host_.scans, 3);
}

TEST_F(TrackPollerTest, AMissingOrGarbledFileCountsZeroWithOneWarningPerChange) {
    host_.files["/run/vipd/web.weight"] = "40";
    auto poller = make();
    poller->poll(now_);
    host_.files.erase("/run/vipd/web.weight");
    for (int i = 1; i <= 5; ++i) {
        poller->poll(now_ + std::chrono::seconds(i));
    }
    EXPECT_EQ(std::get<2>(files_.back()), 0);
    EXPECT_EQ(count("track file maint (/run/vipd/web.weight): No such file or directory; "
                    "counting 0"),
              1U);
    host_.files["/run/vipd/web.weight"] = "forty";
    poller->poll(now_ + 6s);
    poller->poll(now_ + 7s);
    EXPECT_EQ(count("(/run/vipd/web.weight): it holds no number; counting 0"), 1U);
    host_.files["/run/vipd/web.weight"] = "40";
    poller->poll(now_ + 8s);
    EXPECT_EQ(count("holds a number again"), 1U);
    EXPECT_EQ(std::get<2>(files_.back()), 40);
}

TEST_F(TrackPollerTest, InitWritesOnlyAFileThatDoesNotExist) {
    config_.vrrp[0].track_files = {{"a", "/run/vipd/a", -1, std::int16_t{5}},
                                   {"b", "/run/vipd/b", -1, std::int16_t{7}},
                                   {"c", "/run/vipd/c", -1, std::nullopt}};
    host_.files["/run/vipd/b"] = "0\n";
    auto poller = make();
    poller->create_init_files();
    EXPECT_EQ(host_.files.at("/run/vipd/a"), "5\n");
    EXPECT_EQ(host_.files.at("/run/vipd/b"), "0\n");
    EXPECT_EQ(host_.files.count("/run/vipd/c"), 0U);
}

TEST_F(TrackPollerTest, AProcessGoneIsReportedDownOnlyAfterItsDelay) {
    host_.table = {{"nginx", ""}, {"sshd", ""}};
    auto poller = make();
    poller->poll(now_);
    processes_.clear();
    host_.table = {};
    poller->poll(now_ + 1s);
    using process = std::tuple<std::string, std::string, bool>;
    EXPECT_EQ(processes_, (std::vector<process>{{"web", "sshd", true}}));  // no delay
    poller->poll(now_ + 2s);
    EXPECT_EQ(processes_.size(), 1U);
    poller->poll(now_ + 3s);  // nginx short for 2 s
    EXPECT_EQ(processes_.back(), (process{"web", "nginx", true}));
    host_.table = {{"nginx", ""}};
    poller->poll(now_ + 4s);
    EXPECT_EQ(processes_.back(), (process{"web", "nginx", false}));
}

TEST_F(TrackPollerTest, AReloadKeepsARunningDelay) {
    host_.table = {{"nginx", ""}, {"sshd", ""}};
    auto old = make();
    old->poll(now_);
    host_.table = {{"sshd", ""}};
    old->poll(now_ + 1s);  // nginx short since now + 1 s
    auto next = make();
    next->inherit(*old);
    processes_.clear();
    next->poll(now_ + 2s);
    using process = std::tuple<std::string, std::string, bool>;
    EXPECT_EQ(processes_, (std::vector<process>{{"web", "nginx", false}, {"web", "sshd", false}}));
    next->poll(now_ + 3s);
    EXPECT_EQ(processes_.back(), (process{"web", "nginx", true}));
}

TEST_F(TrackPollerTest, NoProcessTrackerMeansNoScan) {
    config_.vrrp[0].track_processes.clear();
    auto poller = make();
    poller->poll(now_);
    EXPECT_EQ(host_.scans, 0);
    config_.vrrp[0].track_files.clear();
    EXPECT_TRUE(make()->empty());
}

}  // namespace
}  // namespace vipd::daemon
