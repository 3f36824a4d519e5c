#include "metrics_view.hpp"

#include <array>

#include <fmt/format.h>

#include "notify_hooks.hpp"
#include "vipd/health/checkers/process_runner.hpp"
#include "vipd/metrics/exposition.hpp"

namespace vipd::daemon {
namespace {

using metrics::metric_type;

constexpr std::array k_states{vrrp::state::initialize, vrrp::state::backup, vrrp::state::master,
                              vrrp::state::fault};

void instance_metrics(metrics::exposition& out, const vrrp_router& router) {
    const auto states = router.status();
    out.family("vipd_vrrp_state", "1 for the state each VRRP instance is in, 0 for the others",
               metric_type::gauge);
    for (const auto& s : states) {
        for (auto state : k_states) {
            out.sample({{"instance", s.name}, {"state", vrrp::to_string(state)}},
                       s.state == state ? 1 : 0);
        }
    }
    out.family("vipd_vrrp_priority",
               "Priority in adverts: configured or demoted, plus tracker weights",
               metric_type::gauge);
    for (const auto& s : states) {
        out.sample({{"instance", s.name}}, s.priority);
    }
    out.family("vipd_vrrp_configured_priority", "Priority as configured", metric_type::gauge);
    for (const auto& s : states) {
        out.sample({{"instance", s.name}}, s.configured_priority);
    }
    out.family("vipd_vrrp_demoted", "1 while a vipctl demote override is in force",
               metric_type::gauge);
    for (const auto& s : states) {
        out.sample({{"instance", s.name}}, s.priority_override ? 1 : 0);
    }
    out.family("vipd_vrrp_transitions_total", "State changes since the instance started",
               metric_type::counter);
    for (const auto& s : states) {
        out.sample({{"instance", s.name}}, s.transitions);
    }
    out.family("vipd_vrrp_adverts_sent_total", "Advertisements sent", metric_type::counter);
    for (const auto& s : states) {
        out.sample({{"instance", s.name}}, s.adverts_sent);
    }
    out.family("vipd_vrrp_adverts_received_total",
               "Advertisements received for the instance's VRID (accepted or not)",
               metric_type::counter);
    for (const auto& s : states) {
        out.sample({{"instance", s.name}}, s.adverts_received);
    }
    out.family("vipd_vrrp_socket_drops_total",
               "Packets the kernel dropped on the instance's VRRP socket (receive queue full)",
               metric_type::counter);
    for (const auto& s : states) {
        out.sample({{"instance", s.name}}, s.socket_drops);
    }
    out.family("vipd_vrrp_rejected_packets_total", "VRRP packets dropped, by reason",
               metric_type::counter);
    for (std::size_t i = 0; i < vrrp::k_drop_reason_count; ++i) {
        const auto reason = static_cast<vrrp::drop_reason>(i);
        out.sample({{"reason", vrrp::to_string(reason)}}, router.drops()[reason]);
    }
    out.family("vipd_link_monitor_overruns_total",
               "Link and address notifications the kernel dropped (queue overrun), each "
               "recovered by re-reading every watched interface",
               metric_type::counter);
    out.sample({}, router.link_overruns());
}

void health_metrics(metrics::exposition& out, const health_driver& health) {
    const auto reals = health.reals();
    out.family("vipd_real_up", "1 while the real passes its health check", metric_type::gauge);
    std::vector<std::string> names;
    names.reserve(reals.size());
    for (const auto& real : reals) {
        names.push_back(ipvs::to_string(real.real));
    }
    for (std::size_t i = 0; i < reals.size(); ++i) {
        out.sample({{"service", reals[i].service}, {"real", names[i]}},
                   reals[i].state == health::health_state::up ? 1 : 0);
    }
    out.family("vipd_real_check_latency_seconds", "Duration of the real's last check",
               metric_type::gauge);
    for (std::size_t i = 0; i < reals.size(); ++i) {
        if (reals[i].last) {
            out.sample({{"service", reals[i].service}, {"real", names[i]}},
                       static_cast<double>(reals[i].last->latency.count()) / 1e6);
        }
    }
    const auto& stats = health.stats();
    out.family("vipd_health_checks_total", "Health checks started (reals and track scripts)",
               metric_type::counter);
    out.sample({}, stats.probes);
    out.family("vipd_health_check_failures_total", "Health checks that failed",
               metric_type::counter);
    out.sample({}, stats.failures);
    out.family("vipd_health_transitions_total", "Up/down changes of checked targets",
               metric_type::counter);
    out.sample({}, stats.transitions);
}

/// One sample per drained real, so an alert can ask how long a drain has lasted.
void drain_metrics(metrics::exposition& out, const runtime& daemon) {
    out.family("vipd_real_drained",
               "1 for each real a vipctl drain holds at weight 0 (drained reals only)",
               metric_type::gauge);
    for (const auto& [real, until] : daemon.drains().entries()) {
        const auto name = policy::name_of(daemon.config(), real);
        out.sample({{"service", name.service}, {"real", name.real}}, 1);
    }
}

/// One sample per [[bgp_vip]], so an alert can ask which director stopped announcing what.
void bgp_vip_metrics(metrics::exposition& out, const runtime& daemon) {
    out.family("vipd_bgp_vip_announced",
               "1 while the [[bgp_vip]] is announced (its routes in the kernel for the routing "
               "daemon), 0 while withdrawn",
               metric_type::gauge);
    for (const auto& announcement : daemon.announcements()) {
        out.sample({{"name", announcement.vip->name}}, announcement.announced ? 1 : 0);
    }
}

/// The loop's own lag (loop_lag.hpp): how late its timers ran, and how often past the point
/// where adverts go out late.
void loop_metrics(metrics::exposition& out, const loop_lag& lag) {
    out.family("vipd_loop_lag_seconds",
               "How late the event loop handled its probe timer (every 100 ms)",
               metric_type::histogram);
    out.histogram({}, {loop_lag::k_bucket_bounds, lag.counts(), lag.sum_seconds()});
    out.family("vipd_loop_stalls_total",
               "Probe timers handled later than half the shortest advert interval",
               metric_type::counter);
    out.sample({}, lag.stalls());
}

}  // namespace

std::string metrics_text(const runtime& daemon, const loop_lag& lag) {
    metrics::exposition out;
    instance_metrics(out, daemon.router());
    health_metrics(out, daemon.health());
    drain_metrics(out, daemon);
    bgp_vip_metrics(out, daemon);
    const auto& ipvs = daemon.ipvs().stats();
    out.family("vipd_ipvs_available", "1 when the kernel has IPVS and vipd manages services",
               metric_type::gauge);
    out.sample({}, daemon.ipvs().active() ? 1 : 0);
    out.family("vipd_ipvs_reconciles_total",
               "Comparisons of the kernel's IPVS table with the "
               "desired one",
               metric_type::counter);
    out.sample({}, ipvs.reconciles);
    out.family("vipd_ipvs_operations_total", "IPVS operations applied", metric_type::counter);
    out.sample({}, ipvs.operations);
    out.family("vipd_ipvs_errors_total", "IPVS operations and table reads that failed",
               metric_type::counter);
    out.sample({}, ipvs.errors);
    const auto notify = daemon.notify().stats();
    out.family("vipd_notify_started_total", "Notify commands started", metric_type::counter);
    out.sample({}, notify.started);
    out.family("vipd_notify_failed_total",
               "Notify commands that failed (exit status, signal, timeout, spawn)",
               metric_type::counter);
    out.sample({}, notify.failed);
    out.family("vipd_notify_coalesced_total",
               "Transitions whose notify commands never ran: a later transition of the same "
               "instance replaced them while they waited",
               metric_type::counter);
    out.sample({}, notify.coalesced);
    const auto& children = daemon.children();
    out.family("vipd_unreaped_children",
               "Children of script checks and notify hooks still there after their SIGKILL (in "
               "uninterruptible sleep, or held by a tracer); their runs were reported timed out",
               metric_type::gauge);
    out.sample({}, children.unreaped());
    out.family("vipd_runs_held_back_total",
               "Script checks and hooks not started because their check or hook lane had "
               "too many children not reaped",
               metric_type::counter);
    out.sample({}, children.held_back());
    out.family("vipd_reloads_total", "Configuration reloads, by result", metric_type::counter);
    out.sample({{"result", "applied"}}, daemon.reloads(true));
    out.sample({{"result", "refused"}}, daemon.reloads(false));
    out.family("vipd_start_time_seconds", "When vipd started, seconds since the epoch",
               metric_type::gauge);
    out.sample({},
               std::chrono::duration_cast<std::chrono::seconds>(daemon.started().time_since_epoch())
                   .count());
    loop_metrics(out, lag);
    return out.text();
}

}  // namespace vipd::daemon
