#include "vipd/ipvs/linux/genl_translate.hpp"

#include <cstring>

#include <gtest/gtest.h>
#include <linux/ip_vs.h>

#include "support/addresses.hpp"
#include "vipd/ipvs/linux/genl_client.hpp"

namespace vipd::ipvs::linux {
namespace {

using support::addr;

// The bytes of a native integer as they sit in the attribute payload.
template <typename T>
std::array<std::uint8_t, sizeof(T)> payload(T value) {
    std::array<std::uint8_t, sizeof(T)> bytes{};
    std::memcpy(bytes.data(), &value, sizeof(T));
    return bytes;
}

TEST(GenlTranslate, PortsAreNetworkByteOrderInThePayload) {
    EXPECT_EQ(payload(port_attr(80)), (std::array<std::uint8_t, 2>{0x00, 0x50}));
    EXPECT_EQ(payload(port_attr(0x1234)), (std::array<std::uint8_t, 2>{0x12, 0x34}));
    EXPECT_EQ(port_from_attr(port_attr(6081)), 6081);
}

struct netmask_row {
    const char* description;
    address_family family;
    std::uint8_t prefix;
    std::array<std::uint8_t, 4> payload;
};

TEST(GenlTranslate, NetmaskFromPrefix) {
    const netmask_row rows[] = {
        {"v4 /32", address_family::ipv4, 32, {255, 255, 255, 255}},
        {"v4 /24", address_family::ipv4, 24, {255, 255, 255, 0}},
        {"v4 /17", address_family::ipv4, 17, {255, 255, 128, 0}},
        {"v4 /1", address_family::ipv4, 1, {128, 0, 0, 0}},
        {"v4 /0", address_family::ipv4, 0, {0, 0, 0, 0}},
        {"v4 /40 clamps", address_family::ipv4, 40, {255, 255, 255, 255}},
    };
    for (const auto& row : rows) {
        SCOPED_TRACE(row.description);
        const std::uint32_t value = netmask_attr(row.family, row.prefix);
        EXPECT_EQ(payload(value), row.payload);
        EXPECT_EQ(prefix_from_netmask_attr(row.family, value),
                  std::min<std::uint8_t>(row.prefix, 32));
    }
}

TEST(GenlTranslate, Ipv6NetmaskIsThePrefixLength) {
    EXPECT_EQ(netmask_attr(address_family::ipv6, 128), 128U);
    EXPECT_EQ(netmask_attr(address_family::ipv6, 64), 64U);
    EXPECT_EQ(netmask_attr(address_family::ipv6, 200), 128U);
    EXPECT_EQ(prefix_from_netmask_attr(address_family::ipv6, 48), 48);
    EXPECT_EQ(prefix_from_netmask_attr(address_family::ipv6, 129), std::nullopt);
}

TEST(GenlTranslate, NonContiguousIpv4MaskIsRejected) {
    std::uint32_t value = 0;
    const std::array<std::uint8_t, 4> bytes{255, 0, 255, 0};
    std::memcpy(&value, bytes.data(), 4);
    EXPECT_EQ(prefix_from_netmask_attr(address_family::ipv4, value), std::nullopt);
}

TEST(GenlTranslate, FamiliesAndProtocols) {
    EXPECT_EQ(af_attr(address_family::ipv4), 2);
    EXPECT_EQ(af_attr(address_family::ipv6), 10);
    EXPECT_EQ(family_from_af(10), address_family::ipv6);
    EXPECT_EQ(family_from_af(7), std::nullopt);
    EXPECT_EQ(protocol_attr(protocol::tcp), 6);
    EXPECT_EQ(protocol_attr(protocol::udp), 17);
    EXPECT_EQ(protocol_attr(protocol::sctp), 132);
    for (const auto p : {protocol::tcp, protocol::udp, protocol::sctp}) {
        EXPECT_EQ(protocol_from_attr(protocol_attr(p)), p);
    }
    EXPECT_EQ(protocol_from_attr(1), std::nullopt);
}

struct flags_row {
    const char* description;
    service_flags flags;
    std::uint32_t timeout;
    std::uint32_t expected;
};

TEST(GenlTranslate, ServiceFlags) {
    const flags_row rows[] = {
        {"none", {}, 0, 0},
        {"persistent from timeout", {}, 300, IP_VS_SVC_F_PERSISTENT},
        {"ops", {.one_packet = true}, 0, IP_VS_SVC_F_ONEPACKET},
        {"sh-fallback", {.sched1 = true}, 0, IP_VS_SVC_F_SCHED_SH_FALLBACK},
        {"sh-port", {.sched2 = true}, 0, IP_VS_SVC_F_SCHED_SH_PORT},
        {"flag-3", {.sched3 = true}, 0, IP_VS_SVC_F_SCHED3},
        {"all",
         {true, true, true, true},
         60,
         IP_VS_SVC_F_PERSISTENT | IP_VS_SVC_F_ONEPACKET | IP_VS_SVC_F_SCHED1 | IP_VS_SVC_F_SCHED2 |
             IP_VS_SVC_F_SCHED3},
    };
    for (const auto& row : rows) {
        SCOPED_TRACE(row.description);
        service_settings settings;
        settings.flags = row.flags;
        settings.persistence_timeout = row.timeout;
        EXPECT_EQ(service_flags_attr(settings), row.expected);
        // Read back, HASHED (always set by the kernel) and PERSISTENT are not model flags.
        EXPECT_EQ(service_flags_from_attr(row.expected | IP_VS_SVC_F_HASHED), row.flags);
    }
}

TEST(GenlTranslate, ForwardingAndTunnels) {
    EXPECT_EQ(fwd_method_attr(forwarding::nat), IP_VS_CONN_F_MASQ);
    EXPECT_EQ(fwd_method_attr(forwarding::tunnel), IP_VS_CONN_F_TUNNEL);
    EXPECT_EQ(fwd_method_attr(forwarding::direct), IP_VS_CONN_F_DROUTE);
    // The kernel reports other connection flags next to the method (e.g. NOOUTPUT for DR).
    EXPECT_EQ(forwarding_from_attr(IP_VS_CONN_F_DROUTE | IP_VS_CONN_F_NOOUTPUT),
              forwarding::direct);
    EXPECT_EQ(forwarding_from_attr(IP_VS_CONN_F_LOCALNODE), std::nullopt);
    EXPECT_EQ(tunnel_type_attr(tunnel_type::ipip), IP_VS_CONN_F_TUNNEL_TYPE_IPIP);
    EXPECT_EQ(tunnel_type_attr(tunnel_type::gue), IP_VS_CONN_F_TUNNEL_TYPE_GUE);
    EXPECT_EQ(tunnel_type_attr(tunnel_type::gre), IP_VS_CONN_F_TUNNEL_TYPE_GRE);
    EXPECT_EQ(tunnel_type_from_attr(9), std::nullopt);
    EXPECT_EQ(tunnel_flags_attr(true), IP_VS_TUNNEL_ENCAP_FLAG_CSUM);
    EXPECT_EQ(tunnel_flags_attr(false), IP_VS_TUNNEL_ENCAP_FLAG_NOCSUM);
    EXPECT_TRUE(tunnel_checksum_from_attr(IP_VS_TUNNEL_ENCAP_FLAG_CSUM));
    EXPECT_FALSE(tunnel_checksum_from_attr(IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM));
}

TEST(GenlTranslate, EndpointServiceEncoding) {
    const service_key key = endpoint_key{protocol::udp, addr("172.28.128.210"), 53};
    service_settings settings;
    settings.scheduler = "sh";
    settings.flags.sched2 = true;
    settings.persistence_timeout = 120;
    settings.persistence_prefix = 24;
    const service_attrs attrs = encode_service(key, settings);
    EXPECT_EQ(attrs.af, 2);
    EXPECT_EQ(attrs.protocol, 17);
    EXPECT_EQ(attrs.address[0], 172);
    EXPECT_EQ(attrs.address[3], 210);
    EXPECT_EQ(attrs.address[4], 0);
    EXPECT_EQ(payload(attrs.port), (std::array<std::uint8_t, 2>{0, 53}));
    EXPECT_EQ(attrs.fwmark, 0U);
    EXPECT_EQ(attrs.scheduler, "sh");
    EXPECT_EQ(attrs.flags, IP_VS_SVC_F_PERSISTENT | IP_VS_SVC_F_SCHED_SH_PORT);
    EXPECT_EQ(attrs.flags_mask, ~0U);
    EXPECT_EQ(attrs.timeout, 120U);
    EXPECT_EQ(payload(attrs.netmask), (std::array<std::uint8_t, 4>{255, 255, 255, 0}));
}

TEST(GenlTranslate, FwmarkKeyHasNoEndpoint) {
    const service_attrs attrs = encode_service_key(fwmark_key{10, address_family::ipv6});
    EXPECT_EQ(attrs.af, 10);
    EXPECT_EQ(attrs.fwmark, 10U);
    EXPECT_EQ(attrs.protocol, 0);
    EXPECT_EQ(attrs.port, 0);
    EXPECT_TRUE(attrs.scheduler.empty());
}

// A table read back must equal the table written: encode, let the "kernel" add what it adds
// (HASHED, the 16-byte address), decode.
TEST(GenlTranslate, ServiceRoundTrips) {
    struct row {
        const char* description;
        service_key key;
        service_settings settings;
    };
    const row rows[] = {
        {"tcp v4 wlc", endpoint_key{protocol::tcp, addr("10.0.0.1"), 80}, {}},
        {"sctp v6 rr persistent /64",
         endpoint_key{protocol::sctp, addr("2001:db8::1"), 443},
         {"rr", {}, 3600, 64}},
        {"fwmark v4 mh flags",
         fwmark_key{7, address_family::ipv4},
         {"mh", {false, true, true, false}, 0, 32}},
        {"fwmark v6 persistent", fwmark_key{9, address_family::ipv6}, {"lc", {}, 10, 128}},
        {"udp ops",
         endpoint_key{protocol::udp, addr("10.0.0.2"), 53},
         {"rr", {true, false, false, false}, 0, 32}},
    };
    for (const auto& r : rows) {
        SCOPED_TRACE(r.description);
        service_attrs attrs = encode_service(r.key, r.settings);
        attrs.flags |= IP_VS_SVC_F_HASHED;
        attrs.flags_mask = 0xffff;
        const auto decoded = decode_service(attrs);
        ASSERT_TRUE(decoded.has_value());
        EXPECT_EQ(decoded->first, r.key);
        EXPECT_EQ(decoded->second, r.settings);
    }
}

TEST(GenlTranslate, TimeoutWithoutPersistentFlagIsNotPersistence) {
    service_attrs attrs = encode_service(endpoint_key{protocol::tcp, addr("10.0.0.1"), 80}, {});
    attrs.timeout = 300;  // ipvsadm's default value, left behind without -p
    const auto decoded = decode_service(attrs);
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(decoded->second.persistence_timeout, 0U);
}

TEST(GenlTranslate, UnrepresentableServicesAreNotDecoded) {
    service_attrs attrs = encode_service(endpoint_key{protocol::tcp, addr("10.0.0.1"), 80}, {});
    attrs.protocol = 33;  // DCCP
    EXPECT_EQ(decode_service(attrs), std::nullopt);
    attrs = encode_service(endpoint_key{protocol::tcp, addr("10.0.0.1"), 80}, {});
    attrs.af = 99;
    EXPECT_EQ(decode_service(attrs), std::nullopt);
}

TEST(GenlTranslate, DestinationRoundTrips) {
    struct row {
        const char* description;
        destination_key key;
        destination_settings settings;
    };
    const row rows[] = {
        {"dr", {addr("10.0.0.40"), 80}, {forwarding::direct, 1, 0, 0}},
        {"nat port map thresholds", {addr("10.0.0.41"), 8080}, {forwarding::nat, 5, 100, 10}},
        {"tun ipip", {addr("10.0.0.42"), 80}, {forwarding::tunnel, 0, 0, 0, tunnel_type::ipip}},
        {"tun gue csum",
         {addr("10.0.0.43"), 80},
         {forwarding::tunnel, 3, 0, 0, tunnel_type::gue, 6080, true}},
        {"tun gre",
         {addr("2001:db8::43"), 80},
         {forwarding::tunnel, 2, 0, 0, tunnel_type::gre, 0, false}},
        {"v6 dr weight 0", {addr("2001:db8::44"), 443}, {forwarding::direct, 0, 0, 0}},
    };
    for (const auto& r : rows) {
        SCOPED_TRACE(r.description);
        destination_attrs attrs = encode_destination(r.key, r.settings);
        attrs.fwd_method |= IP_VS_CONN_F_NOOUTPUT;  // the kernel's own bit for non-NAT
        const auto decoded = decode_destination(attrs, address_family::ipv4);
        ASSERT_TRUE(decoded.has_value());
        EXPECT_EQ(decoded->first, r.key);
        EXPECT_EQ(decoded->second, r.settings);
    }
}

TEST(GenlTranslate, DestinationEncodingValues) {
    destination_settings settings{forwarding::tunnel, 7, 50, 5, tunnel_type::gue, 6080, true};
    const auto attrs = encode_destination({addr("192.0.2.9"), 8080}, settings);
    EXPECT_EQ(attrs.af, 2);
    EXPECT_EQ(attrs.fwd_method, IP_VS_CONN_F_TUNNEL);
    EXPECT_EQ(attrs.weight, 7U);
    EXPECT_EQ(attrs.upper_threshold, 50U);
    EXPECT_EQ(attrs.lower_threshold, 5U);
    EXPECT_EQ(attrs.tunnel_type, IP_VS_CONN_F_TUNNEL_TYPE_GUE);
    EXPECT_EQ(payload(attrs.tunnel_port), (std::array<std::uint8_t, 2>{0x17, 0xc0}));
    EXPECT_EQ(payload(attrs.port), (std::array<std::uint8_t, 2>{0x1f, 0x90}));
    EXPECT_EQ(attrs.tunnel_flags, IP_VS_TUNNEL_ENCAP_FLAG_CSUM);
}

TEST(GenlTranslate, NonTunnelDestinationDropsTunnelFields) {
    // Stale tunnel settings on a DR real are not sent, and read back as defaults.
    destination_settings settings{forwarding::direct, 1, 0, 0, tunnel_type::gre, 99, true};
    const auto attrs = encode_destination({addr("10.0.0.40"), 80}, settings);
    EXPECT_EQ(attrs.tunnel_type, 0);
    EXPECT_EQ(attrs.tunnel_port, 0);
    EXPECT_EQ(attrs.tunnel_flags, 0);
    const auto decoded = decode_destination(attrs, address_family::ipv4);
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(decoded->second, (destination_settings{forwarding::direct, 1, 0, 0}));
}

TEST(GenlTranslate, DestinationWithoutFamilyUsesTheService) {
    destination_attrs attrs = encode_destination({addr("2001:db8::5"), 80}, {});
    attrs.af = 0;  // kernels before 4.2
    const auto decoded = decode_destination(attrs, address_family::ipv6);
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(decoded->first.address, addr("2001:db8::5"));
}

TEST(GenlErrors, MissingModuleIsSaidClearly) {
    const std::error_code ec = genl_errc::family_not_found;
    EXPECT_EQ(ec.category().name(), std::string{"ipvs.genl"});
    EXPECT_NE(ec.message().find("ip_vs"), std::string::npos);
    EXPECT_NE(ec.message().find("not loaded"), std::string::npos);
}

}  // namespace
}  // namespace vipd::ipvs::linux
