#pragma once
/// The delay before retrying a request that failed: `initial` the first time, doubling after
/// each failure up to `cap`, back to `initial` after a success. A transient refusal is retried
/// soon; one that persists costs a request per `cap`, not one per loop turn. Pure.

#include <algorithm>

#include "vipd/core/time.hpp"

namespace vipd {

class backoff {
  public:
    /// `initial` must be positive and not above `cap`.
    constexpr backoff(microseconds initial, microseconds cap) noexcept
        : initial_(initial), cap_(cap), next_(initial) {}

    /// The delay before the next retry; the one after it is twice as long (at most `cap`).
    constexpr microseconds next() noexcept {
        const auto delay = next_;
        next_ = std::min(next_ * 2, cap_);
        return delay;
    }
    /// The request succeeded: the next failure is retried after `initial` again.
    constexpr void reset() noexcept { next_ = initial_; }

  private:
    microseconds initial_;
    microseconds cap_;
    microseconds next_;
};

}  // namespace vipd
