// The generic netlink reply parsers against replies captured from real kernels.
#include "genl_wire.hpp"

#include <cstddef>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <linux/ip_vs.h>

namespace vipd::ipvs::linux::wire {
namespace {

// The GET_DAEMON dump of `ipvsadm --start-daemon master --mcast-interface cap0 --syncid 7` and
// `--start-daemon backup --mcast-interface cap1 --syncid 200`, read with a raw netlink socket
// in the VM: one NEW_DAEMON message per daemon, the nest without NLA_F_NESTED, and after the
// state, interface and sync id the attributes 4.3 added (maxlen 1472, port 8848, TTL 1, group
// 224.0.0.81). Debian 11's 5.10 sends the same bytes but for the family id and port id.
constexpr const char* k_master_6_1 =
    "5400000020000200020000007f00000009010000400003000800010001000000090002006361703000000000"
    "080003000700000006000400c00500000600070090220000050008000100000008000500e0000051";
constexpr const char* k_backup_5_10 =
    "540000001d000200020000007000000009010000400003000800010002000000090002006361703100000000"
    "08000300c800000006000400c00500000600070090220000050008000100000008000500e0000051";

std::vector<std::byte> from_hex(const std::string& hex) {
    std::vector<std::byte> bytes;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        bytes.push_back(static_cast<std::byte>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    }
    return bytes;
}

const nlmsghdr& header_of(const std::vector<std::byte>& bytes) {
    return *reinterpret_cast<const nlmsghdr*>(bytes.data());
}

TEST(GenlWire, ParsesTheDaemonsOfAGetDaemonDump) {
    daemon_attrs master;
    ASSERT_TRUE(parse_daemon(header_of(from_hex(k_master_6_1)), master));
    EXPECT_EQ(master, (daemon_attrs{IP_VS_STATE_MASTER, "cap0", 7}));
    daemon_attrs backup;
    ASSERT_TRUE(parse_daemon(header_of(from_hex(k_backup_5_10)), backup));
    EXPECT_EQ(backup, (daemon_attrs{IP_VS_STATE_BACKUP, "cap1", 200}));
}

TEST(GenlWire, RefusesADaemonWithoutItsSyncIdOrWithAnUnterminatedInterface) {
    std::vector<std::byte> bytes;
    request_writer writer(bytes);
    writer.start(0x20, IPVS_CMD_NEW_DAEMON, 0);
    const auto nest = writer.nest_start(IPVS_CMD_ATTR_DAEMON);
    writer.put_value<std::uint32_t>(IPVS_DAEMON_ATTR_STATE, IP_VS_STATE_BACKUP);
    writer.put_string(IPVS_DAEMON_ATTR_MCAST_IFN, "eth0");
    writer.nest_end(nest);
    ASSERT_TRUE(writer.finish(1, 0));
    daemon_attrs out;
    EXPECT_FALSE(parse_daemon(header_of(bytes), out)) << "no sync id";

    // "cap0\0" with its NUL overwritten: a name that runs into the next attribute.
    auto unterminated = from_hex(k_master_6_1);
    const std::size_t name = 20 + 4 + 8 + 4;  // headers, nest, state, the name's own header
    ASSERT_EQ(unterminated[name + 4], std::byte{0});
    unterminated[name + 4] = std::byte{'x'};
    EXPECT_FALSE(parse_daemon(header_of(unterminated), out));
}

TEST(GenlWire, RefusesAReplyThatIsNotADaemon) {
    std::vector<std::byte> bytes;
    request_writer writer(bytes);
    writer.start(0x20, IPVS_CMD_NEW_SERVICE, 0);
    put_service(writer, service_attrs{}, false);
    ASSERT_TRUE(writer.finish(1, 0));
    daemon_attrs out;
    EXPECT_FALSE(parse_daemon(header_of(bytes), out));
}

}  // namespace
}  // namespace vipd::ipvs::linux::wire
