// vipctl drain as desired state: drained reals at weight 0 in the desired table, deadlines on a
// clock the test moves, what a reload keeps, and how SERVICE and REAL are found by name.
#include "vipd/policy/drains.hpp"

#include <gtest/gtest.h>

#include <string>

#include "support/config_results.hpp"
#include "support/ipvs_literals.hpp"
#include "vipd/policy/desired_table.hpp"

namespace vipd::policy {
namespace {

using ipvs::test::real;
using ipvs::test::tcp;
using namespace std::chrono_literals;

// web-80 (NAT, so that a real may listen on another port): checked reals .40 (weight 3) and
// .50 on port 80 and .40 again on 8080; a nameless service on :443 with one real; a fwmark
// service; a service without reals.
constexpr std::string_view k_config = R"(
[[virtual_server]]
name = "web-80"
address = "10.0.0.1"
port = 80
forwarding = "nat"
fallback = "10.0.0.9:80"
  [virtual_server.check]
  type = "tcp"
  [[virtual_server.real]]
  address = "10.0.0.40"
  weight = 3
  [[virtual_server.real]]
  address = "10.0.0.50"
  [[virtual_server.real]]
  address = "10.0.0.40"
  port = 8080
[[virtual_server]]
address = "10.0.0.1"
port = 443
  [[virtual_server.real]]
  address = "10.0.0.41"
[[virtual_server]]
fwmark = 9
  [[virtual_server.real]]
  address = "10.0.0.42"
[[virtual_server]]
name = "empty"
address = "10.0.0.2"
port = 80
)";

const config::daemon_config& config() {
    static const auto loaded = support::load_ok(std::string(k_config));
    return loaded;
}

const master_predicate k_no_master = [](std::string_view) { return false; };
const real_ref k_web_40{tcp("10.0.0.1", 80), real("10.0.0.40", 80)};
const real_ref k_web_50{tcp("10.0.0.1", 80), real("10.0.0.50", 80)};

drain_predicate drained(const drain_set& drains) {
    return [&drains](const ipvs::service_key& s, const ipvs::destination_key& r) {
        return drains.contains(s, r);
    };
}

health_predicate all_up_but(const ipvs::destination_key& down) {
    return [down](const ipvs::service_key&, const ipvs::destination_key& r) { return r != down; };
}

TEST(DrainedDesiredTable, ADrainedRealStaysInTheTableAtWeightZero) {
    drain_set drains;
    drains.drain(k_web_40, std::nullopt);
    const auto table = desired_table(config(), k_no_master, {}, drained(drains));
    const auto& web = table.at(k_web_40.service).destinations;
    ASSERT_EQ(web.count(k_web_40.real), 1U) << "established connections need it in the table";
    EXPECT_EQ(web.at(k_web_40.real).weight, 0U);
    EXPECT_EQ(web.at(k_web_50.real).weight, 1U);
    EXPECT_EQ(web.at(real("10.0.0.40", 8080)).weight, 1U) << "the same address on another port";
    EXPECT_EQ(desired_table(config(), k_no_master)
                  .at(k_web_40.service)
                  .destinations.at(k_web_40.real)
                  .weight,
              3U)
        << "without drains, the configured weight";
}

TEST(DrainedDesiredTable, AnUndrainedRealIsBackAtItsConfiguredWeight) {
    drain_set drains;
    drains.drain(k_web_40, std::nullopt);
    ASSERT_TRUE(drains.undrain(k_web_40));
    EXPECT_FALSE(drains.undrain(k_web_40));
    const auto table = desired_table(config(), k_no_master, {}, drained(drains));
    EXPECT_EQ(table.at(k_web_40.service).destinations.at(k_web_40.real).weight, 3U);
}

TEST(DrainedDesiredTable, ADrainNeitherBringsBackADownRealNorCountsAgainstTheQuorum) {
    drain_set drains;
    drains.drain(k_web_40, std::nullopt);
    drains.drain(k_web_50, std::nullopt);
    // Down and not quiescent: health took .50 out, and the drain leaves it out.
    const auto table =
        desired_table(config(), k_no_master, all_up_but(k_web_50.real), drained(drains));
    const auto& web = table.at(k_web_40.service).destinations;
    EXPECT_EQ(web.count(k_web_50.real), 0U);
    EXPECT_EQ(web.at(k_web_40.real).weight, 0U);
    // The quorum is health's: a drained but healthy service calls no fallback in.
    EXPECT_EQ(web.count(real("10.0.0.9", 80)), 0U);
}

TEST(DrainSet, DrainingTwiceIsOneDrainWithTheNewDeadline) {
    const time_point t0{};
    drain_set drains;
    EXPECT_TRUE(drains.drain(k_web_40, t0 + 10min));
    EXPECT_FALSE(drains.drain(k_web_40, t0 + 3s));
    EXPECT_EQ(drains.size(), 1U);
    ASSERT_NE(drains.find(k_web_40), nullptr);
    EXPECT_EQ(*drains.find(k_web_40), t0 + 3s);
    EXPECT_FALSE(drains.drain(k_web_40, std::nullopt));
    EXPECT_EQ(drains.next_deadline(), std::nullopt) << "drained until undrained now";
    EXPECT_EQ(drains.find(k_web_50), nullptr);
}

TEST(DrainSet, DeadlinesEndTheirDrainsAtTheirTimeAndNoSooner) {
    const time_point t0{};
    drain_set drains;
    drains.drain(k_web_40, t0 + 10s);
    drains.drain(k_web_50, t0 + 3s);
    const real_ref forever{tcp("10.0.0.1", 443), real("10.0.0.41", 443)};
    drains.drain(forever, std::nullopt);
    EXPECT_EQ(drains.next_deadline(), t0 + 3s);
    EXPECT_TRUE(drains.expire(t0 + 2999ms).empty());
    EXPECT_EQ(drains.expire(t0 + 3s), std::vector{k_web_50});
    EXPECT_EQ(drains.next_deadline(), t0 + 10s);
    EXPECT_TRUE(drains.contains(k_web_40.service, k_web_40.real));
    EXPECT_EQ(drains.expire(t0 + 1h), std::vector{k_web_40});
    EXPECT_EQ(drains.next_deadline(), std::nullopt);
    EXPECT_TRUE(drains.contains(forever.service, forever.real)) << "no deadline, no end";
}

TEST(DrainSet, AReloadKeepsTheDrainsOfRealsThatStillExist) {
    drain_set drains;
    drains.drain(k_web_40, std::nullopt);
    const real_ref gone{tcp("10.0.0.1", 80), real("10.0.0.60", 80)};
    const real_ref gone_service{tcp("10.0.0.3", 80), real("10.0.0.40", 80)};
    drains.drain(gone, std::nullopt);
    drains.drain(gone_service, std::nullopt);
    EXPECT_EQ(drains.retain_configured(config()), (std::vector{gone, gone_service}));
    EXPECT_EQ(drains.size(), 1U);
    EXPECT_TRUE(drains.contains(k_web_40.service, k_web_40.real));
}

struct found_row {
    std::string_view description;
    std::string_view service;
    std::string_view real;
    real_ref expected;
};

class FindReal : public ::testing::TestWithParam<found_row> {};

TEST_P(FindReal, FindsTheRealAsVipctlIpvsNamesIt) {
    const auto& row = GetParam();
    const auto found = find_real(config(), row.service, row.real);
    ASSERT_TRUE(std::holds_alternative<real_ref>(found)) << std::get<std::string>(found);
    EXPECT_EQ(std::get<real_ref>(found), row.expected);
}

INSTANTIATE_TEST_SUITE_P(
    Rows, FindReal,
    ::testing::Values(
        found_row{"name and ADDR:PORT",
                  "web-80",
                  "10.0.0.40:8080",
                  {tcp("10.0.0.1", 80), real("10.0.0.40", 8080)}},
        found_row{"a bare address means the service's port", "web-80", "10.0.0.40", k_web_40},
        found_row{"the key of a named service", "tcp 10.0.0.1:80", "10.0.0.50", k_web_50},
        found_row{"the key of a nameless service",
                  "tcp 10.0.0.1:443",
                  "10.0.0.41:443",
                  {tcp("10.0.0.1", 443), real("10.0.0.41", 443)}},
        found_row{"a fwmark service's only real at an address",
                  "fwmark 9 (ipv4)",
                  "10.0.0.42",
                  {ipvs::test::fwmark(9), real("10.0.0.42", 0)}}));

struct error_row {
    std::string_view description;
    std::string_view service;
    std::string_view real;
    std::string_view error;
};

class FindRealErrors : public ::testing::TestWithParam<error_row> {};

TEST_P(FindRealErrors, NameWhatExists) {
    const auto& row = GetParam();
    const auto found = find_real(config(), row.service, row.real);
    ASSERT_TRUE(std::holds_alternative<std::string>(found)) << row.description;
    EXPECT_EQ(std::get<std::string>(found), row.error) << row.description;
}

INSTANTIATE_TEST_SUITE_P(
    Rows, FindRealErrors,
    ::testing::Values(
        error_row{"unknown service", "web", "10.0.0.40",
                  "no virtual server \"web\"; configured: web-80 (tcp 10.0.0.1:80), "
                  "tcp 10.0.0.1:443, fwmark 9 (ipv4), empty (tcp 10.0.0.2:80)"},
        error_row{"unknown real", "web-80", "10.0.0.60:80",
                  "web-80 has no real \"10.0.0.60:80\"; its reals: 10.0.0.40:80, 10.0.0.50:80, "
                  "10.0.0.40:8080"},
        error_row{"the fallback is no real", "web-80", "10.0.0.9:80",
                  "web-80 has no real \"10.0.0.9:80\"; its reals: 10.0.0.40:80, 10.0.0.50:80, "
                  "10.0.0.40:8080"},
        error_row{"not an address", "web-80", "www",
                  "\"www\" is not ADDR or ADDR:PORT; the reals of web-80: 10.0.0.40:80, "
                  "10.0.0.50:80, 10.0.0.40:8080"},
        error_row{"a service without reals", "empty", "10.0.0.40", "empty has no reals"}));

TEST(FindReal, AnAmbiguousAddressAsksForThePortAndLongListsAreCut) {
    std::string text = "[[virtual_server]]\nname = \"s\"\nfwmark = 1\nforwarding = \"nat\"\n";
    for (int port = 1; port <= 10; ++port) {
        text += "  [[virtual_server.real]]\n  address = \"10.0.0.40\"\n  port = " +
                std::to_string(port) + "\n";
    }
    const auto many = support::load_ok(text);
    const auto found = find_real(many, "s", "10.0.0.40");
    ASSERT_TRUE(std::holds_alternative<std::string>(found));
    EXPECT_EQ(std::get<std::string>(found),
              "\"10.0.0.40\" is several reals of s: 10.0.0.40:1, 10.0.0.40:2, 10.0.0.40:3, "
              "10.0.0.40:4, 10.0.0.40:5, 10.0.0.40:6, 10.0.0.40:7, 10.0.0.40:8 and 2 more; give "
              "ADDR:PORT");
}

TEST(FindReal, IPv6RealsByBracketsOrBareAddress) {
    const auto v6 = support::load_ok(R"(
[[virtual_server]]
address = "2001:db8::1"
port = 80
  [[virtual_server.real]]
  address = "2001:db8::40"
)");
    const real_ref expected{
        ipvs::endpoint_key{ipvs::protocol::tcp, support::addr("2001:db8::1"), 80},
        real("2001:db8::40", 80)};
    for (const auto* text : {"[2001:db8::40]:80", "2001:db8::40", "[2001:db8:0::40]:80"}) {
        const auto found = find_real(v6, "tcp [2001:db8::1]:80", text);
        ASSERT_TRUE(std::holds_alternative<real_ref>(found))
            << text << ": " << std::get<std::string>(found);
        EXPECT_EQ(std::get<real_ref>(found), expected) << text;
    }
}

}  // namespace
}  // namespace vipd::policy
