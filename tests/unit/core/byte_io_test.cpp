#include "vipd/core/byte_reader.hpp"
#include "vipd/core/byte_writer.hpp"

#include <gtest/gtest.h>

namespace vipd {
namespace {

TEST(ByteIo, WriterAndReaderRoundTripBigEndian) {
    std::vector<std::uint8_t> buffer;
    byte_writer writer(buffer);
    writer.u8(0x31);
    writer.u16(0xbeef);
    writer.u32(0xdeadc0de);
    writer.zeros(2);
    writer.patch_u16(5, 0x1234);
    ASSERT_EQ(buffer.size(), 9u);

    byte_reader reader(buffer);
    EXPECT_EQ(reader.u8(), 0x31);
    EXPECT_EQ(reader.u16(), 0xbeef);
    EXPECT_EQ(reader.u16(), 0xdead);
    EXPECT_EQ(reader.u16(), 0x1234);  // patched over c0 de
    EXPECT_EQ(reader.remaining(), 2u);
}

TEST(ByteIo, ReaderRefusesToReadPastTheEnd) {
    const std::vector<std::uint8_t> buffer{1, 2, 3};
    byte_reader reader(buffer);
    EXPECT_FALSE(reader.u32());
    EXPECT_EQ(reader.offset(), 0u);  // a failed read consumes nothing
    EXPECT_TRUE(reader.u16());
    EXPECT_FALSE(reader.bytes(2));
    EXPECT_EQ(reader.bytes(1)->size(), 1u);
    EXPECT_FALSE(reader.u8());
}

}  // namespace
}  // namespace vipd
