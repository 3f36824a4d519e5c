#include "vipd/vips/host_review.hpp"

namespace vipd::vips {

bool same_subnet(const ip_address& a, const ip_address& b, std::uint8_t length) noexcept {
    if (a.family() != b.family()) {
        return false;
    }
    const auto x = a.bytes();
    const auto y = b.bytes();
    const std::size_t bits = std::min<std::size_t>(length, x.size() * 8);
    for (std::size_t i = 0; i < bits / 8; ++i) {
        if (x[i] != y[i]) {
            return false;
        }
    }
    if (const auto rest = bits % 8; rest != 0) {
        const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
        if ((x[bits / 8] & mask) != (y[bits / 8] & mask)) {
            return false;
        }
    }
    return true;
}

std::vector<std::string> review_host(const std::set<address>& configured,
                                     const std::set<address>& recorded, const host_facts& facts) {
    std::vector<std::string> warnings;
    for (const auto& observed : facts.addresses) {
        if (configured.count(observed.where) > 0 && !observed.tagged &&
            recorded.count(observed.where) == 0) {
            warnings.push_back(
                "VIP " + observed.where.to_string() +
                " is already up and was not added by vipd (by hand, another daemon, or a run "
                "on a kernel without address tags): vipd takes it over and removes it while "
                "it is not MASTER for it");
        }
    }
    std::set<std::string> warned_devices;
    for (const auto& vip : configured) {
        if (!vip.prefix.address.is_v4() || vip.prefix.length >= 32) {
            continue;
        }
        for (const auto& observed : facts.addresses) {
            const auto& other = observed.where;
            if (other.device != vip.device || other.prefix.address == vip.prefix.address ||
                !other.prefix.address.is_v4() || configured.count(other) > 0 ||
                !same_subnet(other.prefix.address, vip.prefix.address, vip.prefix.length)) {
                continue;
            }
            const auto promote =
                facts.promote_secondaries ? facts.promote_secondaries(vip.device) : std::nullopt;
            if (promote.value_or(false) || !warned_devices.insert(vip.device).second) {
                continue;
            }
            warnings.push_back(
                "VIP " + vip.to_string() + " shares a subnet with " + other.prefix.to_string() +
                ": if the VIP is ever that subnet's primary address, removing it deletes " +
                other.prefix.to_string() + " too; set net.ipv4.conf." + vip.device +
                ".promote_secondaries=1" + (promote ? "" : " (it could not be read)"));
        }
    }
    return warnings;
}

}  // namespace vipd::vips
