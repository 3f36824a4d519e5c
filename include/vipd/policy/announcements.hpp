#pragma once
/// Which [[bgp_vip]] addresses this director announces now, and why or why not: a pure function
/// of the configuration and the daemon's state (quorums, VRRP roles, vipctl demotes, a stop).
/// The route driver turns the answer into routes (routes/reconciler.hpp).

#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "vipd/config/config.hpp"

namespace vipd::policy {

/// What the announcements depend on, besides the configuration.
struct announcement_state {
    /// Whether the [[virtual_server]] of that name has its quorum now.
    std::function<bool(std::string_view server)> has_quorum;
    /// Whether the [[vrrp]] instance of that name is MASTER now.
    std::function<bool(std::string_view instance)> is_master;
    /// [[bgp_vip]] names withdrawn by `vipctl demote` until promoted.
    std::set<std::string> demoted{};
    /// vipd is stopping: every route is withdrawn.
    bool stopping = false;
};

struct announcement {
    const config::bgp_vip* vip = nullptr;  // points into the configuration
    bool announced = false;
    /// Why, for the journal: "web-80 has its quorum", "web-80 lost its quorum", "instance web is
    /// not MASTER", "demoted by vipctl", "vipd is stopping", "no gate".
    std::string reason;
};

/// One entry per [[bgp_vip]], in configuration order. A VIP is announced while vipd runs, it is
/// not demoted, the instance it follows (if any) is MASTER, and its virtual servers have their
/// quorum (all of them, or one with gate = "any"); a VIP with neither servers nor an instance is
/// always announced. The first reason that withdraws it is given, in that order.
std::vector<announcement> announcements(const config::daemon_config& config,
                                        const announcement_state& state);

}  // namespace vipd::policy
