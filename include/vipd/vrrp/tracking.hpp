#pragma once
/// What trackers do to an instance. Each tracker contributes an effect: a signed delta added to
/// the configured priority, or Fault. Up/down trackers (interfaces, scripts, virtual servers,
/// processes) add their weight while down; track files add value × weight. Pure arithmetic.

#include <cstdint>
#include <span>

namespace vipd::vrrp {

/// One up/down tracker's current state.
struct tracker_state {
    std::int16_t weight = 0;  // -254..0; 0 means Fault while down
    bool down = false;
};

/// What one tracker does to the priority now.
struct tracker_effect {
    int delta = 0;       // added to the configured priority
    bool fault = false;  // puts the instance in Fault
    friend bool operator==(const tracker_effect&, const tracker_effect&) = default;
};

/// The largest magnitude a track file's value or product counts with (keepalived's bound).
inline constexpr int k_track_file_limit = 254;

/// An up/down tracker: its weight while down, nothing while up; weight 0 down is Fault.
tracker_effect effect_of(const tracker_state& state) noexcept;

/// A track file holding `value` (-254..254), tracked with `weight` (-254..254). As keepalived's
/// track_file: weight 0 faults on any non-zero value; otherwise the priority moves by
/// value × weight, and a product of -254 or less is Fault (no priority could be that low).
tracker_effect file_effect(std::int16_t weight, std::int16_t value) noexcept;

struct tracked_priority {
    std::uint8_t priority;  // what adverts carry
    bool fault;             // a tracker asks for Fault
};

/// The configured priority plus every tracker's delta, clamped to 1..254 (0 is for resigning,
/// RFC 5798 §5.2.4; 255 belongs to address owners). An address owner (255) keeps 255: owning the
/// addresses is a configuration fact that tracking cannot change (it can still fault).
tracked_priority apply_effects(std::uint8_t configured, std::span<const tracker_effect> effects);

/// apply_effects over up/down trackers only.
tracked_priority apply_trackers(std::uint8_t configured, std::span<const tracker_state> trackers);

}  // namespace vipd::vrrp
