#include "vipd/routes/reconciler.hpp"

#include <gtest/gtest.h>

#include <ostream>

namespace vipd::routes {
namespace {

ip_address at(const char* text) {
    return *ip_address::parse(text);
}
route accept(const char* address) {
    return {route_kind::accept, at(address), 0};
}
route announce(const char* address, std::uint32_t metric = 10) {
    return {route_kind::announce, at(address), metric};
}
step add(route r) {
    return {operation::add, r};
}
step remove(route r) {
    return {operation::remove, r};
}

struct row {
    const char* description;
    std::set<route> desired;
    std::vector<route> observed;
    std::vector<step> expected;
};

void PrintTo(const row& r, std::ostream* out) {
    *out << r.description;
}

class RoutesReconcilerTest : public ::testing::TestWithParam<row> {};

TEST_P(RoutesReconcilerTest, ConvergesInOrder) {
    const auto& r = GetParam();
    EXPECT_EQ(reconcile(r.desired, r.observed), r.expected) << r.description;
}

const row k_rows[] = {
    {"nothing wanted, nothing there", {}, {}, {}},
    {"an announced VIP is accepted before it is announced",
     {accept("192.0.2.10"), announce("192.0.2.10")},
     {},
     {add(accept("192.0.2.10")), add(announce("192.0.2.10"))}},
    {"a withdrawn VIP stops being announced before it stops being accepted",
     {},
     {accept("192.0.2.10"), announce("192.0.2.10")},
     {remove(announce("192.0.2.10")), remove(accept("192.0.2.10"))}},
    {"routes in place are left alone",
     {accept("192.0.2.10"), announce("192.0.2.10")},
     {announce("192.0.2.10"), accept("192.0.2.10")},
     {}},
    {"a route deleted by hand comes back, the other is kept",
     {accept("192.0.2.10"), announce("192.0.2.10")},
     {accept("192.0.2.10")},
     {add(announce("192.0.2.10"))}},
    {"a changed metric: the new announce route goes in before the old one goes",
     {accept("192.0.2.10"), announce("192.0.2.10", 20)},
     {accept("192.0.2.10"), announce("192.0.2.10", 10)},
     {add(announce("192.0.2.10", 20)), remove(announce("192.0.2.10", 10))}},
    {"one VIP comes, another goes, an IPv6 one stays",
     {accept("192.0.2.11"), announce("192.0.2.11"), accept("2001:db8::10"),
      announce("2001:db8::10")},
     {accept("192.0.2.10"), announce("192.0.2.10"), accept("2001:db8::10"),
      announce("2001:db8::10")},
     {add(accept("192.0.2.11")), add(announce("192.0.2.11")), remove(announce("192.0.2.10")),
      remove(accept("192.0.2.10"))}},
    {"a route dumped twice is removed once",
     {},
     {announce("192.0.2.10"), announce("192.0.2.10")},
     {remove(announce("192.0.2.10"))}},
};

INSTANTIATE_TEST_SUITE_P(Rows, RoutesReconcilerTest, ::testing::ValuesIn(k_rows));

TEST(RouteText, NamesKindPrefixAndMetric) {
    EXPECT_EQ(announce("192.0.2.10", 7).to_string(), "announce 192.0.2.10/32 metric 7");
    EXPECT_EQ(accept("2001:db8::10").to_string(), "accept 2001:db8::10/128");
}

}  // namespace
}  // namespace vipd::routes
