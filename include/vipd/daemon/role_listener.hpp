#pragma once
/// Told when an instance gains or loses MASTER, at the points where load-balancing state must
/// change: services go in before the VIPs (so the first packet to a new VIP finds its service)
/// and come out after them (so no packet reaches a VIP whose service is gone).

#include <string>

namespace vipd::daemon {

class role_listener {
  public:
    virtual ~role_listener() = default;
    /// Before `instance` adds its VIPs on becoming MASTER. True when its services are in now;
    /// false when they go in over the next loop turns (a big table, read and written a slice
    /// at a time so no advert waits for it): the listener's owner then calls
    /// vrrp_router::services_ready, and the VIPs wait until then.
    virtual bool entering_master(const std::string& instance) = 0;
    /// After `instance` removed its VIPs on leaving MASTER (Backup, Fault or shutdown).
    virtual void left_master(const std::string& instance) = 0;
};

}  // namespace vipd::daemon
