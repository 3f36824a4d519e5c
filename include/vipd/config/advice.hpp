#pragma once
/// What a valid configuration may still get wrong on the wire: warnings, never errors, so a
/// configuration keepalived accepts keeps loading. `vipd --check` prints them, and the daemon logs
/// them at start and reload. Pure.

#include <string>
#include <vector>

#include "vipd/config/config.hpp"

namespace vipd::config {

/// One line each, "FILE:LINE: vrrp instance NAME: ...":
/// - an IPv6 VRRPv3 instance whose first VIP is not a link-local address (RFC 5798 §5.2.9 wants
///   the virtual router's link-local first; keepalived and FRR accept adverts without it, other
///   routers may drop them).
/// - "FILE:LINE: virtual server NAME gates bgp_vip NAME but uses scheduler ...": a service that
///   gates a [[bgp_vip]] with a scheduler other than mh or sh (ECMP moves flows between
///   directors; only consistent hashing sends them to the same real).
std::vector<std::string> advise(const daemon_config& config);

}  // namespace vipd::config
