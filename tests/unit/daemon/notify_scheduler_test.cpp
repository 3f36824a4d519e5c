#include "vipd/daemon/notify_scheduler.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

// The order of notify hooks without a process: each job is shown as "instance: argv...", and a
// test finishes hooks by hand to see what starts next.

namespace vipd::daemon {
namespace {

using namespace std::chrono_literals;
using vrrp::state;

/// An instance with all four hooks: /m, /b, /f (specific) and /any (generic).
config::vrrp_instance hooked(const std::string& name) {
    config::vrrp_instance instance;
    instance.name = name;
    instance.notify.any = {"/any"};
    instance.notify.master = {"/m"};
    instance.notify.backup = {"/b"};
    instance.notify.fault = {"/f"};
    return instance;
}

config::daemon_config config_of(std::vector<config::vrrp_instance> instances) {
    config::daemon_config config;
    config.vrrp = std::move(instances);
    return config;
}

vrrp::state_changed entering(state to, state from = state::backup) {
    return vrrp::state_changed{from, to, vrrp::transition_reason::master_down_timer, 150, {}, {}};
}

std::vector<std::string> shown(const std::vector<notify_job>& jobs) {
    std::vector<std::string> out;
    for (const auto& job : jobs) {
        std::string line = job.instance + ":";
        for (const auto& arg : job.argv) {
            line += " " + arg;
        }
        out.push_back(line);
    }
    return out;
}

using lines = std::vector<std::string>;

TEST(NotifyScheduler, RunsTheSpecificHookThenTheGenericOneAlone) {
    notify_scheduler hooks(config_of({hooked("web")}));
    EXPECT_EQ(shown(hooks.on_transition("web", entering(state::master))), lines{"web: /m"});
    EXPECT_EQ(hooks.running(), 1u);
    EXPECT_EQ(shown(hooks.on_hook_finished("web")), lines{"web: /any INSTANCE web MASTER 150"});
    EXPECT_EQ(hooks.running(), 1u);
    EXPECT_EQ(shown(hooks.on_hook_finished("web")), lines{});
    EXPECT_EQ(hooks.running(), 0u);
}

TEST(NotifyScheduler, JobsCarryTheTransitionUserAndTimeout) {
    auto web = hooked("web");
    web.notify.user.name = "nobody";
    web.notify.timeout = 3s;
    notify_scheduler hooks(config_of({web}));
    const auto change = entering(state::fault, state::master);
    const auto jobs = hooks.on_transition("web", change);
    ASSERT_EQ(jobs.size(), 1u);
    EXPECT_EQ(jobs[0], (notify_job{"web", change, {"/f"}, web.notify.user, 3s}));
}

TEST(NotifyScheduler, TransitionsRunInTheirOrderOneHookAtATime) {
    notify_scheduler hooks(config_of({hooked("web")}));
    EXPECT_EQ(shown(hooks.on_transition("web", entering(state::backup, state::initialize))),
              lines{"web: /b"});
    EXPECT_EQ(shown(hooks.on_transition("web", entering(state::master))), lines{});
    EXPECT_EQ(shown(hooks.on_hook_finished("web")), lines{"web: /any INSTANCE web BACKUP 150"});
    EXPECT_EQ(shown(hooks.on_hook_finished("web")), lines{"web: /m"});
    EXPECT_EQ(shown(hooks.on_hook_finished("web")), lines{"web: /any INSTANCE web MASTER 150"});
    EXPECT_EQ(shown(hooks.on_hook_finished("web")), lines{});
    EXPECT_EQ(hooks.coalesced(), 0u);
}

TEST(NotifyScheduler, AFlappingInstanceRunsOnlyItsLatestTransition) {
    notify_scheduler hooks(config_of({hooked("web")}));
    EXPECT_EQ(shown(hooks.on_transition("web", entering(state::master))), lines{"web: /m"});
    // Flapping while /m runs: each of these replaces the one before it.
    for (const auto to : {state::fault, state::backup, state::master, state::backup}) {
        EXPECT_EQ(shown(hooks.on_transition("web", entering(to))), lines{});
    }
    EXPECT_EQ(hooks.running(), 1u);
    EXPECT_EQ(hooks.coalesced(), 3u);
    // The started transition completes, then the latest one runs: BACKUP, what web is now.
    EXPECT_EQ(shown(hooks.on_hook_finished("web")), lines{"web: /any INSTANCE web MASTER 150"});
    EXPECT_EQ(shown(hooks.on_hook_finished("web")), lines{"web: /b"});
    EXPECT_EQ(shown(hooks.on_hook_finished("web")), lines{"web: /any INSTANCE web BACKUP 150"});
    EXPECT_EQ(shown(hooks.on_hook_finished("web")), lines{});
}

TEST(NotifyScheduler, RunsOnlyTheCommandsConfiguredForTheState) {
    auto generic_only = hooked("generic");
    generic_only.notify.master.clear();
    auto master_only = hooked("master");
    master_only.notify = {};
    master_only.notify.master = {"/m"};
    config::vrrp_instance silent;
    silent.name = "silent";
    notify_scheduler hooks(config_of({generic_only, master_only, silent}));
    EXPECT_EQ(shown(hooks.on_transition("generic", entering(state::master))),
              lines{"generic: /any INSTANCE generic MASTER 150"});
    EXPECT_EQ(shown(hooks.on_transition("master", entering(state::backup))), lines{});
    EXPECT_EQ(shown(hooks.on_transition("silent", entering(state::master))), lines{});
    EXPECT_EQ(shown(hooks.on_transition("unknown", entering(state::master))), lines{});
    EXPECT_EQ(hooks.running(), 1u);
    EXPECT_EQ(shown(hooks.on_transition("master", entering(state::master))), lines{"master: /m"});
}

TEST(NotifyScheduler, ATransitionWithoutCommandsStillReplacesTheWaitingOne) {
    auto no_backup = hooked("web");
    no_backup.notify.any.clear();
    no_backup.notify.backup.clear();
    notify_scheduler hooks(config_of({no_backup}));
    EXPECT_EQ(shown(hooks.on_transition("web", entering(state::master))), lines{"web: /m"});
    EXPECT_EQ(shown(hooks.on_transition("web", entering(state::fault))), lines{});
    EXPECT_EQ(shown(hooks.on_transition("web", entering(state::master))), lines{});
    EXPECT_EQ(shown(hooks.on_transition("web", entering(state::backup))), lines{});
    // web ended in BACKUP, which has no command: no stale notify_fault or notify_master runs.
    EXPECT_EQ(shown(hooks.on_hook_finished("web")), lines{});
    EXPECT_EQ(hooks.running(), 0u);
    EXPECT_EQ(hooks.coalesced(), 2u);
}

TEST(NotifyScheduler, StoppingDropsTheWaitingTransition) {
    notify_scheduler hooks(config_of({hooked("web")}));
    EXPECT_EQ(shown(hooks.on_transition("web", entering(state::master))), lines{"web: /m"});
    EXPECT_EQ(shown(hooks.on_transition("web", entering(state::backup))), lines{});
    EXPECT_EQ(shown(hooks.on_transition("web", entering(state::initialize))), lines{});
    EXPECT_EQ(shown(hooks.on_hook_finished("web")), lines{"web: /any INSTANCE web MASTER 150"});
    EXPECT_EQ(shown(hooks.on_hook_finished("web")), lines{});
    EXPECT_EQ(hooks.coalesced(), 1u);
}

TEST(NotifyScheduler, NoMoreThanTheCapRunAtOnce) {
    notify_scheduler hooks(config_of({hooked("a"), hooked("b"), hooked("c")}), 2);
    EXPECT_EQ(shown(hooks.on_transition("a", entering(state::master))), lines{"a: /m"});
    EXPECT_EQ(shown(hooks.on_transition("b", entering(state::master))), lines{"b: /m"});
    EXPECT_EQ(shown(hooks.on_transition("c", entering(state::master))), lines{});
    EXPECT_EQ(hooks.running(), 2u);
    // a's slot goes to c, which was waiting before a's generic hook became ready.
    EXPECT_EQ(shown(hooks.on_hook_finished("a")), lines{"c: /m"});
    EXPECT_EQ(hooks.running(), 2u);
}

TEST(NotifyScheduler, TheDefaultCapIsEight) {
    std::vector<config::vrrp_instance> instances;
    for (int i = 0; i < 9; ++i) {
        instances.push_back(hooked("i" + std::to_string(i)));
    }
    notify_scheduler hooks(config_of(instances));
    std::size_t started = 0;
    for (const auto& instance : instances) {
        started += hooks.on_transition(instance.name, entering(state::master)).size();
    }
    EXPECT_EQ(started, k_max_running_hooks);
    EXPECT_EQ(hooks.running(), 8u);
    EXPECT_EQ(shown(hooks.on_hook_finished("i0")), lines{"i8: /m"});
}

TEST(NotifyScheduler, InstancesWaitingForASlotAreServedInTheOrderTheyBecameReady) {
    notify_scheduler hooks(config_of({hooked("a"), hooked("b"), hooked("c")}), 1);
    lines order = shown(hooks.on_transition("a", entering(state::master)));
    EXPECT_TRUE(hooks.on_transition("b", entering(state::master)).empty());
    EXPECT_TRUE(hooks.on_transition("c", entering(state::master)).empty());
    // a flaps meanwhile: it keeps its place behind b and c, not ahead of them.
    EXPECT_TRUE(hooks.on_transition("a", entering(state::fault)).empty());
    for (const auto* next : {"a", "b", "c", "a", "b", "c", "a", "a"}) {
        const auto started = shown(hooks.on_hook_finished(next));
        order.insert(order.end(), started.begin(), started.end());
    }
    EXPECT_EQ(order, (lines{"a: /m", "b: /m", "c: /m", "a: /any INSTANCE a MASTER 150",
                            "b: /any INSTANCE b MASTER 150", "c: /any INSTANCE c MASTER 150",
                            "a: /f", "a: /any INSTANCE a FAULT 150"}));
    EXPECT_EQ(hooks.running(), 0u);
}

TEST(NotifyScheduler, AReloadLetsAStartedTransitionFinishWithItsCommands) {
    notify_scheduler hooks(config_of({hooked("web")}));
    EXPECT_EQ(shown(hooks.on_transition("web", entering(state::master))), lines{"web: /m"});
    EXPECT_TRUE(hooks.on_transition("web", entering(state::backup)).empty());
    auto changed = hooked("web");
    changed.notify.any = {"/new-any"};
    changed.notify.backup = {"/new-b"};
    hooks.reconfigure(config_of({changed}));
    // The running transition keeps the generic command it started with; the waiting one
    // starts after the reload and runs the new commands.
    EXPECT_EQ(shown(hooks.on_hook_finished("web")), lines{"web: /any INSTANCE web MASTER 150"});
    EXPECT_EQ(shown(hooks.on_hook_finished("web")), lines{"web: /new-b"});
    EXPECT_EQ(shown(hooks.on_hook_finished("web")), lines{"web: /new-any INSTANCE web BACKUP 150"});
}

TEST(NotifyScheduler, AReloadThatRemovesTheHooksDropsTheWaitingTransition) {
    notify_scheduler hooks(config_of({hooked("web"), hooked("api")}), 1);
    EXPECT_EQ(shown(hooks.on_transition("web", entering(state::master))), lines{"web: /m"});
    EXPECT_TRUE(hooks.on_transition("web", entering(state::backup)).empty());
    EXPECT_TRUE(hooks.on_transition("api", entering(state::master)).empty());
    auto quiet = hooked("web");
    quiet.notify = {};
    hooks.reconfigure(config_of({quiet, hooked("api")}));
    EXPECT_EQ(shown(hooks.on_hook_finished("web")), lines{"api: /m"});
    EXPECT_EQ(shown(hooks.on_hook_finished("api")), lines{"web: /any INSTANCE web MASTER 150"});
    EXPECT_EQ(shown(hooks.on_hook_finished("web")), lines{"api: /any INSTANCE api MASTER 150"});
    EXPECT_EQ(shown(hooks.on_hook_finished("api")), lines{});
    EXPECT_EQ(hooks.running(), 0u);
    EXPECT_TRUE(hooks.on_transition("web", entering(state::fault)).empty());
}

TEST(NotifyScheduler, AFinishedHookOfAnIdleInstanceIsIgnored) {
    notify_scheduler hooks(config_of({hooked("web"), hooked("api")}), 1);
    EXPECT_EQ(shown(hooks.on_transition("web", entering(state::master))), lines{"web: /m"});
    EXPECT_TRUE(hooks.on_transition("api", entering(state::master)).empty());
    EXPECT_TRUE(hooks.on_hook_finished("api").empty());
    EXPECT_TRUE(hooks.on_hook_finished("unknown").empty());
    EXPECT_EQ(hooks.running(), 1u);
}

TEST(NotifyScheduler, ASyncGroupHasItsOwnHooksAndLaneWithKeepalivedsGroupArguments) {
    // A group and an instance may share a name: each has its own commands and its own lane.
    auto config = config_of({hooked("nat")});
    config::sync_group group;
    group.name = "nat";
    group.members = {"nat", "other"};
    group.notify.master = {"/group-m"};
    group.notify.any = {"/group-any"};
    config.sync_groups = {group};
    notify_scheduler hooks(config);
    vrrp::state_changed change{
        state::backup, state::master, vrrp::transition_reason::sync_group, 0, {}, {}};
    const auto started = hooks.on_group_transition("nat", change);
    EXPECT_EQ(shown(started), lines{"nat: /group-m"});
    ASSERT_EQ(started.size(), 1u);
    EXPECT_EQ(started[0].subject, notify_subject::group);
    // The instance's hook runs beside the group's: another lane.
    EXPECT_EQ(shown(hooks.on_transition("nat", entering(state::master))), lines{"nat: /m"});
    EXPECT_EQ(hooks.running(), 2u);
    EXPECT_EQ(shown(hooks.on_hook_finished("nat", notify_subject::group)),
              lines{"nat: /group-any GROUP nat MASTER 0"});
    EXPECT_EQ(shown(hooks.on_hook_finished("nat")), lines{"nat: /any INSTANCE nat MASTER 150"});
    // A group without commands runs nothing.
    EXPECT_EQ(shown(hooks.on_group_transition("other", change)), lines{});
}

vrrp::state_changed stopped(state from = state::master) {
    return vrrp::state_changed{from, state::initialize, vrrp::transition_reason::shutdown, 150, {},
                               {}};
}

TEST(NotifyScheduler, WhenVipdStopsNotifyStopRunsThenTheGenericHookWithStop) {
    auto web = hooked("web");
    web.notify.stop = {"/s"};
    notify_scheduler hooks(config_of({web}));
    hooks.stopping();
    EXPECT_EQ(shown(hooks.on_transition("web", stopped())), lines{"web: /s"});
    EXPECT_FALSE(hooks.idle());
    EXPECT_EQ(shown(hooks.on_hook_finished("web")), lines{"web: /any INSTANCE web STOP 150"});
    EXPECT_EQ(shown(hooks.on_hook_finished("web")), lines{});
    EXPECT_TRUE(hooks.idle());
}

TEST(NotifyScheduler, AnInstanceRemovedByAReloadRunsNoStopHook) {
    auto web = hooked("web");
    web.notify.stop = {"/s"};
    notify_scheduler hooks(config_of({web}));
    EXPECT_EQ(shown(hooks.on_transition("web", stopped())), lines{});
    EXPECT_TRUE(hooks.idle());
}

TEST(NotifyScheduler, WithoutNotifyStopAStopRunsOnlyTheGenericHook) {
    notify_scheduler hooks(config_of({hooked("web")}));
    hooks.stopping();
    EXPECT_EQ(shown(hooks.on_transition("web", stopped(state::backup))),
              lines{"web: /any INSTANCE web STOP 150"});
}

TEST(NotifyScheduler, ASyncGroupRunsItsNotifyStopButNoGenericStop) {
    auto config = config_of({hooked("a")});
    config::sync_group group;
    group.name = "nat";
    group.members = {"a", "b"};
    group.notify.stop = {"/group-s"};
    group.notify.any = {"/group-any"};
    config.sync_groups = {group};
    notify_scheduler hooks(config);
    vrrp::state_changed change{
        state::backup, state::master, vrrp::transition_reason::sync_group, 0, {}, {}};
    EXPECT_EQ(shown(hooks.on_group_transition("nat", change)),
              lines{"nat: /group-any GROUP nat MASTER 0"});
    EXPECT_EQ(shown(hooks.on_hook_finished("nat", notify_subject::group)), lines{});
    hooks.stopping();
    const auto jobs = hooks.groups_stopped();
    EXPECT_EQ(shown(jobs), lines{"nat: /group-s"});
    ASSERT_EQ(jobs.size(), 1u);
    EXPECT_EQ(jobs[0].change.from, state::master);  // the state it was last told of
    EXPECT_EQ(jobs[0].subject, notify_subject::group);
    EXPECT_EQ(shown(hooks.on_hook_finished("nat", notify_subject::group)), lines{});
    EXPECT_TRUE(hooks.idle());
}

}  // namespace
}  // namespace vipd::daemon
