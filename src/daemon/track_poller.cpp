#include "vipd/daemon/track_poller.hpp"

#include <fmt/format.h>

#include "vipd/vrrp/track_file.hpp"

namespace vipd::daemon {

track_poller::track_poller(const config::daemon_config& config, track_host& host,
                           const logging::log_set& logs, track_events events)
    : host_(host), logs_(logs), events_(std::move(events)) {
    for (const auto& instance : config.vrrp) {
        for (const auto& file : instance.track_files) {
            files_.push_back({instance.name, file, std::nullopt, {}});
        }
        for (const auto& process : instance.track_processes) {
            processes_.push_back({instance.name,
                                  process,
                                  {process.process, process.args},
                                  vrrp::quorum_watch(process.quorum, process.delay),
                                  std::nullopt});
        }
    }
}

track_poller::~track_poller() = default;

void track_poller::create_init_files() {
    for (const auto& tracker : files_) {
        if (!tracker.cfg.init) {
            continue;
        }
        const auto problem =
            host_.create_file(tracker.cfg.path, fmt::format("{}\n", *tracker.cfg.init));
        if (!problem.empty()) {
            logs_.vrrp().warn("{}: track file {} ({}): cannot create it with init = {}: {}",
                              tracker.instance, tracker.cfg.name, tracker.cfg.path,
                              *tracker.cfg.init, problem);
        }
    }
}

void track_poller::inherit(const track_poller& previous) {
    for (auto& tracker : processes_) {
        for (const auto& old : previous.processes_) {
            if (old.instance == tracker.instance && old.cfg == tracker.cfg) {
                tracker.watch = old.watch;
            }
        }
    }
}

void track_poller::poll(time_point now) {
    for (auto& tracker : files_) {
        poll_file(tracker, now);
    }
    if (processes_.empty()) {
        return;
    }
    const auto table = host_.processes();
    for (auto& tracker : processes_) {
        const auto count = vrrp::count_matching(tracker.pattern, table);
        const bool down = tracker.watch.observe(count, now);
        if (tracker.reported == down) {
            continue;
        }
        if (tracker.reported || down) {
            logs_.vrrp().info("{}: track process {}: {} matching process(es), quorum {}: {}",
                              tracker.instance, tracker.cfg.name, count, tracker.cfg.quorum,
                              down ? "down" : "up");
        }
        tracker.reported = down;
        events_.process_changed(tracker.instance, tracker.cfg.name, down);
    }
}

void track_poller::poll_file(file_tracker& tracker, time_point now) {
    auto reading = host_.read_file(tracker.cfg.path);
    std::optional<std::int16_t> value;
    if (reading.problem.empty()) {
        value = vrrp::parse_track_value(reading.content);
        if (!value) {
            reading.problem = "it holds no number";
        }
    }
    if (reading.problem != tracker.problem) {
        tracker.problem = std::move(reading.problem);
        warn(tracker, now);
    }
    // Missing, unreadable or garbled counts as 0, as keepalived counts a missing file: removing
    // the file is how an operator ends a maintenance, and a sick value is never invented.
    const std::int16_t current = value.value_or(0);
    if (tracker.reported == current) {
        return;
    }
    tracker.reported = current;
    events_.file_read(tracker.instance, tracker.cfg.name, current);
}

void track_poller::warn(const file_tracker& tracker, time_point now) {
    const auto verdict = warn_limit_.admit(now);
    if (!verdict.allowed) {
        return;
    }
    const auto suppressed =
        verdict.suppressed_before > 0
            ? fmt::format(" ({} similar line(s) suppressed)", verdict.suppressed_before)
            : std::string();
    if (tracker.problem.empty()) {
        logs_.vrrp().info("{}: track file {} ({}) holds a number again{}", tracker.instance,
                          tracker.cfg.name, tracker.cfg.path, suppressed);
        return;
    }
    logs_.vrrp().warn("{}: track file {} ({}): {}; counting 0{}", tracker.instance,
                      tracker.cfg.name, tracker.cfg.path, tracker.problem, suppressed);
}

}  // namespace vipd::daemon
