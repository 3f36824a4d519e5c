#include "vipd/vrrp/peers.hpp"

#include <algorithm>

namespace vipd::vrrp {

std::optional<drop_reason> refuse_sender(const advert_sources& sources, const ip_address& source,
                                         std::uint8_t ttl) {
    if (ttl < sources.min_ttl) {
        return drop_reason::bad_ttl;
    }
    if (!sources.peers.empty() &&
        std::find(sources.peers.begin(), sources.peers.end(), source) == sources.peers.end()) {
        return drop_reason::not_a_peer;
    }
    return std::nullopt;
}

}  // namespace vipd::vrrp
