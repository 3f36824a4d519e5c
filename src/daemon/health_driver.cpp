#include "vipd/daemon/health_driver.hpp"

#include <fmt/format.h>

namespace vipd::daemon {
namespace {

std::string service_text(const config::virtual_server& server) {
    if (server.name) {
        return *server.name;
    }
    if (const auto* endpoint = std::get_if<ipvs::endpoint_key>(&server.key)) {
        return fmt::format(
            "{} {}", ipvs::to_string(endpoint->protocol),
            ipvs::to_string(ipvs::destination_key{endpoint->address, endpoint->port}));
    }
    return fmt::format("fwmark {}", std::get<ipvs::fwmark_key>(server.key).mark);
}

std::string duration_text(microseconds d) {
    if (d >= microseconds{1'000'000}) {
        return fmt::format("{:.2f}s", static_cast<double>(d.count()) / 1e6);
    }
    return fmt::format("{:.1f}ms", static_cast<double>(d.count()) / 1e3);
}

/// Probes started per wake-up of the health timer (see on_timer).
constexpr std::size_t k_probes_per_wakeup = 64;

}  // namespace

/// One scheduled check: a real of a virtual server, or a track script of an instance.
struct health_driver::target {
    std::string label;  // "web-80 172.28.128.40:80" or "track script check-nginx of web"
    std::unique_ptr<health::probe> probe;
    std::optional<health::probe_result> last;
    // A real:
    std::optional<std::size_t> server;  // index in config.virtual_servers
    ipvs::destination_key real;
    std::uint32_t weight = 0;
    // A track script:
    std::string instance;
    std::string script;
    /// The check as configured (before `inherit` changed its initial state).
    health::check_spec spec;
};

health_driver::health_driver(const config::daemon_config& config, probe_factory factory,
                             const logging::log_set& logs, clock_function clock,
                             health_events events)
    : config_(config),
      factory_(std::move(factory)),
      logs_(logs),
      clock_(std::move(clock)),
      events_(std::move(events)) {}

health_driver::~health_driver() = default;

void health_driver::start() {
    const auto now = clock_();
    struct pending {
        health::check_spec spec;
        health::probe_target where;
        std::unique_ptr<target> t;
    };
    std::vector<pending> all;
    for (std::size_t s = 0; s < config_.virtual_servers.size(); ++s) {
        const auto& server = config_.virtual_servers[s];
        for (const auto& real : server.reals) {
            if (!real.check) {
                continue;
            }
            auto t = std::make_unique<target>();
            t->label = service_text(server) + " " + ipvs::to_string(real.key);
            t->server = s;
            t->real = real.key;
            t->weight = real.settings.weight;
            const std::uint16_t port = real.check->port.value_or(real.key.port);
            all.push_back({*real.check, {real.key.address, port}, std::move(t)});
        }
    }
    for (const auto& instance : config_.vrrp) {
        for (const auto& script : instance.track_scripts) {
            auto t = std::make_unique<target>();
            t->label = "track script " + script.name + " of " + instance.name;
            t->instance = instance.name;
            t->script = script.name;
            all.push_back({health::check_spec{script.script, script.timing, std::nullopt},
                           {ip_address{}, 0},
                           std::move(t)});
        }
    }
    // Checks sharing an interval are spread evenly over it, so thousands of reals do not fire
    // in the same millisecond.
    std::map<microseconds, std::size_t> per_interval;
    for (const auto& p : all) {
        ++per_interval[p.spec.timing.interval];
    }
    std::map<microseconds, std::size_t> placed;
    for (auto& p : all) {
        p.t->spec = p.spec;
        if (auto state = inherited_state(*p.t)) {
            p.spec.timing.initial = *state;
        }
        const auto interval = p.spec.timing.interval;
        const auto offset =
            health::first_probe_offset(placed[interval]++, per_interval[interval], interval);
        const auto index = schedule_.add(p.spec.timing, now, offset);
        p.t->probe = factory_(p.spec, p.where);
        if (p.t->server) {
            real_targets_[{config_.virtual_servers[*p.t->server].key, p.t->real}] = index;
        }
        targets_.push_back(std::move(p.t));
    }

    // Quorum is kept as a running sum of the up reals' weights: with thousands of reals a
    // transition must not rescan the whole service.
    quorum_.assign(config_.virtual_servers.size(), true);
    up_weight_.assign(config_.virtual_servers.size(), 0);
    for (std::size_t s = 0; s < config_.virtual_servers.size(); ++s) {
        const auto& server = config_.virtual_servers[s];
        for (const auto& real : server.reals) {
            if (is_up(server.key, real.key)) {
                up_weight_[s] += real.settings.weight;
            }
        }
    }
    for (std::size_t s = 0; s < config_.virtual_servers.size(); ++s) {
        update_quorum(s, true);
    }
    // A script tracker that starts down ("initial = down") counts from the start.
    for (std::size_t i = 0; i < targets_.size(); ++i) {
        const auto& t = *targets_[i];
        if (!t.server && schedule_.state(i) == health::health_state::down) {
            events_.tracker_changed(t.instance, tracker_kind::script, t.script, true);
        }
    }
    logs_.health().info("{} health check(s) scheduled", targets_.size());
    events_.deadlines_changed();
}

void health_driver::inherit(const health_driver& previous) {
    for (std::size_t i = 0; i < previous.targets_.size(); ++i) {
        const auto& t = *previous.targets_[i];
        const auto state = previous.schedule_.state(i);
        if (t.server) {
            inherited_reals_[{previous.config_.virtual_servers[*t.server].key, t.real}] = {t.spec,
                                                                                           state};
        } else {
            inherited_scripts_[{t.instance, t.script}] = {t.spec, state};
        }
    }
    for (std::size_t s = 0; s < previous.quorum_.size(); ++s) {
        inherited_quorum_[previous.config_.virtual_servers[s].key] = previous.quorum_[s];
    }
}

std::optional<health::health_state> health_driver::inherited_state(const target& t) const {
    const std::pair<health::check_spec, health::health_state>* found = nullptr;
    if (t.server) {
        auto it = inherited_reals_.find({config_.virtual_servers[*t.server].key, t.real});
        found = it == inherited_reals_.end() ? nullptr : &it->second;
    } else {
        auto it = inherited_scripts_.find({t.instance, t.script});
        found = it == inherited_scripts_.end() ? nullptr : &it->second;
    }
    // A changed check (another path, port or timing) is a new check: it starts afresh.
    if (found == nullptr || !(found->first == t.spec)) {
        return std::nullopt;
    }
    return found->second;
}

void health_driver::report_trackers() {
    for (std::size_t i = 0; i < targets_.size(); ++i) {
        const auto& t = *targets_[i];
        if (!t.server) {
            events_.tracker_changed(t.instance, tracker_kind::script, t.script,
                                    schedule_.state(i) == health::health_state::down);
        }
    }
    for (std::size_t s = 0; s < config_.virtual_servers.size(); ++s) {
        const auto& server = config_.virtual_servers[s];
        if (!server.name) {
            continue;
        }
        for (const auto& instance : config_.vrrp) {
            for (const auto& tracked : instance.track_virtual_servers) {
                if (tracked.name == *server.name) {
                    events_.tracker_changed(instance.name, tracker_kind::virtual_server,
                                            tracked.name, !quorum_[s]);
                }
            }
        }
    }
}

void health_driver::on_timer(time_point now) {
    // Probes due within the next millisecond go now (one wake-up serves a cluster of them), at
    // most k_probes_per_wakeup at a time: the rest stay due and the loop runs VRRP timers and
    // packets between batches, so thousands of checks falling due together never hold an advert.
    for (const auto& due : schedule_.take_due(now + milliseconds{1}, k_probes_per_wakeup)) {
        ++stats_.probes;
        targets_[due.index]->probe->start([this, due](const health::probe_result& result) {
            on_result(due.index, due.due, result);
        });
    }
    events_.deadlines_changed();
}

void health_driver::on_result(std::size_t index, time_point due,
                              const health::probe_result& result) {
    auto& t = *targets_[index];
    if (!result.success) {
        ++stats_.failures;
    }
    const bool was_failing = t.last && !t.last->success;
    t.last = result;
    const auto changed = schedule_.record(index, due, result.success);
    if (!changed && !result.success && !was_failing) {
        logs_.health().debug("{}: check failed ({}), still {}", t.label, result.detail,
                             health::to_string(schedule_.state(index)));
    }
    if (changed) {
        ++stats_.transitions;
        const bool up = *changed == health::health_state::up;
        logs_.health().log(up ? spdlog::level::info : spdlog::level::warn, "{}: {} -> {} ({})",
                           t.label, up ? "down" : "up", up ? "up" : "down",
                           up ? "check passed in " + duration_text(result.latency) : result.detail);
        if (t.server) {
            auto& sum = up_weight_[*t.server];
            sum = up ? sum + t.weight : sum - t.weight;
            if (events_.real_changed) {
                events_.real_changed(config_.virtual_servers[*t.server], t.real, up);
            }
            update_quorum(*t.server, false);
            events_.reals_changed();
        } else {
            events_.tracker_changed(t.instance, tracker_kind::script, t.script, !up);
        }
    }
    events_.deadlines_changed();
}

void health_driver::update_quorum(std::size_t server_index, bool initial) {
    const auto& server = config_.virtual_servers[server_index];
    const bool has = up_weight_[server_index] >= server.quorum;
    if (has == quorum_[server_index] && !initial) {
        return;
    }
    quorum_[server_index] = has;
    // What was last reported: at start the quorum counts as held, unless the configuration a
    // reload replaced had lost it; then only a change is reported again (no quorum hook reruns).
    bool reported = !has;
    if (initial) {
        const auto inherited = inherited_quorum_.find(server.key);
        reported = inherited == inherited_quorum_.end() || inherited->second;
        if (has && reported) {
            return;  // the normal start: nothing to report
        }
    }
    if (has != reported) {
        std::string fallback;
        if (server.fallback) {
            fallback = fmt::format(", fallback {} {}", ipvs::to_string(server.fallback->key),
                                   has ? "out" : "in");
        }
        logs_.health().log(has ? spdlog::level::info : spdlog::level::warn, "{}: quorum {}{}",
                           service_text(server), has ? "regained" : "lost", fallback);
        if (events_.quorum_changed) {
            events_.quorum_changed(server, has);
        }
    }
    if (!server.name) {
        return;
    }
    for (const auto& instance : config_.vrrp) {
        for (const auto& tracked : instance.track_virtual_servers) {
            if (tracked.name == *server.name) {
                events_.tracker_changed(instance.name, tracker_kind::virtual_server, tracked.name,
                                        !has);
            }
        }
    }
}

bool health_driver::is_up(const ipvs::service_key& service,
                          const ipvs::destination_key& real) const {
    const auto found = real_targets_.find({service, real});
    return found == real_targets_.end() ||
           schedule_.state(found->second) == health::health_state::up;
}

bool health_driver::has_quorum(std::string_view server) const {
    for (std::size_t s = 0; s < config_.virtual_servers.size(); ++s) {
        if (config_.virtual_servers[s].name == server) {
            return s < quorum_.size() && quorum_[s];
        }
    }
    return false;
}

std::vector<real_status> health_driver::reals() const {
    std::vector<real_status> out;
    for (std::size_t i = 0; i < targets_.size(); ++i) {
        const auto& t = *targets_[i];
        if (t.server) {
            const auto& server = config_.virtual_servers[*t.server];
            out.push_back({service_text(server), server.key, t.real, schedule_.state(i), t.last});
        }
    }
    return out;
}

}  // namespace vipd::daemon
