#pragma once
/// Announced VIPs as a reconciled table of routes, like VIPs (vips/reconciler.hpp) and IPVS
/// services: the routes that should exist and the routes vipd's protocol number marks in the
/// kernel go in, the ordered steps that converge one to the other come out. Pure: the daemon
/// dumps the kernel (only routes carrying vipd's protocol, so it never touches a route it did not
/// make, on any kernel) and performs the steps.
///
/// Each announced VIP has two routes. The accept route (a `local` route in the kernel's local
/// table) makes the director take the VIP's packets, as an address would; the announce route (a
/// host route in [bgp] table) is what the routing daemon imports and announces. An address on an
/// interface would not do: zebra prefers its connected route to any imported one.

#include <compare>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "vipd/core/address.hpp"

namespace vipd::routes {

enum class route_kind : std::uint8_t {
    accept,    ///< local VIP/32 dev lo, table local: the director accepts the VIP's packets
    announce,  ///< VIP/32 dev lo, table [bgp] table, metric [bgp] metric: the router hears of it
};
std::string_view to_string(route_kind kind) noexcept;  // "accept", "announce"

/// One host route (/32 or /128) of vipd's.
struct route {
    route_kind kind = route_kind::announce;
    ip_address address;
    std::uint32_t metric = 0;  // announce routes; 0 for accept routes

    std::string to_string() const;  // "announce 192.0.2.10/32 metric 10"
    friend bool operator==(const route&, const route&) = default;
    friend std::strong_ordering operator<=>(const route& a, const route& b) {
        if (auto order = a.kind <=> b.kind; order != 0) {
            return order;
        }
        if (auto order = a.address <=> b.address; order != 0) {
            return order;
        }
        return a.metric <=> b.metric;
    }
};

enum class operation : std::uint8_t { add, remove };

struct step {
    operation op = operation::add;
    routes::route route;
    friend bool operator==(const step&, const step&) = default;
};

/// The steps that turn `observed` (vipd's routes in the kernel) into `desired`, in the order
/// they must run: accept routes in, announce routes in, announce routes out, accept routes out.
/// A VIP is thus accepted before a router can send it traffic, and withdrawn before the
/// director stops accepting it; a changed metric adds the new announce route before the old
/// one goes, so the VIP is never unannounced in between. Routes both desired and observed are
/// left alone; observed repeats count once.
std::vector<step> reconcile(const std::set<route>& desired, const std::vector<route>& observed);

}  // namespace vipd::routes
