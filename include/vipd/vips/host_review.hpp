#pragma once
/// What `vipd --check` says about the host's addresses before vipd manages its VIPs there.
/// Pure: the caller dumps the addresses and reads the sysctls.

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "vipd/vips/reconciler.hpp"

namespace vipd::vips {

struct host_facts {
    std::vector<observed_address> addresses;
    /// net.ipv4.conf.DEVICE.promote_secondaries: nullopt when it cannot be read.
    std::function<std::optional<bool>(const std::string& device)> promote_secondaries;
};

/// Warnings, one line each:
/// - a configured VIP already up that vipd neither added (tagged) nor recorded: vipd takes it
///   over, and removes it while it is not MASTER for it;
/// - an IPv4 VIP in the subnet of another address of its device, where deleting the VIP could
///   delete that address too: if the VIP is ever the subnet's primary (the device's own address
///   added after it), the kernel deletes a primary's secondaries with it unless
///   promote_secondaries is 1.
std::vector<std::string> review_host(const std::set<address>& configured,
                                     const std::set<address>& recorded, const host_facts& facts);

/// Whether `a` and `b` share their first `length` bits (same family only).
bool same_subnet(const ip_address& a, const ip_address& b, std::uint8_t length) noexcept;

}  // namespace vipd::vips
