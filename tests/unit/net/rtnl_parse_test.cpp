// The rtnetlink reply parsers on the inputs the fuzzer found reading past an attribute (the
// reproducers checked in as seeds of tests/fuzz/corpus/rtnl_parse/). Each message ends where
// a PROT_NONE page begins, so a read past its end crashes the test instead of going unseen.

#include <linux/rtnetlink.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <span>
#include <string>
#include <vector>

#include "fuzz/netlink_frame.hpp"
#include "rtnl_netlink.hpp"

namespace vipd::net::linux::detail {
namespace {

using fuzz::guarded_message;

/// A reproducer: byte 0 picks the message type as the fuzz target does, the rest follows the
/// nlmsghdr.
std::vector<std::uint8_t> reproducer(const std::string& name) {
    std::ifstream in(VIPD_SOURCE_DIR "/tests/fuzz/corpus/rtnl_parse/" + name, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

constexpr std::uint16_t k_types[] = {RTM_NEWLINK, RTM_NEWADDR, RTM_DELADDR, RTM_GETLINK};

guarded_message frame(const std::vector<std::uint8_t>& bytes) {
    return guarded_message(k_types[bytes.at(0) & 3], {}, std::span(bytes).subspan(1));
}

TEST(RtnlParse, ALinkNameWithoutItsNulIsReadWithinTheAttribute) {
    const auto bytes = reproducer("link_name_unterminated");
    ASSERT_FALSE(bytes.empty());
    const auto message = frame(bytes);
    link_record link;
    ASSERT_TRUE(parse_link(&message.header(), link));
    EXPECT_FALSE(link.name.empty());
    EXPECT_LE(link.name.size(), 16U);
}

TEST(RtnlParse, AShortFlagsAttributeFallsBackToTheHeaderFlags) {
    const auto bytes = reproducer("address_flags_short");
    ASSERT_FALSE(bytes.empty());
    const auto message = frame(bytes);
    address_record address;
    ASSERT_TRUE(parse_address(&message.header(), address));
    const auto* info = static_cast<const ifaddrmsg*>(NLMSG_DATA(&message.header()));
    EXPECT_EQ(address.flags, info->ifa_flags);
}

TEST(RtnlParse, AnEmptyProtocolAttributeIsNoProtocol) {
    const auto bytes = reproducer("address_proto_empty");
    ASSERT_FALSE(bytes.empty());
    const auto message = frame(bytes);
    address_record address;
    ASSERT_TRUE(parse_address(&message.header(), address));
    EXPECT_EQ(address.protocol, std::nullopt);
}

}  // namespace
}  // namespace vipd::net::linux::detail
