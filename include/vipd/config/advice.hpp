#pragma once
/// What a valid configuration may still get wrong on the wire: warnings, never errors, so a
/// configuration keepalived accepts keeps loading. `vipd --check` prints them, and the daemon logs
/// them at start and reload. Pure.

#include <optional>
#include <string>
#include <string_view>
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

/// Where the kernel shows net.ipv4.vs.sloppy_tcp; absent until the ip_vs module is loaded.
inline constexpr std::string_view k_sloppy_tcp_path = "/proc/sys/net/ipv4/vs/sloppy_tcp";

/// The warning about net.ipv4.vs.sloppy_tcp when `config` has a [[bgp_vip]], given the content
/// of k_sloppy_tcp_path (`sloppy_tcp`; nullopt: it could not be read). With ECMP over several
/// directors, one must take up TCP flows whose SYN it never saw, which IPVS does only with
/// sloppy_tcp set. One line when it is 0, one saying vipd cannot tell when the file is missing
/// (IPVS not loaded) or not a number; nullopt when it is set or there is no [[bgp_vip]]. The
/// caller reads the file: this stays pure.
std::optional<std::string> sloppy_tcp_advice(const daemon_config& config,
                                             const std::optional<std::string>& sloppy_tcp);

}  // namespace vipd::config
