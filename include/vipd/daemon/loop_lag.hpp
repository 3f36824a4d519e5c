#pragma once
/// How late the event loop gets to its timers. keepalived's split brains start with its loop
/// stalling ("thread timer expired"); vipd measures its own: a probe timer every
/// k_loop_probe_period, each expiry's lateness in a histogram for /metrics, and a warning in the
/// journal (a few a minute at most) when one is late by more than half the shortest advert
/// interval, the point where adverts start to go out late enough for a backup to notice. Pure:
/// the shell owns the timer and passes the lateness in.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "vipd/config/config.hpp"
#include "vipd/core/rate_limiter.hpp"
#include "vipd/core/time.hpp"

namespace vipd::daemon {

inline constexpr milliseconds k_loop_probe_period{100};

/// Half the shortest advert interval of `config`'s instances; half a second without any.
microseconds lag_warning_threshold(const config::daemon_config& config);

/// CPU time the loop's thread used over the wall time since the previous probe: it tells a
/// stall caused by vipd's own work from one where vipd was starved or blocked.
struct loop_cpu {
    microseconds used{0};
    microseconds elapsed{0};
};

class loop_lag {
  public:
    /// Upper bounds of the histogram's buckets, in seconds.
    static constexpr std::array<double, 11> k_bucket_bounds{0.001, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                            0.25,  0.5,   1,    2.5,   5};

    explicit loop_lag(microseconds warn_above) : warn_above_(warn_above) {}

    /// A reload may change the advert intervals.
    void set_warn_threshold(microseconds warn_above) noexcept { warn_above_ = warn_above; }

    /// Records one expiry handled `lag` after it was due. Returns the journal line to write when
    /// the lag is a stall (over the threshold) and the log budget allows one.
    /// With `cpu`, the warning says whether vipd was busy or waiting during the stall.
    std::optional<std::string> record(microseconds lag, time_point now,
                                      std::optional<loop_cpu> cpu = std::nullopt);

    /// Observations per bucket: counts()[i] at most k_bucket_bounds[i] (and above the bound
    /// before), the last one above every bound.
    std::span<const std::uint64_t> counts() const noexcept { return counts_; }
    double sum_seconds() const noexcept { return sum_seconds_; }
    std::uint64_t stalls() const noexcept { return stalls_; }
    microseconds worst() const noexcept { return worst_; }

  private:
    std::array<std::uint64_t, k_bucket_bounds.size() + 1> counts_{};
    double sum_seconds_ = 0;
    std::uint64_t stalls_ = 0;
    microseconds worst_{0};
    microseconds warn_above_;
    rate_limiter warnings_{3, std::chrono::minutes(1)};
};

}  // namespace vipd::daemon
