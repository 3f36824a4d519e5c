#pragma once
/// VIPs as a reconciled table, like IPVS services (ipvs/reconciler.hpp): the addresses that
/// should be up, the addresses the host has, and which of those vipd may remove go in; the
/// fewest additions and removals come out. Pure: the daemon dumps the kernel and applies the plan.
///
/// Ownership never depends on a kernel feature: IFA_PROTO tags survive only on Linux >= 5.18
/// (older kernels accept the attribute and drop it), so the caller also says which addresses it
/// added itself (memory, and the state file of an earlier run) and which the configuration
/// names. A configured VIP is vipd's to manage wherever it came from (keepalived does the same):
/// one found up on a director that is not MASTER for it would answer ARP for the VIP twice.

#include <compare>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "vipd/core/address.hpp"

namespace vipd::vips {

/// An address on an interface: what `ip addr` shows as "inet PREFIX ... DEVICE".
struct address {
    std::string device;
    ip_prefix prefix;

    std::string to_string() const;  // "172.28.128.210/24 on eth1"
    friend bool operator==(const address&, const address&) = default;
    friend std::strong_ordering operator<=>(const address& a, const address& b) {
        if (auto order = a.device <=> b.device; order != 0) {
            return order;
        }
        if (auto order = a.prefix.address <=> b.prefix.address; order != 0) {
            return order;
        }
        return a.prefix.length <=> b.prefix.length;
    }
};

/// One address the kernel reported.
struct observed_address {
    vips::address where;
    bool tagged = false;  // carries vipd's IFA_PROTO tag (only kernels that keep it)
    friend bool operator==(const observed_address&, const observed_address&) = default;
};

/// What the reconciler is told.
struct view {
    /// Up now: every static VIP and the VIPs of each instance that is MASTER.
    std::set<address> desired{};
    /// The configuration's VIPs that vipd manages wherever they came from: static VIPs and the
    /// VIPs of instances that do not own their addresses. An address owner's (priority 255)
    /// addresses are the router's own (RFC 5798 §1): vipd adds them when missing but removes
    /// them only if it added them.
    std::set<address> configured{};
    /// What vipd added and has not seen removed: this run's additions and the previous run's
    /// record ([global] state_file). Covers VIPs the configuration no longer names.
    std::set<address> owned{};
    /// Whether the kernel keeps IFA_PROTO, so that a tagged address is one of ours even when
    /// neither memory nor record names it (a record lost with its file).
    bool tags_kept = false;
};

/// Why an address is removed, for the journal.
enum class removal_reason : std::uint8_t {
    not_master,  ///< configured, but no instance carrying it is MASTER
    leftover,    ///< ours (added, recorded or tagged) and no longer configured
};
std::string_view to_string(removal_reason reason) noexcept;

struct removal {
    address where;
    removal_reason reason;
    friend bool operator==(const removal&, const removal&) = default;
};

struct plan {
    std::vector<address> add;     ///< desired and missing, in address order
    std::vector<removal> remove;  ///< present, ours and not desired, in address order
    /// Present and configured but neither added nor recorded by vipd (by hand, by another
    /// daemon, or by a crashed run on a kernel without tags): vipd takes them over. Reported so
    /// the caller can warn once per address.
    std::vector<address> adopted;
    /// Owned but no longer on the host and not desired: forget them (someone removed them, or
    /// their interface went away).
    std::vector<address> forgotten;
    bool empty() const noexcept { return add.empty() && remove.empty(); }
    friend bool operator==(const plan&, const plan&) = default;
};

/// The plan that converges `host` to `wanted.desired`. Never removes an address that is
/// neither configured nor owned (nor tagged when tags are kept): everything else on the host
/// is somebody else's.
plan reconcile(const view& wanted, const std::vector<observed_address>& host);

}  // namespace vipd::vips
