#pragma once
/// IP address value types shared by every module. Pure: no sockets, no Asio.

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace vipd {

enum class address_family : std::uint8_t { ipv4, ipv6 };

std::string_view to_string(address_family family) noexcept;

/// An IPv4 or IPv6 address in network byte order. The family is part of the value: an IPv4
/// address never compares equal to an IPv6 one (even a v4-mapped one).
class ip_address {
  public:
    using v4_bytes = std::array<std::uint8_t, 4>;
    using v6_bytes = std::array<std::uint8_t, 16>;

    /// 0.0.0.0
    ip_address() noexcept = default;
    explicit ip_address(const v4_bytes& bytes) noexcept;
    explicit ip_address(const v6_bytes& bytes) noexcept;

    /// Parses dotted-quad IPv4 or RFC 4291 text IPv6; nullopt on anything else (no prefixes, no
    /// zone ids, no surrounding spaces).
    static std::optional<ip_address> parse(std::string_view text);
    /// Builds an address from 4 or 16 raw bytes; nullopt for any other size.
    static std::optional<ip_address> from_bytes(std::span<const std::uint8_t> bytes);

    address_family family() const noexcept { return family_; }
    bool is_v4() const noexcept { return family_ == address_family::ipv4; }
    bool is_v6() const noexcept { return family_ == address_family::ipv6; }
    /// 4 bytes for IPv4, 16 for IPv6.
    std::span<const std::uint8_t> bytes() const noexcept;
    std::size_t size() const noexcept { return is_v4() ? 4 : 16; }

    bool is_multicast() const noexcept;
    /// fe80::/10
    bool is_link_local_v6() const noexcept;

    /// Canonical text (inet_ntop form).
    std::string to_string() const;

    /// Orders by family first, then bytes as unsigned big-endian numbers, which is the
    /// comparison RFC 5798 §6.4.3 uses for "primary IP address is higher".
    friend std::strong_ordering operator<=>(const ip_address& a, const ip_address& b) noexcept;
    friend bool operator==(const ip_address& a, const ip_address& b) noexcept;

  private:
    address_family family_ = address_family::ipv4;
    v6_bytes bytes_{};  // IPv4 uses the first four bytes; the rest stay zero.
};

/// An address with a prefix length, as in "172.28.128.210/24".
struct ip_prefix {
    ip_address address;
    std::uint8_t length = 32;

    /// Parses "ADDR/LEN" or a bare "ADDR" (full-length prefix); nullopt if malformed or the
    /// length exceeds the family's width.
    static std::optional<ip_prefix> parse(std::string_view text);
    std::string to_string() const;
    friend bool operator==(const ip_prefix&, const ip_prefix&) = default;
};

}  // namespace vipd
