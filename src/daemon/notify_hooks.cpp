#include "notify_hooks.hpp"

#include <fmt/format.h>

namespace vipd::daemon {

notify_hooks::notify_hooks(asio::io_context& io, const config::daemon_config& config,
                           const logging::log_set& logs)
    : io_(io), logs_(logs) {
    reconfigure(config);
}

void notify_hooks::reconfigure(const config::daemon_config& config) {
    settings_.clear();
    for (const auto& instance : config.vrrp) {
        if (!instance.notify.empty()) {
            settings_.emplace(instance.name, instance.notify);
        }
    }
}

// Running commands are killed with their runners: a daemon that stops does not leave
// half-done notifications behind it.
notify_hooks::~notify_hooks() = default;

void notify_hooks::on_transition(const std::string& instance, const vrrp::state_changed& change) {
    const auto found = settings_.find(instance);
    if (found == settings_.end()) {
        return;
    }
    const auto& settings = found->second;
    // keepalived's order: the state-specific script first, then the generic one.
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
            return;  // shutdown: keepalived notifies nothing for it either
    }
    if (!specific->empty()) {
        launch(instance, *specific, settings, change, false);
    }
    if (!settings.any.empty()) {
        launch(instance, settings.any, settings, change, true);
    }
}

void notify_hooks::launch(const std::string& instance, const std::vector<std::string>& argv,
                          const config::notify_settings& settings,
                          const vrrp::state_changed& change, bool with_arguments) {
    const std::string state(vrrp::to_string(change.to));
    health::checkers::process_spec spec;
    spec.argv = argv;
    if (with_arguments) {
        // keepalived's notify arguments: type, name, state, priority.
        spec.argv.insert(spec.argv.end(),
                         {"INSTANCE", instance, state, std::to_string(change.priority)});
    }
    spec.run_as = settings.user.identity;
    spec.timeout = settings.timeout;
    spec.env = {{"VIPD_INSTANCE", instance},
                {"VIPD_FROM", std::string(vrrp::to_string(change.from))},
                {"VIPD_TO", state},
                {"VIPD_REASON", std::string(vrrp::to_string(change.reason))},
                {"VIPD_PRIORITY", std::to_string(change.priority)}};
    ++stats_.started;
    auto& runner = running_.emplace_back(std::make_unique<health::checkers::process_runner>(io_));
    auto* raw = runner.get();
    const std::string what = fmt::format("{}: notify {} ({})", instance, argv.front(), state);
    logs_.vrrp().debug("{}: started", what);
    raw->run(spec, [this, raw, what](const health::checkers::process_outcome& outcome) {
        if (!outcome.success()) {
            ++stats_.failed;
            logs_.vrrp().warn("{} failed: {}", what, outcome.describe());
        }
        // Not from inside the runner's own callback: drop it once the callback has returned.
        asio::post(io_, [this, raw] {
            running_.remove_if([raw](const auto& r) { return r.get() == raw; });
        });
    });
}

}  // namespace vipd::daemon
