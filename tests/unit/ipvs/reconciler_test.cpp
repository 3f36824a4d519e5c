#include "vipd/ipvs/reconciler.hpp"

#include <gtest/gtest.h>

#include <random>

#include "fakes/fake_ipvs_port.hpp"
#include "support/ipvs_literals.hpp"

namespace vipd::ipvs {
namespace {

using namespace test;

const service_key k_web = tcp("172.28.128.210", 80);
const service_key k_dns = udp("172.28.128.211", 53);
const service_key k_foreign = tcp("10.9.9.9", 443);
const destination_key k_a = real("172.28.128.40", 80);
const destination_key k_b = real("172.28.128.41", 80);
const destination_key k_c = real("172.28.128.42", 80);
const destination_key k_d = real("172.28.128.43", 53);

service web_ab() {
    return svc("rr", {{k_a, dr()}, {k_b, dr()}});
}
service dns_d() {
    return svc("wlc", {{k_d, nat(3)}});
}

struct row {
    const char* description;
    table desired;
    table observed;
    std::set<service_key> managed;
    std::vector<operation> expected;
};

std::vector<row> rows() {
    service web_persist = web_ab();
    web_persist.settings.persistence_timeout = 0;
    web_persist.settings.persistence_prefix = 24;  // meaningless without a timeout

    service web_tunnel_noise = web_ab();
    web_tunnel_noise.destinations[k_a].tunnel_port = 6080;  // meaningless under dr

    service web_thresholds = web_ab();
    web_thresholds.destinations[k_b].upper_threshold = 100;

    service web_wrr = web_ab();
    web_wrr.settings.scheduler = "wrr";
    web_wrr.destinations.erase(k_a);
    web_wrr.destinations.emplace(k_c, dr());

    service web_nat_b = web_ab();
    web_nat_b.destinations[k_b].forwarding = forwarding::nat;

    const service_key v6 = tcp("2001:db8::10", 443);
    const service_key mark = fwmark(10, address_family::ipv6);
    const destination_key v6_real = real("2001:db8::40", 443);

    return {
        {"empty kernel: every service added, then its reals",
         {{k_web, web_ab()}, {k_dns, dns_d()}},
         {},
         {k_web, k_dns},
         {add_service{k_web, sched("rr")}, add_destination{k_web, k_a, dr()},
          add_destination{k_web, k_b, dr()}, add_service{k_dns, sched("wlc")},
          add_destination{k_dns, k_d, nat(3)}}},
        {"identical tables: nothing to do",
         {{k_web, web_ab()}, {k_dns, dns_d()}},
         {{k_web, web_ab()}, {k_dns, dns_d()}},
         {k_web, k_dns},
         {}},
        {"one real removed: one delete_destination and nothing else",
         {{k_web, svc("rr", {{k_a, dr()}})}, {k_dns, dns_d()}},
         {{k_web, web_ab()}, {k_dns, dns_d()}},
         {k_web, k_dns},
         {delete_destination{k_web, k_b}}},
        {"one real added: one add_destination",
         {{k_web, svc("rr", {{k_a, dr()}, {k_b, dr()}, {k_c, dr()}})}},
         {{k_web, web_ab()}},
         {k_web},
         {add_destination{k_web, k_c, dr()}}},
        {"weight change: one edit_destination",
         {{k_web, svc("rr", {{k_a, dr()}, {k_b, dr(5)}})}},
         {{k_web, web_ab()}},
         {k_web},
         {edit_destination{k_web, k_b, dr(5)}}},
        {"threshold change: one edit_destination",
         {{k_web, web_thresholds}},
         {{k_web, web_ab()}},
         {k_web},
         {edit_destination{k_web, k_b, web_thresholds.destinations[k_b]}}},
        {"forwarding change: one edit_destination",
         {{k_web, web_nat_b}},
         {{k_web, web_ab()}},
         {k_web},
         {edit_destination{k_web, k_b, nat()}}},
        {"scheduler change: one edit_service, reals untouched",
         {{k_web, svc("wlc", {{k_a, dr()}, {k_b, dr()}})}},
         {{k_web, web_ab()}},
         {k_web},
         {edit_service{k_web, sched("wlc")}}},
        {"service edited and a real swapped: edit first, add before delete",
         {{k_web, web_wrr}},
         {{k_web, web_ab()}},
         {k_web},
         {edit_service{k_web, sched("wrr")}, add_destination{k_web, k_c, dr()},
          delete_destination{k_web, k_a}}},
        {"foreign service untouched, even with reals vipd does not want",
         {{k_web, web_ab()}},
         {{k_web, web_ab()}, {k_foreign, svc("lc", {{k_c, nat()}})}},
         {k_web},
         {}},
        {"managed but not desired: one delete_service, no per-real deletes",
         {{k_dns, dns_d()}},
         {{k_web, web_ab()}, {k_dns, dns_d()}},
         {k_web, k_dns},
         {delete_service{k_web}}},
        {"leaving MASTER: desired empty, every managed service deleted, foreign kept",
         {},
         {{k_web, web_ab()}, {k_dns, dns_d()}, {k_foreign, svc("lc")}},
         {k_web, k_dns},
         {delete_service{k_web}, delete_service{k_dns}}},
        {"managed, not desired, already gone: nothing", {}, {{k_foreign, svc("lc")}}, {k_web}, {}},
        {"ipvsadm -C: everything re-added",
         {{k_web, web_ab()}, {k_dns, dns_d()}},
         {},
         {k_web, k_dns},
         {add_service{k_web, sched("rr")}, add_destination{k_web, k_a, dr()},
          add_destination{k_web, k_b, dr()}, add_service{k_dns, sched("wlc")},
          add_destination{k_dns, k_d, nat(3)}}},
        {"desired key missing from managed still counts as managed",
         {{k_dns, dns_d()}},
         {},
         {},
         {add_service{k_dns, sched("wlc")}, add_destination{k_dns, k_d, nat(3)}}},
        {"persistence prefix without persistence: no edit",
         {{k_web, web_persist}},
         {{k_web, web_ab()}},
         {k_web},
         {}},
        {"tunnel port under direct routing: no edit",
         {{k_web, web_tunnel_noise}},
         {{k_web, web_ab()}},
         {k_web},
         {}},
        {"IPv6 and fwmark services, endpoints ordered before fwmarks",
         {{mark, svc("sh")}, {v6, svc("rr", {{v6_real, dr()}})}},
         {},
         {mark, v6},
         {add_service{v6, sched("rr")}, add_destination{v6, v6_real, dr()},
          add_service{mark, sched("sh")}}},
    };
}

TEST(IpvsReconciler, ComputesTheMinimalOperations) {
    for (const auto& r : rows()) {
        EXPECT_EQ(reconcile(r.desired, r.observed, r.managed), r.expected) << r.description;
    }
}

TEST(IpvsReconciler, PersistenceSettingsMatterWhenPersistent) {
    service persistent = web_ab();
    persistent.settings.persistence_timeout = 300;
    persistent.settings.persistence_prefix = 32;
    service wider = persistent;
    wider.settings.persistence_prefix = 24;
    using ops = std::vector<operation>;
    EXPECT_EQ(reconcile({{k_web, wider}}, {{k_web, persistent}}, {k_web}),
              (ops{edit_service{k_web, wider.settings}}));

    service longer = persistent;
    longer.settings.persistence_timeout = 600;
    EXPECT_EQ(reconcile({{k_web, longer}}, {{k_web, persistent}}, {k_web}),
              (ops{edit_service{k_web, longer.settings}}));

    service flagged = web_ab();
    flagged.settings.flags.one_packet = true;
    EXPECT_EQ(reconcile({{k_web, flagged}}, {{k_web, web_ab()}}, {k_web}),
              (ops{edit_service{k_web, flagged.settings}}));
}

TEST(IpvsReconciler, NormalizeKeepsWhatMattersAndCanonicalizesTheRest) {
    service_settings s = sched("rr");
    s.persistence_prefix = 24;
    EXPECT_EQ(normalize(s, address_family::ipv4).persistence_prefix, 32);
    EXPECT_EQ(normalize(s, address_family::ipv6).persistence_prefix, 128);
    s.persistence_timeout = 60;
    EXPECT_EQ(normalize(s, address_family::ipv4).persistence_prefix, 24);
    s.persistence_prefix = 64;
    EXPECT_EQ(normalize(s, address_family::ipv4).persistence_prefix, 32);  // clamped
    EXPECT_EQ(normalize(s, address_family::ipv6).persistence_prefix, 64);

    destination_settings d = dr();
    d.tunnel_type = tunnel_type::gre;
    d.tunnel_port = 1;
    d.tunnel_checksum = true;
    EXPECT_EQ(normalize(d), dr());
    d.forwarding = forwarding::tunnel;
    auto gre = normalize(d);
    EXPECT_EQ(gre.tunnel_type, tunnel_type::gre);
    EXPECT_EQ(gre.tunnel_port, 0);  // only GUE has a port
    EXPECT_TRUE(gre.tunnel_checksum);
    d.tunnel_type = tunnel_type::gue;
    EXPECT_EQ(normalize(d).tunnel_port, 1);
    d.tunnel_type = tunnel_type::ipip;
    EXPECT_FALSE(normalize(d).tunnel_checksum);
}

// Applies reconcile's operations through the fake kernel and checks the outcome.
struct convergence {
    fakes::fake_ipvs_port port;
    std::vector<operation> first;

    convergence(const table& desired, const table& observed, const std::set<service_key>& managed) {
        port.kernel = observed;
        first = reconcile(desired, observed, managed);
        port.apply(first);
    }
};

void expect_converged(const fakes::fake_ipvs_port& port, const table& desired,
                      const table& observed, const std::set<service_key>& managed,
                      const std::string& context) {
    EXPECT_EQ(port.failures(), 0U) << context;
    for (const auto& [key, svc] : port.kernel) {
        const bool ours = managed.contains(key) || desired.contains(key);
        if (ours) {
            ASSERT_TRUE(desired.contains(key)) << context << ": left " << to_string(key);
            EXPECT_EQ(normalize(svc, family_of(key)), normalize(desired.at(key), family_of(key)))
                << context << ": " << to_string(key);
        } else {
            ASSERT_TRUE(observed.contains(key)) << context;
            EXPECT_EQ(svc, observed.at(key)) << context << ": foreign " << to_string(key);
        }
    }
    for (const auto& [key, svc] : desired) {
        EXPECT_TRUE(port.kernel.contains(key)) << context << ": missing " << to_string(key);
    }
    for (const auto& [key, svc] : observed) {
        if (!managed.contains(key) && !desired.contains(key)) {
            EXPECT_TRUE(port.kernel.contains(key)) << context << ": foreign lost";
        }
    }
    // Idempotence: once applied, there is nothing left to do.
    EXPECT_EQ(reconcile(desired, port.kernel, managed), std::vector<operation>{}) << context;
}

TEST(IpvsReconciler, EveryRowConvergesThroughTheFakeKernel) {
    for (const auto& r : rows()) {
        convergence run(r.desired, r.observed, r.managed);
        EXPECT_EQ(run.port.apply_calls, 1);
        expect_converged(run.port, r.desired, r.observed, r.managed, r.description);
    }
}

TEST(IpvsReconciler, RepairsDriftAfterItsOwnTableWasApplied) {
    const table desired{{k_web, web_ab()}, {k_dns, dns_d()}};
    const std::set<service_key> managed{k_web, k_dns};
    fakes::fake_ipvs_port port;
    port.kernel[k_foreign] = svc("lc", {{k_c, nat()}});
    port.apply(reconcile(desired, port.kernel, managed));

    // Someone deletes a real and bumps a weight behind our back.
    port.kernel[k_web].destinations.erase(k_b);
    port.kernel[k_dns].destinations[k_d].weight = 9;
    table observed;
    ASSERT_FALSE(port.dump(observed));
    const auto repair = reconcile(desired, observed, managed);
    EXPECT_EQ(repair, (std::vector<operation>{add_destination{k_web, k_b, dr()},
                                              edit_destination{k_dns, k_d, nat(3)}}));
    port.apply(repair);
    expect_converged(port, desired, observed, managed, "drift repair");
    EXPECT_EQ(port.kernel.at(k_foreign), svc("lc", {{k_c, nat()}}));
}

// ---- randomized convergence (seeded, bounded) ----

class generator {
  public:
    explicit generator(std::uint32_t seed) : rng_(seed) {}

    bool coin(std::size_t percent) { return pick(100) < percent; }
    std::size_t pick(std::size_t n) {
        return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_);
    }

    service_settings settings() {
        static const char* const k_schedulers[] = {"rr", "wrr", "sh", "mh"};
        service_settings s = sched(k_schedulers[pick(4)]);
        s.flags.sched1 = coin(20);
        s.flags.one_packet = coin(10);
        if (coin(30)) {
            s.persistence_timeout = coin(50) ? 300 : 60;
        }
        s.persistence_prefix = coin(50) ? 24 : 32;  // noise unless persistent
        return s;
    }

    destination_settings destination() {
        destination_settings d = coin(50) ? dr(static_cast<std::uint32_t>(pick(3))) : nat(1);
        if (coin(20)) {
            d.forwarding = forwarding::tunnel;
            d.tunnel_type = coin(50) ? tunnel_type::gue : tunnel_type::ipip;
        }
        d.tunnel_port = coin(50) ? 6080 : 0;  // noise unless GUE
        if (coin(15)) {
            d.lower_threshold = 5;
            d.upper_threshold = 50;
        }
        return d;
    }

    // IPv6 services get IPv6 reals: the kernel wants the service's family (except tunnels).
    table random_table(const std::vector<service_key>& keys,
                       const std::vector<destination_key>& v4_reals,
                       const std::vector<destination_key>& v6_reals) {
        table out;
        for (const auto& key : keys) {
            if (!coin(60)) {
                continue;
            }
            const auto& reals = family_of(key) == address_family::ipv4 ? v4_reals : v6_reals;
            service s;
            s.settings = settings();
            for (const auto& r : reals) {
                if (coin(50)) {
                    s.destinations.emplace(r, destination());
                }
            }
            out.emplace(key, s);
        }
        return out;
    }

  private:
    std::mt19937 rng_;
};

TEST(IpvsReconciler, RandomTablesConvergeInOnePassWithoutChurn) {
    const std::vector<service_key> keys{tcp("10.0.0.1", 80),
                                        tcp("10.0.0.1", 443),
                                        udp("10.0.0.1", 53),
                                        tcp("10.0.0.2", 80),
                                        fwmark(1),
                                        fwmark(2, address_family::ipv6),
                                        tcp("2001:db8::1", 80)};
    const std::vector<destination_key> v4{real("10.0.1.1", 80), real("10.0.1.2", 80),
                                          real("10.0.1.3", 8080), real("10.0.1.4", 0)};
    const std::vector<destination_key> v6{real("2001:db8::41", 80), real("2001:db8::42", 80)};
    for (std::uint32_t seed = 1; seed <= 400; ++seed) {
        generator gen(seed);
        const table observed = gen.random_table(keys, v4, v6);
        const table desired = gen.random_table(keys, v4, v6);
        std::set<service_key> managed;
        for (const auto& key : keys) {
            if (desired.contains(key) || gen.coin(40)) {
                managed.insert(key);
            }
        }
        const std::string context = "seed " + std::to_string(seed);
        convergence run(desired, observed, managed);
        expect_converged(run.port, desired, observed, managed, context);

        // No churn: a service both wanted and present is never deleted, a real never removed
        // and re-added, and nothing is emitted for what is already equal.
        for (const auto& op : run.first) {
            if (const auto* del = std::get_if<delete_service>(&op)) {
                EXPECT_FALSE(desired.contains(del->key)) << context;
                EXPECT_TRUE(observed.contains(del->key)) << context;
            } else if (const auto* add = std::get_if<add_service>(&op)) {
                EXPECT_FALSE(observed.contains(add->key)) << context;
            } else if (const auto* edit = std::get_if<edit_service>(&op)) {
                const auto family = family_of(edit->key);
                EXPECT_NE(normalize(observed.at(edit->key).settings, family),
                          normalize(edit->settings, family))
                    << context;
            } else if (const auto* edit_dest = std::get_if<edit_destination>(&op)) {
                EXPECT_NE(
                    normalize(
                        observed.at(edit_dest->service).destinations.at(edit_dest->destination)),
                    normalize(edit_dest->settings))
                    << context;
            } else if (const auto* del_dest = std::get_if<delete_destination>(&op)) {
                EXPECT_TRUE(desired.contains(del_dest->service)) << context;
                EXPECT_FALSE(
                    desired.at(del_dest->service).destinations.contains(del_dest->destination))
                    << context;
            }
        }
        if (HasFailure()) {
            break;  // one seed's report is enough
        }
    }
}

TEST(IpvsChangedServices, NamesAddedRemovedAndChangedServicesOnly) {
    const table before{{k_web, web_ab()}, {k_dns, dns_d()}};
    EXPECT_TRUE(changed_services(before, before).empty());
    service reweighted = dns_d();
    reweighted.destinations.at(k_d).weight = 0;  // a real gone quiescent
    const table after{{k_dns, reweighted}, {k_foreign, web_ab()}};
    EXPECT_EQ(changed_services(before, after), (std::set<service_key>{k_web, k_dns, k_foreign}));
    EXPECT_EQ(changed_services({}, after), (std::set<service_key>{k_dns, k_foreign}));
    service rescheduled = web_ab();
    rescheduled.settings.scheduler = "wrr";
    EXPECT_EQ(changed_services(before, {{k_web, rescheduled}, {k_dns, dns_d()}}),
              (std::set<service_key>{k_web}));
}

TEST(IpvsChangedServices, EveryOperationNamesItsService) {
    const std::vector<operation> ops{
        add_service{k_web, {}},
        edit_service{k_web, {}},
        delete_service{k_web},
        add_destination{k_web, k_a, {}},
        edit_destination{k_web, k_a, {}},
        delete_destination{k_web, k_a},
    };
    for (const auto& op : ops) {
        EXPECT_EQ(service_of(op), k_web) << to_string(op);
    }
}

}  // namespace
}  // namespace vipd::ipvs
