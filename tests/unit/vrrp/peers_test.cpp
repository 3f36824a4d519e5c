#include "vipd/vrrp/peers.hpp"

#include <gtest/gtest.h>

#include "support/addresses.hpp"

namespace vipd::vrrp {
namespace {

using support::addr;

TEST(AdvertSources, MulticastHearsAnyoneAtTtl255Only) {
    const advert_sources anyone;
    EXPECT_EQ(refuse_sender(anyone, addr("10.0.0.9"), 255), std::nullopt);
    EXPECT_EQ(refuse_sender(anyone, addr("10.0.0.9"), 254), drop_reason::bad_ttl);
}

TEST(AdvertSources, UnicastHearsItsPeersOnly) {
    const advert_sources peers{{addr("10.0.0.2"), addr("10.0.0.3")}};
    EXPECT_EQ(refuse_sender(peers, addr("10.0.0.3"), 255), std::nullopt);
    EXPECT_EQ(refuse_sender(peers, addr("10.0.0.4"), 255), drop_reason::not_a_peer);
    EXPECT_EQ(refuse_sender(peers, addr("10.0.0.2"), 64), drop_reason::bad_ttl)
        << "TTL 255 unless unicast_ttl_check = false";
}

TEST(AdvertSources, RoutedPeersAreHeardDownToTheirFloor) {
    const advert_sources routed{{addr("192.0.2.2")}, 60};
    EXPECT_EQ(refuse_sender(routed, addr("192.0.2.2"), 60), std::nullopt);
    EXPECT_EQ(refuse_sender(routed, addr("192.0.2.2"), 59), drop_reason::bad_ttl);
    EXPECT_EQ(refuse_sender(routed, addr("192.0.2.3"), 64), drop_reason::not_a_peer);
}

}  // namespace
}  // namespace vipd::vrrp
