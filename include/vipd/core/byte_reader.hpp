#pragma once
/// Bounds-checked big-endian reads over a byte span. Every read reports failure instead of
/// reading past the end, so decoders never touch memory outside the packet.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace vipd {

class byte_reader {
  public:
    explicit byte_reader(std::span<const std::uint8_t> data) noexcept : data_(data) {}

    std::size_t remaining() const noexcept { return data_.size() - offset_; }
    std::size_t offset() const noexcept { return offset_; }

    std::optional<std::uint8_t> u8() noexcept {
        if (remaining() < 1) {
            return std::nullopt;
        }
        return data_[offset_++];
    }

    std::optional<std::uint16_t> u16() noexcept {
        if (remaining() < 2) {
            return std::nullopt;
        }
        const auto value = static_cast<std::uint16_t>((data_[offset_] << 8) | data_[offset_ + 1]);
        offset_ += 2;
        return value;
    }

    std::optional<std::uint32_t> u32() noexcept {
        if (remaining() < 4) {
            return std::nullopt;
        }
        std::uint32_t value = 0;
        for (int i = 0; i < 4; ++i) {
            value = (value << 8) | data_[offset_++];
        }
        return value;
    }

    /// The next `count` bytes as a view into the original buffer.
    std::optional<std::span<const std::uint8_t>> bytes(std::size_t count) noexcept {
        if (remaining() < count) {
            return std::nullopt;
        }
        auto view = data_.subspan(offset_, count);
        offset_ += count;
        return view;
    }

  private:
    std::span<const std::uint8_t> data_;
    std::size_t offset_ = 0;
};

}  // namespace vipd
