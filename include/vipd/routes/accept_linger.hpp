#pragma once
/// Which routes announced VIPs call for over time. A withdrawn VIP loses its announce route at
/// once, so the routers stop sending to this director, but a router forwards what it routed
/// before it processed the withdrawal (an UPDATE on its way, its FIB being rewritten): the
/// accept route lingers a while longer, so IPVS still serves those packets instead of the
/// director dropping them or routing them back out. Pure: the caller passes `now` and arms a
/// timer for next_deadline().

#include <cstdint>
#include <map>
#include <optional>
#include <set>

#include "vipd/core/address.hpp"
#include "vipd/core/time.hpp"
#include "vipd/routes/reconciler.hpp"

namespace vipd::routes {

class accept_linger {
  public:
    /// The routes wanted at `now` when `announced` are the VIPs announced now: an accept route
    /// and an announce route (with `metric`) for each, and an accept route for every VIP that
    /// stopped being announced less than `linger` ago. A VIP announced again during its linger
    /// keeps its accept route throughout; a linger of 0 keeps none. Only a VIP seen announced
    /// by an earlier call lingers: a route an earlier run left behind is not a withdrawal.
    /// `now` must not go backwards between calls.
    std::set<route> routes_at(const std::set<ip_address>& announced, std::uint32_t metric,
                              time_point now, microseconds linger);

    /// When the next lingering accept route is due to go, and when the last one is; nullopt
    /// when none lingers.
    std::optional<time_point> next_deadline() const;
    std::optional<time_point> last_deadline() const;
    /// The VIPs accepted although withdrawn, each with the time its accept route goes.
    std::map<ip_address, time_point> lingering() const;

    /// Ends every linger: the next routes_at() keeps no withdrawn VIP's accept route (a stop
    /// whose budget ran out).
    void end_all() { withdrawn_at_.clear(); }

  private:
    std::set<ip_address> announced_;                 // as of the last call
    std::map<ip_address, time_point> withdrawn_at_;  // lingering: when it stopped being announced
    microseconds linger_{0};                         // as of the last call
};

}  // namespace vipd::routes
