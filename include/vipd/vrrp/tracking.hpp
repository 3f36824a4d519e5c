#pragma once
/// What trackers do to an instance: each tracked object that is down adds its weight to the
/// configured priority, and one with weight 0 puts the instance in Fault. Pure arithmetic.

#include <cstdint>
#include <span>

namespace vipd::vrrp {

/// One tracker's current effect.
struct tracker_state {
    std::int16_t weight = 0;  // -254..0; 0 means Fault while down
    bool down = false;
};

struct tracked_priority {
    std::uint8_t priority;  // what adverts carry
    bool fault;             // a weight-0 tracker is down
};

/// The configured priority plus the weights of the trackers that are down, clamped to 1..254
/// (0 is for resigning, RFC 5798 §5.2.4). An address owner (255) keeps 255: owning the
/// addresses is a configuration fact that tracking cannot change (it can still fault).
tracked_priority apply_trackers(std::uint8_t configured, std::span<const tracker_state> trackers);

}  // namespace vipd::vrrp
