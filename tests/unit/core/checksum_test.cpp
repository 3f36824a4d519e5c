#include "vipd/core/checksum.hpp"

#include <gtest/gtest.h>

#include <array>

namespace vipd {
namespace {

// RFC 1071 §3 worked example: the bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2 (before complement).
TEST(InternetChecksum, MatchesRfc1071Example) {
    const std::array<std::uint8_t, 8> data{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    internet_checksum sum;
    sum.add(data);
    EXPECT_EQ(sum.finish(), static_cast<std::uint16_t>(~0xddf2 & 0xffff));
}

TEST(InternetChecksum, PiecesEqualTheWholeAndVerifyToZero) {
    const std::array<std::uint8_t, 6> data{0x45, 0x00, 0x12, 0x34, 0xab, 0xcd};
    internet_checksum whole;
    whole.add(data);
    internet_checksum pieces;
    pieces.add(std::span(data).first(2));
    pieces.add(std::span(data).subspan(2));
    EXPECT_EQ(whole.finish(), pieces.finish());

    internet_checksum verify;
    verify.add(data);
    verify.add_u16(whole.finish());
    EXPECT_EQ(verify.finish(), 0);
}

TEST(InternetChecksum, PadsAnOddTrailingByte) {
    const std::array<std::uint8_t, 3> odd{0x01, 0x02, 0x03};
    const std::array<std::uint8_t, 4> padded{0x01, 0x02, 0x03, 0x00};
    internet_checksum a;
    a.add(odd);
    internet_checksum b;
    b.add(padded);
    EXPECT_EQ(a.finish(), b.finish());
}

}  // namespace
}  // namespace vipd
