#include "vipd/daemon/ipvs_driver.hpp"

#include <algorithm>
#include <utility>

#include "vipd/ipvs/reconciler.hpp"

namespace vipd::daemon {
namespace {

/// Up to this many operations in one reconcile are logged one line each at info level.
constexpr std::size_t k_itemized_operations = 16;

}  // namespace

ipvs_driver::ipvs_driver(ipvs::ipvs_port& port, desired_function desired,
                         std::set<ipvs::service_key> managed, const logging::log_set& logs,
                         std::optional<sync_plan> sync)
    : port_(port),
      desired_(std::move(desired)),
      managed_(std::move(managed)),
      logs_(logs),
      sync_(std::move(sync)) {
    if (managed_.empty() && !sync_) {
        return;  // no virtual servers configured: IPVS is not our business
    }
    probed_ = true;
    available_ = port_.available();
    if (!available_) {
        logs_.ipvs().error(
            "the kernel has no IPVS (generic netlink family \"IPVS\" not found; is the ip_vs "
            "module "
            "available?): {} virtual service(s) will not be programmed; VRRP carries on",
            managed_.size());
        return;
    }
    if (sync_) {
        set_sync(ipvs::sync_role::backup, true);
    }
}

void ipvs_driver::set_sync(ipvs::sync_role role, bool running) {
    bool& state = role == ipvs::sync_role::master ? master_sync_running_ : backup_sync_running_;
    if (state == running) {
        return;
    }
    const char* name = role == ipvs::sync_role::master ? "master" : "backup";
    auto error =
        running ? port_.start_sync(role, sync_->interface, sync_->sync_id) : port_.stop_sync(role);
    if (error) {
        ++stats_.errors;
        logs_.ipvs().error("cannot {} the {} connection sync daemon on {}: {}",
                           running ? "start" : "stop", name, sync_->interface, error.message());
        return;
    }
    state = running;
    logs_.ipvs().info("{} the {} connection sync daemon (interface {}, sync id {})",
                      running ? "started" : "stopped", name, sync_->interface, sync_->sync_id);
}

void ipvs_driver::update_master_sync() {
    if (!sync_ || !available_) {
        return;
    }
    const bool any = std::any_of(masters_.begin(), masters_.end(), [this](const std::string& name) {
        return sync_->gating_instances.count(name) > 0;
    });
    set_sync(ipvs::sync_role::master, any);
}

void ipvs_driver::entering_master(const std::string& instance) {
    masters_.insert(instance);
    converge(desired_(masters_), trigger::became_master);
    update_master_sync();
}

void ipvs_driver::left_master(const std::string& instance) {
    masters_.erase(instance);
    converge(desired_(masters_), trigger::left_master);
    update_master_sync();
}

void ipvs_driver::start() {
    converge(desired_(masters_), trigger::startup);
}

void ipvs_driver::resync() {
    converge(desired_(masters_), trigger::resync);
}

void ipvs_driver::health_changed() {
    converge(desired_(masters_), trigger::health);
}

void ipvs_driver::reconfigure(std::set<ipvs::service_key> managed, std::optional<sync_plan> sync) {
    for (const auto& key : managed_) {
        if (managed.count(key) == 0) {
            retiring_.insert(key);
        }
    }
    managed_ = std::move(managed);
    if (!probed_ && (!managed_.empty() || sync)) {
        probed_ = true;
        available_ = port_.available();
        if (!available_) {
            logs_.ipvs().error(
                "the kernel has no IPVS (generic netlink family \"IPVS\" not found; is the "
                "ip_vs module available?): {} virtual service(s) will not be programmed; VRRP "
                "carries on",
                managed_.size());
        }
    }
    if (!available_) {
        sync_ = std::move(sync);
        return;
    }
    const bool sync_moved =
        sync_ && (!sync || sync->interface != sync_->interface || sync->sync_id != sync_->sync_id);
    if (sync_moved) {
        set_sync(ipvs::sync_role::master, false);
        set_sync(ipvs::sync_role::backup, false);
    }
    sync_ = std::move(sync);
    if (sync_) {
        set_sync(ipvs::sync_role::backup, true);
    }
    update_master_sync();
    // Only the new configuration's services are managed here: the dropped ones stay until
    // retire_removed, after their VIPs went.
    converge(desired_(masters_), trigger::reload);
}

void ipvs_driver::retire_removed() {
    if (retiring_.empty()) {
        return;
    }
    if (available_) {
        auto managed = managed_;
        managed.insert(retiring_.begin(), retiring_.end());
        std::swap(managed, managed_);
        converge(desired_(masters_), trigger::reload);
        std::swap(managed, managed_);
    }
    retiring_.clear();
}

void ipvs_driver::withdraw() {
    converge(ipvs::table{}, trigger::shutdown);
    if (sync_ && available_) {
        set_sync(ipvs::sync_role::master, false);
        set_sync(ipvs::sync_role::backup, false);
    }
}

const char* ipvs_driver::to_string(trigger t) noexcept {
    switch (t) {
        case trigger::startup:
            return "startup";
        case trigger::became_master:
            return "became master";
        case trigger::left_master:
            return "left master";
        case trigger::resync:
            return "resync";
        case trigger::health:
            return "health";
        case trigger::reload:
            return "reload";
        case trigger::shutdown:
            return "shutdown";
    }
    return "reconcile";
}

void ipvs_driver::converge(const ipvs::table& desired, trigger why) {
    if (!available_) {
        return;
    }
    // A role change that leaves the wanted table as it was (mode "always", an instance that
    // gates nothing) need not read back 10,000 destinations before its VIPs go up: drift is
    // the periodic resync's business.
    const bool role_change = why == trigger::became_master || why == trigger::left_master;
    if (role_change && last_desired_ && *last_desired_ == desired) {
        return;
    }
    ++stats_.reconciles;
    ipvs::table observed;
    if (auto error = port_.dump(observed)) {
        ++stats_.errors;
        logs_.ipvs().error("{}: cannot read the IPVS table: {}", to_string(why), error.message());
        return;
    }
    last_desired_ = desired;
    const auto ops = ipvs::reconcile(desired, ipvs::normalize(observed), managed_);
    if (ops.empty()) {
        return;
    }
    // Drift found by a periodic resync is news (someone ran ipvsadm); role changes are expected.
    const bool drift = why == trigger::resync;
    const auto level = drift ? spdlog::level::warn : spdlog::level::info;
    // A handful of changes is worth a line each; a bulk load (thousands of reals at start) gets
    // one summary line, its operations at debug level. Failures are always logged one by one.
    const bool itemize = ops.size() <= k_itemized_operations;
    std::size_t applied = 0;
    std::set<std::string> failing;
    for (const auto& result : port_.apply(ops)) {
        if (result.error) {
            const auto text = ipvs::to_string(result.op);
            ++stats_.errors;
            // Every resync retries a failing operation (e.g. a scheduler this kernel lacks):
            // say it once, then only at debug level while it keeps failing the same way.
            auto line = text + ": " + result.error.message();
            const bool known = failing_.count(line) > 0;
            logs_.ipvs().log(
                known ? spdlog::level::debug : spdlog::level::err, "{}: {} failed: {}{}",
                to_string(why), text, result.error.message(),
                known ? "" : " (retried every resync; logged again only if it changes)");
            failing.insert(std::move(line));
            continue;
        }
        ++stats_.operations;
        ++applied;
        // Text for 10,000 operations nobody logs is most of the driver's start-up cost.
        const auto op_level = itemize ? level : spdlog::level::debug;
        if (logs_.ipvs().should_log(op_level)) {
            logs_.ipvs().log(op_level, "{}: {}{}", to_string(why), ipvs::to_string(result.op),
                             drift ? " (repairing drift)" : "");
        }
    }
    if (!itemize) {
        logs_.ipvs().log(level, "{}: {} of {} IPVS operations applied{}", to_string(why), applied,
                         ops.size(), drift ? " (repairing drift)" : "");
    }
    failing_ = std::move(failing);
}

}  // namespace vipd::daemon
