#include "vipd/ipvs/key_list.hpp"

#include <gtest/gtest.h>

namespace vipd::ipvs {
namespace {

service_key endpoint(protocol p, const char* address, std::uint16_t port) {
    return endpoint_key{p, *ip_address::parse(address), port};
}

TEST(IpvsKeyList, EveryKindOfKeyRoundTrips) {
    const std::set<service_key> keys{
        endpoint(protocol::tcp, "172.28.128.210", 80), endpoint(protocol::udp, "2001:db8::53", 53),
        endpoint(protocol::sctp, "10.0.0.1", 0),       fwmark_key{10, address_family::ipv4},
        fwmark_key{4294967295U, address_family::ipv6},
    };
    const auto text = format_key_list(keys);
    EXPECT_NE(text.find("tcp 172.28.128.210 80\n"), std::string::npos) << text;
    EXPECT_NE(text.find("fwmark 10 ipv4\n"), std::string::npos) << text;
    std::size_t skipped = 99;
    EXPECT_EQ(parse_key_list(text, skipped), keys);
    EXPECT_EQ(skipped, 0u);
    EXPECT_TRUE(parse_key_list("", skipped).empty());
}

TEST(IpvsKeyList, UnreadableLinesAreSkippedAndCountedTheRestKept) {
    std::size_t skipped = 0;
    const auto keys = parse_key_list(
        "tcp 10.0.0.1 80\n"
        "\n"
        "icmp 10.0.0.1 80\n"       // no such protocol
        "tcp 10.0.0.300 80\n"      // not an address
        "udp 10.0.0.1 65536\n"     // port out of range
        "fwmark 0 ipv4\n"          // mark 0 is not a fwmark service
        "fwmark 7 ipx\n"           // family
        "tcp 10.0.0.1 80 extra\n"  // words
        "udp 10.0.0.2 5",          // truncated, but still a key
        skipped);
    EXPECT_EQ(keys, (std::set<service_key>{endpoint(protocol::tcp, "10.0.0.1", 80),
                                           endpoint(protocol::udp, "10.0.0.2", 5)}));
    EXPECT_EQ(skipped, 6u);
}

}  // namespace
}  // namespace vipd::ipvs
