#include "vipd/daemon/ipvs_driver.hpp"

#include <utility>

#include "vipd/ipvs/reconciler.hpp"

namespace vipd::daemon {

ipvs_driver::ipvs_driver(ipvs::ipvs_port& port, desired_function desired,
                         std::set<ipvs::service_key> managed, const logging::log_set& logs)
    : port_(port), desired_(std::move(desired)), managed_(std::move(managed)), logs_(logs) {
    if (managed_.empty()) {
        return;  // no virtual servers configured: IPVS is not our business
    }
    available_ = port_.available();
    if (!available_) {
        logs_.ipvs().error(
            "the kernel has no IPVS (generic netlink family \"IPVS\" not found; is the ip_vs "
            "module "
            "available?): {} virtual service(s) will not be programmed; VRRP carries on",
            managed_.size());
    }
}

void ipvs_driver::entering_master(const std::string& instance) {
    masters_.insert(instance);
    converge(desired_(masters_), trigger::became_master);
}

void ipvs_driver::left_master(const std::string& instance) {
    masters_.erase(instance);
    converge(desired_(masters_), trigger::left_master);
}

void ipvs_driver::resync() {
    converge(desired_(masters_), trigger::resync);
}

void ipvs_driver::withdraw() {
    converge(ipvs::table{}, trigger::shutdown);
}

const char* ipvs_driver::to_string(trigger t) noexcept {
    switch (t) {
        case trigger::became_master:
            return "became master";
        case trigger::left_master:
            return "left master";
        case trigger::resync:
            return "resync";
        case trigger::shutdown:
            return "shutdown";
    }
    return "reconcile";
}

void ipvs_driver::converge(const ipvs::table& desired, trigger why) {
    if (!available_) {
        return;
    }
    ++stats_.reconciles;
    ipvs::table observed;
    if (auto error = port_.dump(observed)) {
        ++stats_.errors;
        logs_.ipvs().error("{}: cannot read the IPVS table: {}", to_string(why), error.message());
        return;
    }
    const auto ops = ipvs::reconcile(desired, ipvs::normalize(observed), managed_);
    if (ops.empty()) {
        return;
    }
    // Drift found by a periodic resync is news (someone ran ipvsadm); role changes are expected.
    const bool drift = why == trigger::resync;
    for (const auto& result : port_.apply(ops)) {
        if (result.error) {
            ++stats_.errors;
            logs_.ipvs().error("{}: {} failed: {}", to_string(why), ipvs::to_string(result.op),
                               result.error.message());
        } else {
            ++stats_.operations;
            logs_.ipvs().log(drift ? spdlog::level::warn : spdlog::level::info, "{}: {}{}",
                             to_string(why), ipvs::to_string(result.op),
                             drift ? " (repairing drift)" : "");
        }
    }
}

}  // namespace vipd::daemon
