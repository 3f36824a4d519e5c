#pragma once
// Views as a daemon would fill them, shared by the codec, render and socket tests.

#include "vipd/control/protocol.hpp"

namespace vipd::control::testing {

/// 2026-11-24 12:00:00 UTC: "now" in the render tests.
inline constexpr std::int64_t k_now = 1795521600;

inline instance_view web_master() {
    instance_view v;
    v.name = "web";
    v.interface = "eth0";
    v.vrid = 51;
    v.state = "MASTER";
    v.priority = 150;
    v.configured_priority = 150;
    v.master = "172.28.128.2";
    v.vips = {"172.28.128.210/32", "172.28.128.211/32"};
    v.since_unix = k_now - 192;  // 3m12s
    v.transitions = 3;
    return v;
}

inline instance_view db_demoted() {
    instance_view v;
    v.name = "db";
    v.interface = "eth1";
    v.vrid = 52;
    v.state = "BACKUP";
    v.priority = 1;
    v.configured_priority = 100;
    v.master = "172.28.129.3";
    v.vips = {"172.28.129.10/32"};
    v.since_unix = k_now - 7380;  // 2h03m
    v.transitions = 1;
    v.demoted = true;
    return v;
}

inline instance_view v6_fault() {
    instance_view v;
    v.name = "v6";
    v.interface = "eth2";
    v.vrid = 7;
    v.state = "FAULT";
    v.priority = 90;
    v.configured_priority = 100;  // a tracked interface took 10
    v.master = std::nullopt;
    v.vips = {"2001:db8::10/128"};
    v.since_unix = k_now - 12;
    v.transitions = 0;
    return v;
}

inline std::vector<bgp_vip_view> sample_bgp_vips() {
    return {{"anycast", "192.0.2.10", true, "anycast-80 has its quorum", false},
            {"edge", "192.0.2.11", false, "instance web is not MASTER", false},
            {"api", "2001:db8::53", false, "demoted by vipctl", true}};
}

inline status_view sample_status() {
    status_view s;
    s.router_id = "dir1";
    s.config_files = {"/etc/vipd/vipd.toml", "/etc/vipd/conf.d/web.toml"};
    s.started_unix = k_now - 2 * 86400 - 3600;
    s.instances = {web_master(), db_demoted(), v6_fault()};
    return s;
}

inline std::vector<service_view> sample_services() {
    service_view web;
    web.name = "web-http";
    web.key = "tcp 172.28.128.210:80";
    web.scheduler = "wlc";
    web.gate = "web";
    web.in_kernel = true;
    web.connections = 1234;
    web.packets_in = 567890;
    web.packets_out = 99999;
    web.bytes_in = 123456789;
    web.bytes_out = 4000000000;

    real_view up;
    up.address = "10.0.0.1:80";
    up.forwarding = "route";
    up.weight = 1;
    up.kernel_weight = 1;
    up.health = "up";
    up.detail = "HTTP 200";
    up.latency_ms = 1.4;
    up.active_connections = 3;
    up.inactive_connections = 10;

    real_view down;
    down.address = "10.0.0.2:80";
    down.forwarding = "route";
    down.weight = 5;
    down.kernel_weight = 0;
    down.health = "down";
    down.detail = "connect: connection refused";
    web.reals = {up, down};

    service_view mark;
    mark.name = "mail";
    mark.key = "fwmark 10";
    mark.scheduler = "rr";
    mark.gate = "";
    mark.in_kernel = false;

    real_view fallback;
    fallback.address = "[2001:db8::1]:25";
    fallback.forwarding = "masq";
    fallback.weight = 1;
    fallback.kernel_weight = std::nullopt;
    fallback.health = "unchecked";
    fallback.fallback = true;
    mark.reals = {fallback};
    return {web, mark};
}

}  // namespace vipd::control::testing
