// A sync group member's state machine: its Master_Down_Timer makes it want Master and nothing
// more, the driver lets it go; it leaves Master or faults for its group with a priority-0 advert.
// The group's rules themselves are the router's (tests/unit/daemon/vrrp_router_test.cpp).
#include <gtest/gtest.h>

#include <variant>

#include "support/addresses.hpp"
#include "vipd/vrrp/instance.hpp"
#include "vipd/vrrp/timers.hpp"

namespace vipd::vrrp {
namespace {

using namespace std::chrono_literals;
using support::addr;

const time_point t0 = time_point{} + 1000s;

instance_config member_config(std::uint8_t priority = 150) {
    instance_config config;
    config.name = "outside";
    config.vrid = 1;
    config.priority = priority;
    config.vips = {addr("192.0.2.10")};
    config.group_member = true;
    return config;
}

advert advert_with(std::uint8_t priority) {
    advert ad;
    ad.vrid = 1;
    ad.priority = priority;
    ad.interval = centiseconds{100};
    ad.addresses = {addr("192.0.2.10")};
    return ad;
}

template <typename T>
bool holds(const actions& out) {
    return std::any_of(out.begin(), out.end(),
                       [](const action& a) { return std::holds_alternative<T>(a); });
}

/// A member in Backup whose Master_Down_Timer has just run out: it wants Master.
instance wanting_member(time_point& when) {
    instance inst(member_config());
    inst.set_primary_address(addr("192.0.2.5"));
    inst.start(t0, true);
    when = *inst.next_deadline();
    EXPECT_TRUE(inst.on_timer(when).empty());
    return inst;
}

TEST(SyncGroupMember, ItsMasterDownTimerOnlyMakesItWantMaster) {
    time_point fired;
    auto inst = wanting_member(fired);
    EXPECT_EQ(fired - t0, master_down_interval(version::v3, 150, centiseconds{100}));
    EXPECT_EQ(inst.current_state(), state::backup);
    EXPECT_TRUE(inst.wants_master());
    // Armed again: it keeps wanting while no Master is heard, and the driver keeps being asked.
    EXPECT_EQ(inst.next_deadline(),
              fired + master_down_interval(version::v3, 150, centiseconds{100}));
}

TEST(SyncGroupMember, ItsGroupLetsItTakeMasterWithAnAdvertAndItsVips) {
    time_point fired;
    auto inst = wanting_member(fired);
    const auto later = fired + 20ms;
    const auto out = inst.join_group_master(later);
    ASSERT_FALSE(out.empty());
    EXPECT_EQ(std::get<state_changed>(out.front()),
              (state_changed{state::backup, state::master, transition_reason::master_down_timer,
                             150, std::nullopt, std::nullopt}));
    EXPECT_TRUE(holds<add_vips>(out));
    EXPECT_TRUE(holds<send_advert>(out));
    EXPECT_EQ(inst.current_state(), state::master);
    EXPECT_FALSE(inst.wants_master());
}

TEST(SyncGroupMember, WithoutWantingItTheGroupCannotMakeItMaster) {
    instance inst(member_config());
    inst.start(t0, true);
    EXPECT_TRUE(inst.join_group_master(t0 + 10ms).empty());
    EXPECT_EQ(inst.current_state(), state::backup);
}

TEST(SyncGroupMember, AnAcceptedAdvertEndsTheWish) {
    time_point fired;
    auto inst = wanting_member(fired);
    inst.on_advert(fired + 5ms, advert_with(200), addr("192.0.2.6"));
    EXPECT_FALSE(inst.wants_master());
    EXPECT_TRUE(inst.join_group_master(fired + 10ms).empty());
    // A lower priority is not accepted by a preempting Backup: the wish stays.
    inst.on_timer(*inst.next_deadline());
    ASSERT_TRUE(inst.wants_master());
    inst.on_advert(*inst.next_deadline() - 1ms, advert_with(100), addr("192.0.2.6"));
    EXPECT_TRUE(inst.wants_master());
}

TEST(SyncGroupMember, LeavingMasterWithItsGroupResignsFirst) {
    time_point fired;
    auto inst = wanting_member(fired);
    inst.join_group_master(fired);
    const auto out = inst.leave_master_with_group(fired + 1s);
    ASSERT_EQ(out.size(), 3u);
    EXPECT_EQ(std::get<send_advert>(out[0]).priority, k_resign_priority);
    EXPECT_EQ(std::get<state_changed>(out[1]),
              (state_changed{state::master, state::backup, transition_reason::sync_group, 150,
                             std::nullopt, std::nullopt}));
    EXPECT_TRUE(std::holds_alternative<remove_vips>(out[2]));
    EXPECT_EQ(inst.current_state(), state::backup);
    // Only a Master leaves: a Backup has nothing to do.
    EXPECT_TRUE(inst.leave_master_with_group(fired + 2s).empty());
}

TEST(SyncGroupMember, AMasterFaultedByItsGroupResignsButOneWhoseLinkFailedCannot) {
    time_point fired;
    auto by_group = wanting_member(fired);
    by_group.join_group_master(fired);
    const auto out = by_group.on_interface(fired + 1s, false, transition_reason::sync_group);
    EXPECT_EQ(std::get<state_changed>(out.front()).reason, transition_reason::sync_group);
    EXPECT_EQ(std::get<state_changed>(out.front()).to, state::fault);
    ASSERT_TRUE(holds<send_advert>(out));
    EXPECT_EQ(std::get<send_advert>(out[1]).priority, k_resign_priority);
    EXPECT_TRUE(holds<remove_vips>(out));

    auto link_down = wanting_member(fired);
    link_down.join_group_master(fired);
    const auto own = link_down.on_interface(fired + 1s, false);
    EXPECT_EQ(std::get<state_changed>(own.front()).reason, transition_reason::interface_down);
    EXPECT_FALSE(holds<send_advert>(own));
    EXPECT_TRUE(holds<remove_vips>(own));

    // Back from a group's Fault: Backup, and the reason says the group let it go.
    const auto back = by_group.on_interface(fired + 2s, true, transition_reason::sync_group);
    EXPECT_EQ(std::get<state_changed>(back.front()),
              (state_changed{state::fault, state::backup, transition_reason::sync_group, 150,
                             std::nullopt, std::nullopt}));
}

}  // namespace
}  // namespace vipd::vrrp
