#pragma once
/// Who an instance hears. A multicast instance hears any router on its link, at TTL 255
/// (RFC 5798 §7.1). A unicast instance (unicast_peers) hears only its peers, at TTL 255 unless
/// its peers are routed (unicast_ttl_check = false), then at its own floor. Pure.

#include <cstdint>
#include <optional>
#include <vector>

#include "vipd/core/address.hpp"
#include "vipd/vrrp/drop_reason.hpp"
#include "vipd/vrrp/packet.hpp"

namespace vipd::vrrp {

struct advert_sources {
    std::vector<ip_address> peers;  // empty: multicast, anyone on the link
    std::uint8_t min_ttl = k_required_ttl;
    friend bool operator==(const advert_sources&, const advert_sources&) = default;
};

/// Why an advert from `source` that arrived with `ttl` is not for an instance hearing
/// `sources`, or nullopt when it is.
std::optional<drop_reason> refuse_sender(const advert_sources& sources, const ip_address& source,
                                         std::uint8_t ttl);

}  // namespace vipd::vrrp
