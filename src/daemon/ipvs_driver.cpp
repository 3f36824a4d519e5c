#include "vipd/daemon/ipvs_driver.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "vipd/ipvs/reconciler.hpp"

namespace vipd::daemon {
namespace {

/// Up to this many operations in one reconcile are logged one line each at info level.
constexpr std::size_t k_itemized_operations = 16;
/// A resync slice ends at this many services or once it holds this many wanted destinations:
/// about 70 requests, a few milliseconds on hardware and tens under emulation, far below any
/// master-down interval.
constexpr std::size_t k_slice_services = 32;
constexpr std::size_t k_slice_destinations = 256;

/// "the backup connection sync daemon (interface eth1, sync id 7)", as every log line says it.
std::string describe(ipvs::sync_role role, const ipvs::sync_daemon& daemon) {
    return fmt::format("the {} connection sync daemon (interface {}, sync id {})",
                       role == ipvs::sync_role::master ? "master" : "backup", daemon.interface,
                       daemon.sync_id);
}

ipvs::table restrict_to(const ipvs::table& tbl, const std::set<ipvs::service_key>& keys) {
    ipvs::table part;
    for (const auto& key : keys) {
        if (const auto found = tbl.find(key); found != tbl.end()) {
            part.insert(*found);
        }
    }
    return part;
}

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
    probe();
}

void ipvs_driver::probe() {
    probed_ = true;
    available_ = port_.available();
    if (!available_) {
        logs_.ipvs().error(
            "the kernel has no IPVS (generic netlink family \"IPVS\" not found; is the ip_vs "
            "module available?): {} virtual service(s) will not be programmed; VRRP carries on",
            managed_.size());
    }
}

ipvs::sync_daemons_by_role ipvs_driver::wanted_sync() const {
    ipvs::sync_daemons_by_role wanted;
    if (!sync_) {
        return wanted;
    }
    const ipvs::sync_daemon configured{sync_->interface, sync_->sync_id};
    wanted[ipvs::sync_role::backup] = configured;
    const bool gating_master = std::any_of(
        masters_.begin(), masters_.end(),
        [this](const std::string& name) { return sync_->gating_instances.count(name) > 0; });
    if (gating_master) {
        wanted[ipvs::sync_role::master] = configured;
    }
    return wanted;
}

void ipvs_driver::update_master_sync(trigger why) {
    if (!sync_ || !available_) {
        return;
    }
    // Most role changes are of instances that gate no sync: they ask the kernel nothing.
    if (auto wanted = wanted_sync(); wanted != sync_wanted_) {
        converge_sync(wanted, why);
    }
}

void ipvs_driver::converge_sync(const ipvs::sync_daemons_by_role& wanted, trigger why) {
    ipvs::sync_daemons_by_role running;
    if (auto error = port_.list_sync(running)) {
        ++stats_.errors;
        sync_wanted_.reset();  // unknown: the next role change tries again
        logs_.ipvs().error("{}: cannot read the connection sync daemons: {}", to_string(why),
                           error.message());
        return;
    }
    sync_wanted_ = wanted;
    sync_failed_before_ = std::exchange(sync_failing_, {});
    // The master first: at shutdown it is the one that still sends.
    for (const auto role : {ipvs::sync_role::master, ipvs::sync_role::backup}) {
        const auto want = wanted.find(role);
        const ipvs::sync_daemon* wanted_one = want == wanted.end() ? nullptr : &want->second;
        if (const auto have = running.find(role); have != running.end()) {
            if (wanted_one != nullptr && have->second == *wanted_one) {
                if (why == trigger::startup) {
                    logs_.ipvs().info("{} runs already: kept", describe(role, have->second));
                }
                continue;
            }
            if (!stop_sync(role, have->second, wanted_one, why)) {
                continue;  // the kernel runs one daemon per role: no room for the wanted one
            }
        }
        if (wanted_one != nullptr) {
            start_sync(role, *wanted_one);
        }
    }
}

bool ipvs_driver::stop_sync(ipvs::sync_role role, const ipvs::sync_daemon& running,
                            const ipvs::sync_daemon* wanted, trigger why) {
    const auto what = describe(role, running);
    // ESRCH: it stopped since the read, which is all that was asked.
    if (auto error = port_.stop_sync(role); error && error != std::errc::no_such_process) {
        sync_failed(fmt::format("cannot stop {}: {}", what, error.message()));
        return false;
    }
    std::string reason;
    if (wanted != nullptr) {
        reason = fmt::format(": configured with interface {}, sync id {}", wanted->interface,
                             wanted->sync_id);
    } else if (sync_ && role == ipvs::sync_role::master && why != trigger::shutdown) {
        reason = ": no gating instance is MASTER";
    }
    // Found at start it was left by an earlier run, at a resync someone started it: news. A
    // role change, reload or shutdown stopping it is expected.
    const bool news = why == trigger::startup || why == trigger::resync;
    logs_.ipvs().log(news ? spdlog::level::warn : spdlog::level::info, "stopped {}{}", what,
                     reason);
    return true;
}

void ipvs_driver::start_sync(ipvs::sync_role role, const ipvs::sync_daemon& wanted) {
    const auto what = describe(role, wanted);
    const auto error = port_.start_sync(role, wanted.interface, wanted.sync_id);
    if (error == std::errc::file_exists) {
        // Started by someone else since the read: right if it runs as configured (the next
        // resync replaces it otherwise).
        ipvs::sync_daemons_by_role now;
        const auto found = port_.list_sync(now) ? now.end() : now.find(role);
        if (found != now.end() && found->second == wanted) {
            logs_.ipvs().info("{} runs already: kept", what);
            return;
        }
    }
    if (error) {
        sync_failed(fmt::format("cannot start {}: {}", what, error.message()));
        return;
    }
    logs_.ipvs().info("started {}", what);
}

void ipvs_driver::sync_failed(std::string text) {
    ++stats_.errors;
    // Every resync retries (a missing interface fails the same way each time): say it once.
    const bool known = sync_failed_before_.count(text) > 0;
    logs_.ipvs().log(known ? spdlog::level::debug : spdlog::level::err, "{}{}", text,
                     known ? "" : " (retried every resync; logged again only if it changes)");
    sync_failing_.insert(std::move(text));
}

bool ipvs_driver::entering_master(const std::string& instance) {
    masters_.insert(instance);
    update_master_sync(trigger::became_master);
    return queue_changes(trigger::became_master);
}

void ipvs_driver::left_master(const std::string& instance) {
    masters_.erase(instance);
    update_master_sync(trigger::left_master);
    queue_changes(trigger::left_master);
}

bool ipvs_driver::queue_changes(trigger why) {
    if (!available_) {
        return true;
    }
    auto desired = desired_(masters_);
    std::set<ipvs::service_key> changed;
    if (last_desired_) {
        // A change that leaves the wanted table as it was (mode "always", an instance that
        // gates nothing) reads nothing back: drift is the resync's business.
        changed = ipvs::changed_services(*last_desired_, desired);
    } else {
        changed = managed_;
        for (const auto& entry : desired) {
            changed.insert(entry.first);
        }
    }
    last_desired_ = std::move(desired);
    if (changed.empty()) {
        return role_queue_.empty();
    }
    std::set<ipvs::service_key> queued(role_queue_.begin(), role_queue_.end());
    queued.insert(changed.begin(), changed.end());
    role_queue_.assign(queued.rbegin(), queued.rend());
    role_trigger_ = why;
    return !role_step();
}

bool ipvs_driver::role_step() {
    if (role_queue_.empty() || !last_desired_) {
        role_queue_.clear();
        return false;
    }
    const auto slice = take_slice(role_queue_);
    converge(*last_desired_, role_trigger_, &slice);
    return !role_queue_.empty();
}

std::set<ipvs::service_key> ipvs_driver::take_slice(std::vector<ipvs::service_key>& queue) const {
    std::set<ipvs::service_key> slice;
    std::size_t destinations = 0;
    while (!queue.empty() && slice.size() < k_slice_services &&
           destinations < k_slice_destinations) {
        const auto found = last_desired_->find(queue.back());
        destinations += found == last_desired_->end() ? 0 : found->second.destinations.size();
        slice.insert(std::move(queue.back()));
        queue.pop_back();
    }
    return slice;
}

void ipvs_driver::adopt_record(const std::set<ipvs::service_key>& recorded) {
    for (const auto& key : recorded) {
        if (managed_.count(key) == 0) {
            unremoved_.insert(key);
        }
    }
    if (!probed_ && !unremoved_.empty()) {
        // Nothing configured asks for IPVS, so its absence is no error; but the earlier run's
        // services may be there to remove.
        available_ = port_.available();
    }
    if (!available_) {
        unremoved_.clear();  // the IPVS family comes with the module, and the services with it
    }
}

void ipvs_driver::start() {
    if (sync_ && available_) {
        converge_sync(wanted_sync(), trigger::startup);
    }
    converge(desired_(masters_), trigger::startup, nullptr);
}

void ipvs_driver::health_changed() {
    converge_changes(trigger::health);
}

void ipvs_driver::drains_changed() {
    converge_changes(trigger::drain);
}

void ipvs_driver::converge_changes(trigger why) {
    if (!available_) {
        return;
    }
    auto desired = desired_(masters_);
    if (!last_desired_) {
        converge(desired, why, nullptr);
        return;
    }
    // A change that leaves the wanted table as it was (mode "always", an instance that gates
    // nothing) reads nothing back: drift is the resync's business.
    const auto changed = ipvs::changed_services(*last_desired_, desired);
    if (!changed.empty()) {
        converge(desired, why, &changed);
    }
}

void ipvs_driver::begin_resync() {
    if (!available_) {
        return;
    }
    if (sync_) {
        converge_sync(wanted_sync(), trigger::resync);  // one request, whatever the table's size
    }
    // A big table under a slow kernel can take longer than the interval: restarting would
    // never reach its end, so the resync under way goes on.
    if (resync_pending()) {
        return;
    }
    resync_repairs_ = 0;
    std::set<ipvs::service_key> present;
    if (auto error = port_.list(present)) {
        ++stats_.errors;
        logs_.ipvs().error("resync: cannot list the IPVS services: {}", error.message());
        return;
    }
    last_desired_ = desired_(masters_);
    std::set<ipvs::service_key> queued;
    for (const auto& entry : *last_desired_) {
        queued.insert(entry.first);
    }
    for (const auto& key : present) {
        if (managed_.count(key) > 0 || unremoved_.count(key) > 0) {
            queued.insert(key);
        }
    }
    std::erase_if(unremoved_,
                  [&present](const ipvs::service_key& key) { return present.count(key) == 0; });
    resync_queue_.assign(queued.rbegin(), queued.rend());
}

bool ipvs_driver::resync_step() {
    if (resync_queue_.empty() || !last_desired_) {
        resync_queue_.clear();
        return false;
    }
    const auto slice = take_slice(resync_queue_);
    converge(*last_desired_, trigger::resync, &slice);
    if (!resync_queue_.empty()) {
        return true;
    }
    if (resync_repairs_ > 0) {
        logs_.ipvs().warn("resync: repaired drift with {} IPVS operation(s)", resync_repairs_);
    }
    return false;
}

void ipvs_driver::reconfigure(std::set<ipvs::service_key> managed, std::optional<sync_plan> sync) {
    for (const auto& key : managed_) {
        if (managed.count(key) == 0) {
            retiring_.insert(key);
        }
    }
    managed_ = std::move(managed);
    for (const auto& key : managed_) {
        unremoved_.erase(key);  // configured again: managed from now on
    }
    if (!probed_ && (!managed_.empty() || sync)) {
        probe();
    }
    const bool had_sync = sync_.has_value();
    sync_ = std::move(sync);
    if (!available_) {
        return;
    }
    // Without [ipvs.sync] now, the daemons the old configuration ran stop; from then on vipd
    // leaves sync daemons alone.
    if (sync_ || had_sync) {
        converge_sync(wanted_sync(), trigger::reload);
    }
    // Only the new configuration's services are managed here: the dropped ones stay until
    // retire_removed, after their VIPs went.
    converge_changes(trigger::reload);
}

void ipvs_driver::retire_removed() {
    if (retiring_.empty()) {
        return;
    }
    if (available_) {
        unremoved_.insert(retiring_.begin(), retiring_.end());
        converge(desired_(masters_), trigger::reload, &retiring_);
    }
    retiring_.clear();
}

void ipvs_driver::withdraw() {
    resync_queue_.clear();
    role_queue_.clear();
    if (available_) {
        unremoved_.insert(managed_.begin(), managed_.end());
    }
    converge(ipvs::table{}, trigger::shutdown, nullptr);
    if (sync_ && available_) {
        converge_sync({}, trigger::shutdown);
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
        case trigger::drain:
            return "drain";
        case trigger::reload:
            return "reload";
        case trigger::shutdown:
            return "shutdown";
    }
    return "reconcile";
}

void ipvs_driver::converge(const ipvs::table& desired, trigger why,
                           const std::set<ipvs::service_key>* scope) {
    if (!available_) {
        return;
    }
    // By key a service costs two requests, in the whole table one: past half of the managed
    // services (a reload changing most of them) the whole table is cheaper. Resync and role
    // slices are read by key whatever their size, or they would not be slices.
    const bool sliced =
        why == trigger::resync || why == trigger::became_master || why == trigger::left_master;
    const bool whole = scope == nullptr || (!sliced && scope->size() * 2 > managed_.size());
    ++stats_.reconciles;
    ipvs::table observed;
    std::error_code error;
    if (whole) {
        error = port_.dump(observed);
    } else {
        const std::vector<ipvs::service_key> keys(scope->begin(), scope->end());
        error = port_.dump(keys, observed);
    }
    if (error) {
        ++stats_.errors;
        logs_.ipvs().error("{}: cannot read the IPVS table: {}", to_string(why), error.message());
        return;
    }
    if (!last_desired_ || &*last_desired_ != &desired) {
        last_desired_ = desired;
    }
    const auto* read = whole ? nullptr : scope;
    std::vector<ipvs::operation> ops;
    if (whole) {
        ops = ipvs::reconcile(desired, ipvs::normalize(observed), removable(read));
    } else {
        ops = ipvs::reconcile(restrict_to(desired, *scope), ipvs::normalize(observed),
                              removable(read));
    }
    apply(ops, why, read);
    forget_removed(observed, read);
}

std::set<ipvs::service_key> ipvs_driver::removable(const std::set<ipvs::service_key>* scope) const {
    if (scope == nullptr) {
        auto all = managed_;
        all.insert(unremoved_.begin(), unremoved_.end());
        return all;
    }
    std::set<ipvs::service_key> part;
    for (const auto& key : *scope) {
        if (managed_.count(key) > 0 || unremoved_.count(key) > 0) {
            part.insert(key);
        }
    }
    return part;
}

void ipvs_driver::forget_removed(const ipvs::table& observed,
                                 const std::set<ipvs::service_key>* scope) {
    // Not desired, so a present one had its delete in the batch: gone unless it failed.
    std::erase_if(unremoved_, [&](const ipvs::service_key& key) {
        const bool read = scope == nullptr || scope->count(key) > 0;
        return read && (observed.count(key) == 0 || failing_.count(key) == 0);
    });
}

void ipvs_driver::apply(const std::vector<ipvs::operation>& ops, trigger why,
                        const std::set<ipvs::service_key>* scope) {
    // Drift found by a periodic resync is news (someone ran ipvsadm); role changes are expected.
    const bool drift = why == trigger::resync;
    const auto level = drift ? spdlog::level::warn : spdlog::level::info;
    // A handful of changes is worth a line each; a bulk load (thousands of reals at start) gets
    // one summary line, its operations at debug level. Failures are always logged one by one.
    const bool itemize = ops.size() <= k_itemized_operations;
    std::size_t applied = 0;
    std::map<ipvs::service_key, std::set<std::string>> failing;
    std::vector<ipvs::operation_result> results;
    if (!ops.empty()) {
        results = port_.apply(ops);
    }
    for (const auto& result : results) {
        const auto& service = ipvs::service_of(result.op);
        if (result.error) {
            const auto text = ipvs::to_string(result.op);
            ++stats_.errors;
            // Every resync retries a failing operation (e.g. a scheduler this kernel lacks):
            // say it once, then only at debug level while it keeps failing the same way.
            auto line = text + ": " + result.error.message();
            const auto before = failing_.find(service);
            const bool known = before != failing_.end() && before->second.count(line) > 0;
            logs_.ipvs().log(
                known ? spdlog::level::debug : spdlog::level::err, "{}: {} failed: {}{}",
                to_string(why), text, result.error.message(),
                known ? "" : " (retried every resync; logged again only if it changes)");
            failing[service].insert(std::move(line));
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
    if (drift) {
        resync_repairs_ += applied;  // summed up once the resync is through
    } else if (!itemize) {
        logs_.ipvs().log(level, "{}: {} of {} IPVS operations applied", to_string(why), applied,
                         ops.size());
    }
    if (scope == nullptr) {
        failing_ = std::move(failing);
        return;
    }
    for (const auto& key : *scope) {
        failing_.erase(key);
    }
    failing_.merge(failing);
}

}  // namespace vipd::daemon
