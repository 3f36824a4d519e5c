#pragma once
/// From the configuration and the instances' current states to the IPVS table vipd wants in the
/// kernel. Pure: the daemon calls it whenever an instance changes state and hands the result
/// to the reconciler.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "vipd/config/config.hpp"
#include "vipd/ipvs/model.hpp"

namespace vipd::config {

/// Whether the named VRRP instance is MASTER on this director right now.
using master_predicate = std::function<bool(std::string_view instance_name)>;

/// Every virtual server that should be in the kernel now, with its reals: with
/// `ipvs.mode == always` all of them; otherwise those with no gating instance plus those whose
/// gating instance `is_master`. `is_master` is called only with names of configured instances.
ipvs::table desired_table(const daemon_config& config, const master_predicate& is_master);

/// The names of the instances that gate at least one virtual server (sorted, unique): the
/// daemon runs the kernel's master sync daemon while any of them is MASTER.
std::vector<std::string> gating_instances(const daemon_config& config);

}  // namespace vipd::config
