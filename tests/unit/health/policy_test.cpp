#include "vipd/health/policy.hpp"

#include <gtest/gtest.h>

namespace vipd::health {
namespace {

check_timing timing(std::uint32_t rise, std::uint32_t fall, health_state initial,
                    microseconds interval = microseconds{1'000'000}) {
    check_timing t;
    t.rise = rise;
    t.fall = fall;
    t.initial = initial;
    t.interval = interval;
    return t;
}

TEST(RiseFall, StartsInTheInitialState) {
    EXPECT_EQ(rise_fall(timing(1, 1, health_state::up)).state(), health_state::up);
    EXPECT_EQ(rise_fall(timing(1, 1, health_state::down)).state(), health_state::down);
}

TEST(RiseFall, FallsAfterFallFailuresInARow) {
    rise_fall h(timing(2, 3, health_state::up));
    EXPECT_EQ(h.record(false), std::nullopt);
    EXPECT_EQ(h.record(false), std::nullopt);
    EXPECT_EQ(h.record(false), health_state::down);
    EXPECT_EQ(h.state(), health_state::down);
    EXPECT_EQ(h.record(false), std::nullopt);  // already down: no new transition
}

TEST(RiseFall, ASuccessBetweenFailuresRestartsTheCount) {
    rise_fall h(timing(2, 3, health_state::up));
    h.record(false);
    h.record(false);
    EXPECT_EQ(h.record(true), std::nullopt);
    EXPECT_EQ(h.record(false), std::nullopt);
    EXPECT_EQ(h.record(false), std::nullopt);
    EXPECT_EQ(h.record(false), health_state::down);
}

TEST(RiseFall, RisesAfterRiseSuccessesInARow) {
    rise_fall h(timing(2, 3, health_state::down));
    EXPECT_EQ(h.record(true), std::nullopt);
    EXPECT_EQ(h.record(false), std::nullopt);  // resets the rise streak
    EXPECT_EQ(h.record(true), std::nullopt);
    EXPECT_EQ(h.record(true), health_state::up);
}

TEST(RiseFall, ZeroCountsActLikeOne) {
    rise_fall h(timing(0, 0, health_state::up));
    EXPECT_EQ(h.record(false), health_state::down);
    EXPECT_EQ(h.record(true), health_state::up);
}

TEST(FirstProbeOffset, SpreadsEvenlyOverTheInterval) {
    const microseconds interval{1'000'000};
    EXPECT_EQ(first_probe_offset(0, 4, interval), microseconds{0});
    EXPECT_EQ(first_probe_offset(1, 4, interval), microseconds{250'000});
    EXPECT_EQ(first_probe_offset(3, 4, interval), microseconds{750'000});
    EXPECT_EQ(first_probe_offset(0, 0, interval), microseconds{0});
    // Ten thousand targets: strictly increasing, all inside the interval.
    microseconds previous{-1};
    for (std::size_t i = 0; i < 10'000; ++i) {
        const auto offset = first_probe_offset(i, 10'000, interval);
        EXPECT_GT(offset, previous);
        EXPECT_LT(offset, interval);
        previous = offset;
    }
}

TEST(FirstProbeOffset, HandlesIntervalsThatDoNotDivideEvenly) {
    const microseconds interval{10};
    EXPECT_EQ(first_probe_offset(1, 3, interval), microseconds{3});
    EXPECT_EQ(first_probe_offset(2, 3, interval), microseconds{6});
}

std::vector<std::size_t> indices(const std::vector<schedule::due_target>& due) {
    std::vector<std::size_t> out;
    for (const auto& d : due) {
        out.push_back(d.index);
    }
    return out;
}

TEST(Schedule, HandsOutDueTargetsOnceUntilTheirResultArrives) {
    schedule s;
    const time_point t0{};
    const auto a = s.add(timing(1, 1, health_state::up), t0, microseconds{0});
    const auto b = s.add(timing(1, 1, health_state::up), t0, microseconds{500'000});
    EXPECT_EQ(s.next_deadline(), t0);
    EXPECT_EQ(indices(s.take_due(t0)), std::vector<std::size_t>{a});
    EXPECT_EQ(indices(s.take_due(t0)), std::vector<std::size_t>{});  // a is in flight
    EXPECT_EQ(s.next_deadline(), t0 + microseconds{500'000});
    EXPECT_EQ(indices(s.take_due(t0 + microseconds{600'000})), std::vector<std::size_t>{b});
    EXPECT_EQ(s.next_deadline(), std::nullopt);  // both in flight
}

TEST(Schedule, NextProbeIsOneIntervalAfterTheLastStart) {
    schedule s;
    const time_point t0{};
    const auto a = s.add(timing(1, 1, health_state::up), t0, microseconds{0});
    s.take_due(t0);
    // A slow answer (900 ms) does not push the next probe back.
    EXPECT_EQ(s.record(a, t0, true), std::nullopt);
    EXPECT_EQ(s.next_deadline(), t0 + microseconds{1'000'000});
}

TEST(Schedule, RecordReportsTransitionsAndIgnoresTargetsNotInFlight) {
    schedule s;
    const time_point t0{};
    const auto a = s.add(timing(1, 2, health_state::up), t0, microseconds{0});
    EXPECT_EQ(s.record(a, t0, false), std::nullopt);  // not handed out: ignored
    EXPECT_EQ(s.state(a), health_state::up);
    time_point now = t0;
    s.take_due(now);
    EXPECT_EQ(s.record(a, now, false), std::nullopt);
    now += microseconds{1'000'000};
    EXPECT_EQ(indices(s.take_due(now)), std::vector<std::size_t>{a});
    EXPECT_EQ(s.record(a, now, false), health_state::down);
    EXPECT_EQ(s.state(a), health_state::down);
}

TEST(Schedule, ReturnsDueTargetsEarliestFirst) {
    schedule s;
    const time_point t0{};
    const auto late = s.add(timing(1, 1, health_state::up), t0, microseconds{300});
    const auto early = s.add(timing(1, 1, health_state::up), t0, microseconds{100});
    EXPECT_EQ(indices(s.take_due(t0 + microseconds{1'000})),
              (std::vector<std::size_t>{early, late}));
}

ipvs::destination_key dest(const char* address, std::uint16_t port = 80) {
    return ipvs::destination_key{*ip_address::parse(address), port};
}

real_health real(const char* address, std::uint32_t weight, health_state state) {
    real_health r;
    r.key = dest(address);
    r.settings.weight = weight;
    r.state = state;
    return r;
}

TEST(Quorum, CountsTheWeightOfUpRealsOnly) {
    const std::vector<real_health> reals{real("10.0.0.1", 2, health_state::up),
                                         real("10.0.0.2", 3, health_state::down)};
    EXPECT_TRUE(has_quorum(reals, 1));
    EXPECT_TRUE(has_quorum(reals, 2));
    EXPECT_FALSE(has_quorum(reals, 3));
    EXPECT_FALSE(has_quorum({}, 1));
    EXPECT_TRUE(has_quorum({}, 0));
}

TEST(HealthyDestinations, RemovesDownRealsByDefault) {
    const std::vector<real_health> reals{real("10.0.0.1", 1, health_state::up),
                                         real("10.0.0.2", 5, health_state::down)};
    const auto out = healthy_destinations(reals, {});
    ASSERT_EQ(out.size(), 1U);
    EXPECT_EQ(out.begin()->first, dest("10.0.0.1"));
}

TEST(HealthyDestinations, QuiescentKeepsDownRealsAtWeightZero) {
    const std::vector<real_health> reals{real("10.0.0.1", 1, health_state::up),
                                         real("10.0.0.2", 5, health_state::down)};
    service_health_policy policy;
    policy.quiescent = true;
    const auto out = healthy_destinations(reals, policy);
    ASSERT_EQ(out.size(), 2U);
    EXPECT_EQ(out.at(dest("10.0.0.1")).weight, 1U);
    EXPECT_EQ(out.at(dest("10.0.0.2")).weight, 0U);
}

TEST(HealthyDestinations, FallbackOnlyWhileQuorumIsLost) {
    service_health_policy policy;
    policy.quorum = 3;
    ipvs::destination_settings sorry;
    sorry.forwarding = ipvs::forwarding::nat;
    policy.fallback = std::make_pair(dest("10.0.0.9"), sorry);

    std::vector<real_health> reals{real("10.0.0.1", 2, health_state::up),
                                   real("10.0.0.2", 2, health_state::up)};
    EXPECT_EQ(healthy_destinations(reals, policy).count(dest("10.0.0.9")), 0U);

    reals[1].state = health_state::down;  // 2 < 3: quorum lost, the live real stays
    const auto lost = healthy_destinations(reals, policy);
    EXPECT_EQ(lost.size(), 2U);
    EXPECT_EQ(lost.at(dest("10.0.0.9")).forwarding, ipvs::forwarding::nat);
    EXPECT_EQ(lost.count(dest("10.0.0.1")), 1U);

    reals[0].state = health_state::down;
    EXPECT_EQ(healthy_destinations(reals, policy).size(), 1U);  // the fallback alone
}

TEST(HealthyDestinations, AFallbackThatIsAlsoARealKeepsTheRealsEntry) {
    service_health_policy policy;
    policy.quiescent = true;
    policy.fallback = std::make_pair(dest("10.0.0.1"), ipvs::destination_settings{});
    const std::vector<real_health> reals{real("10.0.0.1", 7, health_state::down)};
    const auto out = healthy_destinations(reals, policy);
    ASSERT_EQ(out.size(), 1U);
    EXPECT_EQ(out.at(dest("10.0.0.1")).weight, 0U);
}

TEST(Schedule, TargetsHandedOutTogetherKeepTheirOwnPhase) {
    // Two targets 100 ms apart, picked up together by a wake-up 300 ms late: their next probes
    // stay 100 ms apart instead of merging into one burst.
    schedule s;
    const time_point t0{};
    const auto a = s.add(timing(1, 1, health_state::up), t0, microseconds{0});
    const auto b = s.add(timing(1, 1, health_state::up), t0, microseconds{100'000});
    const auto late = t0 + microseconds{400'000};
    const auto due = s.take_due(late);
    ASSERT_EQ(due.size(), 2U);
    EXPECT_EQ(due[0], (schedule::due_target{a, t0}));
    EXPECT_EQ(due[1], (schedule::due_target{b, t0 + microseconds{100'000}}));
    for (const auto& d : due) {
        s.record(d.index, d.due, true);
    }
    EXPECT_EQ(indices(s.take_due(t0 + microseconds{1'000'000})), std::vector<std::size_t>{a});
    EXPECT_EQ(s.next_deadline(), t0 + microseconds{1'100'000});
}

TEST(Schedule, ALimitLeavesTheRestDue) {
    schedule s;
    const time_point t0{};
    for (int i = 0; i < 5; ++i) {
        s.add(timing(1, 1, health_state::up), t0, microseconds{0});
    }
    EXPECT_EQ(s.take_due(t0, 2).size(), 2U);
    EXPECT_EQ(s.next_deadline(), t0);
    EXPECT_EQ(s.take_due(t0, 10).size(), 3U);
}

}  // namespace
}  // namespace vipd::health
