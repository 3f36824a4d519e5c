#pragma once
/// One health probe against one target, on the daemon's event loop: `start` makes a single
/// attempt (connect, request, query or run) bounded by the check's timeout and reports its
/// outcome through the callback. Probes never block: thousands share the one event loop with
/// VRRP, whose adverts must not wait for them. This is the port; checkers/make_probe.hpp builds
/// the Asio probes behind it, tests/fakes/fake_probe.hpp the ones tests answer by hand.

#include <functional>
#include <memory>
#include <string>

#include "vipd/core/address.hpp"
#include "vipd/core/time.hpp"

namespace vipd::health {

struct probe_result {
    bool success = false;
    microseconds latency{0};  // from start to outcome
    /// Why it failed ("connection refused", "status 503", "timeout after 1s"); empty on success.
    std::string detail;
};

using probe_callback = std::function<void(const probe_result&)>;

/// Where a probe goes: the real's address, and the check's port or else the real's port.
struct probe_target {
    ip_address address;
    std::uint16_t port = 0;
};

/// Destroying a probe cancels its attempt: the callback is dropped, sockets close, a running
/// script's process group is killed (and reaped later on the loop). Destroy probes before their
/// io_context; handlers still queued hold only the attempt's own state, never the probe.
class probe {
  public:
    virtual ~probe() = default;
    /// Makes one attempt and calls `done` exactly once, on the event loop, unless the probe is
    /// destroyed first (then never). At most one attempt is in flight: calling `start` while
    /// one runs cancels it first (its callback is not called).
    virtual void start(probe_callback done) = 0;
};

}  // namespace vipd::health
