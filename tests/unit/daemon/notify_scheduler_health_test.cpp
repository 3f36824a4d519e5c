#include "vipd/daemon/notify_scheduler.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "support/ipvs_literals.hpp"

// A real's notify_up / notify_down and a service's quorum_up / quorum_down in the scheduler:
// each real and each service's quorum a lane of its own, under the same cap as the instances.
// Each job is shown as "lane: argv... [SERVICE REAL STATE]".

namespace vipd::daemon {
namespace {

using namespace std::chrono_literals;
using ipvs::test::tcp;

ipvs::destination_key real_at(const char* address) {
    return {*ip_address::parse(address), 80};
}

/// "web-80" on 10.0.0.100:80 with quorum hooks /qu and /qd, and reals .1 and .2 with
/// /u1 /d1 and /u2 /d2, all run as nobody within 3 s.
config::virtual_server hooked_service() {
    config::virtual_server server;
    server.name = "web-80";
    server.key = tcp("10.0.0.100", 80);
    server.quorum_notify = {{"/qu"}, {"/qd"}};
    server.hook_user.name = "nobody";
    server.hook_timeout = 3s;
    for (const char* n : {"1", "2"}) {
        config::real_server real;
        real.key = real_at((std::string("10.0.1.") + n).c_str());
        real.notify = {{std::string("/u") + n}, {std::string("/d") + n}};
        server.reals.push_back(real);
    }
    return server;
}

config::daemon_config config_of(std::vector<config::virtual_server> servers) {
    config::daemon_config config;
    config.virtual_servers = std::move(servers);
    return config;
}

/// "lane: argv... [SERVICE REAL STATE]" for each job.
std::vector<std::string> shown(const std::vector<notify_job>& jobs) {
    std::vector<std::string> out(jobs.size());
    std::transform(jobs.begin(), jobs.end(), out.begin(), [](const notify_job& job) {
        const auto notice = job.health.value_or(health_notice{"-", "-", false});
        return fmt::format("{}: {} [{} {} {}]", job.instance, fmt::join(job.argv, " "),
                           notice.service, notice.real, notice.up ? "UP" : "DOWN");
    });
    return out;
}

using lines = std::vector<std::string>;

const auto k_web = tcp("10.0.0.100", 80);
const std::string k_real1 = "tcp 10.0.0.100:80 10.0.1.1:80";
const std::string k_real2 = "tcp 10.0.0.100:80 10.0.1.2:80";
const std::string k_quorum = "tcp 10.0.0.100:80";

TEST(NotifySchedulerHealth, ARealRunsItsHookWithoutArgumentsAsTheServicesUser) {
    const auto server = hooked_service();
    notify_scheduler hooks(config_of({server}));
    const auto jobs = hooks.on_real(k_web, real_at("10.0.1.1"), false);
    EXPECT_EQ(shown(jobs), lines{k_real1 + ": /d1 [web-80 10.0.1.1:80 DOWN]"});
    ASSERT_EQ(jobs.size(), 1u);
    EXPECT_EQ(jobs[0].subject, notify_subject::real);
    EXPECT_EQ(jobs[0].user, server.hook_user);
    EXPECT_EQ(jobs[0].timeout, 3s);
    EXPECT_EQ(shown(hooks.on_hook_finished(k_real1, notify_subject::real)), lines{});
    EXPECT_TRUE(hooks.idle());
    EXPECT_EQ(shown(hooks.on_real(k_web, real_at("10.0.1.1"), true)),
              lines{k_real1 + ": /u1 [web-80 10.0.1.1:80 UP]"});
}

TEST(NotifySchedulerHealth, AQuorumHookNamesTheServiceByItsKeyWhenItHasNoName) {
    auto server = hooked_service();
    server.name.reset();
    notify_scheduler hooks(config_of({server}));
    const auto jobs = hooks.on_quorum(k_web, false);
    EXPECT_EQ(shown(jobs), lines{k_quorum + ": /qd [tcp 10.0.0.100:80  DOWN]"});
    ASSERT_EQ(jobs.size(), 1u);
    EXPECT_EQ(jobs[0].subject, notify_subject::quorum);
}

TEST(NotifySchedulerHealth, EachRealAndTheQuorumHaveTheirOwnLane) {
    notify_scheduler hooks(config_of({hooked_service()}));
    EXPECT_EQ(hooks.on_real(k_web, real_at("10.0.1.1"), false).size(), 1u);
    EXPECT_EQ(hooks.on_real(k_web, real_at("10.0.1.2"), false).size(), 1u);
    EXPECT_EQ(hooks.on_quorum(k_web, false).size(), 1u);
    EXPECT_EQ(hooks.running(), 3u);
}

TEST(NotifySchedulerHealth, AFlappingRealRunsInOrderThenOnlyItsLatestState) {
    notify_scheduler hooks(config_of({hooked_service()}));
    EXPECT_EQ(shown(hooks.on_real(k_web, real_at("10.0.1.1"), false)),
              lines{k_real1 + ": /d1 [web-80 10.0.1.1:80 DOWN]"});
    // While /d1 runs the real comes back, falls and comes back again: one hook waits.
    EXPECT_TRUE(hooks.on_real(k_web, real_at("10.0.1.1"), true).empty());
    EXPECT_TRUE(hooks.on_real(k_web, real_at("10.0.1.1"), false).empty());
    EXPECT_TRUE(hooks.on_real(k_web, real_at("10.0.1.1"), true).empty());
    EXPECT_EQ(hooks.running(), 1u);
    EXPECT_EQ(hooks.coalesced(), 2u);
    EXPECT_EQ(shown(hooks.on_hook_finished(k_real1, notify_subject::real)),
              lines{k_real1 + ": /u1 [web-80 10.0.1.1:80 UP]"});
    EXPECT_EQ(shown(hooks.on_hook_finished(k_real1, notify_subject::real)), lines{});
    EXPECT_TRUE(hooks.idle());
}

TEST(NotifySchedulerHealth, RealsShareTheCapWithInstancesFirstComeFirstServed) {
    auto config = config_of({hooked_service()});
    config::vrrp_instance web;
    web.name = "web";
    web.notify.master = {"/m"};
    config.vrrp = {web};
    notify_scheduler hooks(config, 2);
    const vrrp::state_changed master{vrrp::state::backup,
                                     vrrp::state::master,
                                     vrrp::transition_reason::master_down_timer,
                                     150,
                                     {},
                                     {}};
    EXPECT_EQ(hooks.on_transition("web", master).size(), 1u);
    EXPECT_EQ(hooks.on_real(k_web, real_at("10.0.1.1"), false).size(), 1u);
    EXPECT_TRUE(hooks.on_real(k_web, real_at("10.0.1.2"), false).empty());
    EXPECT_TRUE(hooks.on_quorum(k_web, false).empty());
    EXPECT_EQ(hooks.running(), 2u);
    EXPECT_EQ(shown(hooks.on_hook_finished("web")),
              lines{k_real2 + ": /d2 [web-80 10.0.1.2:80 DOWN]"});
    EXPECT_EQ(shown(hooks.on_hook_finished(k_real1, notify_subject::real)),
              lines{k_quorum + ": /qd [web-80  DOWN]"});
}

TEST(NotifySchedulerHealth, OnlyTheConfiguredDirectionRuns) {
    auto server = hooked_service();
    server.reals[0].notify.up.clear();
    server.reals[1].notify = {};
    server.quorum_notify = {};
    notify_scheduler hooks(config_of({server}));
    EXPECT_TRUE(hooks.on_real(k_web, real_at("10.0.1.1"), true).empty());
    EXPECT_TRUE(hooks.on_real(k_web, real_at("10.0.1.2"), false).empty());
    EXPECT_TRUE(hooks.on_quorum(k_web, false).empty());
    EXPECT_TRUE(hooks.on_real(tcp("10.0.0.200", 80), real_at("10.0.1.1"), false).empty());
    EXPECT_TRUE(hooks.idle());
}

TEST(NotifySchedulerHealth, AReloadGivesAWaitingRealItsNewHookAndDropsARemovedOnes) {
    notify_scheduler hooks(config_of({hooked_service()}), 1);
    EXPECT_EQ(hooks.on_quorum(k_web, false).size(), 1u);
    EXPECT_TRUE(hooks.on_real(k_web, real_at("10.0.1.1"), false).empty());
    EXPECT_TRUE(hooks.on_real(k_web, real_at("10.0.1.2"), false).empty());
    auto changed = hooked_service();
    changed.reals[0].notify.down = {"/new-d1"};
    changed.reals.pop_back();  // 10.0.1.2 is gone
    hooks.reconfigure(config_of({changed}));
    EXPECT_EQ(shown(hooks.on_hook_finished(k_quorum, notify_subject::quorum)),
              lines{k_real1 + ": /new-d1 [web-80 10.0.1.1:80 DOWN]"});
    EXPECT_EQ(shown(hooks.on_hook_finished(k_real1, notify_subject::real)), lines{});
    EXPECT_TRUE(hooks.idle());
}

TEST(NotifySchedulerHealth, NoRealOrQuorumHookStartsOnceVipdStops) {
    notify_scheduler hooks(config_of({hooked_service()}), 1);
    EXPECT_EQ(hooks.on_real(k_web, real_at("10.0.1.1"), false).size(), 1u);
    EXPECT_TRUE(hooks.on_quorum(k_web, false).empty());  // waits for the slot
    hooks.stopping();
    EXPECT_TRUE(hooks.on_real(k_web, real_at("10.0.1.2"), false).empty());
    EXPECT_EQ(shown(hooks.on_hook_finished(k_real1, notify_subject::real)), lines{});
    EXPECT_TRUE(hooks.idle());
}

}  // namespace
}  // namespace vipd::daemon
