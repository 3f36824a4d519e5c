#pragma once
/// What one health check is: its kind (tcp, http/https, udp, dns, script) and its timing.
/// Plain validated data, produced by the config loader and consumed by the checkers (which
/// probe) and the health policy (which turns results into up/down).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "vipd/core/time.hpp"

namespace vipd::health {

/// Up when a TCP connection to the target opens within the timeout.
struct tcp_check {
    friend bool operator==(const tcp_check&, const tcp_check&) = default;
};

/// Up when an HTTP(S) request gets one of `expect_status` and, if given, a body containing
/// `expect_body` or matching `expect_body_regex` (at most one of the two is set).
struct http_check {
    bool tls = false;                 // type "https"
    std::string method = "GET";       // upper case token
    std::string path = "/";           // starts with '/'
    std::optional<std::string> host;  // Host header and TLS SNI; default: the target address
    std::vector<std::uint16_t> expect_status{200};
    std::optional<std::string> expect_body;        // substring
    std::optional<std::string> expect_body_regex;  // PCRE2, validated by config
    bool tls_verify = false;  // verify the server certificate (against `host` when given)
    /// PEM file of trusted CAs for `tls_verify`; the system's default trust store when absent.
    std::optional<std::string> ca_file;
    friend bool operator==(const http_check&, const http_check&) = default;
};

/// Up when a datagram carrying `payload` gets a reply (containing `expect` when given).
struct udp_check {
    std::string payload;
    std::optional<std::string> expect;
    friend bool operator==(const udp_check&, const udp_check&) = default;
};

/// Up when a query for `name` gets a NOERROR answer with at least one record of `type`.
struct dns_check {
    std::string name;
    std::uint16_t type = 1;  // A; 28 = AAAA
    friend bool operator==(const dns_check&, const dns_check&) = default;
};

/// Up when `command` (argv, no shell) exits 0 within the timeout, run as `user`. The target
/// address and port reach it as VIPD_REAL_ADDRESS and VIPD_REAL_PORT in its environment.
/// A user of the host's database, looked up when the configuration is loaded: a name service
/// (LDAP, SSSD) that is slow or down then delays a start or a reload, never the event loop.
struct user_identity {
    std::string name;
    std::uint32_t uid = 0;
    std::uint32_t gid = 0;
    std::vector<std::uint32_t> groups;  // supplementary groups, as initgroups(3) sets them
    friend bool operator==(const user_identity&, const user_identity&) = default;
};

/// Who a command runs as: the configured name and, once the daemon has bound the configuration
/// to its host (daemon/user_binding.hpp), the identity it stands for.
struct run_as {
    /// The `user` key; nullopt = the key's default (the daemon's own user when it cannot switch).
    std::optional<std::string> name;
    /// nullopt = the daemon's own user, without switching: a daemon that cannot switch users
    /// and was asked for no one in particular.
    std::optional<user_identity> identity;
    friend bool operator==(const run_as&, const run_as&) = default;
};

/// The user a script check runs as when its `user` is left out, if the daemon can switch.
inline constexpr std::string_view k_default_script_user = "nobody";

struct script_check {
    std::vector<std::string> command;  // at least one element, an absolute path first
    run_as user;
    friend bool operator==(const script_check&, const script_check&) = default;
};

using check_kind = std::variant<tcp_check, http_check, udp_check, dns_check, script_check>;

enum class health_state : std::uint8_t { down, up };

/// When and how often, and how many results in a row change the state.
struct check_timing {
    microseconds interval{2'000'000};
    microseconds timeout{1'000'000};          // never above interval (validated)
    std::uint32_t rise = 1;                   // consecutive successes that bring a down target up
    std::uint32_t fall = 1;                   // consecutive failures that take an up target down
    health_state initial = health_state::up;  // before the first result (keepalived's alpha: down)
    friend bool operator==(const check_timing&, const check_timing&) = default;
};

struct check_spec {
    check_kind kind;
    check_timing timing;
    /// Probe this port instead of the real's (`port = 8080` in the check table).
    std::optional<std::uint16_t> port;
    friend bool operator==(const check_spec&, const check_spec&) = default;
};

}  // namespace vipd::health
