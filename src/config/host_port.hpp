#pragma once
/// Internal to the config module: "ADDR", "ADDR:PORT" and "[V6ADDR]:PORT" strings, shared by
/// virtual_server `fallback` and [global] `metrics_listen`.

#include <cstdint>
#include <optional>
#include <string_view>

#include "vipd/core/address.hpp"

namespace vipd::config::detail {

struct host_port {
    ip_address address;
    std::optional<std::uint16_t> port;  // nullopt: the text named none
};

/// Parses "ADDR", "ADDR:PORT" or "[V6ADDR]:PORT" (a bare IPv6 address has no port: "::1:80" is
/// the address ::1:80). nullopt if the address is malformed or a port is not 1..65535. Which
/// addresses are acceptable (unicast, family) is the caller's call.
std::optional<host_port> parse_host_port(std::string_view text);

}  // namespace vipd::config::detail
