#pragma once
/// The narrow interface to the kernel's IPVS table. The Linux adapter (ipvs/linux/) speaks
/// generic netlink; tests use a fake that keeps a table in memory.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include "vipd/ipvs/model.hpp"

namespace vipd::ipvs {

/// The outcome of one operation of a batch, in the batch's order.
struct operation_result {
    operation op;
    std::error_code error;  // empty on success
};

/// Connection synchronisation daemon roles (IPVS_CMD_NEW_DAEMON).
enum class sync_role : std::uint8_t { master, backup };

/// The settings of a running connection sync daemon that vipd configures; the kernel's other
/// ones (message size, multicast group, port, TTL) stay at their defaults and are not compared.
struct sync_daemon {
    std::string interface;
    std::uint8_t sync_id = 0;
    friend bool operator==(const sync_daemon&, const sync_daemon&) = default;
};
/// The kernel runs at most one daemon of each role per network namespace.
using sync_daemons_by_role = std::map<sync_role, sync_daemon>;

class ipvs_port {
  public:
    virtual ~ipvs_port() = default;
    /// Whether the kernel has IPVS (the "IPVS" generic netlink family resolves).
    virtual bool available() = 0;
    /// Every service in the kernel with its destinations (not only vipd's).
    virtual std::error_code dump(table& out) = 0;
    /// The same, with every service's and real's traffic counters (for vipctl's views).
    virtual std::error_code dump(table& out, counter_table& counters) = 0;
    /// The keys of every service in the kernel, without their destinations: one request.
    virtual std::error_code list(std::set<service_key>& out) = 0;
    /// Just these services as the kernel has them now, with their destinations; a key the
    /// kernel lacks is absent from `out` (which is replaced). A slice of a big table costs a
    /// slice's time, so a resync can read 10,000 destinations a few hundred per loop turn.
    virtual std::error_code dump(std::span<const service_key> keys, table& out) = 0;
    /// The same, with those services' and their reals' traffic counters (vipctl ipvs, a slice
    /// per loop turn).
    virtual std::error_code dump(std::span<const service_key> keys, table& out,
                                 counter_table& counters) = 0;
    /// Applies the operations in order, many per send, and reports each one's result; a failed
    /// operation does not stop the ones after it.
    virtual std::vector<operation_result> apply(std::span<const operation> ops) = 0;
    /// The connection sync daemons the kernel runs now, whoever started them (IPVS_CMD_GET_DAEMON);
    /// `out` is replaced.
    virtual std::error_code list_sync(sync_daemons_by_role& out) = 0;
    /// Starts or stops the kernel's connection sync daemon of one role. Starting a role that
    /// runs fails with EEXIST, whatever its settings; stopping one that does not, with ESRCH.
    virtual std::error_code start_sync(sync_role role, const std::string& interface,
                                       std::uint8_t sync_id) = 0;
    virtual std::error_code stop_sync(sync_role role) = 0;
};

}  // namespace vipd::ipvs
