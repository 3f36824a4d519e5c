#pragma once
/// Text for people: the tables `vipctl status` and `vipctl ipvs` print. Pure: the caller passes
/// the time and whether to colour (vipctl: standard output is a terminal and NO_COLOR is unset).

#include <cstdint>
#include <string>
#include <vector>

#include "vipd/control/protocol.hpp"

namespace vipd::control {

/// A header line (router id, uptime, configuration files), a line about the last reload when it
/// failed, a line naming the drained reals (with the time left of a `--for`) when there are
/// any, then one aligned row per instance: INSTANCE STATE PRIO MASTER VIPS SINCE. PRIO adds
/// "(demoted, configured N)" under a maintenance demote and "(configured N)" when tracking moved
/// it; SINCE is relative to `now_unix` ("3m12s ago"). Then, when there are any, one aligned row
/// per [[bgp_vip]]: BGP VIP ADDRESS STATE WHY, STATE being "announced" or "withdrawn" and WHY the
/// reason. "no VRRP instances" stands in for both tables when there is neither. With `colour`,
/// ANSI SGR codes mark the states (MASTER and announced green, BACKUP and withdrawn plain, FAULT
/// red, INIT yellow), demotes and a failed reload.
/// Every line ends with '\n'; no line has trailing blanks.
std::string render_status(const status_view& status, std::int64_t now_unix, bool colour);

/// ipvsadm-like: two header lines, then each service (name, virtual key, scheduler, gate,
/// whether it is in the kernel, counters) followed by its reals indented under "->" (forwarding,
/// weight with the kernel's when it differs and "drained" under a drain, in yellow, health,
/// connections, the last check's result).
/// Columns are aligned across all services and across all reals.
std::string render_services(const std::vector<service_view>& services, bool colour);

/// "12s", "3m05s", "2h03m", "3d04h": at most two units, for SINCE and uptimes. Negative
/// durations (a clock stepped back) count as 0.
std::string format_duration(std::int64_t seconds);

/// A counter in at most 5 digits plus a unit, as ipvsadm --stats does: 99999, 123K, 45678M.
std::string format_count(std::uint64_t n);

}  // namespace vipd::control
