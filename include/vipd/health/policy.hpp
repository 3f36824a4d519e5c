#pragma once
/// Pure health policy: rise/fall hysteresis, when each target is probed, and what a virtual
/// server's health means for the kernel table (removal or quiescence, quorum, fallback).
/// No clocks, no sockets: results and `now` go in, states and deadlines come out.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <utility>
#include <vector>

#include "vipd/core/time.hpp"
#include "vipd/health/check.hpp"
#include "vipd/ipvs/model.hpp"

namespace vipd::health {

std::string_view to_string(health_state s) noexcept;  // "up", "down"

/// Consecutive results flip the state: `rise` successes bring a down target up, `fall`
/// failures take an up one down. A result that agrees with the state resets the other streak.
class rise_fall {
  public:
    explicit rise_fall(const check_timing& timing) noexcept;

    /// Records one result; returns the new state when this result changed it.
    std::optional<health_state> record(bool success) noexcept;
    health_state state() const noexcept { return state_; }

  private:
    std::uint32_t rise_;
    std::uint32_t fall_;
    health_state state_;
    std::uint32_t streak_ = 0;  // results in a row that disagree with state_
};

/// When target `index` of `count` sharing one interval is probed first, counted from start:
/// spread evenly over the interval so thousands of checks do not fire together.
microseconds first_probe_offset(std::size_t index, std::size_t count, microseconds interval);

/// Probing schedule and hysteresis for a set of targets, identified by their index. Sans-IO:
/// the caller probes what `take_due` returns and feeds the outcomes back with `record`.
class schedule {
  public:
    /// Adds a target; its first probe comes `first_offset` after `now`. Returns its index.
    std::size_t add(const check_timing& timing, time_point now, microseconds first_offset);

    /// A target handed out for probing, with the time it was due.
    struct due_target {
        std::size_t index;
        time_point due;
        friend bool operator==(const due_target&, const due_target&) = default;
    };

    /// Up to `limit` targets due at `now`, earliest first, marked in flight (not due again
    /// until recorded). The rest stay due: a caller that limits each batch lets other work run
    /// between batches.
    std::vector<due_target> take_due(time_point now,
                                     std::size_t limit = std::numeric_limits<std::size_t>::max());
    /// The outcome of the probe of `target` that was due at `due` (as `take_due` said). The
    /// next probe is due one interval after that (fixed rate, each target on its own phase:
    /// slow answers or a late wake-up do not move it, and targets handed out together do not
    /// merge into one burst). Returns the new state when it changed; ignores a target that is
    /// not in flight.
    std::optional<health_state> record(std::size_t target, time_point due, bool success);

    health_state state(std::size_t target) const { return targets_.at(target).hysteresis.state(); }
    std::size_t size() const noexcept { return targets_.size(); }
    /// The earliest due time of a target not in flight; nullopt when none.
    std::optional<time_point> next_deadline() const;

  private:
    struct entry {
        microseconds interval;
        rise_fall hysteresis;
        bool in_flight = false;
    };
    std::vector<entry> targets_;
    /// Targets not in flight, by due time: thousands of checks cost O(log n) per probe.
    std::set<std::pair<time_point, std::size_t>> waiting_;
};

/// How one virtual server reacts to its reals' health.
struct service_health_policy {
    bool quiescent = false;    // a down real stays with weight 0 instead of leaving
    std::uint32_t quorum = 1;  // minimum total weight of up reals
    /// Put in while quorum is lost (keepalived's sorry server, ldirectord's fallback).
    std::optional<std::pair<ipvs::destination_key, ipvs::destination_settings>> fallback;
};

/// One configured real with its current health.
struct real_health {
    ipvs::destination_key key;
    ipvs::destination_settings settings;
    health_state state = health_state::up;
};

/// Whether the up reals' weights add up to `quorum`.
bool has_quorum(std::span<const real_health> reals, std::uint32_t quorum) noexcept;

/// The destinations the kernel should hold for a service: up reals with their weights, down
/// reals removed (or at weight 0 when quiescent), the fallback while quorum is lost. A fallback
/// that is also a configured real keeps that real's entry.
std::map<ipvs::destination_key, ipvs::destination_settings> healthy_destinations(
    std::span<const real_health> reals, const service_health_policy& policy);

}  // namespace vipd::health
