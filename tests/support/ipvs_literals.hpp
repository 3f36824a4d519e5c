#pragma once
/// Short builders for IPVS model values in tests (service and real keys, settings), and gtest
/// printers that show operations as their log text instead of raw bytes.

#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "support/addresses.hpp"
#include "vipd/ipvs/model.hpp"

namespace vipd::ipvs {

/// gtest finds these by ADL (operation is a variant of vipd::ipvs types).
inline void PrintTo(const operation& op, std::ostream* os) {
    *os << to_string(op);
}
inline void PrintTo(const service_key& key, std::ostream* os) {
    *os << to_string(key);
}

namespace test {

using support::addr;

inline service_key tcp(const char* address, std::uint16_t port) {
    return endpoint_key{protocol::tcp, addr(address), port};
}
inline service_key udp(const char* address, std::uint16_t port) {
    return endpoint_key{protocol::udp, addr(address), port};
}
inline service_key fwmark(std::uint32_t mark, address_family family = address_family::ipv4) {
    return fwmark_key{mark, family};
}
inline destination_key real(const char* address, std::uint16_t port) {
    return destination_key{addr(address), port};
}

inline destination_settings dr(std::uint32_t weight = 1) {
    destination_settings settings;
    settings.forwarding = forwarding::direct;
    settings.weight = weight;
    return settings;
}
inline destination_settings nat(std::uint32_t weight = 1) {
    destination_settings settings = dr(weight);
    settings.forwarding = forwarding::nat;
    return settings;
}

inline service_settings sched(const char* scheduler) {
    service_settings settings;
    settings.scheduler = scheduler;
    return settings;
}

inline service svc(const char* scheduler,
                   std::vector<std::pair<destination_key, destination_settings>> reals = {}) {
    service out;
    out.settings = sched(scheduler);
    for (auto& [key, settings] : reals) {
        out.destinations.emplace(std::move(key), settings);
    }
    return out;
}

}  // namespace test
}  // namespace vipd::ipvs
