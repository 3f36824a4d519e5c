// Golden-byte tests for the GARP and unsolicited NA builders.
//
// Wireshark's dissectors check the golden frames on every run (tshark_decodes_both_frames;
// tshark 4.0, Debian 12). Frame 1 decodes as "ARP Announcement for 192.0.2.10" (request, sender
// and target IP 192.0.2.10, target MAC zero, 18 bytes padding); frame 2 as "Neighbor Advertisement
// 2001:db8::10 (ovr) is at 52:54:00:12:34:56", hop limit 255, Router and Solicited not set,
// Override set, "Checksum: 0x7451 [correct]" and "[Checksum Status: Good]".

#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <memory>
#include <unistd.h>
#include <gtest/gtest.h>

#include "support/addresses.hpp"
#include "vipd/core/checksum.hpp"
#include "vipd/net/frames/garp.hpp"

namespace vipd::net::frames {
namespace {

using support::addr;

constexpr mac_address k_mac{0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

const std::vector<std::uint8_t> k_golden_garp{
    // Ethernet: broadcast <- 52:54:00:12:34:56, ARP
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x08, 0x06,
    // htype 1, ptype IPv4, hlen 6, plen 4, op 1 (request)
    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,
    // sender MAC, sender IP 192.0.2.10
    0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 192, 0, 2, 10,
    // target MAC zero, target IP 192.0.2.10
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 192, 0, 2, 10,
    // padding to 60 bytes
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

const std::vector<std::uint8_t> k_golden_na{
    // Ethernet: 33:33:00:00:00:01 <- 52:54:00:12:34:56, IPv6
    0x33, 0x33, 0x00, 0x00, 0x00, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x86, 0xdd,
    // IPv6: version 6, payload 32, next header 58, hop limit 255
    0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff,
    // source 2001:db8::10
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    // destination ff02::1
    0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
    // ICMPv6 type 136, code 0, checksum 0x7451 (computed independently, tshark: Good)
    0x88, 0x00, 0x74, 0x51,
    // flags: Override only
    0x20, 0x00, 0x00, 0x00,
    // target 2001:db8::10
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    // option 2 (Target Link-Layer Address), length 1, MAC
    0x02, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

TEST(GratuitousArp, MatchesGoldenBytes) {
    EXPECT_EQ(gratuitous_arp(k_mac, addr("192.0.2.10")), k_golden_garp);
}

TEST(UnsolicitedNa, MatchesGoldenBytes) {
    EXPECT_EQ(unsolicited_na(k_mac, addr("2001:db8::10")), k_golden_na);
}

struct garp_case {
    const char* description;
    mac_address mac;
    const char* vip;
};

TEST(GratuitousArp, FieldsFollowInputs) {
    const garp_case cases[] = {
        {"low address", {0x02, 0, 0, 0, 0, 1}, "10.0.0.1"},
        {"high address", {0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54}, "255.255.255.254"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.description);
        const auto vip = addr(c.vip);
        const auto frame = gratuitous_arp(c.mac, vip);
        ASSERT_EQ(frame.size(), 60u);
        const std::span<const std::uint8_t> bytes(frame);
        EXPECT_TRUE(std::equal(c.mac.begin(), c.mac.end(), bytes.begin() + 6));   // Ethernet source
        EXPECT_TRUE(std::equal(c.mac.begin(), c.mac.end(), bytes.begin() + 22));  // sender MAC
        EXPECT_TRUE(std::equal(vip.bytes().begin(), vip.bytes().end(), bytes.begin() + 28));
        EXPECT_TRUE(std::equal(vip.bytes().begin(), vip.bytes().end(), bytes.begin() + 38));
        for (std::size_t i = 32; i < 38; ++i) {
            EXPECT_EQ(frame[i], 0) << "target MAC byte " << i;
        }
    }
}

// The checksum must be right for any address, not just the golden one: summing the pseudo-header
// and the message including its checksum field gives 0 (RFC 1071).
TEST(UnsolicitedNa, ChecksumVerifiesForManyAddresses) {
    const garp_case cases[] = {
        {"documentation", {0x52, 0x54, 0x00, 0x12, 0x34, 0x56}, "2001:db8::10"},
        {"link-local", {0x02, 0x42, 0xac, 0x11, 0x00, 0x02}, "fe80::1"},
        {"all ones",
         {0xff, 0xff, 0xff, 0xff, 0xff, 0xfe},
         "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe"},
        {"carry heavy", {0x00, 0x00, 0x00, 0x00, 0x00, 0x01}, "fdff:ffff::ffff"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.description);
        const auto vip = addr(c.vip);
        const auto frame = unsolicited_na(c.mac, vip);
        ASSERT_EQ(frame.size(), 86u);
        const std::span<const std::uint8_t> bytes(frame);
        internet_checksum sum;
        sum.add(bytes.subspan(22, 16));  // source
        sum.add(bytes.subspan(38, 16));  // destination
        sum.add_u32(32);                 // upper-layer length
        sum.add_u32(58);                 // next header
        sum.add(bytes.subspan(54));
        EXPECT_EQ(sum.finish(), 0);
        EXPECT_TRUE(std::equal(vip.bytes().begin(), vip.bytes().end(), bytes.begin() + 62));
        EXPECT_TRUE(std::equal(c.mac.begin(), c.mac.end(), bytes.begin() + 80));
    }
}

TEST(UnsolicitedNa, AForwardingDirectorSetsTheRouterFlag) {
    // RFC 4861 §4.4: flags are the first byte after type, code and checksum (offset 54 + 4).
    const auto host = unsolicited_na(k_mac, addr("2001:db8::10"));
    const auto router = unsolicited_na(k_mac, addr("2001:db8::10"), true);
    EXPECT_EQ(host[58], 0x20) << "Override only";
    EXPECT_EQ(router[58], 0xa0) << "Router and Override";
    const std::span<const std::uint8_t> bytes(router);
    internet_checksum sum;
    sum.add(bytes.subspan(22, 16));
    sum.add(bytes.subspan(38, 16));
    sum.add_u32(32);
    sum.add_u32(58);
    sum.add(bytes.subspan(54));
    EXPECT_EQ(sum.finish(), 0) << "the checksum covers the flags";
}

// Writes both golden frames as a classic pcap (LINKTYPE_ETHERNET) for a one-off tshark check;
// skipped unless VIPD_FRAMES_PCAP names the output file.
void put_u32_le(std::FILE* file, std::uint32_t value) {
    const std::array<std::uint8_t, 4> bytes{
        static_cast<std::uint8_t>(value), static_cast<std::uint8_t>(value >> 8),
        static_cast<std::uint8_t>(value >> 16), static_cast<std::uint8_t>(value >> 24)};
    std::fwrite(bytes.data(), 1, bytes.size(), file);
}

// An independent decoder agrees: tshark (installed by scripts/install-deps.sh) reads both
// frames from a pcap and reports an ARP announcement and an NA with the Override flag and a
// correct ICMPv6 checksum.
TEST(Frames, TsharkDecodesBothFrames) {
    if (std::system("command -v tshark >/dev/null 2>&1") != 0) {
        GTEST_SKIP() << "tshark is not installed";
    }
    char path[] = "/tmp/vipd-frames-XXXXXX";
    const int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    std::FILE* file = fdopen(fd, "wb");
    ASSERT_NE(file, nullptr) << path;
    put_u32_le(file, 0xa1b2c3d4);  // magic, microsecond timestamps
    put_u32_le(file, 0x00040002);  // version 2.4 (minor, major as little-endian u16s)
    put_u32_le(file, 0);           // thiszone
    put_u32_le(file, 0);           // sigfigs
    put_u32_le(file, 65535);       // snaplen
    put_u32_le(file, 1);           // LINKTYPE_ETHERNET
    for (const auto& frame :
         {gratuitous_arp(k_mac, addr("192.0.2.10")), unsolicited_na(k_mac, addr("2001:db8::10"))}) {
        put_u32_le(file, 0);  // seconds
        put_u32_le(file, 0);  // microseconds
        put_u32_le(file, static_cast<std::uint32_t>(frame.size()));
        put_u32_le(file, static_cast<std::uint32_t>(frame.size()));
        std::fwrite(frame.data(), 1, frame.size(), file);
    }
    ASSERT_EQ(std::fclose(file), 0);

    std::string decoded;
    {
        const std::string command = std::string("tshark -r ") + path + " -V 2>/dev/null";
        std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
        ASSERT_TRUE(pipe);
        std::array<char, 512> chunk{};
        while (std::fgets(chunk.data(), static_cast<int>(chunk.size()), pipe.get()) != nullptr) {
            decoded += chunk.data();
        }
    }
    std::remove(path);
    for (const char* line :
         {"[Is announcement: True]", "Opcode: request (1)", "Sender IP address: 192.0.2.10",
          "Target IP address: 192.0.2.10", "Target MAC address: 00:00:00_00:00:00",
          ".... = Override: Set", ".... = Solicited: Not set"}) {
        EXPECT_NE(decoded.find(line), std::string::npos) << line << "\n" << decoded;
    }
    EXPECT_NE(decoded.find("Type: Neighbor Advertisement (136)"), std::string::npos) << decoded;
    EXPECT_NE(decoded.find("Target Address: 2001:db8::10"), std::string::npos) << decoded;
    EXPECT_NE(decoded.find("[Checksum Status: Good]"), std::string::npos) << decoded;
    EXPECT_NE(decoded.find("Hop Limit: 255"), std::string::npos) << decoded;
}

}  // namespace
}  // namespace vipd::net::frames
