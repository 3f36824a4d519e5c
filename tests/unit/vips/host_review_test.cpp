#include "vipd/vips/host_review.hpp"

#include <gtest/gtest.h>

namespace vipd::vips {
namespace {

address at(const char* device, const char* prefix) {
    return address{device, *ip_prefix::parse(prefix)};
}

std::size_t containing(const std::vector<std::string>& lines, const std::string& text) {
    std::size_t n = 0;
    for (const auto& line : lines) {
        n += line.find(text) != std::string::npos ? 1 : 0;
    }
    return n;
}

TEST(VipHostReviewTest, AConfiguredVipUpButNotOursIsNamed) {
    const std::set<address> configured{at("eth1", "172.28.128.210/32"),
                                       at("eth1", "172.28.128.211/32"),
                                       at("eth1", "172.28.128.212/32")};
    host_facts facts;
    facts.addresses = {{at("eth1", "172.28.128.210/32"), false},   // by hand
                       {at("eth1", "172.28.128.211/32"), true},    // tagged: ours
                       {at("eth1", "172.28.128.212/32"), false}};  // recorded: ours
    const auto warnings = review_host(configured, {at("eth1", "172.28.128.212/32")}, facts);
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("172.28.128.210/32 on eth1 is already up"), std::string::npos)
        << warnings[0];
}

TEST(VipHostReviewTest, AVipInTheSubnetOfTheDevicesAddressNeedsPromoteSecondaries) {
    const std::set<address> configured{at("eth1", "172.28.128.210/24")};
    host_facts facts;
    facts.addresses = {{at("eth1", "172.28.128.10/24"), false}};
    std::optional<bool> promote = false;
    facts.promote_secondaries = [&promote](const std::string&) { return promote; };
    auto warnings = review_host(configured, {}, facts);
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("net.ipv4.conf.eth1.promote_secondaries=1"), std::string::npos);
    promote = true;
    EXPECT_TRUE(review_host(configured, {}, facts).empty());
    promote = std::nullopt;
    EXPECT_EQ(containing(review_host(configured, {}, facts), "could not be read"), 1u);
}

TEST(VipHostReviewTest, AHostRouteOrAnotherSubnetOrDeviceIsFine) {
    const std::set<address> configured{at("eth1", "172.28.128.210/32"), at("eth1", "10.9.0.1/24"),
                                       at("eth2", "172.28.128.211/24"),
                                       at("eth1", "2001:db8::10/64")};
    host_facts facts;
    facts.addresses = {{at("eth1", "172.28.128.10/24"), false},
                       {at("eth1", "2001:db8::1/64"), false}};
    facts.promote_secondaries = [](const std::string&) { return std::optional<bool>(false); };
    EXPECT_TRUE(review_host(configured, {}, facts).empty());
}

TEST(VipHostReviewTest, SameSubnetComparesTheFirstBits) {
    const auto a = *ip_address::parse("172.28.128.10");
    EXPECT_TRUE(same_subnet(a, *ip_address::parse("172.28.128.210"), 24));
    EXPECT_FALSE(same_subnet(a, *ip_address::parse("172.28.129.10"), 24));
    EXPECT_TRUE(same_subnet(a, *ip_address::parse("172.28.129.10"), 23));
    EXPECT_TRUE(same_subnet(a, *ip_address::parse("172.28.128.11"), 30));
    EXPECT_FALSE(same_subnet(a, *ip_address::parse("172.28.128.12"), 30));
    EXPECT_FALSE(same_subnet(a, *ip_address::parse("172.28.128.14"), 31));
    EXPECT_FALSE(same_subnet(a, *ip_address::parse("2001:db8::1"), 0));
    EXPECT_TRUE(same_subnet(a, *ip_address::parse("1.2.3.4"), 0));
}

}  // namespace
}  // namespace vipd::vips
