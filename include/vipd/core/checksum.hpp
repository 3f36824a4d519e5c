#pragma once
/// The Internet checksum (RFC 1071), accumulated in pieces so callers can add a pseudo-header
/// and a message without copying them together.

#include <cstdint>
#include <span>

namespace vipd {

class internet_checksum {
  public:
    /// Adds bytes as if they followed everything added so far. An odd-length piece is padded
    /// with a zero byte, so only the last piece may have odd length.
    void add(std::span<const std::uint8_t> data) noexcept {
        std::size_t i = 0;
        for (; i + 1 < data.size(); i += 2) {
            sum_ += static_cast<std::uint32_t>((data[i] << 8) | data[i + 1]);
        }
        if (i < data.size()) {
            sum_ += static_cast<std::uint32_t>(data[i] << 8);
        }
    }
    void add_u16(std::uint16_t value) noexcept { sum_ += value; }
    void add_u32(std::uint32_t value) noexcept { sum_ += (value >> 16) + (value & 0xffff); }

    /// The one's-complement of the folded sum: the value to store in a checksum field. Over data
    /// that already includes a correct checksum it is 0.
    std::uint16_t finish() const noexcept {
        std::uint64_t sum = sum_;
        while (sum >> 16) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return static_cast<std::uint16_t>(~sum & 0xffff);
    }

  private:
    std::uint64_t sum_ = 0;
};

}  // namespace vipd
