#pragma once
/// The daemon's state as one Prometheus scrape ([global] metrics_listen): per instance state,
/// priority, transitions, adverts and socket drops; rejected packets by reason; link monitor
/// overruns; per real health, check latency and drains; per [[bgp_vip]] announcement; IPVS
/// reconcile operations and errors; notify hooks; children that outlived their SIGKILL; reloads;
/// the loop's own lag.

#include <string>

#include "vipd/daemon/loop_lag.hpp"
#include "vipd/daemon/runtime.hpp"

namespace vipd::daemon {

/// The exposition text (format 0.0.4) of `daemon` now. Reads no kernel state: a scrape costs
/// no netlink round trip.
std::string metrics_text(const runtime& daemon, const loop_lag& lag);

}  // namespace vipd::daemon
