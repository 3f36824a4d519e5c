#include "vipd/core/address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

namespace vipd {

std::string_view to_string(address_family family) noexcept {
    return family == address_family::ipv4 ? "ipv4" : "ipv6";
}

ip_address::ip_address(const v4_bytes& bytes) noexcept : family_(address_family::ipv4) {
    std::copy(bytes.begin(), bytes.end(), bytes_.begin());
}

ip_address::ip_address(const v6_bytes& bytes) noexcept
    : family_(address_family::ipv6), bytes_(bytes) {}

std::optional<ip_address> ip_address::parse(std::string_view text) {
    // inet_pton needs a terminated string; addresses are short, so a stack buffer suffices.
    std::array<char, INET6_ADDRSTRLEN + 1> buffer{};
    // A NUL inside would end inet_pton's string early: "10.0.0.1\0junk" is no address.
    if (text.empty() || text.size() >= buffer.size() || text.find('\0') != std::string_view::npos) {
        return std::nullopt;
    }
    std::copy(text.begin(), text.end(), buffer.begin());
    if (text.find(':') == std::string_view::npos) {
        v4_bytes v4{};
        if (inet_pton(AF_INET, buffer.data(), v4.data()) == 1) {
            return ip_address(v4);
        }
        return std::nullopt;
    }
    v6_bytes v6{};
    if (inet_pton(AF_INET6, buffer.data(), v6.data()) == 1) {
        return ip_address(v6);
    }
    return std::nullopt;
}

std::optional<ip_address> ip_address::from_bytes(std::span<const std::uint8_t> bytes) {
    if (bytes.size() == 4) {
        v4_bytes v4{};
        std::copy(bytes.begin(), bytes.end(), v4.begin());
        return ip_address(v4);
    }
    if (bytes.size() == 16) {
        v6_bytes v6{};
        std::copy(bytes.begin(), bytes.end(), v6.begin());
        return ip_address(v6);
    }
    return std::nullopt;
}

std::span<const std::uint8_t> ip_address::bytes() const noexcept {
    return std::span<const std::uint8_t>(bytes_.data(), size());
}

bool ip_address::is_multicast() const noexcept {
    return is_v4() ? (bytes_[0] & 0xf0) == 0xe0 : bytes_[0] == 0xff;
}

bool ip_address::is_link_local_v6() const noexcept {
    return is_v6() && bytes_[0] == 0xfe && (bytes_[1] & 0xc0) == 0x80;
}

std::string ip_address::to_string() const {
    std::array<char, INET6_ADDRSTRLEN> buffer{};
    inet_ntop(is_v4() ? AF_INET : AF_INET6, bytes_.data(), buffer.data(),
              static_cast<socklen_t>(buffer.size()));
    return std::string(buffer.data());
}

std::strong_ordering operator<=>(const ip_address& a, const ip_address& b) noexcept {
    if (auto by_family = a.family_ <=> b.family_; by_family != 0) {
        return by_family;
    }
    return a.bytes_ <=> b.bytes_;
}

bool operator==(const ip_address& a, const ip_address& b) noexcept {
    return a.family_ == b.family_ && a.bytes_ == b.bytes_;
}

std::optional<ip_prefix> ip_prefix::parse(std::string_view text) {
    const auto slash = text.find('/');
    auto address = ip_address::parse(text.substr(0, slash));
    if (!address) {
        return std::nullopt;
    }
    const unsigned max_length = address->is_v4() ? 32 : 128;
    if (slash == std::string_view::npos) {
        return ip_prefix{*address, static_cast<std::uint8_t>(max_length)};
    }
    const auto length_text = text.substr(slash + 1);
    unsigned length = 0;
    const auto* end = length_text.data() + length_text.size();
    auto [ptr, ec] = std::from_chars(length_text.data(), end, length);
    if (length_text.empty() || ec != std::errc{} || ptr != end || length > max_length) {
        return std::nullopt;
    }
    return ip_prefix{*address, static_cast<std::uint8_t>(length)};
}

std::string ip_prefix::to_string() const {
    return address.to_string() + "/" + std::to_string(length);
}

}  // namespace vipd
