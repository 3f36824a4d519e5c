#include "unreaped_children_log.hpp"

#include <fmt/format.h>

namespace vipd::daemon {
namespace {

using health::checkers::child_ledger;
using health::checkers::unreaped_event;

constexpr unsigned k_lines_per_window = 5;
constexpr microseconds k_line_window{60'000'000};

std::string seconds_text(microseconds duration) {
    return fmt::format("{:.2f}s", static_cast<double>(duration.count()) / 1e6);
}

}  // namespace

unreaped_children_log::unreaped_children_log(child_ledger& ledger, const logging::log_set& logs,
                                             std::function<time_point()> clock)
    : ledger_(ledger),
      logs_(logs),
      clock_(std::move(clock)),
      lines_(k_lines_per_window, k_line_window) {
    ledger_.observe([this](const unreaped_event& event) { on_event(event); });
}

unreaped_children_log::~unreaped_children_log() {
    ledger_.observe({});
}

void unreaped_children_log::on_event(const unreaped_event& event) {
    const auto verdict = lines_.admit(clock_());
    if (!verdict.allowed) {
        return;
    }
    const auto not_logged =
        verdict.suppressed_before > 0
            ? fmt::format(" ({} more line(s) about unreaped children not logged)",
                          verdict.suppressed_before)
            : std::string();
    const auto limit = child_ledger::k_max_unreaped_per_owner;
    switch (event.what) {
        case unreaped_event::kind::left_unreaped:
            logs_.health().warn(
                "{}: child {} still there {} after SIGKILL (uninterruptible sleep, such as on a "
                "hung NFS or FUSE mount?); its run is reported timed out, the child is reaped "
                "when it ends; {} of its children unreaped, at {} its runs are held back{}",
                event.owner, event.pid, seconds_text(health::checkers::k_reap_grace),
                event.owner_unreaped, limit, not_logged);
            break;
        case unreaped_event::kind::held_back:
            logs_.health().warn(
                "{}: run not started: {} earlier children still not reaped after SIGKILL; its "
                "runs fail until one of them ends{}",
                event.owner, event.owner_unreaped, not_logged);
            break;
        case unreaped_event::kind::reaped_late:
            logs_.health().info(
                "{}: child {} reaped {} after its SIGKILL ({} of its children "
                "still unreaped){}",
                event.owner, event.pid, seconds_text(event.since_kill), event.owner_unreaped,
                not_logged);
            break;
    }
}

}  // namespace vipd::daemon
