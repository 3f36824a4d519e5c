#include "vipd/vrrp/instance.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <ostream>
#include <utility>

#include "support/addresses.hpp"
#include "vipd/vrrp/timers.hpp"

// Readable failure messages for the action vocabulary.
namespace vipd {
void PrintTo(const ip_address& address, std::ostream* os) {
    *os << address.to_string();
}
}  // namespace vipd

namespace vipd::vrrp {
void PrintTo(state s, std::ostream* os) {
    *os << to_string(s);
}
void PrintTo(const state_changed& c, std::ostream* os) {
    *os << "state_changed{" << to_string(c.from) << " -> " << to_string(c.to) << ", "
        << to_string(c.reason) << ", prio " << int{c.priority};
    if (c.peer) {
        *os << ", peer " << c.peer->to_string();
    }
    if (c.peer_priority) {
        *os << ", peer prio " << int{*c.peer_priority};
    }
    *os << "}";
}
void PrintTo(add_vips, std::ostream* os) {
    *os << "add_vips";
}
void PrintTo(remove_vips, std::ostream* os) {
    *os << "remove_vips";
}
void PrintTo(send_advert a, std::ostream* os) {
    *os << "send_advert{" << int{a.priority} << "}";
}
void PrintTo(send_garp, std::ostream* os) {
    *os << "send_garp";
}
void PrintTo(const rival_master& r, std::ostream* os) {
    *os << "rival_master{" << r.peer.to_string() << ", " << int{r.priority} << ", "
        << (r.announced ? "announced" : "not announced") << "}";
}
void PrintTo(advert_dropped d, std::ostream* os) {
    *os << "advert_dropped{#" << static_cast<int>(d.reason) << "}";
}

namespace {

using namespace std::chrono_literals;
using support::addr;

// The fake clock's origin; tests express every instant as an offset from it.
const time_point t0 = time_point{} + 1000s;

std::int64_t us(time_point t) {
    return std::chrono::duration_cast<microseconds>(t - t0).count();
}
std::int64_t us(microseconds d) {
    return d.count();
}
std::optional<std::int64_t> deadline(const instance& inst) {
    auto d = inst.next_deadline();
    return d ? std::optional<std::int64_t>{us(*d)} : std::nullopt;
}

auth_pass password(std::string_view text) {
    auth_pass pass{};
    std::copy(text.begin(), text.end(), pass.begin());
    return pass;
}

instance_config make_config(std::uint8_t priority) {
    instance_config config;
    config.name = "web";
    config.vrid = 51;
    config.priority = priority;
    config.vips = {addr("192.0.2.100")};
    return config;
}

/// What the peer owning `config` would send with `priority`.
advert advert_from(const instance_config& config, std::uint8_t priority) {
    advert ad;
    ad.version = config.version;
    ad.vrid = config.vrid;
    ad.priority = priority;
    ad.interval = config.advert_interval;
    ad.addresses = config.vips;
    ad.password = config.password;
    return ad;
}

microseconds mdi(std::uint8_t priority, centiseconds interval = centiseconds{100}) {
    return master_down_interval(version::v3, priority, interval);
}
microseconds skew(std::uint8_t priority, centiseconds interval = centiseconds{100}) {
    return skew_time(version::v3, priority, interval);
}

state_changed changed(state from, state to, transition_reason reason, std::uint8_t priority,
                      std::optional<ip_address> peer = std::nullopt,
                      std::optional<std::uint8_t> peer_priority = std::nullopt) {
    return state_changed{from, to, reason, priority, peer, peer_priority};
}

/// Drives one instance alone on the fake clock: fires every timer up to `until` and returns what
/// it did, stamped with the offset from t0. Checks that on_timer leaves nothing due behind.
std::vector<std::pair<std::int64_t, action>> drive(instance& inst, time_point until) {
    std::vector<std::pair<std::int64_t, action>> out;
    while (auto next = inst.next_deadline()) {
        if (*next > until) {
            break;
        }
        for (auto& a : inst.on_timer(*next)) {
            out.emplace_back(us(*next), std::move(a));
        }
        auto after = inst.next_deadline();
        EXPECT_TRUE(!after || *after > *next) << "a timer is still due after on_timer";
    }
    return out;
}

template <typename T>
std::vector<std::int64_t> times_of(const std::vector<std::pair<std::int64_t, action>>& log) {
    std::vector<std::int64_t> times;
    for (const auto& [when, a] : log) {
        if (std::holds_alternative<T>(a)) {
            times.push_back(when);
        }
    }
    return times;
}

/// An instance already in Master at `when` (priority 150 unless given, reached by its master down
/// timer), with its actions so far discarded.
instance master_at(time_point& when, instance_config config = make_config(150)) {
    instance inst(std::move(config));
    inst.set_primary_address(addr("192.0.2.5"));
    inst.start(t0, true);
    when = *inst.next_deadline();
    inst.on_timer(when);
    EXPECT_EQ(inst.current_state(), state::master);
    return inst;
}

// ---- a tiny in-memory LAN: every send_advert reaches every other live node at once ----

struct node {
    node(instance_config cfg, ip_address primary)
        : config(cfg), inst(std::move(cfg)), address(primary) {
        inst.set_primary_address(address);
    }
    instance_config config;
    instance inst;
    ip_address address;
    bool up = true;  // false: crashed or cut off, neither sends nor receives
    bool has_vips = false;
    std::vector<time_point> adverts_sent;
    std::vector<std::pair<time_point, action>> history;
};

class wire {
  public:
    node& add(instance_config config, const char* address) {
        return nodes_.emplace_back(std::move(config), addr(address));
    }
    time_point now() const { return now_; }
    void start(node& n) {
        handle(n, n.inst.start(now_, true));
        settle();
    }
    /// SIGKILL or a cut link: the node's adverts stop and its VIPs no longer answer.
    void crash(node& n) {
        n.up = false;
        n.has_vips = false;
    }
    /// Brings a crashed node back as a fresh process.
    void restart(node& n) {
        n.inst = instance(n.config);
        n.inst.set_primary_address(n.address);
        n.up = true;
        n.has_vips = false;
        start(n);
    }
    void shutdown(node& n) {
        handle(n, n.inst.shutdown(now_));
        settle();
    }
    void set_priority(node& n, std::uint8_t priority) {
        handle(n, n.inst.set_priority(now_, priority));
        settle();
    }
    void run_until(time_point end) {
        for (;;) {
            std::optional<time_point> next;
            for (auto& n : nodes_) {
                auto d = n.up ? n.inst.next_deadline() : std::nullopt;
                if (d && (!next || *d < *next)) {
                    next = d;
                }
            }
            if (!next || *next > end) {
                break;
            }
            now_ = std::max(now_, *next);
            for (auto& n : nodes_) {
                auto d = n.up ? n.inst.next_deadline() : std::nullopt;
                if (d && *d <= now_) {
                    handle(n, n.inst.on_timer(now_));
                }
            }
            settle();
        }
        now_ = end;
    }
    void run_for(microseconds d) { run_until(now_ + d); }
    int masters() const {
        return static_cast<int>(
            std::count_if(nodes_.begin(), nodes_.end(), [](const node& n) { return n.has_vips; }));
    }
    /// The most nodes holding the VIPs at once, sampled after each event has fully propagated.
    int max_masters = 0;
    bool connected = true;

  private:
    void settle() { max_masters = std::max(max_masters, masters()); }
    void handle(node& from, const actions& acts) {
        for (const auto& a : acts) {
            from.history.emplace_back(now_, a);
            if (std::holds_alternative<add_vips>(a)) {
                from.has_vips = true;
            } else if (std::holds_alternative<remove_vips>(a)) {
                from.has_vips = false;
            } else if (const auto* send = std::get_if<send_advert>(&a)) {
                from.adverts_sent.push_back(now_);
                if (!connected) {
                    continue;
                }
                const auto ad = advert_from(from.config, send->priority);
                for (auto& to : nodes_) {
                    if (&to != &from && to.up) {
                        handle(to, to.inst.on_advert(now_, ad, from.address));
                    }
                }
            }
        }
    }

    std::deque<node> nodes_;  // stable references
    time_point now_ = t0;
};

std::optional<state_changed> last_change(const node& n) {
    for (auto it = n.history.rbegin(); it != n.history.rend(); ++it) {
        if (const auto* c = std::get_if<state_changed>(&it->second)) {
            return *c;
        }
    }
    return std::nullopt;
}

time_point last_before(const std::vector<time_point>& times, time_point limit) {
    time_point best{};
    for (auto t : times) {
        if (t < limit) {
            best = std::max(best, t);
        }
    }
    return best;
}

// ---- names ----

TEST(VrrpInstance, NamesStatesAndReasonsForTheJournal) {
    EXPECT_EQ(to_string(state::initialize), "INIT");
    EXPECT_EQ(to_string(state::backup), "BACKUP");
    EXPECT_EQ(to_string(state::master), "MASTER");
    EXPECT_EQ(to_string(state::fault), "FAULT");
    EXPECT_EQ(to_string(transition_reason::startup), "startup");
    EXPECT_EQ(to_string(transition_reason::address_owner), "address owner");
    EXPECT_EQ(to_string(transition_reason::master_down_timer), "master down timer expired");
    EXPECT_EQ(to_string(transition_reason::higher_priority_advert), "higher priority advert");
    EXPECT_EQ(to_string(transition_reason::interface_down), "interface down");
    EXPECT_EQ(to_string(transition_reason::interface_up), "interface up");
    EXPECT_EQ(to_string(transition_reason::shutdown), "shutdown");
}

// ---- start ----

TEST(VrrpInstance, StartsAsBackupAndWaitsTheFullMasterDownInterval) {
    instance inst(make_config(100));
    EXPECT_EQ(inst.current_state(), state::initialize);
    EXPECT_EQ(inst.next_deadline(), std::nullopt);

    EXPECT_EQ(
        inst.start(t0, true),
        (actions{changed(state::initialize, state::backup, transition_reason::startup, 100)}));
    EXPECT_EQ(inst.current_state(), state::backup);
    EXPECT_EQ(deadline(inst), us(mdi(100)));
    EXPECT_EQ(inst.transitions(), 1u);
    EXPECT_EQ(inst.state_since(), t0);
    EXPECT_EQ(inst.start(t0 + 1s, true), actions{}) << "a second start is a no-op";

    // Early calls do nothing; the deadline itself promotes.
    EXPECT_EQ(inst.on_timer(t0 + mdi(100) - 1us), actions{});
    EXPECT_EQ(inst.current_state(), state::backup);
    EXPECT_EQ(
        inst.on_timer(t0 + mdi(100)),
        (actions{changed(state::backup, state::master, transition_reason::master_down_timer, 100),
                 add_vips{}, send_advert{100}, send_garp{}}));
    EXPECT_EQ(inst.state_since(), t0 + mdi(100));
    EXPECT_EQ(inst.transitions(), 2u);
    EXPECT_EQ(inst.current_master(), std::nullopt);
}

TEST(VrrpInstance, AddressOwnerBecomesMasterImmediately) {
    instance inst(make_config(255));
    EXPECT_EQ(
        inst.start(t0, true),
        (actions{changed(state::initialize, state::master, transition_reason::address_owner, 255),
                 add_vips{}, send_advert{255}, send_garp{}}));
    // Next: the second GARP round (default interval 10 ms) before the 1 s advert.
    EXPECT_EQ(deadline(inst), 10'000);
    EXPECT_EQ(inst.master_adver_interval(), centiseconds{100});
}

TEST(VrrpInstance, StartsInFaultWhenInterfaceUnusable) {
    instance inst(make_config(255));
    EXPECT_EQ(inst.start(t0, false), (actions{changed(state::initialize, state::fault,
                                                      transition_reason::interface_down, 255)}));
    EXPECT_EQ(inst.next_deadline(), std::nullopt);
    const auto cfg = make_config(200);
    EXPECT_EQ(inst.on_advert(t0 + 1s, advert_from(cfg, 200), addr("192.0.2.9")), actions{})
        << "Fault does not listen";
}

// ---- two routers on a wire ----

TEST(VrrpElection, HigherPriorityWinsAndTheBackupNeverTimesOut) {
    wire w;
    auto& a = w.add(make_config(200), "192.0.2.1");
    auto& b = w.add(make_config(100), "192.0.2.2");
    w.start(a);
    w.start(b);
    w.run_for(30s);

    EXPECT_EQ(a.inst.current_state(), state::master);
    EXPECT_EQ(b.inst.current_state(), state::backup);
    EXPECT_EQ(us(a.inst.state_since()), us(mdi(200)));  // 3.21875 s: a's skew is shorter
    EXPECT_EQ(a.inst.transitions(), 2u);
    EXPECT_EQ(b.inst.transitions(), 1u) << "b must stay Backup while adverts flow";
    EXPECT_EQ(b.inst.current_master(), a.address);
    EXPECT_EQ(w.max_masters, 1);
    EXPECT_EQ(w.masters(), 1);
    EXPECT_FALSE(b.has_vips);
    // One advert on becoming Master, then one per second.
    EXPECT_EQ(a.adverts_sent.size(), 27u);
    EXPECT_TRUE(b.adverts_sent.empty());
}

TEST(VrrpElection, BackupTakesOverExactlyOneMasterDownIntervalAfterTheLastAdvert) {
    wire w;
    auto& a = w.add(make_config(200), "192.0.2.1");
    auto& b = w.add(make_config(100), "192.0.2.2");
    w.start(a);
    w.start(b);
    w.run_for(10s + 500ms);
    w.crash(a);
    const auto last = a.adverts_sent.back();

    w.run_until(last + mdi(100) - 1us);
    EXPECT_EQ(b.inst.current_state(), state::backup) << "not before Master_Down_Interval";
    const auto seen = b.history.size();
    w.run_until(last + mdi(100));
    EXPECT_EQ(b.inst.current_state(), state::master);
    EXPECT_EQ(b.inst.state_since(), last + mdi(100));
    const std::vector<std::pair<time_point, action>> takeover(b.history.begin() + seen,
                                                              b.history.end());
    ASSERT_EQ(takeover.size(), 4u);
    EXPECT_EQ(takeover[0].second, action{changed(state::backup, state::master,
                                                 transition_reason::master_down_timer, 100)});
    EXPECT_EQ(takeover[1].second, action{add_vips{}});
    EXPECT_EQ(takeover[2].second, action{send_advert{100}});
    EXPECT_EQ(takeover[3].second, action{send_garp{}});
}

TEST(VrrpElection, HigherPriorityPreemptsWhenItReturns) {
    wire w;
    auto& a = w.add(make_config(200), "192.0.2.1");
    auto& b = w.add(make_config(100), "192.0.2.2");
    w.start(a);
    w.start(b);
    w.run_for(10s);
    w.crash(a);
    w.run_for(10s);
    ASSERT_EQ(b.inst.current_state(), state::master);

    const auto back = w.now() + 300ms;
    w.run_until(back);
    w.restart(a);
    w.run_for(20s);
    // a discards b's lower-priority adverts, so its own start timer runs out and it takes over.
    EXPECT_EQ(a.inst.current_state(), state::master);
    EXPECT_EQ(a.inst.state_since(), back + mdi(200));
    EXPECT_EQ(b.inst.current_state(), state::backup);
    EXPECT_EQ(last_change(b),
              changed(state::master, state::backup, transition_reason::higher_priority_advert, 100,
                      a.address, 200));
    EXPECT_FALSE(b.has_vips);
    EXPECT_EQ(w.max_masters, 1);
}

TEST(VrrpElection, AfterAPartitionHealsTheMasterAnnouncesItsVipsWhoeverSpeaksFirst) {
    // Both sides are Master during the partition and the hosts follow the lower one. On the
    // heal the better Master must announce its VIPs again: when it hears the other first it
    // answers a rival; when the other hears it first, that one yields with one last advert.
    for (const bool better_speaks_first : {false, true}) {
        wire w;
        auto& a = w.add(make_config(150), "192.0.2.1");
        auto& b = w.add(make_config(100), "192.0.2.2");
        w.start(a);
        w.start(b);
        w.run_for(10s);
        w.connected = false;
        w.run_for(10'300ms);
        ASSERT_EQ(w.masters(), 2);
        const auto& speaker = better_speaks_first ? b : a;  // heal just after this one spoke
        w.run_until(speaker.adverts_sent.back() + 1s + 1ms);
        w.connected = true;
        const auto healed = w.now();
        w.run_for(3s);
        EXPECT_EQ(w.masters(), 1) << better_speaks_first;
        EXPECT_EQ(a.inst.current_state(), state::master) << better_speaks_first;
        std::vector<action> answer;
        for (const auto& [when, act] : a.history) {
            if (when >= healed && (std::holds_alternative<rival_master>(act) ||
                                   std::holds_alternative<send_garp>(act))) {
                answer.push_back(act);
            }
        }
        ASSERT_GE(answer.size(), 2u) << better_speaks_first;
        EXPECT_EQ(answer.front(), (action{rival_master{b.address, 100, true}}))
            << better_speaks_first;
        EXPECT_EQ(answer[1], action{send_garp{}}) << better_speaks_first;
    }
}

TEST(VrrpElection, APreemptedMasterYieldsWithOneLastAdvertThatIsNoRival) {
    time_point became{};
    auto a = master_at(became);  // 150 at 192.0.2.5
    auto peer = make_config(200);
    EXPECT_EQ(
        a.on_advert(became + 2s, advert_from(peer, 200), addr("192.0.2.6")),
        (actions{send_advert{150},
                 changed(state::master, state::backup, transition_reason::higher_priority_advert,
                         150, addr("192.0.2.6"), 200),
                 remove_vips{}}));
    // The preempting side just became Master: that last advert asks for nothing more.
    auto winner = master_at(became, peer);
    EXPECT_EQ(winner.on_advert(became + 1ms, advert_from(make_config(150), 150), addr("192.0.2.7")),
              actions{});
}

TEST(VrrpElection, NoPreemptionWhenPreemptIsOff) {
    auto config = make_config(200);
    config.preempt = false;
    wire w;
    auto& a = w.add(config, "192.0.2.1");
    auto& b = w.add(make_config(100), "192.0.2.2");
    w.start(b);
    w.run_for(10s);
    ASSERT_EQ(b.inst.current_state(), state::master);
    w.start(a);
    w.run_for(60s);
    EXPECT_EQ(a.inst.current_state(), state::backup);
    EXPECT_EQ(a.inst.transitions(), 1u);
    EXPECT_EQ(a.inst.current_master(), b.address);
    EXPECT_EQ(b.inst.current_state(), state::master);
    EXPECT_EQ(w.max_masters, 1);
}

TEST(VrrpElection, PreemptDelayHoldsOffPreemptionAfterStart) {
    auto config = make_config(200);
    config.preempt_delay = 5s;
    wire w;
    auto& a = w.add(config, "192.0.2.1");
    auto& b = w.add(make_config(100), "192.0.2.2");
    w.start(b);
    w.run_for(10s + 300ms);
    ASSERT_EQ(b.inst.current_state(), state::master);
    const auto started = w.now();
    w.start(a);

    w.run_until(started + 5s);
    EXPECT_EQ(a.inst.current_state(), state::backup) << "still inside preempt_delay";
    w.run_for(10s);
    // The last of b's adverts inside the delay re-armed a's timer; the ones after are discarded.
    const auto last_accepted = last_before(b.adverts_sent, started + 5s);
    EXPECT_EQ(a.inst.current_state(), state::master);
    EXPECT_EQ(a.inst.state_since(), last_accepted + mdi(200));
    EXPECT_GT(a.inst.state_since(), started + 5s);
    EXPECT_EQ(b.inst.current_state(), state::backup);
    EXPECT_EQ(w.max_masters, 1);
}

TEST(VrrpElection, ResigningMasterIsReplacedAfterSkewTime) {
    wire w;
    auto& a = w.add(make_config(200), "192.0.2.1");
    auto& b = w.add(make_config(100), "192.0.2.2");
    w.start(a);
    w.start(b);
    w.run_for(10s + 400ms);
    const auto stop = w.now();
    const auto seen = a.history.size();
    w.shutdown(a);

    ASSERT_EQ(a.history.size(), seen + 3);
    EXPECT_EQ(a.history[seen].second,
              action{changed(state::master, state::initialize, transition_reason::shutdown, 200)});
    EXPECT_EQ(a.history[seen + 1].second, action{send_advert{0}});
    EXPECT_EQ(a.history[seen + 2].second, action{remove_vips{}});
    EXPECT_EQ(b.inst.current_master(), std::nullopt);

    w.run_until(stop + skew(100) - 1us);
    EXPECT_EQ(b.inst.current_state(), state::backup);
    w.run_until(stop + skew(100));  // 609.375 ms, not a full master down interval
    EXPECT_EQ(b.inst.current_state(), state::master);
    EXPECT_EQ(b.inst.state_since(), stop + skew(100));
    EXPECT_EQ(w.max_masters, 1);
}

TEST(VrrpElection, EqualPriorityTieGoesToTheHigherPrimaryAddress) {
    wire w;
    w.connected = false;  // a partition: both become Master
    auto& low = w.add(make_config(100), "192.0.2.1");
    auto& high = w.add(make_config(100), "192.0.2.2");
    w.start(low);
    w.start(high);
    w.run_for(5s);
    ASSERT_EQ(w.masters(), 2);

    w.connected = true;  // the partition heals
    w.run_for(5s);
    EXPECT_EQ(high.inst.current_state(), state::master);
    EXPECT_EQ(low.inst.current_state(), state::backup);
    EXPECT_EQ(last_change(low),
              changed(state::master, state::backup, transition_reason::higher_priority_advert, 100,
                      high.address, 100));
    EXPECT_EQ(w.masters(), 1);
    EXPECT_EQ(high.inst.transitions(), 2u);
}

TEST(VrrpElection, LoweredPriorityHandsOverToABetterBackup) {
    wire w;
    auto& a = w.add(make_config(200), "192.0.2.1");
    auto& b = w.add(make_config(150), "192.0.2.2");
    w.start(a);
    w.start(b);
    w.run_for(10s + 250ms);
    const auto lowered = w.now();
    w.set_priority(a, 100);  // a tracked service failed
    EXPECT_EQ(a.adverts_sent.back(), lowered) << "the lower priority is announced at once";

    w.run_for(10s);
    EXPECT_EQ(b.inst.current_state(), state::master);
    // b discards a's lower advert and preempts when the last priority-200 advert's timer ends.
    EXPECT_EQ(b.inst.state_since(), last_before(a.adverts_sent, lowered) + mdi(150));
    EXPECT_EQ(a.inst.current_state(), state::backup);
    EXPECT_EQ(last_change(a),
              changed(state::master, state::backup, transition_reason::higher_priority_advert, 100,
                      b.address, 150));
    EXPECT_EQ(w.max_masters, 1);
}

// ---- Backup details (RFC 5798 §6.4.2) ----

TEST(VrrpBackup, LearnsTheMasterAdverIntervalFromV3Adverts) {
    instance inst(make_config(100));
    inst.start(t0, true);
    auto peer = make_config(200);
    peer.advert_interval = centiseconds{50};
    EXPECT_EQ(inst.on_advert(t0 + 1s, advert_from(peer, 200), addr("192.0.2.9")), actions{});
    EXPECT_EQ(inst.master_adver_interval(), centiseconds{50});
    EXPECT_EQ(deadline(inst), us(1s + mdi(100, centiseconds{50})));  // 1 s + 1.5 s + 304.688 ms
    EXPECT_EQ(inst.current_master(), addr("192.0.2.9"));
}

TEST(VrrpBackup, LowerPriorityAdvertIsDiscardedWithPreempt) {
    instance inst(make_config(150));
    inst.start(t0, true);
    const auto before = deadline(inst);
    EXPECT_EQ(inst.on_advert(t0 + 1s, advert_from(make_config(100), 100), addr("192.0.2.9")),
              actions{});
    EXPECT_EQ(deadline(inst), before) << "the timer is not reset: we will preempt";
}

TEST(VrrpBackup, PreemptDelayCountsFromFirstSightOfALowerMaster) {
    auto config = make_config(150);
    config.preempt_delay = 5s;
    instance inst(config);
    inst.start(t0, true);
    const auto source = addr("192.0.2.9");
    const auto low = advert_from(make_config(100), 100);

    // A better master ends the delay that started with us...
    inst.on_advert(t0 + 1s, advert_from(make_config(200), 200), source);
    // ...so the lower master seen at 20 s gets the full 5 s from then on.
    inst.on_advert(t0 + 20s, low, source);
    EXPECT_EQ(deadline(inst), us(20s + mdi(150)));
    inst.on_advert(t0 + 24s, low, source);
    EXPECT_EQ(deadline(inst), us(24s + mdi(150)));
    inst.on_advert(t0 + 25s, low, source);
    EXPECT_EQ(deadline(inst), us(24s + mdi(150))) << "delay over: discard, let the timer run";
}

TEST(VrrpBackup, ResignAdvertShortensTheTimerToSkewTime) {
    instance inst(make_config(100));
    inst.start(t0, true);
    const auto master = make_config(200);
    inst.on_advert(t0 + 1s, advert_from(master, 200), addr("192.0.2.9"));
    inst.on_advert(t0 + 2s, advert_from(master, 0), addr("192.0.2.9"));
    EXPECT_EQ(deadline(inst), us(2s + skew(100)));
    EXPECT_EQ(inst.current_master(), std::nullopt);
}

TEST(VrrpBackup, RaisedPriorityShortensTheRunningTimer) {
    instance inst(make_config(100));
    inst.start(t0, true);
    EXPECT_EQ(inst.set_priority(t0 + 1s, 200), actions{});
    EXPECT_EQ(inst.priority(), 200);
    EXPECT_EQ(deadline(inst), us(mdi(200))) << "re-derived from when it was armed";
}

// ---- Master details (RFC 5798 §6.4.3) ----

TEST(VrrpMaster, AnswersAResignAdvertAtOnce) {
    time_point became{};
    auto inst = master_at(became);
    const auto now = became + 300ms;
    EXPECT_EQ(inst.on_advert(now, advert_from(make_config(100), 0), addr("192.0.2.9")),
              (actions{send_advert{150}}));
    EXPECT_EQ(inst.current_state(), state::master);
    // The Adver_Timer restarts from now; only GARP rounds of the burst may come first.
    inst = master_at(became, [] {
        auto c = make_config(150);
        c.garp.repeat = 1;
        return c;
    }());
    inst.on_advert(became + 300ms, advert_from(make_config(100), 0), addr("192.0.2.9"));
    EXPECT_EQ(deadline(inst), us(became + 1300ms));
}

TEST(VrrpMaster, AnswersOneResignAdvertPerIntervalAndDropsTheFlood) {
    time_point became{};
    auto inst = master_at(became);  // advert interval 1 s
    const auto resign = advert_from(make_config(100), 0);
    EXPECT_EQ(inst.on_advert(became + 300ms, resign, addr("192.0.2.9")),
              (actions{send_advert{150}}));
    for (int i = 1; i <= 20; ++i) {
        EXPECT_EQ(inst.on_advert(became + 300ms + i * 10ms, resign, addr("192.0.2.9")),
                  (actions{advert_dropped{drop_reason::resign_flood}}))
            << i;
    }
    EXPECT_EQ(inst.current_state(), state::master);
    // One interval after the last answer, the next resignation is answered again.
    EXPECT_EQ(inst.on_advert(became + 1300ms, resign, addr("192.0.2.10")),
              (actions{send_advert{150}}));
}

TEST(VrrpMaster, AnswersARivalMasterAndAnnouncesTheVipsAgain) {
    // A partition healed: a lower-priority router still thinks it is Master, and the hosts
    // learnt the VIP at it. Stay Master, advertise at once, run the whole GARP burst again.
    time_point became{};
    auto inst = master_at(became);  // 150 at 192.0.2.5, advert interval 1 s, 5 GARP rounds
    drive(inst, became + 2s);       // the first burst is over
    const auto healed = became + 2s + 300ms;
    EXPECT_EQ(inst.on_advert(healed, advert_from(make_config(100), 100), addr("192.0.2.9")),
              (actions{rival_master{addr("192.0.2.9"), 100, true}, send_advert{150}, send_garp{}}));
    EXPECT_EQ(inst.current_state(), state::master);
    EXPECT_EQ(inst.transitions(), 2u);
    const auto log = drive(inst, healed + 1s);
    EXPECT_EQ(times_of<send_garp>(log),
              (std::vector<std::int64_t>{us(healed + 10ms), us(healed + 20ms), us(healed + 30ms),
                                         us(healed + 40ms)}));
    EXPECT_EQ(times_of<send_advert>(log), (std::vector<std::int64_t>{us(healed + 1s)}))
        << "the Adver_Timer restarts from the answer";
}

TEST(VrrpMaster, AnEqualPriorityFromALowerAddressIsARivalToo) {
    time_point became{};
    auto inst = master_at(became);
    EXPECT_EQ(inst.on_advert(became + 2s, advert_from(make_config(150), 150), addr("192.0.2.4")),
              (actions{rival_master{addr("192.0.2.4"), 150, true}, send_advert{150}, send_garp{}}));
    EXPECT_EQ(inst.current_state(), state::master);
}

TEST(VrrpMaster, AnswersARivalOncePerIntervalAndAnnouncesAtMostOnceASecond) {
    // A rival that cannot hear us (a one-way link) advertises every interval: each interval
    // gets one answer, but the hosts get one GARP burst a second, not ten.
    auto config = make_config(150);
    config.advert_interval = centiseconds{10};
    config.garp.repeat = 1;
    time_point became{};
    auto inst = master_at(became, config);
    const auto rival = advert_from(make_config(100), 100);
    const auto first = became + 2s;
    EXPECT_EQ(inst.on_advert(first, rival, addr("192.0.2.9")),
              (actions{rival_master{addr("192.0.2.9"), 100, true}, send_advert{150}, send_garp{}}));
    EXPECT_EQ(inst.on_advert(first + 50ms, rival, addr("192.0.2.9")), actions{})
        << "a second advert within the interval is only discarded";
    for (int i = 1; i < 10; ++i) {
        EXPECT_EQ(inst.on_advert(first + i * 100ms, rival, addr("192.0.2.9")),
                  (actions{rival_master{addr("192.0.2.9"), 100, false}, send_advert{150}}))
            << i;
    }
    EXPECT_EQ(inst.on_advert(first + 1s, rival, addr("192.0.2.9")),
              (actions{rival_master{addr("192.0.2.9"), 100, true}, send_advert{150}, send_garp{}}));
}

TEST(VrrpMaster, YieldsToAHigherAddressTieAndLearnsItsInterval) {
    time_point became{};
    auto inst = master_at(became);
    auto peer = make_config(150);
    peer.advert_interval = centiseconds{20};
    const auto now = became + 500ms;
    EXPECT_EQ(
        inst.on_advert(now, advert_from(peer, 150), addr("192.0.2.6")),
        (actions{send_advert{150},
                 changed(state::master, state::backup, transition_reason::higher_priority_advert,
                         150, addr("192.0.2.6"), 150),
                 remove_vips{}}));
    EXPECT_EQ(inst.current_state(), state::backup);
    EXPECT_EQ(inst.master_adver_interval(), centiseconds{20});
    EXPECT_EQ(deadline(inst), us(now + mdi(150, centiseconds{20})));
    EXPECT_EQ(inst.current_master(), addr("192.0.2.6"));
    // No GARP or advert timers survive the transition.
    EXPECT_EQ(drive(inst, now + mdi(150, centiseconds{20}) - 1us).size(), 0u);
}

TEST(VrrpMaster, AdvertisesEveryIntervalOnSchedule) {
    auto config = make_config(150);
    config.garp.repeat = 0;
    time_point became{};
    auto inst = master_at(became, config);
    const auto log = drive(inst, became + 5s);
    EXPECT_EQ(times_of<send_advert>(log),
              (std::vector<std::int64_t>{us(became + 1s), us(became + 2s), us(became + 3s),
                                         us(became + 4s), us(became + 5s)}));
    // A late driver does not get a burst of catch-up adverts.
    EXPECT_EQ(inst.on_timer(became + 8s + 10ms), (actions{send_advert{150}}));
    EXPECT_EQ(deadline(inst), us(became + 9s + 10ms));
}

TEST(VrrpMaster, LoweringPriorityAdvertisesAtOnceRaisingWaits) {
    auto config = make_config(150);
    config.garp.repeat = 0;
    time_point became{};
    auto inst = master_at(became, config);
    EXPECT_EQ(inst.set_priority(became + 300ms, 100), (actions{send_advert{100}}));
    EXPECT_EQ(deadline(inst), us(became + 1300ms));
    EXPECT_EQ(inst.set_priority(became + 400ms, 100), actions{});
    EXPECT_EQ(inst.set_priority(became + 500ms, 120), actions{});
    EXPECT_EQ(inst.priority(), 120);
    EXPECT_EQ(inst.set_priority(became + 600ms, 0), (actions{send_advert{1}}))
        << "0 means resign, reserved for shutdown: clamped to 1";
    inst.set_priority(became + 700ms, 255);
    EXPECT_EQ(inst.priority(), 254) << "only configuration makes an owner";
}

TEST(VrrpMaster, OwnerPriorityIsNotTracked) {
    instance inst(make_config(255));
    inst.start(t0, true);
    EXPECT_EQ(inst.set_priority(t0 + 1s, 100), actions{});
    EXPECT_EQ(inst.priority(), 255);
}

// ---- receive checks ----

TEST(VrrpReceive, DropsAdvertsThatDisagreeWithUs) {
    auto config = make_config(100);
    config.version = version::v2;
    config.password = password("secret");
    const auto good = advert_from(config, 200);
    struct row {
        const char* description;
        advert ad;
        drop_reason reason;
    };
    std::vector<row> rows;
    auto add = [&](const char* description, auto change, drop_reason reason) {
        auto ad = good;
        change(ad);
        rows.push_back({description, ad, reason});
    };
    add(
        "no auth (type 0) against PASS", [](advert& ad) { ad.password.reset(); },
        drop_reason::auth_mismatch);
    add(
        "wrong password", [](advert& ad) { ad.password = password("Secret"); },
        drop_reason::auth_mismatch);
    add(
        "interval 2 s against 1 s", [](advert& ad) { ad.interval = centiseconds{200}; },
        drop_reason::interval_mismatch);
    add(
        "v3 advert to a v2 instance",
        [](advert& ad) {
            ad.version = version::v3;
            ad.password.reset();
        },
        drop_reason::version_mismatch);
    add(
        "another VRID (driver bug)", [](advert& ad) { ad.vrid = 52; }, drop_reason::unknown_vrid);

    instance inst(config);
    inst.start(t0, true);
    const auto before = deadline(inst);
    for (const auto& r : rows) {
        EXPECT_EQ(inst.on_advert(t0 + 1s, r.ad, addr("192.0.2.9")),
                  (actions{advert_dropped{r.reason}}))
            << r.description;
        EXPECT_EQ(deadline(inst), before) << r.description;
        EXPECT_EQ(inst.current_state(), state::backup) << r.description;
        EXPECT_EQ(inst.current_master(), std::nullopt) << r.description;
    }
    // Differing address lists are accepted (RFC 5798 §7.1: MAY log).
    auto other_vips = good;
    other_vips.addresses = {addr("198.51.100.1")};
    EXPECT_EQ(inst.on_advert(t0 + 2s, other_vips, addr("192.0.2.9")), actions{});
    EXPECT_EQ(deadline(inst), us(2s + master_down_interval(version::v2, 100, centiseconds{100})));

    // A password-less instance rejects a PASS advert too.
    auto open = config;
    open.password.reset();
    instance plain(open);
    plain.start(t0, true);
    EXPECT_EQ(plain.on_advert(t0 + 1s, good, addr("192.0.2.9")),
              (actions{advert_dropped{drop_reason::auth_mismatch}}));
}

TEST(VrrpReceive, V2BackupKeepsItsOwnInterval) {
    auto config = make_config(100);
    config.version = version::v2;
    instance inst(config);
    inst.start(t0, true);
    EXPECT_EQ(inst.on_advert(t0 + 1s, advert_from(config, 200), addr("192.0.2.9")), actions{});
    EXPECT_EQ(deadline(inst), us(1s + master_down_interval(version::v2, 100, centiseconds{100})));
}

TEST(VrrpReceive, DropsOurOwnPackets) {
    time_point became{};
    auto inst = master_at(became);  // primary 192.0.2.5
    EXPECT_EQ(inst.on_advert(became + 1ms, advert_from(make_config(200), 200), addr("192.0.2.5")),
              (actions{advert_dropped{drop_reason::own_packet}}));
    EXPECT_EQ(inst.current_state(), state::master);
}

// ---- Fault ----

TEST(VrrpFault, MasterLosesItsInterfaceAndComesBackAsBackup) {
    time_point became{};
    auto inst = master_at(became);
    const auto down = became + 2s;
    EXPECT_EQ(inst.on_interface(down, false),
              (actions{changed(state::master, state::fault, transition_reason::interface_down, 150),
                       remove_vips{}}));
    EXPECT_EQ(inst.next_deadline(), std::nullopt) << "every timer is cancelled";
    EXPECT_EQ(inst.on_interface(down + 1s, false), actions{});
    EXPECT_EQ(inst.on_advert(down + 1s, advert_from(make_config(200), 200), addr("192.0.2.9")),
              actions{});

    const auto up = down + 5s;
    EXPECT_EQ(
        inst.on_interface(up, true),
        (actions{changed(state::fault, state::backup, transition_reason::interface_up, 150)}));
    EXPECT_EQ(deadline(inst), us(up + mdi(150)));
    EXPECT_EQ(inst.on_interface(up + 1s, true), actions{});
    EXPECT_EQ(inst.transitions(), 4u);
    EXPECT_EQ(inst.state_since(), up);
}

TEST(VrrpFault, BackupGoesToFaultWithoutTouchingVips) {
    instance inst(make_config(100));
    inst.start(t0, true);
    EXPECT_EQ(
        inst.on_interface(t0 + 1s, false),
        (actions{changed(state::backup, state::fault, transition_reason::interface_down, 100)}));
    EXPECT_EQ(inst.next_deadline(), std::nullopt);
}

TEST(VrrpFault, OwnerRecoversStraightToMaster) {
    instance inst(make_config(255));
    inst.start(t0, false);
    EXPECT_EQ(inst.on_interface(t0 + 1s, true),
              (actions{changed(state::fault, state::master, transition_reason::address_owner, 255),
                       add_vips{}, send_advert{255}, send_garp{}}));
}

// ---- shutdown ----

TEST(VrrpShutdown, MasterResignsThenRemovesVips) {
    time_point became{};
    auto inst = master_at(became);
    EXPECT_EQ(inst.shutdown(became + 1s),
              (actions{changed(state::master, state::initialize, transition_reason::shutdown, 150),
                       send_advert{0}, remove_vips{}}));
    EXPECT_EQ(inst.current_state(), state::initialize);
    EXPECT_EQ(inst.next_deadline(), std::nullopt);
    EXPECT_EQ(inst.shutdown(became + 2s), actions{});
    // It can be started again.
    EXPECT_EQ(inst.start(became + 3s, true).size(), 1u);
    EXPECT_EQ(inst.current_state(), state::backup);
}

TEST(VrrpShutdown, BackupAndFaultJustStop) {
    instance backup(make_config(100));
    backup.start(t0, true);
    EXPECT_EQ(
        backup.shutdown(t0 + 1s),
        (actions{changed(state::backup, state::initialize, transition_reason::shutdown, 100)}));
    EXPECT_EQ(backup.next_deadline(), std::nullopt);

    instance fault(make_config(100));
    fault.start(t0, false);
    EXPECT_EQ(
        fault.shutdown(t0 + 1s),
        (actions{changed(state::fault, state::initialize, transition_reason::shutdown, 100)}));
}

// ---- GARP schedule ----

TEST(VrrpGarp, DelayThenRepeatThenRefresh) {
    auto config = make_config(150);
    config.garp = garp_settings{100ms, 3, 50ms, 2s};
    instance inst(config);
    inst.start(t0, true);
    const auto became = t0 + mdi(150);
    EXPECT_EQ(
        inst.on_timer(became),
        (actions{changed(state::backup, state::master, transition_reason::master_down_timer, 150),
                 add_vips{}, send_advert{150}}))
        << "no GARP before the delay";
    const auto log = drive(inst, became + 6500ms);
    EXPECT_EQ(
        times_of<send_garp>(log),
        (std::vector<std::int64_t>{us(became + 100ms), us(became + 150ms), us(became + 200ms),
                                   us(became + 2200ms), us(became + 4200ms), us(became + 6200ms)}));
    EXPECT_EQ(times_of<send_advert>(log).size(), 6u);

    // Leaving Master cancels the schedule.
    inst.on_advert(became + 6500ms, advert_from(make_config(200), 200), addr("192.0.2.9"));
    ASSERT_EQ(inst.current_state(), state::backup);
    const auto after = drive(inst, became + 6500ms + mdi(150) - 1us);
    EXPECT_TRUE(after.empty());
}

TEST(VrrpGarp, ImmediateBurstWithoutRefresh) {
    auto config = make_config(150);
    config.garp = garp_settings{0ms, 2, 10ms, 0ms};
    instance inst(config);
    inst.start(t0, true);
    const auto became = t0 + mdi(150);
    EXPECT_EQ(
        inst.on_timer(became),
        (actions{changed(state::backup, state::master, transition_reason::master_down_timer, 150),
                 add_vips{}, send_advert{150}, send_garp{}}));
    const auto log = drive(inst, became + 10s);
    EXPECT_EQ(times_of<send_garp>(log), (std::vector<std::int64_t>{us(became + 10ms)}));
}

TEST(VrrpGarp, RestartedAnnouncementsRunTheWholeBurstAgainOnlyWhileMaster) {
    auto config = make_config(150);
    config.garp = garp_settings{0ms, 3, 10ms, 0ms};
    instance inst(config);
    inst.start(t0, true);
    EXPECT_TRUE(inst.restart_announcements(t0).empty()) << "a Backup announces nothing";
    const auto became = t0 + mdi(150);
    inst.on_timer(became);
    drive(inst, became + 1s);  // the first burst is over
    const auto late = became + 1s;
    EXPECT_EQ(inst.restart_announcements(late), (actions{send_garp{}}));
    EXPECT_EQ(times_of<send_garp>(drive(inst, late + 1s)),
              (std::vector<std::int64_t>{us(late + 10ms), us(late + 20ms)}));
}

TEST(VrrpGarp, RefreshOnlyAndZeroSpacing) {
    auto refresh_only = make_config(255);
    refresh_only.garp = garp_settings{0ms, 0, 10ms, 1s};
    instance a(refresh_only);
    EXPECT_EQ(a.start(t0, true).size(), 3u) << "no burst";
    EXPECT_EQ(times_of<send_garp>(drive(a, t0 + 2500ms)),
              (std::vector<std::int64_t>{us(1s), us(2s)}));

    auto all_at_once = make_config(255);
    all_at_once.garp = garp_settings{0ms, 3, 0ms, 0ms};
    instance b(all_at_once);
    EXPECT_EQ(
        b.start(t0, true),
        (actions{changed(state::initialize, state::master, transition_reason::address_owner, 255),
                 add_vips{}, send_advert{255}, send_garp{}, send_garp{}, send_garp{}}));
    EXPECT_EQ(deadline(b), us(1s));
}

TEST(VrrpGarp, ASecondBurstFollowsAtSecondDelayThenTheRefresh) {
    // keepalived's garp_master_delay 5 / garp_master_repeat 3, with a 60 s refresh.
    auto config = make_config(150);
    config.garp = garp_settings{0ms, 3, 10ms, 60s, 5s, 2};
    instance inst(config);
    inst.start(t0, true);
    const auto became = t0 + mdi(150);
    inst.on_timer(became);  // the first round goes out with the transition
    EXPECT_EQ(times_of<send_garp>(drive(inst, became + 70s)),
              (std::vector<std::int64_t>{us(became + 10ms), us(became + 20ms), us(became + 5s),
                                         us(became + 5010ms), us(became + 65010ms)}));
}

TEST(VrrpGarp, ASecondBurstDueDuringTheFirstWaitsForItsEnd) {
    auto config = make_config(150);
    config.garp = garp_settings{100ms, 3, 100ms, 0ms, 150ms, 1};
    instance inst(config);
    inst.start(t0, true);
    const auto became = t0 + mdi(150);
    inst.on_timer(became);
    EXPECT_EQ(times_of<send_garp>(drive(inst, became + 10s)),
              (std::vector<std::int64_t>{us(became + 100ms), us(became + 200ms), us(became + 300ms),
                                         us(became + 400ms)}));
}

TEST(VrrpGarp, ASecondBurstAloneAndNoneOnceMasterIsLeft) {
    auto config = make_config(150);
    config.garp = garp_settings{0ms, 0, 0ms, 0ms, 2s, 2};
    instance inst(config);
    inst.start(t0, true);
    const auto became = t0 + mdi(150);
    inst.on_timer(became);
    EXPECT_EQ(times_of<send_garp>(drive(inst, became + 3s)),
              (std::vector<std::int64_t>{us(became + 2s), us(became + 2s)}))
        << "no first burst; the second all at once";

    // Leaving Master before the second burst cancels it.
    instance other(config);
    other.start(t0, true);
    other.on_timer(became);
    other.on_advert(became + 1s, advert_from(make_config(200), 200), addr("192.0.2.9"));
    ASSERT_EQ(other.current_state(), state::backup);
    EXPECT_TRUE(times_of<send_garp>(drive(other, became + 1s + mdi(150) - 1us)).empty());
}

// ---- reload: new settings, same identity ----

TEST(VrrpReload, MasterKeepsItsStateAndAdvertisesNewAddressesAtOnce) {
    auto config = make_config(150);
    config.garp.repeat = 0;
    time_point became{};
    auto inst = master_at(became, config);
    const auto transitions = inst.transitions();
    auto next = config;
    next.vips.push_back(addr("192.0.2.101"));
    EXPECT_EQ(inst.reconfigure(became + 300ms, next), (actions{send_advert{150}}));
    EXPECT_EQ(inst.current_state(), state::master);
    EXPECT_EQ(inst.transitions(), transitions) << "a reload is not a transition";
    EXPECT_EQ(inst.config().vips, next.vips);
    EXPECT_EQ(deadline(inst), us(became + 1300ms)) << "the cadence restarts from the advert";
}

TEST(VrrpReload, MasterWithUnchangedAdvertsStaysQuiet) {
    auto config = make_config(150);
    config.garp.repeat = 0;
    time_point became{};
    auto inst = master_at(became, config);
    auto next = config;
    next.preempt_delay = 5s;
    next.garp.refresh = 60s;
    EXPECT_EQ(inst.reconfigure(became + 300ms, next), actions{});
    EXPECT_EQ(deadline(inst), us(became + 1s)) << "the next advert stays on its schedule";
}

TEST(VrrpReload, MasterAdoptsANewIntervalAtOnce) {
    auto config = make_config(150);
    config.garp.repeat = 0;
    time_point became{};
    auto inst = master_at(became, config);
    auto next = config;
    next.advert_interval = centiseconds{20};
    EXPECT_EQ(inst.reconfigure(became + 300ms, next), (actions{send_advert{150}}));
    EXPECT_EQ(inst.master_adver_interval(), centiseconds{20});
    EXPECT_EQ(deadline(inst), us(became + 500ms));
}

TEST(VrrpReload, V2BackupRederivesItsRunningTimerFromTheNewInterval) {
    auto config = make_config(100);
    config.version = version::v2;
    instance inst(config);
    inst.start(t0, true);
    auto next = config;
    next.advert_interval = centiseconds{200};
    EXPECT_EQ(inst.reconfigure(t0 + 1s, next), actions{});
    EXPECT_EQ(inst.current_state(), state::backup);
    EXPECT_EQ(deadline(inst), us(master_down_interval(version::v2, 100, centiseconds{200})))
        << "counted from when the timer was armed, not from the reload";
}

TEST(VrrpReload, V3BackupKeepsTheIntervalItLearned) {
    instance inst(make_config(100));
    inst.start(t0, true);
    auto peer = make_config(150);
    peer.advert_interval = centiseconds{50};
    inst.on_advert(t0 + 100ms, advert_from(peer, 150), addr("192.0.2.9"));
    auto next = make_config(100);
    next.advert_interval = centiseconds{200};
    EXPECT_EQ(inst.reconfigure(t0 + 200ms, next), actions{});
    EXPECT_EQ(inst.master_adver_interval(), centiseconds{50});
    EXPECT_EQ(inst.current_master(), addr("192.0.2.9"));
    EXPECT_EQ(deadline(inst), us(t0 + 100ms + mdi(100, centiseconds{50})));
}

TEST(VrrpReload, TurningPreemptOffEndsAPreemptDelay) {
    auto config = make_config(200);
    config.preempt_delay = 10s;
    instance inst(config);
    inst.start(t0, true);
    auto lower = make_config(100);
    // A lower master is tolerated during the delay...
    inst.on_advert(t0 + 1s, advert_from(lower, 100), addr("192.0.2.9"));
    auto next = config;
    next.preempt = false;
    next.preempt_delay = 0s;
    inst.reconfigure(t0 + 2s, next);
    // ...and with preemption off it is accepted for good: adverts keep resetting the timer.
    for (int i = 3; i < 20; ++i) {
        inst.on_advert(t0 + std::chrono::seconds(i), advert_from(lower, 100), addr("192.0.2.9"));
    }
    EXPECT_EQ(drive(inst, t0 + 20s).size(), 0u);
    EXPECT_EQ(inst.current_state(), state::backup);
}

}  // namespace
}  // namespace vipd::vrrp
