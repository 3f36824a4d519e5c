#include "vipd/vrrp/tracking.hpp"

#include <algorithm>

namespace vipd::vrrp {

tracked_priority apply_trackers(std::uint8_t configured, std::span<const tracker_state> trackers) {
    constexpr std::uint8_t k_owner = 255;
    int priority = configured;
    bool fault = false;
    for (const auto& tracker : trackers) {
        if (!tracker.down) {
            continue;
        }
        fault = fault || tracker.weight == 0;
        priority += tracker.weight;
    }
    if (configured == k_owner) {
        return {k_owner, fault};
    }
    return {static_cast<std::uint8_t>(std::clamp(priority, 1, k_owner - 1)), fault};
}

}  // namespace vipd::vrrp
