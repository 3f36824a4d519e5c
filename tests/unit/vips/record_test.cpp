#include "vipd/vips/record.hpp"

#include <gtest/gtest.h>

namespace vipd::vips {
namespace {

address at(const char* device, const char* prefix) {
    return address{device, *ip_prefix::parse(prefix)};
}

TEST(VipRecordTest, RoundTripsEveryFamilyAndDevice) {
    const std::set<address> addresses{at("eth1", "172.28.128.210/24"),
                                      at("dummy1", "192.168.100.1/32"), at("lo", "10.0.0.1/32"),
                                      at("eth1", "2001:db8::10/64")};
    const auto text = format_record(addresses);
    EXPECT_NE(text.find("vip eth1 172.28.128.210/24\n"), std::string::npos);
    std::size_t skipped = 99;
    EXPECT_EQ(parse_record(text, skipped), addresses);
    EXPECT_EQ(skipped, 0U);
}

TEST(VipRecordTest, OtherLinesAreIgnoredAndBadVipLinesCounted) {
    const std::string text =
        "tcp 172.28.128.210 80\n"  // an IPVS key: not ours to read
        "vip eth1 172.28.128.210/24\n"
        "vip eth1 172.28.128.211\n"                // no length
        "vip eth1\n"                               // truncated
        "vip averyveryverylongname 10.0.0.1/32\n"  // longer than IFNAMSIZ
        "vip eth1 10.0.0.1/33\n"
        "  vip\teth2 10.0.0.2/32\r\n"  // blanks and a CR are fine
        "vipx eth1 10.0.0.3/32\n"      // another word
        "\n";
    std::size_t skipped = 0;
    EXPECT_EQ(parse_record(text, skipped),
              (std::set<address>{at("eth1", "172.28.128.210/24"), at("eth2", "10.0.0.2/32")}));
    EXPECT_EQ(skipped, 4U);
}

TEST(VipRecordTest, RecognisesItsLines) {
    EXPECT_TRUE(is_record_line("vip eth1 10.0.0.1/32"));
    EXPECT_TRUE(is_record_line("  vip eth1"));
    EXPECT_FALSE(is_record_line("vip"));
    EXPECT_FALSE(is_record_line("vipx eth1"));
    EXPECT_FALSE(is_record_line("tcp 10.0.0.1 80"));
    EXPECT_FALSE(is_record_line(""));
}

TEST(VipRecordTest, AnEmptySetIsAnEmptyRecord) {
    EXPECT_EQ(format_record({}), "");
    std::size_t skipped = 1;
    EXPECT_TRUE(parse_record("", skipped).empty());
    EXPECT_EQ(skipped, 0U);
}

}  // namespace
}  // namespace vipd::vips
