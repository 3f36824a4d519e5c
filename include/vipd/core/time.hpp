#pragma once
/// Time vocabulary for the pure core. Logic never reads a clock: callers pass `now`.

#include <chrono>
#include <cstdint>

namespace vipd {

using steady_clock = std::chrono::steady_clock;
using time_point = steady_clock::time_point;
/// Protocol timers are kept in microseconds: whole centiseconds would round every skew time at
/// 10 ms adverts to zero and make all backups time out together.
using microseconds = std::chrono::microseconds;
using milliseconds = std::chrono::milliseconds;
/// VRRPv3 carries intervals in centiseconds (RFC 5798 §5.2.7).
using centiseconds = std::chrono::duration<std::int64_t, std::centi>;
using seconds = std::chrono::seconds;

}  // namespace vipd
