#include "host_port.hpp"

#include <algorithm>

namespace vipd::config::detail {
namespace {

/// 1..65535 written in decimal digits only ("+80", "0x50", " 80" and "080000" are refused).
std::optional<std::uint16_t> parse_port(std::string_view digits) {
    if (digits.empty() || digits.size() > 5 ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return std::nullopt;
    }
    std::uint32_t value = 0;
    for (const char c : digits) {
        value = value * 10 + static_cast<std::uint32_t>(c - '0');
    }
    if (value == 0 || value > 65535) {
        return std::nullopt;
    }
    return static_cast<std::uint16_t>(value);
}

}  // namespace

std::optional<host_port> parse_host_port(std::string_view text) {
    std::string_view host = text;
    std::optional<std::uint16_t> port;
    if (host.starts_with('[')) {
        const auto close = host.find("]:");
        if (close == std::string_view::npos) {
            return std::nullopt;
        }
        port = parse_port(host.substr(close + 2));
        if (!port) {
            return std::nullopt;
        }
        host = host.substr(1, close - 1);
    } else if (std::count(host.begin(), host.end(), ':') == 1) {
        const auto colon = host.find(':');
        port = parse_port(host.substr(colon + 1));
        if (!port) {
            return std::nullopt;
        }
        host = host.substr(0, colon);
    }
    const auto address = ip_address::parse(host);
    if (!address) {
        return std::nullopt;
    }
    return host_port{*address, port};
}

}  // namespace vipd::config::detail
