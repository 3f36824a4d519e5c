#pragma once
/// Lets through at most `burst` events per `window` and counts the rest, so a flood of bad
/// packets produces a few log lines that say how many were suppressed, never a log storm.

#include <cstdint>
#include <optional>

#include "vipd/core/time.hpp"

namespace vipd {

class rate_limiter {
  public:
    rate_limiter(unsigned burst, microseconds window) noexcept : burst_(burst), window_(window) {}

    struct verdict {
        bool allowed = false;
        /// Events suppressed since the last allowed one; report them with this one.
        std::uint64_t suppressed_before = 0;
    };

    verdict admit(time_point now) noexcept {
        if (!window_start_ || now - *window_start_ >= window_) {
            window_start_ = now;
            used_ = 0;
        }
        if (used_ < burst_) {
            ++used_;
            verdict v{true, suppressed_};
            suppressed_ = 0;
            return v;
        }
        ++suppressed_;
        return verdict{false, 0};
    }

  private:
    unsigned burst_;
    microseconds window_;
    std::optional<time_point> window_start_;
    unsigned used_ = 0;
    std::uint64_t suppressed_ = 0;
};

}  // namespace vipd
