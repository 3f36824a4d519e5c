// The route dump request, byte for byte: a strict kernel (NETLINK_GET_STRICT_CHK) refuses a dump
// request with a non-zero header field or an attribute it does not filter on
// (ip_valid_fib_dump_req), and one without the table and protocol would bring every route back.

#include <linux/rtnetlink.h>
#include <netlink/msg.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <ostream>
#include <vector>

#include "rtnl_netlink.hpp"

namespace vipd::net::linux::detail {
namespace {

struct row {
    const char* description;
    unsigned char family;
    std::uint32_t table;
    std::uint8_t protocol;
    std::vector<std::uint8_t> expected;  // host byte order, as netlink is: little-endian here
};

void PrintTo(const row& r, std::ostream* out) {
    *out << r.description;
}

class RouteDumpRequestTest : public ::testing::TestWithParam<row> {};

TEST_P(RouteDumpRequestTest, EncodesTheTableAndProtocolAndNothingElse) {
    if constexpr (std::endian::native != std::endian::little) {
        GTEST_SKIP() << "the golden bytes are little-endian";
    }
    const auto& r = GetParam();
    const auto msg = route_dump_request(r.family, r.table, r.protocol);
    ASSERT_TRUE(msg);
    const nlmsghdr* header = nlmsg_hdr(msg.get());
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(header);
    EXPECT_EQ(std::vector<std::uint8_t>(bytes, bytes + header->nlmsg_len), r.expected);
}

// nlmsghdr: length 36, RTM_GETROUTE (26), NLM_F_DUMP (0x300), sequence and port 0 (libnl fills
// them in when it sends); rtmsg: family, dst_len, src_len, tos, table, protocol, scope, type,
// flags (4 bytes); RTA_TABLE (15): length 8, the table as 4 bytes.
const row k_rows[] = {
    {"IPv4, vipd's table", AF_INET, 100, 86, {36, 0, 0,  0, 26,  0,  0, 3, 0, 0, 0, 0,
                                              0,  0, 0,  0,                             // nlmsghdr
                                              2,  0, 0,  0, 100, 86, 0, 0, 0, 0, 0, 0,  // rtmsg
                                              8,  0, 15, 0, 100, 0,  0, 0}},            // RTA_TABLE
    {"IPv6, the local table", AF_INET6, 255, 87, {36, 0, 0,  0, 26,  0,  0, 3, 0, 0, 0, 0,
                                                  0,  0, 0,  0,                             //
                                                  10, 0, 0,  0, 255, 87, 0, 0, 0, 0, 0, 0,  //
                                                  8,  0, 15, 0, 255, 0,  0, 0}},
    {"a table beyond 8 bits is RTA_TABLE's alone",
     AF_INET,
     1000,
     86,
     {36, 0, 0,  0, 26,   0,  0, 3, 0, 0, 0, 0, 0, 0, 0, 0,  //
      2,  0, 0,  0, 0,    86, 0, 0, 0, 0, 0, 0,              //
      8,  0, 15, 0, 0xe8, 3,  0, 0}},
};

INSTANTIATE_TEST_SUITE_P(Rows, RouteDumpRequestTest, ::testing::ValuesIn(k_rows));

}  // namespace
}  // namespace vipd::net::linux::detail
