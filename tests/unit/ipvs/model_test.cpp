#include "vipd/ipvs/model.hpp"

#include <gtest/gtest.h>

#include "support/ipvs_literals.hpp"

namespace vipd::ipvs {
namespace {

using namespace test;

TEST(IpvsModel, NamesEnums) {
    EXPECT_EQ(to_string(protocol::tcp), "tcp");
    EXPECT_EQ(to_string(protocol::udp), "udp");
    EXPECT_EQ(to_string(protocol::sctp), "sctp");
    EXPECT_EQ(to_string(forwarding::nat), "nat");
    EXPECT_EQ(to_string(forwarding::direct), "dr");
    EXPECT_EQ(to_string(forwarding::tunnel), "tun");
    EXPECT_EQ(to_string(tunnel_type::ipip), "ipip");
    EXPECT_EQ(to_string(tunnel_type::gue), "gue");
    EXPECT_EQ(to_string(tunnel_type::gre), "gre");
}

TEST(IpvsModel, PrintsServiceKeysAndTheirFamily) {
    struct row {
        service_key key;
        const char* text;
        address_family family;
    };
    const row rows[] = {
        {tcp("172.28.128.210", 80), "tcp 172.28.128.210:80", address_family::ipv4},
        {udp("10.0.0.1", 53), "udp 10.0.0.1:53", address_family::ipv4},
        {endpoint_key{protocol::sctp, addr("2001:db8::1"), 3868}, "sctp [2001:db8::1]:3868",
         address_family::ipv6},
        {fwmark(10), "fwmark 10 (ipv4)", address_family::ipv4},
        {fwmark(7, address_family::ipv6), "fwmark 7 (ipv6)", address_family::ipv6},
    };
    for (const auto& r : rows) {
        EXPECT_EQ(to_string(r.key), r.text);
        EXPECT_EQ(family_of(r.key), r.family) << r.text;
    }
}

TEST(IpvsModel, PrintsOperationsLikeIpvsadm) {
    const auto web = tcp("10.0.0.1", 80);
    service_settings persistent_sh = sched("sh");
    persistent_sh.flags.sched1 = true;
    persistent_sh.flags.sched2 = true;
    persistent_sh.persistence_timeout = 300;
    persistent_sh.persistence_prefix = 24;
    service_settings mh_ops = sched("mh");
    mh_ops.flags.sched2 = true;
    mh_ops.flags.one_packet = true;
    service_settings rr_flag3 = sched("rr");
    rr_flag3.flags.sched1 = true;
    rr_flag3.flags.sched3 = true;

    destination_settings gue = dr(2);
    gue.forwarding = forwarding::tunnel;
    gue.tunnel_type = tunnel_type::gue;
    gue.tunnel_port = 6080;
    gue.tunnel_checksum = true;
    destination_settings limited = nat(5);
    limited.lower_threshold = 10;
    limited.upper_threshold = 100;

    struct row {
        operation op;
        const char* text;
    };
    const row rows[] = {
        {add_service{web, sched("rr")}, "add tcp 10.0.0.1:80 rr"},
        {add_service{web, persistent_sh},
         "add tcp 10.0.0.1:80 sh sh-fallback,sh-port persistent 300s/24"},
        {edit_service{fwmark(10), mh_ops}, "edit fwmark 10 (ipv4) mh mh-port,ops"},
        {edit_service{web, rr_flag3}, "edit tcp 10.0.0.1:80 rr flag-1,flag-3"},
        {delete_service{web}, "delete tcp 10.0.0.1:80"},
        {add_destination{web, real("10.0.0.40", 80), dr(1)},
         "add tcp 10.0.0.1:80 -> 10.0.0.40:80 dr w1"},
        {add_destination{web, real("10.0.0.41", 80), gue},
         "add tcp 10.0.0.1:80 -> 10.0.0.41:80 tun(gue:6080,csum) w2"},
        {edit_destination{web, real("10.0.0.42", 8080), limited},
         "edit tcp 10.0.0.1:80 -> 10.0.0.42:8080 nat w5 thresholds 10-100"},
        {delete_destination{tcp("2001:db8::1", 443), real("2001:db8::40", 443)},
         "delete tcp [2001:db8::1]:443 -> [2001:db8::40]:443"},
    };
    for (const auto& r : rows) {
        EXPECT_EQ(to_string(r.op), r.text);
    }
}

TEST(IpvsModel, ServiceKeysOrderEndpointsBeforeFwmarks) {
    // The reconciler's output order is this order; tests rely on it.
    EXPECT_LT(tcp("10.0.0.9", 80), udp("10.0.0.1", 53));   // protocol first
    EXPECT_LT(tcp("10.0.0.1", 443), tcp("10.0.0.2", 80));  // then address
    EXPECT_LT(udp("10.0.0.1", 53), fwmark(1));
}

}  // namespace
}  // namespace vipd::ipvs
