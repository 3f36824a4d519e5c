#pragma once
/// From the configuration and the instances' current states to the IPVS table vipd wants in the
/// kernel. Pure policy over the configuration (which only reads files): the daemon calls it
/// whenever an instance changes state or a real its health, and hands the result to the
/// reconciler.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "vipd/config/config.hpp"
#include "vipd/ipvs/model.hpp"

namespace vipd::policy {

/// Whether the named VRRP instance is MASTER on this director right now.
using master_predicate = std::function<bool(std::string_view instance_name)>;

/// Whether a real of a service passes its health check now. Reals without a check are never
/// asked about: they are always up.
using health_predicate =
    std::function<bool(const ipvs::service_key& service, const ipvs::destination_key& real)>;

/// Whether a real of a service is drained (`vipctl drain`): weight 0, whatever its health.
using drain_predicate =
    std::function<bool(const ipvs::service_key& service, const ipvs::destination_key& real)>;

/// Every virtual server that should be in the kernel now, with its reals: with
/// `ipvs.mode == always` all of them; otherwise those with no gating instance plus those whose
/// gating instance `is_master`. `is_master` is called only with names of configured instances.
/// Reals that `is_up` says are down leave (or get weight 0 when the server is quiescent), and
/// the fallback comes in while quorum is lost; without `is_up` every real is up. A real that
/// `is_drained` names and health keeps in the table gets weight 0, quiescent or not, so its
/// established connections finish; a drain changes neither the quorum nor the fallback.
ipvs::table desired_table(const config::daemon_config& config, const master_predicate& is_master,
                          const health_predicate& is_up = {},
                          const drain_predicate& is_drained = {});

/// Whether the up reals of `server` reach its quorum (track_virtual_servers).
bool has_quorum(const config::virtual_server& server, const health_predicate& is_up);

/// The names of the instances that gate at least one virtual server (sorted, unique): the
/// daemon runs the kernel's master sync daemon while any of them is MASTER.
std::vector<std::string> gating_instances(const config::daemon_config& config);

}  // namespace vipd::policy
