#pragma once
/// The timer behind loop_lag: due every k_loop_probe_period, it records how late each expiry
/// was handled and writes loop_lag's stall warnings to the journal. Due times are absolute, so
/// a late expiry does not shift the ones after it.

#include <time.h>

#include <functional>
#include <utility>

#include "vipd/daemon/loop_lag.hpp"
#include "vipd/io/asio.hpp"
#include "vipd/logging/logging.hpp"

namespace vipd::daemon {

class loop_lag_probe {
  public:
    /// `threshold` is asked on every expiry: a reload may change the advert intervals.
    loop_lag_probe(asio::io_context& io, std::function<microseconds()> threshold,
                   const logging::log_set& logs)
        : timer_(io), threshold_(std::move(threshold)), lag_(threshold_()), logs_(logs) {}

    void start() {
        due_ = steady_clock::now() + k_loop_probe_period;
        last_ = {steady_clock::now(), thread_cpu_time()};
        arm();
    }

    const loop_lag& lag() const noexcept { return lag_; }

  private:
    void arm() {
        timer_.expires_at(due_);
        timer_.async_wait([this](const boost::system::error_code& error) {
            if (error) {
                return;  // cancelled: the probe is being destroyed
            }
            const auto now = steady_clock::now();
            const auto cpu = thread_cpu_time();
            const loop_cpu spent{cpu - last_.cpu,
                                 std::chrono::duration_cast<microseconds>(now - last_.wall)};
            last_ = {now, cpu};
            lag_.set_warn_threshold(threshold_());
            if (auto warning =
                    lag_.record(std::chrono::duration_cast<microseconds>(now - due_), now, spent)) {
                logs_.daemon().warn("{}", *warning);
            }
            // After a stall, the next probe is a period from now, not a burst of overdue ones.
            due_ = std::max(due_ + k_loop_probe_period, now);
            arm();
        });
    }

    /// The loop runs on this thread alone, so its CPU clock is the loop's work.
    static microseconds thread_cpu_time() noexcept {
        timespec ts{};
        ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return std::chrono::seconds(ts.tv_sec) +
               std::chrono::duration_cast<microseconds>(std::chrono::nanoseconds(ts.tv_nsec));
    }

    struct reading {
        time_point wall{};
        microseconds cpu{0};
    };

    asio::steady_timer timer_;
    std::function<microseconds()> threshold_;
    loop_lag lag_;
    const logging::log_set& logs_;
    time_point due_{};
    reading last_;
};

}  // namespace vipd::daemon
