#include "notify_hooks.hpp"

#include <fmt/format.h>

namespace vipd::daemon {

notify_hooks::notify_hooks(asio::io_context& io, const config::daemon_config& config,
                           const logging::log_set& logs)
    : io_(io), logs_(logs), scheduler_(config) {}

void notify_hooks::reconfigure(const config::daemon_config& config) {
    scheduler_.reconfigure(config);
}

// Running commands are killed with their runners: a daemon that stops does not leave
// half-done notifications behind it.
notify_hooks::~notify_hooks() = default;

void notify_hooks::on_transition(const std::string& instance, const vrrp::state_changed& change) {
    start(scheduler_.on_transition(instance, change));
}

void notify_hooks::on_group_transition(const std::string& group,
                                       const vrrp::state_changed& change) {
    start(scheduler_.on_group_transition(group, change));
}

notify_stats notify_hooks::stats() const noexcept {
    return notify_stats{started_, failed_, scheduler_.coalesced()};
}

void notify_hooks::start(const std::vector<notify_job>& jobs) {
    for (const auto& job : jobs) {
        start(job);
    }
}

void notify_hooks::start(const notify_job& job) {
    const std::string state(vrrp::to_string(job.change.to));
    health::checkers::process_spec spec;
    spec.argv = job.argv;
    spec.run_as = job.user.identity;
    spec.timeout = job.timeout;
    const bool group = job.subject == notify_subject::group;
    spec.env = {{group ? "VIPD_SYNC_GROUP" : "VIPD_INSTANCE", job.instance},
                {"VIPD_FROM", std::string(vrrp::to_string(job.change.from))},
                {"VIPD_TO", state},
                {"VIPD_REASON", std::string(vrrp::to_string(job.change.reason))},
                {"VIPD_PRIORITY", std::to_string(job.change.priority)}};
    ++started_;
    auto& runner = runners_[{job.subject, job.instance}];
    runner = std::make_unique<health::checkers::process_runner>(io_);
    const std::string what = fmt::format("{}{}: notify {} ({})", group ? "sync group " : "",
                                         job.instance, job.argv.front(), state);
    logs_.vrrp().debug("{}: started", what);
    runner->run(spec, [this, instance = job.instance, subject = job.subject,
                       what](const health::checkers::process_outcome& outcome) {
        if (!outcome.success()) {
            ++failed_;
            logs_.vrrp().warn("{} failed: {}", what, outcome.describe());
        }
        // Not from inside the runner's own callback: it is dropped (and maybe replaced by the
        // instance's next hook) once the callback has returned.
        asio::post(io_, [this, instance, subject] { finished(instance, subject); });
    });
}

void notify_hooks::finished(const std::string& instance, notify_subject subject) {
    runners_.erase({subject, instance});
    start(scheduler_.on_hook_finished(instance, subject));
}

}  // namespace vipd::daemon
