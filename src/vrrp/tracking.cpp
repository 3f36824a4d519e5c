#include "vipd/vrrp/tracking.hpp"

#include <algorithm>
#include <vector>

namespace vipd::vrrp {

tracker_effect effect_of(const tracker_state& state) noexcept {
    if (!state.down) {
        return {};
    }
    return {state.weight, state.weight == 0};
}

tracker_effect file_effect(std::int16_t weight, std::int16_t value) noexcept {
    if (weight == 0) {
        return {0, value != 0};
    }
    // Both factors are within ±254, so the product fits an int with room to spare.
    const int product = int{value} * int{weight};
    if (product <= -k_track_file_limit) {
        return {0, true};
    }
    return {product, false};
}

tracked_priority apply_effects(std::uint8_t configured, std::span<const tracker_effect> effects) {
    constexpr std::uint8_t k_owner = 255;
    int priority = configured;
    bool fault = false;
    for (const auto& effect : effects) {
        fault = fault || effect.fault;
        priority += effect.delta;
    }
    if (configured == k_owner) {
        return {k_owner, fault};
    }
    return {static_cast<std::uint8_t>(std::clamp(priority, 1, k_owner - 1)), fault};
}

tracked_priority apply_trackers(std::uint8_t configured, std::span<const tracker_state> trackers) {
    std::vector<tracker_effect> effects;
    effects.reserve(trackers.size());
    for (const auto& tracker : trackers) {
        effects.push_back(effect_of(tracker));
    }
    return apply_effects(configured, effects);
}

}  // namespace vipd::vrrp
