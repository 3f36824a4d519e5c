#include "vipd/policy/desired_table.hpp"

#include <algorithm>

#include "vipd/health/policy.hpp"

namespace vipd::policy {

using config::daemon_config;
using config::ipvs_mode;
using config::virtual_server;

namespace {

std::vector<health::real_health> reals_with_health(const virtual_server& server,
                                                   const health_predicate& is_up) {
    std::vector<health::real_health> reals;
    reals.reserve(server.reals.size());
    for (const auto& real : server.reals) {
        const bool up = !real.check || !is_up || is_up(server.key, real.key);
        reals.push_back(
            {real.key, real.settings, up ? health::health_state::up : health::health_state::down});
    }
    return reals;
}

// After the health policy, so a drain never brings back a real that health took out.
void set_drained_to_zero(const virtual_server& server, const drain_predicate& is_drained,
                         ipvs::service& service) {
    for (const auto& real : server.reals) {
        if (auto found = service.destinations.find(real.key);
            found != service.destinations.end() && is_drained(server.key, real.key)) {
            found->second.weight = 0;
        }
    }
}

}  // namespace

ipvs::table desired_table(const daemon_config& config, const master_predicate& is_master,
                          const health_predicate& is_up, const drain_predicate& is_drained) {
    ipvs::table table;
    for (const auto& server : config.virtual_servers) {
        const bool wanted =
            config.ipvs.mode == ipvs_mode::always || !server.vrrp || is_master(*server.vrrp);
        if (!wanted) {
            continue;
        }
        ipvs::service& service = table[server.key];
        service.settings = server.settings;
        health::service_health_policy policy;
        policy.quiescent = server.quiescent;
        policy.quorum = server.quorum;
        if (server.fallback) {
            policy.fallback = std::make_pair(server.fallback->key, server.fallback->settings);
        }
        service.destinations =
            health::healthy_destinations(reals_with_health(server, is_up), policy);
        if (is_drained) {
            set_drained_to_zero(server, is_drained, service);
        }
    }
    return table;
}

bool has_quorum(const virtual_server& server, const health_predicate& is_up) {
    return health::has_quorum(reals_with_health(server, is_up), server.quorum);
}

std::vector<std::string> gating_instances(const daemon_config& config) {
    std::vector<std::string> names;
    for (const auto& server : config.virtual_servers) {
        if (server.vrrp) {
            names.push_back(*server.vrrp);
        }
    }
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    return names;
}

}  // namespace vipd::policy
