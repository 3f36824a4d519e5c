// The fake kernel must fail where the kernel fails, or reconciler tests could pass on an
// operation order the kernel rejects.
#include "fakes/fake_ipvs_port.hpp"

#include <gtest/gtest.h>

#include "support/ipvs_literals.hpp"

namespace vipd::ipvs {
namespace {

using namespace test;

const service_key k_web = tcp("10.0.0.1", 80);
const destination_key k_a = real("10.0.0.40", 80);

std::error_code errno_code(int value) {
    return {value, std::generic_category()};
}

std::error_code apply_one(fakes::fake_ipvs_port& port, const operation& op) {
    const auto results = port.apply(std::span<const operation>(&op, 1));
    EXPECT_EQ(results.size(), 1U);
    EXPECT_EQ(results.front().op, op);
    return results.front().error;
}

TEST(FakeIpvsPort, FailsLikeTheKernel) {
    destination_settings inverted = dr();
    inverted.lower_threshold = 10;  // upper 0: the kernel still says lower > upper
    service_settings v6_prefix0 = sched("rr");
    v6_prefix0.persistence_prefix = 0;

    struct row {
        const char* description;
        table kernel;
        operation op;
        std::error_code expected;
    };
    const row rows[] = {
        {"add a new service", {}, add_service{k_web, sched("rr")}, {}},
        {"add an existing service",
         {{k_web, svc("rr")}},
         add_service{k_web, sched("wlc")},
         errno_code(EEXIST)},
        {"add with an unknown scheduler",
         {},
         add_service{k_web, sched("nope")},
         errno_code(ENOENT)},
        {"IPv6 netmask 0", {}, add_service{tcp("2001:db8::1", 80), v6_prefix0}, errno_code(EINVAL)},
        {"edit a missing service", {}, edit_service{k_web, sched("rr")}, errno_code(ESRCH)},
        {"delete a missing service", {}, delete_service{k_web}, errno_code(ESRCH)},
        {"add a real to a missing service",
         {},
         add_destination{k_web, k_a, dr()},
         errno_code(ESRCH)},
        {"add an existing real",
         {{k_web, svc("rr", {{k_a, dr()}})}},
         add_destination{k_web, k_a, dr(2)},
         errno_code(EEXIST)},
        {"edit a missing real",
         {{k_web, svc("rr")}},
         edit_destination{k_web, k_a, dr()},
         errno_code(ENOENT)},
        {"delete a missing real",
         {{k_web, svc("rr")}},
         delete_destination{k_web, k_a},
         errno_code(ENOENT)},
        {"delete a real of a missing service",
         {},
         delete_destination{k_web, k_a},
         errno_code(ESRCH)},
        {"lower threshold above upper",
         {{k_web, svc("rr")}},
         add_destination{k_web, k_a, inverted},
         errno_code(ERANGE)},
    };
    for (const auto& r : rows) {
        fakes::fake_ipvs_port port;
        port.kernel = r.kernel;
        const table before = port.kernel;
        const auto error = apply_one(port, r.op);
        EXPECT_EQ(error, r.expected) << r.description;
        if (error) {
            EXPECT_EQ(port.kernel, before) << r.description << ": a failure changes nothing";
        }
    }
}

TEST(FakeIpvsPort, AppliesInOrderAndKeepsGoingAfterAFailure) {
    fakes::fake_ipvs_port port;
    const std::vector<operation> ops{
        add_service{k_web, sched("rr")},     add_destination{k_web, k_a, dr()},
        add_destination{k_web, k_a, dr()},  // EEXIST, and the batch goes on
        edit_destination{k_web, k_a, dr(4)}, edit_service{k_web, sched("wlc")},
    };
    const auto results = port.apply(ops);
    ASSERT_EQ(results.size(), ops.size());
    EXPECT_FALSE(results[0].error);
    EXPECT_FALSE(results[1].error);
    EXPECT_EQ(results[2].error, errno_code(EEXIST));
    EXPECT_FALSE(results[3].error);
    EXPECT_FALSE(results[4].error);
    EXPECT_EQ(port.kernel, (table{{k_web, svc("wlc", {{k_a, dr(4)}})}}));  // edit kept the real
    EXPECT_EQ(port.apply_calls, 1);
    EXPECT_EQ(port.applied.size(), 5U);
    EXPECT_EQ(port.count<add_destination>(), 2U);
    EXPECT_EQ(port.failures(), 1U);

    EXPECT_FALSE(apply_one(port, delete_service{k_web}));
    EXPECT_TRUE(port.kernel.empty());  // its reals went with it
    EXPECT_EQ(port.apply_calls, 2);
}

TEST(FakeIpvsPort, InjectsFailuresAndReportsMissingIpvs) {
    fakes::fake_ipvs_port port;
    port.inject = [](const operation& op) -> std::error_code {
        if (std::holds_alternative<add_destination>(op)) {
            return std::make_error_code(std::errc::not_enough_memory);
        }
        return {};
    };
    EXPECT_FALSE(apply_one(port, add_service{k_web, sched("rr")}));
    EXPECT_EQ(apply_one(port, add_destination{k_web, k_a, dr()}),
              std::make_error_code(std::errc::not_enough_memory));
    EXPECT_TRUE(port.kernel.at(k_web).destinations.empty());

    port.has_ipvs = false;
    EXPECT_FALSE(port.available());
    table out;
    EXPECT_EQ(port.dump(out), errno_code(ENOENT));
    EXPECT_EQ(apply_one(port, delete_service{k_web}), errno_code(ENOENT));
    EXPECT_EQ(port.dump_calls, 1);
}

TEST(FakeIpvsPort, RunsEachSyncRoleOnce) {
    fakes::fake_ipvs_port port;
    EXPECT_FALSE(port.start_sync(sync_role::backup, "eth1", 1));
    EXPECT_FALSE(port.start_sync(sync_role::master, "eth1", 1));  // both at once: allowed
    EXPECT_EQ(port.start_sync(sync_role::master, "eth1", 1), errno_code(EEXIST));
    EXPECT_EQ(port.sync_daemons.size(), 2U);
    EXPECT_FALSE(port.stop_sync(sync_role::master));
    EXPECT_EQ(port.stop_sync(sync_role::master), errno_code(ESRCH));
    EXPECT_EQ(port.sync_daemons.at(sync_role::backup),
              (fakes::fake_ipvs_port::sync_daemon{"eth1", 1}));
}

TEST(FakeIpvsPort, ListsTheSyncDaemonsWithTheirSettings) {
    fakes::fake_ipvs_port port;
    sync_daemons_by_role running{{sync_role::master, {"stale", 9}}};
    EXPECT_FALSE(port.list_sync(running));
    EXPECT_TRUE(running.empty());
    EXPECT_FALSE(port.start_sync(sync_role::master, "eth1", 7));
    EXPECT_EQ(port.start_sync(sync_role::master, "eth2", 8), errno_code(EEXIST))
        << "whatever the settings";
    EXPECT_FALSE(port.list_sync(running));
    EXPECT_EQ(running, (sync_daemons_by_role{{sync_role::master, {"eth1", 7}}}));
    port.has_ipvs = false;
    EXPECT_EQ(port.list_sync(running), errno_code(ENOENT));
}

}  // namespace
}  // namespace vipd::ipvs
