#include "notify_hooks.hpp"

#include <fmt/format.h>

#include "vipd/daemon/notify_fifo_lines.hpp"

namespace vipd::daemon {

notify_hooks::notify_hooks(asio::io_context& io, const config::daemon_config& config,
                           const logging::log_set& logs)
    : io_(io), logs_(logs), scheduler_(config), idle_bound_(io) {
    open_fifo(config);
}

void notify_hooks::reconfigure(const config::daemon_config& config) {
    scheduler_.reconfigure(config);
    open_fifo(config);
}

void notify_hooks::open_fifo(const config::daemon_config& config) {
    const auto& path = config.global.notify_fifo;
    if (!path) {
        fifo_.reset();
    } else if (!fifo_ || fifo_->path() != *path) {
        fifo_.reset();  // first: the old one may be the same path, removed when ours
        fifo_ = std::make_unique<notify_fifo>(*path, logs_, [] { return steady_clock::now(); });
    }
}

// Running commands are killed with their runners: a daemon that stops does not leave
// half-done notifications behind it.
notify_hooks::~notify_hooks() = default;

void notify_hooks::on_transition(const std::string& instance, const vrrp::state_changed& change) {
    write_vrrp_line(notify_subject::instance, instance, change);
    start(scheduler_.on_transition(instance, change));
}

void notify_hooks::on_group_transition(const std::string& group,
                                       const vrrp::state_changed& change) {
    write_vrrp_line(notify_subject::group, group, change);
    start(scheduler_.on_group_transition(group, change));
}

void notify_hooks::write_vrrp_line(notify_subject subject, const std::string& name,
                                   const vrrp::state_changed& change) {
    const auto word = notify_state_word(change.to, scheduler_.is_stopping());
    if (fifo_ && word) {
        fifo_->write(vrrp_fifo_line(subject, name, *word, change.priority));
    }
}

void notify_hooks::on_real(const ipvs::service_key& service, const ipvs::destination_key& real,
                           bool up) {
    if (fifo_) {
        fifo_->write(real_fifo_line(service, real, up));
    }
    start(scheduler_.on_real(service, real, up));
}

void notify_hooks::on_quorum(const ipvs::service_key& service, bool up) {
    if (fifo_) {
        fifo_->write(service_fifo_line(service, up));
    }
    start(scheduler_.on_quorum(service, up));
}

void notify_hooks::stopping() {
    scheduler_.stopping();
}

void notify_hooks::groups_stopped() {
    start(scheduler_.groups_stopped());
}

void notify_hooks::when_idle(microseconds bound, std::function<void()> done) {
    idle_ = std::move(done);
    idle_bound_.expires_after(bound);
    idle_bound_.async_wait([this, bound](const boost::system::error_code& error) {
        if (error || !idle_) {
            return;
        }
        logs_.vrrp().warn("notify: {} hook(s) still running {} ms after the stop: killed",
                          runners_.size(), std::chrono::duration_cast<milliseconds>(bound).count());
        runners_.clear();  // each runner kills its process
        std::exchange(idle_, {})();
    });
    // Through the loop, as when the last hook finishes: the caller's state is settled by then.
    asio::post(io_, [this] { call_idle_if_done(); });
}

void notify_hooks::call_idle_if_done() {
    if (idle_ && scheduler_.idle()) {
        idle_bound_.cancel();
        std::exchange(idle_, {})();
    }
}

notify_stats notify_hooks::stats() const noexcept {
    return notify_stats{started_, failed_, scheduler_.coalesced()};
}

void notify_hooks::start(const std::vector<notify_job>& jobs) {
    for (const auto& job : jobs) {
        start(job);
    }
}

namespace {

/// A hook's environment and how the log names it.
struct job_description {
    std::vector<std::pair<std::string, std::string>> env;
    std::string what;  // "web: notify /bin/x (MASTER)", "web-80 10.1.0.1:80: notify_down /bin/x"
};

job_description describe_job(const notify_job& job) {
    if (job.health) {
        const auto& notice = *job.health;
        std::vector<std::pair<std::string, std::string>> env{{"VIPD_SERVICE", notice.service}};
        if (!notice.real.empty()) {
            env.emplace_back("VIPD_REAL", notice.real);
        }
        env.emplace_back("VIPD_STATE", notice.up ? "UP" : "DOWN");
        const bool real = job.subject == notify_subject::real;
        return {std::move(env), fmt::format("{}{}{}: {}_{} {}", notice.service, real ? " " : "",
                                            notice.real, real ? "notify" : "quorum",
                                            notice.up ? "up" : "down", job.argv.front())};
    }
    const std::string state(
        notify_state_word(job.change.to, true).value_or(vrrp::to_string(job.change.to)));
    const bool group = job.subject == notify_subject::group;
    return {{{group ? "VIPD_SYNC_GROUP" : "VIPD_INSTANCE", job.instance},
             {"VIPD_FROM", std::string(vrrp::to_string(job.change.from))},
             {"VIPD_TO", state},
             {"VIPD_REASON", std::string(vrrp::to_string(job.change.reason))},
             {"VIPD_PRIORITY", std::to_string(job.change.priority)}},
            fmt::format("{}{}: notify {} ({})", group ? "sync group " : "", job.instance,
                        job.argv.front(), state)};
}

/// The lane as the ledger of unreaped children names it: "notify hooks of web", "notify hooks
/// of sync group g", "real hooks of " and "quorum hooks of " the lane names of
/// notify_scheduler.hpp.
std::string lane_owner(const notify_job& job) {
    switch (job.subject) {
        case notify_subject::instance:
            return "notify hooks of " + job.instance;
        case notify_subject::group:
            return "notify hooks of sync group " + job.instance;
        case notify_subject::real:
            return "real hooks of " + job.instance;
        case notify_subject::quorum:
            return "quorum hooks of " + job.instance;
    }
    return job.instance;
}

}  // namespace

void notify_hooks::start(const notify_job& job) {
    auto described = describe_job(job);
    const std::string what = std::move(described.what);
    health::checkers::process_spec spec;
    spec.argv = job.argv;
    spec.run_as = job.user.identity;
    spec.timeout = job.timeout;
    spec.env = std::move(described.env);
    ++started_;
    auto& runner = runners_[{job.subject, job.instance}];
    runner = std::make_unique<health::checkers::process_runner>(io_, lane_owner(job));
    auto& log = job.health ? logs_.health() : logs_.vrrp();
    log.debug("{}: started", what);
    runner->run(spec, [this, &log, instance = job.instance, subject = job.subject,
                       what](const health::checkers::process_outcome& outcome) {
        if (!outcome.success()) {
            ++failed_;
            log.warn("{} failed: {}", what, outcome.describe());
        }
        // Not from inside the runner's own callback: it is dropped (and maybe replaced by the
        // instance's next hook) once the callback has returned.
        asio::post(io_, [this, instance, subject] { finished(instance, subject); });
    });
}

void notify_hooks::finished(const std::string& instance, notify_subject subject) {
    runners_.erase({subject, instance});
    start(scheduler_.on_hook_finished(instance, subject));
    call_idle_if_done();
}

}  // namespace vipd::daemon
