#pragma once
/// Big-endian appends to a growing byte vector, for packet encoders.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace vipd {

class byte_writer {
  public:
    explicit byte_writer(std::vector<std::uint8_t>& out) noexcept : out_(out) {}

    void u8(std::uint8_t value) { out_.push_back(value); }
    void u16(std::uint16_t value) {
        out_.push_back(static_cast<std::uint8_t>(value >> 8));
        out_.push_back(static_cast<std::uint8_t>(value));
    }
    void u32(std::uint32_t value) {
        for (int shift = 24; shift >= 0; shift -= 8) {
            out_.push_back(static_cast<std::uint8_t>(value >> shift));
        }
    }
    void bytes(std::span<const std::uint8_t> data) {
        out_.insert(out_.end(), data.begin(), data.end());
    }
    void zeros(std::size_t count) { out_.insert(out_.end(), count, 0); }

    /// Overwrites two bytes already written, e.g. a checksum computed after the body.
    void patch_u16(std::size_t offset, std::uint16_t value) {
        out_.at(offset) = static_cast<std::uint8_t>(value >> 8);
        out_.at(offset + 1) = static_cast<std::uint8_t>(value);
    }
    std::size_t size() const noexcept { return out_.size(); }

  private:
    std::vector<std::uint8_t>& out_;
};

}  // namespace vipd
