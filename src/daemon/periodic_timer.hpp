#pragma once
/// Calls a function every `period` on the event loop until destroyed (the IPVS resync, the
/// systemd watchdog keep-alive). The first call comes one period after start().

#include <functional>
#include <utility>

#include "vipd/core/time.hpp"
#include "vipd/io/asio.hpp"

namespace vipd::daemon {

class periodic_timer {
  public:
    periodic_timer(asio::io_context& io, microseconds period, std::function<void()> tick)
        : timer_(io), period_(period), tick_(std::move(tick)) {}

    void start() {
        timer_.expires_after(period_);
        timer_.async_wait([this](const boost::system::error_code& error) {
            if (error) {
                return;  // cancelled: the timer is being destroyed
            }
            tick_();
            start();
        });
    }

  private:
    asio::steady_timer timer_;
    microseconds period_;
    std::function<void()> tick_;
};

}  // namespace vipd::daemon
