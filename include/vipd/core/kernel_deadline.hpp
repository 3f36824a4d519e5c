#pragma once
/// How long the kernel adapters wait for a netlink reply before giving the request up.
///
/// Every rtnetlink and IPVS request runs on the event loop, and the kernel answers inside the
/// sendmsg that carried it: a reply that has not come by now was lost (receive buffer overrun),
/// not delayed. A few requests may run back to back in one loop turn, so the bound sits well
/// under systemd's watchdog (packaging/vipd.service, WatchdogSec=10s, pinged every 5 s): a lost
/// reply is logged and retried by the next reconcile pass instead of getting vipd killed.

#include <sys/time.h>

#include "vipd/core/time.hpp"

namespace vipd {

inline constexpr milliseconds k_kernel_reply_timeout{2000};

/// The timeout as SO_RCVTIMEO takes it.
inline timeval kernel_reply_timeval() noexcept {
    const auto whole = std::chrono::duration_cast<seconds>(k_kernel_reply_timeout);
    const auto rest = std::chrono::duration_cast<microseconds>(k_kernel_reply_timeout - whole);
    return timeval{static_cast<time_t>(whole.count()), static_cast<suseconds_t>(rest.count())};
}

}  // namespace vipd
