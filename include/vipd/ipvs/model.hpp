#pragma once
/// IPVS virtual services and their real servers as plain values: what vipd wants in the kernel
/// (desired) and what a dump found there (observed) use the same types, so the reconciler can
/// compare them with `==`. Pure: no netlink here; linux/ translates to and from
/// include/uapi/linux/ip_vs.h.

#include <compare>
#include <cstdint>
#include <map>
#include <string>
#include <variant>

#include "vipd/core/address.hpp"

namespace vipd::ipvs {

enum class protocol : std::uint8_t { tcp, udp, sctp };
std::string_view to_string(protocol p) noexcept;

/// A service addressed by protocol, VIP and port ("-t 172.28.128.210:80").
struct endpoint_key {
    ipvs::protocol protocol = protocol::tcp;
    ip_address address;
    std::uint16_t port = 0;
    friend auto operator<=>(const endpoint_key&, const endpoint_key&) = default;
};

/// A service addressed by firewall mark ("-f 10"); the family says which packets it takes.
struct fwmark_key {
    std::uint32_t mark = 0;
    address_family family = address_family::ipv4;
    friend auto operator<=>(const fwmark_key&, const fwmark_key&) = default;
};

/// Exactly one of the two ways the kernel identifies a virtual service.
using service_key = std::variant<endpoint_key, fwmark_key>;
std::string to_string(const service_key& key);  // "tcp 172.28.128.210:80", "fwmark 10 (ipv4)"
address_family family_of(const service_key& key) noexcept;

/// Scheduler flags (IP_VS_SVC_F_*). sched1..3 mean sh-fallback/sh-port for `sh` and
/// mh-fallback/mh-port for `mh`; one_packet is "ops" (one-packet scheduling, UDP).
struct service_flags {
    bool one_packet = false;
    bool sched1 = false;  // sh-fallback / mh-fallback
    bool sched2 = false;  // sh-port / mh-port
    bool sched3 = false;
    friend bool operator==(const service_flags&, const service_flags&) = default;
};

struct service_settings {
    std::string scheduler = "wlc";  // the kernel module name suffix: rr, wrr, lc, wlc, sh, mh, ...
    service_flags flags;
    /// Persistence timeout in seconds; 0 = not persistent (IP_VS_SVC_F_PERSISTENT unset).
    std::uint32_t persistence_timeout = 0;
    /// Persistence granularity as a prefix length (32 / 128 = per client address).
    std::uint8_t persistence_prefix = 32;
    friend bool operator==(const service_settings&, const service_settings&) = default;
};

enum class forwarding : std::uint8_t { nat, tunnel, direct };  // -m, -i, -g
std::string_view to_string(forwarding f) noexcept;
enum class tunnel_type : std::uint8_t { ipip, gue, gre };
std::string_view to_string(tunnel_type t) noexcept;  // "ipip", "gue", "gre"

struct destination_key {
    ip_address address;
    std::uint16_t port = 0;
    friend auto operator<=>(const destination_key&, const destination_key&) = default;
};

/// "10.0.0.1:80", "[2001:db8::1]:80": brackets keep the port readable after an IPv6 address.
std::string to_string(const destination_key& key);

struct destination_settings {
    ipvs::forwarding forwarding = forwarding::direct;
    std::uint32_t weight = 1;
    std::uint32_t upper_threshold = 0;  // 0 = no limit
    std::uint32_t lower_threshold = 0;
    ipvs::tunnel_type tunnel_type = tunnel_type::ipip;  // only with forwarding::tunnel
    std::uint16_t tunnel_port = 0;                      // gue
    bool tunnel_checksum = false;                       // gue/gre: TUN_F_CSUM
    friend bool operator==(const destination_settings&, const destination_settings&) = default;
};

struct service {
    service_settings settings;
    std::map<destination_key, destination_settings> destinations;
    friend bool operator==(const service&, const service&) = default;
};

/// A whole table, or the part of it vipd manages.
using table = std::map<service_key, service>;

/// Traffic the kernel counted for a service or a real since it was added (the 64-bit
/// IPVS_*_ATTR_STATS64 counters `ipvsadm -Ln --stats` shows). Observed only, never desired.
struct traffic_counters {
    std::uint64_t connections = 0;
    std::uint64_t packets_in = 0;
    std::uint64_t packets_out = 0;
    std::uint64_t bytes_in = 0;
    std::uint64_t bytes_out = 0;
    friend bool operator==(const traffic_counters&, const traffic_counters&) = default;
};

struct destination_counters {
    traffic_counters traffic;
    std::uint32_t active_connections = 0;
    std::uint32_t inactive_connections = 0;
    friend bool operator==(const destination_counters&, const destination_counters&) = default;
};

struct service_counters {
    traffic_counters traffic;
    std::map<destination_key, destination_counters> destinations;
    friend bool operator==(const service_counters&, const service_counters&) = default;
};

using counter_table = std::map<service_key, service_counters>;

// ---- changes, as data ----
struct add_service {
    service_key key;
    service_settings settings;
    friend bool operator==(const add_service&, const add_service&) = default;
};
struct edit_service {
    service_key key;
    service_settings settings;
    friend bool operator==(const edit_service&, const edit_service&) = default;
};
struct delete_service {
    service_key key;
    friend bool operator==(const delete_service&, const delete_service&) = default;
};
struct add_destination {
    service_key service;
    destination_key destination;
    destination_settings settings;
    friend bool operator==(const add_destination&, const add_destination&) = default;
};
struct edit_destination {
    service_key service;
    destination_key destination;
    destination_settings settings;
    friend bool operator==(const edit_destination&, const edit_destination&) = default;
};
struct delete_destination {
    service_key service;
    destination_key destination;
    friend bool operator==(const delete_destination&, const delete_destination&) = default;
};

using operation = std::variant<add_service, edit_service, delete_service, add_destination,
                               edit_destination, delete_destination>;
std::string to_string(
    const operation& op);  // for logs: "add tcp 10.0.0.1:80 -> 10.0.0.40:80 dr w1"
/// The service an operation acts on (or on one of whose destinations).
const service_key& service_of(const operation& op) noexcept;

}  // namespace vipd::ipvs
