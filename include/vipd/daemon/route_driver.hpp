#pragma once
/// Keeps the kernel's routes for announced VIPs ([[bgp_vip]]) converged to the announcements,
/// as vip_driver does for VIPs: dumps vipd's routes (those carrying [bgp] protocol, in [bgp]
/// table and in the local table), asks the pure reconciler (routes/reconciler.hpp) for the
/// ordered steps and performs them through the route port. The routing daemon (FRR) imports the
/// announce routes; vipd speaks no BGP.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "vipd/config/config.hpp"
#include "vipd/core/rate_limiter.hpp"
#include "vipd/core/time.hpp"
#include "vipd/logging/logging.hpp"
#include "vipd/net/route_port.hpp"
#include "vipd/policy/announcements.hpp"
#include "vipd/routes/accept_linger.hpp"
#include "vipd/routes/reconciler.hpp"

namespace vipd::daemon {

/// Why the driver converges, which decides how loudly it reports route changes.
enum class route_cause : std::uint8_t {
    change,  ///< health, a role, a demote, a reload, the start or the stop (info)
    resync,  ///< the periodic pass: a route it has to put back or take out is drift (warning)
};

/// What one convergence did.
struct route_outcome {
    std::size_t added = 0;
    std::size_t removed = 0;
    std::size_t failed = 0;  // steps the kernel refused (retried by the next pass)
};

class route_driver {
  public:
    route_driver(net::route_port& port, const logging::log_set& logs,
                 std::function<time_point()> clock);

    /// Converges the kernel to `wanted` under `settings` (a reload may change the table,
    /// metric or protocol: routes left in the previous table or with the previous protocol are
    /// removed first). Each announced VIP gets its accept and announce routes; a VIP withdrawn
    /// less than [bgp] accept_linger ago keeps its accept route (routes/accept_linger.hpp).
    /// Journals each VIP that starts or stops being announced, with the reason. A failed dump is
    /// logged (rate-limited) and the pass works from what it believes is there.
    route_outcome converge(const std::vector<policy::announcement>& wanted,
                           const config::bgp_settings& settings, route_cause cause);

    /// The VIPs announced now (as of the last pass).
    const std::set<ip_address>& announced() const noexcept { return announced_; }
    /// When the first and the last lingering accept route are due to go: the caller converges
    /// again at the first; nullopt when none lingers.
    std::optional<time_point> next_linger_end() const { return linger_.next_deadline(); }
    std::optional<time_point> last_linger_end() const { return linger_.last_deadline(); }
    /// Ends every linger now: the next pass removes the withdrawn VIPs' accept routes.
    void end_lingers() { linger_.end_all(); }

  private:
    std::vector<routes::route> observe(const config::bgp_settings& settings);
    net::host_route to_host(const routes::route& route, const config::bgp_settings& settings) const;
    void retire_previous(const config::bgp_settings& settings);
    void journal(const std::vector<policy::announcement>& wanted,
                 const config::bgp_settings& settings);

    net::route_port& port_;
    const logging::log_set& logs_;
    std::function<time_point()> clock_;
    std::optional<config::bgp_settings> previous_;  // the settings of the last pass
    std::set<routes::route> believed_;              // what the last pass left in the kernel
    std::set<ip_address> announced_;
    routes::accept_linger linger_;
    std::map<std::string, std::string> reasons_;  // bgp_vip name -> last journaled reason
    rate_limiter error_log_limit_{5, std::chrono::seconds(10)};
};

}  // namespace vipd::daemon
