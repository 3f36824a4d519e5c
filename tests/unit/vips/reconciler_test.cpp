#include "vipd/vips/reconciler.hpp"

#include <gtest/gtest.h>

namespace vipd::vips {
namespace {

address at(const char* device, const char* prefix) {
    return address{device, *ip_prefix::parse(prefix)};
}

const address k_web = at("eth1", "172.28.128.210/24");
const address k_api = at("eth1", "172.28.128.211/24");
const address k_nat = at("dummy1", "192.168.100.1/32");
const address k_old = at("eth1", "172.28.128.199/24");  // no longer configured
const address k_real = at("eth1", "172.28.128.10/24");  // the director's own address
const address k_web6 = at("eth1", "2001:db8::210/64");

observed_address untagged(const address& a) {
    return {a, false};
}
observed_address tagged(const address& a) {
    return {a, true};
}

struct row {
    const char* description;
    view wanted;
    std::vector<observed_address> host;
    std::vector<address> add;
    std::vector<removal> remove;
    std::vector<address> adopted = {};
    std::vector<address> forgotten = {};
};

removal not_master(const address& a) {
    return {a, removal_reason::not_master};
}
removal leftover(const address& a) {
    return {a, removal_reason::leftover};
}

std::vector<row> rows() {
    return {
        {"a MASTER's missing VIP is added",
         {.desired = {k_web}, .configured = {k_web}},
         {untagged(k_real)},
         {k_web},
         {}},
        {"a MASTER whose VIP is up changes nothing",
         {.desired = {k_web}, .configured = {k_web}, .owned = {k_web}},
         {untagged(k_real), untagged(k_web)},
         {},
         {}},
        {"a BACKUP removes the VIP it added (no tag: kernel before 5.18)",
         {.configured = {k_web}, .owned = {k_web}},
         {untagged(k_real), untagged(k_web)},
         {},
         {not_master(k_web)}},
        {"a BACKUP removes a configured VIP nobody recorded, and says it took it over",
         {.configured = {k_web}},
         {untagged(k_web)},
         {},
         {not_master(k_web)},
         {k_web}},
        {"a MASTER keeps a configured VIP it finds up, and says it took it over",
         {.desired = {k_web}, .configured = {k_web}},
         {untagged(k_web)},
         {},
         {},
         {k_web}},
        {"a tagged configured VIP was ours: no take-over warning",
         {.configured = {k_web}, .tags_kept = true},
         {tagged(k_web)},
         {},
         {not_master(k_web)}},
        {"a recorded VIP the configuration dropped is a leftover",
         {.configured = {k_web}, .owned = {k_old}},
         {untagged(k_old)},
         {},
         {leftover(k_old)}},
        {"a tagged VIP nobody recorded is a leftover where the kernel keeps tags",
         {.configured = {k_web}, .tags_kept = true},
         {tagged(k_old)},
         {},
         {leftover(k_old)}},
        {"a 'tagged' address is not trusted where the kernel drops tags",
         {.configured = {k_web}, .tags_kept = false},
         {tagged(k_old)},
         {},
         {}},
        {"an address neither configured nor ours is never touched",
         {.desired = {k_web}, .configured = {k_web}, .owned = {k_web}},
         {untagged(k_real), untagged(k_old), untagged(k_web)},
         {},
         {}},
        {"an owner's address it found up (not configured as managed) stays in Fault",
         {},
         {untagged(k_real)},
         {},
         {}},
        {"an owner's address vipd added itself goes when not wanted",
         {.owned = {k_real}},
         {untagged(k_real)},
         {},
         {leftover(k_real)}},
        {"the same prefix on another device is another address",
         {.desired = {k_web}, .configured = {k_web}},
         {untagged(at("eth2", "172.28.128.210/24"))},
         {k_web},
         {}},
        {"the same address with another length is another address",
         {.desired = {k_web}, .configured = {k_web}},
         {untagged(at("eth1", "172.28.128.210/32"))},
         {k_web},
         {}},
        {"an owned address that vanished is forgotten",
         {.configured = {k_web, k_api}, .owned = {k_web, k_api}},
         {untagged(k_web)},
         {},
         {not_master(k_web)},
         {},
         {k_api}},
        {"a MASTER's owned VIP deleted by hand is added back, not forgotten",
         {.desired = {k_web}, .configured = {k_web}, .owned = {k_web}},
         {},
         {k_web},
         {}},
        {"static, IPv6 and a failover at once, in address order",
         {.desired = {k_nat, k_api, k_web6},
          .configured = {k_nat, k_web, k_api, k_web6},
          .owned = {k_web}},
         {untagged(k_real), untagged(k_web)},
         {k_nat, k_api, k_web6},
         {not_master(k_web)}},
        {"a repeated dump entry is one address",
         {.configured = {k_web}, .owned = {k_web}},
         {untagged(k_web), untagged(k_web)},
         {},
         {not_master(k_web)}},
    };
}

TEST(VipReconcilerTest, EveryRowGivesTheExpectedPlan) {
    for (const auto& r : rows()) {
        SCOPED_TRACE(r.description);
        const auto got = reconcile(r.wanted, r.host);
        EXPECT_EQ(got.add, r.add);
        EXPECT_EQ(got.remove, r.remove);
        EXPECT_EQ(got.adopted, r.adopted);
        EXPECT_EQ(got.forgotten, r.forgotten);
    }
}

TEST(VipReconcilerTest, ApplyingThePlanConverges) {
    // Whatever the host holds, applying the plan and reconciling again gives an empty plan.
    const view wanted{
        .desired = {k_web, k_nat}, .configured = {k_web, k_api, k_nat}, .owned = {k_old}};
    std::vector<observed_address> host{untagged(k_real), untagged(k_api), untagged(k_old)};
    const auto first = reconcile(wanted, host);
    std::set<address> after{k_real, k_api, k_old};
    for (const auto& r : first.remove) {
        after.erase(r.where);
    }
    after.insert(first.add.begin(), first.add.end());
    std::vector<observed_address> next;
    for (const auto& a : after) {
        next.push_back(untagged(a));
    }
    view owned_now = wanted;
    owned_now.owned = {k_web, k_nat};
    EXPECT_TRUE(reconcile(owned_now, next).empty());
    EXPECT_EQ(after, (std::set<address>{k_real, k_web, k_nat}));
}

TEST(VipReconcilerTest, AddressesReadAsIpShowsThem) {
    EXPECT_EQ(k_web.to_string(), "172.28.128.210/24 on eth1");
    EXPECT_EQ(to_string(removal_reason::not_master), "not MASTER");
    EXPECT_EQ(to_string(removal_reason::leftover), "no longer configured");
}

}  // namespace
}  // namespace vipd::vips
