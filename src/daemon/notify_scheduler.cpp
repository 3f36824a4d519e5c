#include "vipd/daemon/notify_scheduler.hpp"

#include <algorithm>

namespace vipd::daemon {

std::optional<std::string_view> notify_state_word(vrrp::state to, bool stopping) noexcept {
    if (to == vrrp::state::initialize) {
        return stopping ? std::optional<std::string_view>("STOP") : std::nullopt;
    }
    return vrrp::to_string(to);
}

std::string real_lane_name(const ipvs::service_key& service, const ipvs::destination_key& real) {
    return ipvs::to_string(service) + " " + ipvs::to_string(real);
}

std::string quorum_lane_name(const ipvs::service_key& service) {
    return ipvs::to_string(service);
}

notify_scheduler::notify_scheduler(const config::daemon_config& config, std::size_t max_running)
    : max_running_(std::max<std::size_t>(max_running, 1)) {
    reconfigure(config);
}

void notify_scheduler::reconfigure(const config::daemon_config& config) {
    // Waiting transitions need no care here: their commands are looked up when they start.
    settings_.clear();
    for (const auto& instance : config.vrrp) {
        if (!instance.notify.empty()) {
            settings_.emplace(subject_key{notify_subject::instance, instance.name},
                              instance.notify);
        }
    }
    for (const auto& group : config.sync_groups) {
        if (!group.notify.empty()) {
            settings_.emplace(subject_key{notify_subject::group, group.name}, group.notify);
        }
    }
    health_settings_.clear();
    for (const auto& server : config.virtual_servers) {
        // As `vipctl ipvs` names the service.
        const auto service = server.name.value_or(ipvs::to_string(server.key));
        const auto hooks = [&](const config::up_down_commands& commands, std::string real) {
            return health_hooks{commands, server.hook_user, server.hook_timeout, service,
                                std::move(real)};
        };
        if (!server.quorum_notify.empty()) {
            health_settings_.emplace(
                subject_key{notify_subject::quorum, quorum_lane_name(server.key)},
                hooks(server.quorum_notify, ""));
        }
        for (const auto& real : server.reals) {
            if (!real.notify.empty()) {
                health_settings_.emplace(
                    subject_key{notify_subject::real, real_lane_name(server.key, real.key)},
                    hooks(real.notify, ipvs::to_string(real.key)));
            }
        }
    }
}

std::vector<notify_job> notify_scheduler::on_real(const ipvs::service_key& service,
                                                  const ipvs::destination_key& real, bool up) {
    if (stopping_) {
        return {};
    }
    return transition({notify_subject::real, real_lane_name(service, real)}, health_turn{up});
}

std::vector<notify_job> notify_scheduler::on_quorum(const ipvs::service_key& service, bool up) {
    if (stopping_) {
        return {};
    }
    return transition({notify_subject::quorum, quorum_lane_name(service)}, health_turn{up});
}

std::vector<notify_job> notify_scheduler::on_transition(const std::string& instance,
                                                        const vrrp::state_changed& change) {
    return transition({notify_subject::instance, instance}, change);
}

std::vector<notify_job> notify_scheduler::on_group_transition(const std::string& group,
                                                              const vrrp::state_changed& change) {
    return transition({notify_subject::group, group}, change);
}

std::vector<notify_job> notify_scheduler::groups_stopped() {
    std::vector<notify_job> jobs;
    for (const auto& [key, settings] : settings_) {
        if (key.first != notify_subject::group) {
            continue;
        }
        const auto last = last_state_.find(key);
        const auto from = last == last_state_.end() ? vrrp::state::initialize : last->second;
        auto started = transition(key, vrrp::state_changed{from, vrrp::state::initialize,
                                                           vrrp::transition_reason::shutdown, 0,
                                                           std::nullopt, std::nullopt});
        jobs.insert(jobs.end(), started.begin(), started.end());
    }
    return jobs;
}

std::vector<notify_job> notify_scheduler::transition(const subject_key& key,
                                                     const lane_event& event) {
    if (!settings_.contains(key) && !health_settings_.contains(key)) {
        return {};
    }
    if (const auto* change = std::get_if<vrrp::state_changed>(&event)) {
        last_state_[key] = change->to;
    }
    auto& l = lanes_[key];
    if (l.waiting) {
        ++coalesced_;
    }
    l.waiting = event;
    queue_if_ready(key, l);
    return start_ready();
}

std::vector<notify_job> notify_scheduler::on_hook_finished(const std::string& instance,
                                                           notify_subject subject) {
    const auto found = lanes_.find(subject_key{subject, instance});
    if (found == lanes_.end() || !found->second.running) {
        return {};
    }
    auto& l = found->second;
    l.running = false;
    --running_;
    if (l.steps.empty() && !l.waiting) {
        lanes_.erase(found);
    } else {
        queue_if_ready(found->first, l);
    }
    return start_ready();
}

void notify_scheduler::queue_if_ready(const subject_key& key, lane& l) {
    if (!l.running && !l.queued) {
        l.queued = true;
        ready_.push_back(key);
    }
}

std::vector<notify_job> notify_scheduler::start_ready() {
    std::vector<notify_job> jobs;
    while (running_ < max_running_ && !ready_.empty()) {
        const auto found = lanes_.find(ready_.front());
        ready_.pop_front();
        auto& l = found->second;
        l.queued = false;
        if (l.steps.empty() && l.waiting) {
            const auto commands = plan(found->first, *l.waiting);
            l.steps.assign(commands.begin(), commands.end());
            l.waiting.reset();
        }
        if (l.steps.empty()) {
            lanes_.erase(found);  // a transition with no command for its state: nothing to run
            continue;
        }
        jobs.push_back(std::move(l.steps.front()));
        l.steps.pop_front();
        l.running = true;
        ++running_;
    }
    return jobs;
}

std::vector<notify_job> notify_scheduler::plan(const subject_key& key,
                                               const lane_event& event) const {
    if (const auto* turn = std::get_if<health_turn>(&event)) {
        return plan_health(key, *turn);
    }
    return plan_transition(key, std::get<vrrp::state_changed>(event));
}

std::vector<notify_job> notify_scheduler::plan_health(const subject_key& key,
                                                      health_turn turn) const {
    const auto found = health_settings_.find(key);
    // Gone with a reload, or vipd stops: keepalived runs no real or quorum hook at its stop.
    if (found == health_settings_.end() || stopping_) {
        return {};
    }
    const auto& hooks = found->second;
    const auto& argv = turn.up ? hooks.commands.up : hooks.commands.down;
    if (argv.empty()) {
        return {};
    }
    notify_job job;
    job.instance = key.second;
    job.argv = argv;
    job.user = hooks.user;
    job.timeout = hooks.timeout;
    job.subject = key.first;
    job.health = health_notice{hooks.service, hooks.real, turn.up};
    return {std::move(job)};
}

std::vector<notify_job> notify_scheduler::plan_transition(const subject_key& key,
                                                          const vrrp::state_changed& change) const {
    const auto found = settings_.find(key);
    if (found == settings_.end()) {
        return {};
    }
    const auto& settings = found->second;
    const std::vector<std::string>* specific = nullptr;
    switch (change.to) {
        case vrrp::state::master:
            specific = &settings.master;
            break;
        case vrrp::state::backup:
            specific = &settings.backup;
            break;
        case vrrp::state::fault:
            specific = &settings.fault;
            break;
        case vrrp::state::initialize:
            // keepalived's notify_stop runs when the daemon stops; an instance that a reload
            // removes or replaces is not stopped in that sense and notifies nothing.
            if (!stopping_) {
                return {};
            }
            specific = &settings.stop;
            break;
    }
    std::vector<notify_job> jobs;
    const auto job = [&](std::vector<std::string> argv) {
        jobs.push_back(notify_job{key.second, change, std::move(argv), settings.user,
                                  settings.timeout, key.first});
    };
    // keepalived's order: the state-specific command first, then the generic one.
    if (!specific->empty()) {
        job(*specific);
    }
    const bool group = key.first == notify_subject::group;
    // keepalived: "stop only applies to instances" for the generic command.
    const bool generic = !(group && change.to == vrrp::state::initialize);
    if (!settings.any.empty() && generic) {
        auto argv = settings.any;
        argv.insert(argv.end(), {group ? "GROUP" : "INSTANCE", key.second,
                                 std::string(*notify_state_word(change.to, stopping_)),
                                 std::to_string(change.priority)});
        job(std::move(argv));
    }
    return jobs;
}

}  // namespace vipd::daemon
