#include "vipd/config/desired_table.hpp"

#include <algorithm>

namespace vipd::config {

ipvs::table desired_table(const daemon_config& config, const master_predicate& is_master) {
    ipvs::table table;
    for (const auto& server : config.virtual_servers) {
        const bool wanted =
            config.ipvs.mode == ipvs_mode::always || !server.vrrp || is_master(*server.vrrp);
        if (!wanted) {
            continue;
        }
        ipvs::service& service = table[server.key];
        service.settings = server.settings;
        for (const auto& real : server.reals) {
            service.destinations.emplace(real.key, real.settings);
        }
    }
    return table;
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

}  // namespace vipd::config
