#include "vipd/health/policy.hpp"

#include <algorithm>

namespace vipd::health {

std::string_view to_string(health_state s) noexcept {
    return s == health_state::up ? "up" : "down";
}

rise_fall::rise_fall(const check_timing& timing) noexcept
    : rise_(std::max<std::uint32_t>(timing.rise, 1)),
      fall_(std::max<std::uint32_t>(timing.fall, 1)),
      state_(timing.initial) {}

std::optional<health_state> rise_fall::record(bool success) noexcept {
    const bool agrees = success == (state_ == health_state::up);
    if (agrees) {
        streak_ = 0;
        return std::nullopt;
    }
    ++streak_;
    if (streak_ < (success ? rise_ : fall_)) {
        return std::nullopt;
    }
    streak_ = 0;
    state_ = success ? health_state::up : health_state::down;
    return state_;
}

microseconds first_probe_offset(std::size_t index, std::size_t count, microseconds interval) {
    if (count == 0) {
        return microseconds{0};
    }
    // index * interval / count without overflow for any realistic interval (< 1 day) and count.
    const auto slot = interval.count() / static_cast<std::int64_t>(count);
    const auto rest = interval.count() % static_cast<std::int64_t>(count);
    const auto i = static_cast<std::int64_t>(index % count);
    return microseconds{slot * i + rest * i / static_cast<std::int64_t>(count)};
}

std::size_t schedule::add(const check_timing& timing, time_point now, microseconds first_offset) {
    targets_.push_back(entry{timing.interval, rise_fall(timing)});
    waiting_.emplace(now + first_offset, targets_.size() - 1);
    return targets_.size() - 1;
}

std::vector<schedule::due_target> schedule::take_due(time_point now, std::size_t limit) {
    std::vector<due_target> due;
    while (!waiting_.empty() && waiting_.begin()->first <= now && due.size() < limit) {
        due.push_back({waiting_.begin()->second, waiting_.begin()->first});
        targets_[due.back().index].in_flight = true;
        waiting_.erase(waiting_.begin());
    }
    return due;
}

std::optional<health_state> schedule::record(std::size_t index, time_point due, bool success) {
    auto& t = targets_.at(index);
    if (!t.in_flight) {
        return std::nullopt;
    }
    t.in_flight = false;
    waiting_.emplace(due + t.interval, index);
    return t.hysteresis.record(success);
}

std::optional<time_point> schedule::next_deadline() const {
    if (waiting_.empty()) {
        return std::nullopt;
    }
    return waiting_.begin()->first;
}

bool has_quorum(std::span<const real_health> reals, std::uint32_t quorum) noexcept {
    std::uint64_t weight = 0;
    for (const auto& real : reals) {
        if (real.state == health_state::up) {
            weight += real.settings.weight;
        }
    }
    return weight >= quorum;
}

std::map<ipvs::destination_key, ipvs::destination_settings> healthy_destinations(
    std::span<const real_health> reals, const service_health_policy& policy) {
    std::map<ipvs::destination_key, ipvs::destination_settings> out;
    for (const auto& real : reals) {
        if (real.state == health_state::up) {
            out.emplace(real.key, real.settings);
        } else if (policy.quiescent) {
            auto quiet = real.settings;
            quiet.weight = 0;
            out.emplace(real.key, quiet);
        }
    }
    if (policy.fallback && !has_quorum(reals, policy.quorum)) {
        out.emplace(policy.fallback->first, policy.fallback->second);
    }
    return out;
}

}  // namespace vipd::health
