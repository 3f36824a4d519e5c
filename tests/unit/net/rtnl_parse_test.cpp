// The rtnetlink reply parsers on the inputs the fuzzer found reading past an attribute (the
// reproducers checked in as seeds of tests/fuzz/corpus/rtnl_parse/). Each message ends where
// a PROT_NONE page begins, so a read past its end crashes the test instead of going unseen.

#include <linux/rtnetlink.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
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

/// What parse_link or parse_address (`Record` says which) makes of reproducer `name`; nullopt
/// when the parser refuses it.
template <class Record>
std::optional<std::pair<Record, ifaddrmsg>> parsed(const std::string& name) {
    const auto bytes = reproducer(name);
    EXPECT_FALSE(bytes.empty()) << "no reproducer " << name;
    if (bytes.empty()) {
        return std::nullopt;
    }
    const guarded_message message(k_types[bytes[0] & 3], {}, std::span(bytes).subspan(1));
    Record record;
    bool ok = false;
    if constexpr (std::is_same_v<Record, link_record>) {
        ok = parse_link(&message.header(), record);
    } else {
        ok = parse_address(&message.header(), record);
    }
    ifaddrmsg header{};
    std::memcpy(&header, NLMSG_DATA(&message.header()), sizeof header);
    return ok ? std::optional(std::pair(record, header)) : std::nullopt;
}

TEST(RtnlParse, ALinkNameWithoutItsNulIsReadWithinTheAttribute) {
    const auto link = parsed<link_record>("link_name_unterminated");
    ASSERT_TRUE(link);
    EXPECT_FALSE(link->first.name.empty());
    EXPECT_LE(link->first.name.size(), 16U);
}

TEST(RtnlParse, AShortFlagsAttributeFallsBackToTheHeaderFlags) {
    const auto address = parsed<address_record>("address_flags_short");
    ASSERT_TRUE(address);
    EXPECT_EQ(address->first.flags, address->second.ifa_flags);
}

TEST(RtnlParse, AnEmptyProtocolAttributeIsNoProtocol) {
    const auto address = parsed<address_record>("address_proto_empty");
    ASSERT_TRUE(address);
    EXPECT_EQ(address->first.protocol, std::nullopt);
}

}  // namespace
}  // namespace vipd::net::linux::detail
