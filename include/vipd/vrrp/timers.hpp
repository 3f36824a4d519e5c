#pragma once
/// VRRP timer formulas, in microseconds so that skew never truncates to zero.

#include <cstdint>

#include "vipd/core/time.hpp"
#include "vipd/vrrp/packet.hpp"

namespace vipd::vrrp {

/// v3, RFC 5798 §6.1: Skew_Time = ((256 - Priority) * Master_Adver_Interval) / 256.
/// v2, RFC 3768 §6.1: Skew_Time = (256 - Priority) / 256 seconds (independent of interval).
microseconds skew_time(vrrp::version version, std::uint8_t priority,
                       centiseconds master_adver_interval) noexcept;

/// RFC 5798 §6.1 / RFC 3768 §6.1: Master_Down_Interval = 3 * interval + Skew_Time.
microseconds master_down_interval(vrrp::version version, std::uint8_t priority,
                                  centiseconds master_adver_interval) noexcept;

}  // namespace vipd::vrrp
