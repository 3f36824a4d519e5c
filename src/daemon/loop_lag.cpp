#include "vipd/daemon/loop_lag.hpp"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

namespace vipd::daemon {

microseconds lag_warning_threshold(const config::daemon_config& config) {
    microseconds shortest = std::chrono::seconds(1);
    for (const auto& instance : config.vrrp) {
        shortest = std::min<microseconds>(shortest, instance.advert_interval);
    }
    return shortest / 2;
}

namespace {

double in_seconds(microseconds d) {
    return std::chrono::duration<double>(d).count();
}

/// Busy for at least half the stall: vipd's own work held the loop. Less: it waited, for the
/// CPU (another process, a noisy neighbour) or for a blocking request.
std::string cause_of(microseconds lag, const std::optional<loop_cpu>& cpu) {
    if (!cpu) {
        return "look for CPU starvation or a slow kernel request";
    }
    const auto measured = fmt::format("vipd used {:.3f} s of CPU in the last {:.3f} s",
                                      in_seconds(cpu->used), in_seconds(cpu->elapsed));
    if (cpu->used * 2 >= lag) {
        return measured +
               ": its own work held the loop (please report this with the log around it)";
    }
    return measured +
           ": it was waiting (starved of CPU by other processes, stopped, or blocked "
           "in a kernel request)";
}

}  // namespace

std::optional<std::string> loop_lag::record(microseconds lag, time_point now,
                                            std::optional<loop_cpu> cpu) {
    lag = std::max(lag, microseconds{0});
    const double seconds = in_seconds(lag);
    const auto bucket = std::lower_bound(k_bucket_bounds.begin(), k_bucket_bounds.end(), seconds) -
                        k_bucket_bounds.begin();
    ++counts_[static_cast<std::size_t>(bucket)];
    sum_seconds_ += seconds;
    worst_ = std::max(worst_, lag);
    if (lag <= warn_above_) {
        return std::nullopt;
    }
    ++stalls_;
    const auto verdict = warnings_.admit(now);
    if (!verdict.allowed) {
        return std::nullopt;
    }
    auto line = fmt::format(
        "event loop stalled: a timer ran {:.3f} s late (adverts go out late past {:.3f} s, half "
        "the shortest advert interval); {}",
        seconds, in_seconds(warn_above_), cause_of(lag, cpu));
    if (verdict.suppressed_before > 0) {
        line += fmt::format(" ({} more stall(s) not logged)", verdict.suppressed_before);
    }
    return line;
}

}  // namespace vipd::daemon
