#include "vipd/core/address.hpp"

#include <gtest/gtest.h>

namespace vipd {
namespace {

TEST(IpAddress, ParsesAndPrintsBothFamilies) {
    struct row {
        const char* text;
        address_family family;
        const char* canonical;
    };
    for (const auto& r : {row{"172.28.128.210", address_family::ipv4, "172.28.128.210"},
                          row{"fe80::0:1", address_family::ipv6, "fe80::1"},
                          row{"2001:DB8::a", address_family::ipv6, "2001:db8::a"}}) {
        auto parsed = ip_address::parse(r.text);
        ASSERT_TRUE(parsed) << r.text;
        EXPECT_EQ(parsed->family(), r.family);
        EXPECT_EQ(parsed->to_string(), r.canonical);
    }
}

TEST(IpAddress, RejectsMalformedText) {
    for (const char* text :
         {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", " 1.2.3.4", "fe80::1%eth0", "1.2.3.4/24", "::g"}) {
        EXPECT_FALSE(ip_address::parse(text)) << text;
    }
}

TEST(IpAddress, RejectsTextWithANulInside) {
    using namespace std::string_view_literals;
    EXPECT_FALSE(ip_address::parse("10.0.0.1\0junk"sv));
    EXPECT_FALSE(ip_address::parse("fe80::1\0"sv));
    EXPECT_FALSE(ip_prefix::parse("10.0.0.1\0/24"sv));
}

TEST(IpAddress, OrdersByFamilyThenUnsignedBytes) {
    auto a = *ip_address::parse("10.0.0.2");
    auto b = *ip_address::parse("10.0.0.10");
    auto c = *ip_address::parse("192.168.0.1");
    auto v6 = *ip_address::parse("::1");
    EXPECT_LT(a, b);
    EXPECT_LT(b, c);
    EXPECT_LT(c, v6);
    EXPECT_NE(a, b);
    EXPECT_EQ(a, *ip_address::parse("10.0.0.2"));
}

TEST(IpAddress, ClassifiesMulticastAndLinkLocal) {
    EXPECT_TRUE(ip_address::parse("224.0.0.18")->is_multicast());
    EXPECT_TRUE(ip_address::parse("ff02::12")->is_multicast());
    EXPECT_FALSE(ip_address::parse("10.0.0.1")->is_multicast());
    EXPECT_TRUE(ip_address::parse("fe80::1")->is_link_local_v6());
    EXPECT_FALSE(ip_address::parse("2001:db8::1")->is_link_local_v6());
}

TEST(IpPrefix, ParsesLengthsWithinTheFamilyWidth) {
    EXPECT_EQ(ip_prefix::parse("172.28.128.210/24")->length, 24);
    EXPECT_EQ(ip_prefix::parse("192.168.100.1")->length, 32);
    EXPECT_EQ(ip_prefix::parse("2001:db8::1/64")->length, 64);
    EXPECT_EQ(ip_prefix::parse("2001:db8::1")->length, 128);
    EXPECT_EQ(ip_prefix::parse("10.0.0.1/24")->to_string(), "10.0.0.1/24");
    for (const char* text :
         {"10.0.0.1/33", "10.0.0.1/", "10.0.0.1/x", "::1/129", "/24", "10.0.0.1/-1"}) {
        EXPECT_FALSE(ip_prefix::parse(text)) << text;
    }
}

}  // namespace
}  // namespace vipd
