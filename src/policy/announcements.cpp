#include "vipd/policy/announcements.hpp"

#include <utility>

namespace vipd::policy {
namespace {

std::string joined(const std::vector<std::string>& names) {
    std::string out;
    for (std::size_t i = 0; i < names.size(); ++i) {
        out += (i == 0 ? "" : (i + 1 == names.size() ? " and " : ", ")) + names[i];
    }
    return out;
}

/// Whether the servers let `vip` be announced, and why.
std::pair<bool, std::string> server_gate(const config::bgp_vip& vip,
                                         const announcement_state& state) {
    std::vector<std::string> with;
    std::vector<std::string> without;
    for (const auto& name : vip.virtual_servers) {
        (state.has_quorum(name) ? with : without).push_back(name);
    }
    const bool open = vip.gate == config::bgp_gate::all ? without.empty() : !with.empty();
    if (open) {
        return {true, joined(with) + (with.size() == 1 ? " has its quorum" : " have their quorum")};
    }
    if (vip.gate == config::bgp_gate::any) {
        return {false, "none of " + joined(without) + " has its quorum"};
    }
    return {false,
            joined(without) + (without.size() == 1 ? " lost its quorum" : " lost their quorum")};
}

announcement decide(const config::bgp_vip& vip, const announcement_state& state) {
    if (state.stopping) {
        return {&vip, false, "vipd is stopping"};
    }
    if (state.demoted.count(vip.name) > 0) {
        return {&vip, false, "demoted by vipctl"};
    }
    if (vip.follow_instance && !state.is_master(*vip.follow_instance)) {
        return {&vip, false, "instance " + *vip.follow_instance + " is not MASTER"};
    }
    if (!vip.virtual_servers.empty()) {
        auto [open, why] = server_gate(vip, state);
        return {&vip, open, std::move(why)};
    }
    if (vip.follow_instance) {
        return {&vip, true, "instance " + *vip.follow_instance + " is MASTER"};
    }
    return {&vip, true, "no gate"};
}

}  // namespace

std::vector<announcement> announcements(const config::daemon_config& config,
                                        const announcement_state& state) {
    std::vector<announcement> out;
    out.reserve(config.bgp_vips.size());
    for (const auto& vip : config.bgp_vips) {
        out.push_back(decide(vip, state));
    }
    return out;
}

}  // namespace vipd::policy
