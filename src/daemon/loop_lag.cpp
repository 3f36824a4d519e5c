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

std::optional<std::string> loop_lag::record(microseconds lag, time_point now) {
    lag = std::max(lag, microseconds{0});
    const double seconds = std::chrono::duration<double>(lag).count();
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
        "the shortest advert interval); look for CPU starvation or a slow kernel request",
        seconds, std::chrono::duration<double>(warn_above_).count());
    if (verdict.suppressed_before > 0) {
        line += fmt::format(" ({} more stall(s) not logged)", verdict.suppressed_before);
    }
    return line;
}

}  // namespace vipd::daemon
