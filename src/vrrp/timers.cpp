#include "vipd/vrrp/timers.hpp"

namespace vipd::vrrp {

namespace {

constexpr std::int64_t k_us_per_cs = 10'000;
constexpr std::int64_t k_us_per_s = 1'000'000;
constexpr std::int64_t k_skew_divisor = 256;

/// numerator / 256 rounded to the nearest microsecond, halves up. Rounding (not truncating) keeps
/// the error under half a microsecond; e.g. priority 100 at 10 ms gives 6093.75 us -> 6094 us.
/// Truncating to whole centiseconds instead would make every skew at 10 ms adverts zero.
constexpr std::int64_t divide_rounded(std::int64_t numerator) noexcept {
    return (numerator + k_skew_divisor / 2) / k_skew_divisor;
}

}  // namespace

microseconds skew_time(vrrp::version version, std::uint8_t priority,
                       centiseconds master_adver_interval) noexcept {
    const std::int64_t weight = k_skew_divisor - priority;
    if (version == version::v2) {
        // RFC 3768 §6.1: Skew_Time = (256 - Priority) / 256 seconds.
        return microseconds{divide_rounded(weight * k_us_per_s)};
    }
    // RFC 5798 §6.1: Skew_Time = ((256 - Priority) * Master_Adver_Interval) / 256.
    return microseconds{divide_rounded(weight * master_adver_interval.count() * k_us_per_cs)};
}

microseconds master_down_interval(vrrp::version version, std::uint8_t priority,
                                  centiseconds master_adver_interval) noexcept {
    // RFC 5798 §6.1 / RFC 3768 §6.1: Master_Down_Interval = 3 * interval + Skew_Time. For v2 the
    // interval is Adver_Interval, which the receive checks force to equal the master's.
    return 3 * microseconds{master_adver_interval} +
           skew_time(version, priority, master_adver_interval);
}

}  // namespace vipd::vrrp
