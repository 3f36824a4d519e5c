// One row per IPVS rule: a small file with exactly one mistake, and what its single error must
// say, position and key included ("FILE:LINE:COLUMN: KEY: MESSAGE").
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "error_row.hpp"
#include "vipd/config/loader.hpp"

namespace vipd::config {
namespace {

using testing::error_row;

class IpvsConfigErrorTest : public ::testing::TestWithParam<error_row> {};

TEST_P(IpvsConfigErrorTest, ReportsExactlyOneErrorWithPositionAndKey) {
    testing::expect_single_error(GetParam());
}

// Rows start with a valid service on lines 1-3 and break it in one place.
INSTANTIATE_TEST_SUITE_P(
    ServiceKeys, IpvsConfigErrorTest,
    ::testing::Values(
        error_row{"unknown scheduler, with a suggestion",
                  R"([[virtual_server]]
address = "10.0.0.1"
port = 80
scheduler = "wrrr"
)",
                  "t.toml:4:13: virtual_server[0].scheduler: unknown scheduler \"wrrr\" "
                  "(did you mean \"wrr\"?); the kernel has rr wrr lc wlc"},
        error_row{"scheduler not a string",
                  R"([[virtual_server]]
address = "10.0.0.1"
port = 80
scheduler = 1
)",
                  "t.toml:4:13: virtual_server[0].scheduler: scheduler must be a scheduler "
                  "name"},
        error_row{"neither address nor fwmark",
                  R"([[virtual_server]]
scheduler = "rr"
)",
                  "t.toml:1:1: virtual_server[0].address: address is required: an address "
                  "such as \"172.28.128.210\" with port and protocol, or fwmark = N"},
        error_row{"address and fwmark both",
                  R"([[virtual_server]]
address = "10.0.0.1"
port = 80
fwmark = 10
)",
                  "t.toml:4:10: virtual_server[0].fwmark: give either address"},
        error_row{"port on a fwmark service",
                  R"([[virtual_server]]
fwmark = 10
port = 80
)",
                  "t.toml:3:8: virtual_server[0].port: port does not apply to a fwmark "
                  "service"},
        error_row{"protocol on a fwmark service",
                  R"([[virtual_server]]
fwmark = 10
protocol = "udp"
)",
                  "t.toml:3:12: virtual_server[0].protocol: protocol does not apply to a "
                  "fwmark service"},
        error_row{"fwmark 0",
                  R"([[virtual_server]]
fwmark = 0
)",
                  "t.toml:2:10: virtual_server[0].fwmark: fwmark must be 1..4294967295, got "
                  "0"},
        error_row{"fwmark family misspelt",
                  R"([[virtual_server]]
fwmark = 1
family = "inet6"
)",
                  "t.toml:3:10: virtual_server[0].family: family must be \"ipv4\" or "
                  "\"ipv6\", got \"inet6\""},
        error_row{"family on an address service",
                  R"([[virtual_server]]
address = "10.0.0.1"
port = 80
family = "ipv4"
)",
                  "t.toml:4:10: virtual_server[0].family: family applies to fwmark "
                  "services only"},
        error_row{"address with a prefix length",
                  R"([[virtual_server]]
address = "10.0.0.1/24"
port = 80
)",
                  "t.toml:2:11: virtual_server[0].address: address must be an IPv4 or IPv6 "
                  "address without a prefix length"},
        error_row{"multicast address",
                  R"([[virtual_server]]
address = "224.0.0.18"
port = 80
)",
                  "t.toml:2:11: virtual_server[0].address: 224.0.0.18 cannot be used: it "
                  "must be a unicast address"},
        error_row{"protocol icmp",
                  R"([[virtual_server]]
address = "10.0.0.1"
port = 80
protocol = "icmp"
)",
                  "t.toml:4:12: virtual_server[0].protocol: protocol must be \"tcp\", "
                  "\"udp\" or \"sctp\", got \"icmp\""},
        error_row{"port above 65535",
                  R"([[virtual_server]]
address = "10.0.0.1"
port = 70000
)",
                  "t.toml:3:8: virtual_server[0].port: port must be 0..65535, got 70000"},
        error_row{"port missing",
                  R"([[virtual_server]]
address = "10.0.0.1"
)",
                  "t.toml:1:1: virtual_server[0].port: port is required"},
        error_row{"port 0 without persistence",
                  R"([[virtual_server]]
address = "10.0.0.1"
port = 0
)",
                  "t.toml:3:8: virtual_server[0].port: port 0 (every port) needs "
                  "persistence"},
        error_row{"sh_port with rr",
                  R"([[virtual_server]]
address = "10.0.0.1"
port = 80
scheduler = "rr"
sh_port = true
)",
                  "t.toml:5:11: virtual_server[0].sh_port: sh_port applies to scheduler = "
                  "\"sh\" only; this service uses \"rr\""},
        error_row{"mh_fallback with sh",
                  R"([[virtual_server]]
address = "10.0.0.1"
port = 80
scheduler = "sh"
mh_fallback = true
)",
                  "t.toml:5:15: virtual_server[0].mh_fallback: mh_fallback applies to "
                  "scheduler = \"mh\" only; this service uses \"sh\""},
        error_row{"sh_fallback with the default scheduler",
                  R"([[virtual_server]]
address = "10.0.0.1"
port = 80
sh_fallback = true
)",
                  "t.toml:4:15: virtual_server[0].sh_fallback: sh_fallback applies to "
                  "scheduler = \"sh\" only; this service uses \"wlc\""},
        error_row{"one_packet on TCP",
                  R"([[virtual_server]]
address = "10.0.0.1"
port = 80
one_packet = true
)",
                  "t.toml:4:14: virtual_server[0].one_packet: one_packet (one-packet "
                  "scheduling) applies to protocol = \"udp\" only; this service is \"tcp\""},
        error_row{"persistence with a fraction",
                  R"([[virtual_server]]
address = "10.0.0.1"
port = 80
persistence = "1.5s"
)",
                  "t.toml:4:15: virtual_server[0].persistence: persistence must be whole "
                  "seconds"},
        error_row{"persistence as a bare number (keepalived habit)",
                  R"([[virtual_server]]
address = "10.0.0.1"
port = 80
persistence = 300
)",
                  "t.toml:4:15: virtual_server[0].persistence: persistence needs a unit"},
        error_row{"persistence too long for the kernel",
                  R"([[virtual_server]]
address = "10.0.0.1"
port = 80
persistence = "5000000s"
)",
                  "t.toml:4:15: virtual_server[0].persistence: persistence must be "
                  "0s..4294967s"},
        error_row{"persistence_netmask without persistence",
                  R"([[virtual_server]]
address = "10.0.0.1"
port = 80
persistence_netmask = 24
)",
                  "t.toml:4:23: virtual_server[0].persistence_netmask: persistence_netmask "
                  "needs persistence"},
        error_row{"persistence_netmask not contiguous",
                  R"([[virtual_server]]
address = "10.0.0.1"
port = 80
persistence = "60s"
persistence_netmask = "255.0.255.0"
)",
                  "t.toml:5:23: virtual_server[0].persistence_netmask: persistence_netmask "
                  "must be a prefix length 1..32 or a mask such as \"255.255.255.0\", got "
                  "\"255.0.255.0\""},
        error_row{"persistence_netmask 33 for IPv4",
                  R"([[virtual_server]]
address = "10.0.0.1"
port = 80
persistence = "60s"
persistence_netmask = 33
)",
                  "t.toml:5:23: virtual_server[0].persistence_netmask: persistence_netmask "
                  "must be 1..32, got 33"},
        error_row{"IPv6 persistence_netmask as a mask",
                  R"([[virtual_server]]
address = "2001:db8::1"
port = 80
persistence = "60s"
persistence_netmask = "ffff:ffff::"
)",
                  "t.toml:5:23: virtual_server[0].persistence_netmask: persistence_netmask "
                  "of an IPv6 service must be a prefix length 1..128"},
        error_row{"forwarding masq",
                  R"([[virtual_server]]
address = "10.0.0.1"
port = 80
forwarding = "masq"
)",
                  "t.toml:4:14: virtual_server[0].forwarding: forwarding must be \"nat\" "
                  "(masquerading), \"dr\" (direct routing) or \"tun\" (IP tunnelling), got "
                  "\"masq\""},
        error_row{"tunnel_type with dr",
                  R"([[virtual_server]]
address = "10.0.0.1"
port = 80
tunnel_type = "gre"
)",
                  "t.toml:4:15: virtual_server[0].tunnel_type: tunnel_type applies to "
                  "forwarding = \"tun\" only; this service uses \"dr\""},
        error_row{"tunnel_type vxlan",
                  R"([[virtual_server]]
address = "10.0.0.1"
port = 80
forwarding = "tun"
tunnel_type = "vxlan"
)",
                  "t.toml:5:15: virtual_server[0].tunnel_type: tunnel_type must be "
                  "\"ipip\", \"gue\" or \"gre\", got \"vxlan\""},
        error_row{"gue without tunnel_port",
                  R"([[virtual_server]]
address = "10.0.0.1"
port = 80
forwarding = "tun"
tunnel_type = "gue"
)",
                  "t.toml:5:15: virtual_server[0].tunnel_type: tunnel_type = \"gue\" needs "
                  "tunnel_port = N"},
        error_row{"tunnel_port with ipip",
                  R"([[virtual_server]]
address = "10.0.0.1"
port = 80
forwarding = "tun"
tunnel_port = 6080
)",
                  "t.toml:5:15: virtual_server[0].tunnel_port: tunnel_port is the UDP port "
                  "of tunnel_type = \"gue\" only"},
        error_row{"tunnel_checksum with ipip",
                  R"([[virtual_server]]
address = "10.0.0.1"
port = 80
forwarding = "tun"
tunnel_checksum = true
)",
                  "t.toml:5:19: virtual_server[0].tunnel_checksum: tunnel_checksum applies "
                  "to tunnel_type \"gue\" or \"gre\""},
        error_row{"name with a space",
                  R"([[virtual_server]]
name = "web site"
address = "10.0.0.1"
port = 80
)",
                  "t.toml:2:8: virtual_server[0].name: name may only contain letters"},
        error_row{"keepalived's lb_algo",
                  R"([[virtual_server]]
address = "10.0.0.1"
port = 80
lb_algo = "rr"
)",
                  "t.toml:4:1: virtual_server[0].lb_algo: unknown key \"lb_algo\" "
                  "(keepalived's lb_algo is scheduler here)"},
        error_row{"ipvsadm's ops",
                  R"([[virtual_server]]
address = "10.0.0.1"
port = 80
ops = true
)",
                  "t.toml:4:1: virtual_server[0].ops: unknown key \"ops\" (ipvsadm's --ops "
                  "is one_packet = true here)"},
        error_row{"typo in scheduler key",
                  R"([[virtual_server]]
address = "10.0.0.1"
port = 80
schedular = "rr"
)",
                  "t.toml:4:1: virtual_server[0].schedular: unknown key \"schedular\" (did "
                  "you mean \"scheduler\"?)"},
        error_row{"virtual_server as a plain table",
                  R"([virtual_server]
address = "10.0.0.1"
port = 80
)",
                  "virtual_server: virtual_server must be an array of tables: write each "
                  "service under [[virtual_server]]"}));

INSTANTIATE_TEST_SUITE_P(
    RealKeys, IpvsConfigErrorTest,
    ::testing::Values(
        error_row{"DR real on another port",
                  R"([[virtual_server]]
address = "10.0.0.1"
port = 80
[[virtual_server.real]]
address = "10.0.0.40"
port = 8080
)",
                  "t.toml:6:8: virtual_server[0].real[0].port: forwarding = \"dr\" cannot "
                  "map ports: the real must use the service port 80, got 8080"},
        error_row{"TUN real (by override) on another port",
                  R"([[virtual_server]]
address = "10.0.0.1"
port = 80
forwarding = "nat"
[[virtual_server.real]]
address = "10.0.0.40"
forwarding = "tun"
port = 81
)",
                  "t.toml:8:8: virtual_server[0].real[0].port: forwarding = \"tun\" cannot "
                  "map ports"},
        error_row{"NAT real on port 0 of a port-80 service",
                  R"([[virtual_server]]
address = "10.0.0.1"
port = 80
forwarding = "nat"
[[virtual_server.real]]
address = "10.0.0.40"
port = 0
)",
                  "t.toml:7:8: virtual_server[0].real[0].port: port must be 1..65535 for a "
                  "real of a service on port 80 (leave it out to use 80)"},
        error_row{"DR real of a fwmark service with a port",
                  R"([[virtual_server]]
fwmark = 5
[[virtual_server.real]]
address = "10.0.0.40"
port = 80
)",
                  "t.toml:5:8: virtual_server[0].real[0].port: a \"dr\" real of a fwmark "
                  "service takes the port each packet has"},
        error_row{"real address missing",
                  R"([[virtual_server]]
address = "10.0.0.1"
port = 80
[[virtual_server.real]]
weight = 2
)",
                  "t.toml:4:1: virtual_server[0].real[0].address: address is required"},
        error_row{"real address unparsable",
                  R"([[virtual_server]]
address = "10.0.0.1"
port = 80
[[virtual_server.real]]
address = "10.0.0.400"
)",
                  "t.toml:5:11: virtual_server[0].real[0].address: address must be an IPv4 "
                  "or IPv6 address"},
        error_row{"weight above 65535",
                  R"([[virtual_server]]
address = "10.0.0.1"
port = 80
[[virtual_server.real]]
address = "10.0.0.40"
weight = 70000
)",
                  "t.toml:6:10: virtual_server[0].real[0].weight: weight must be 0..65535, "
                  "got 70000"},
        error_row{"negative weight",
                  R"([[virtual_server]]
address = "10.0.0.1"
port = 80
[[virtual_server.real]]
address = "10.0.0.40"
weight = -1
)",
                  "t.toml:6:10: virtual_server[0].real[0].weight: weight must be 0..65535, "
                  "got -1"},
        error_row{"lower_threshold above upper_threshold",
                  R"([[virtual_server]]
address = "10.0.0.1"
port = 80
[[virtual_server.real]]
address = "10.0.0.40"
upper_threshold = 100
lower_threshold = 200
)",
                  "t.toml:7:19: virtual_server[0].real[0].lower_threshold: lower_threshold "
                  "200 is above upper_threshold 100"},
        error_row{"lower_threshold without upper_threshold",
                  R"([[virtual_server]]
address = "10.0.0.1"
port = 80
[[virtual_server.real]]
address = "10.0.0.40"
lower_threshold = 5
)",
                  "t.toml:6:19: virtual_server[0].real[0].lower_threshold: lower_threshold "
                  "needs upper_threshold"},
        error_row{"IPv6 real of an IPv4 DR service",
                  R"([[virtual_server]]
address = "10.0.0.1"
port = 80
[[virtual_server.real]]
address = "2001:db8::40"
)",
                  "t.toml:5:11: virtual_server[0].real[0].address: 2001:db8::40 is IPv6 but "
                  "the service is IPv4; the kernel mixes families only with forwarding = "
                  "\"tun\""},
        error_row{"IPv4 real of an IPv6 fwmark service over NAT",
                  R"([[virtual_server]]
fwmark = 3
family = "ipv6"
forwarding = "nat"
[[virtual_server.real]]
address = "10.0.0.40"
)",
                  "t.toml:6:11: virtual_server[0].real[0].address: 10.0.0.40 is IPv4 but "
                  "the service is IPv6"},
        error_row{"duplicate real",
                  R"([[virtual_server]]
address = "10.0.0.1"
port = 80
[[virtual_server.real]]
address = "10.0.0.40"
[[virtual_server.real]]
address = "10.0.0.40"
port = 80
)",
                  "t.toml:7:11: virtual_server[0].real[1].address: 10.0.0.40 port 80 is "
                  "already a real of this service (line 4)"},
        error_row{"keepalived's uthreshold",
                  R"([[virtual_server]]
address = "10.0.0.1"
port = 80
[[virtual_server.real]]
address = "10.0.0.40"
uthreshold = 5
)",
                  "t.toml:6:1: virtual_server[0].real[0].uthreshold: unknown key "
                  "\"uthreshold\" (keepalived's uthreshold is upper_threshold here)"},
        error_row{"real tunnel_type while the real uses nat",
                  R"([[virtual_server]]
address = "10.0.0.1"
port = 80
[[virtual_server.real]]
address = "10.0.0.40"
forwarding = "nat"
tunnel_type = "gre"
)",
                  "t.toml:7:15: virtual_server[0].real[0].tunnel_type: tunnel_type applies "
                  "to forwarding = \"tun\" only; this real uses \"nat\""},
        error_row{"real tunnel_port while it inherits ipip",
                  R"([[virtual_server]]
address = "10.0.0.1"
port = 80
forwarding = "tun"
[[virtual_server.real]]
address = "10.0.0.40"
tunnel_port = 6080
)",
                  "t.toml:7:15: virtual_server[0].real[0].tunnel_port: tunnel_port is the "
                  "UDP port of tunnel_type = \"gue\" only"},
        error_row{"real as a number",
                  R"([[virtual_server]]
address = "10.0.0.1"
port = 80
real = 5
)",
                  "t.toml:4:8: virtual_server[0].real: real must be an array of tables"},
        error_row{"mixed-family TUN real with [ipvs.sync]",
                  R"([ipvs.sync]
interface = "eth1"
[[virtual_server]]
address = "10.0.0.1"
port = 80
forwarding = "tun"
[[virtual_server.real]]
address = "2001:db8::40"
)",
                  "t.toml:8:11: virtual_server[0].real[0].address: a real of the other "
                  "address family cannot be used with [ipvs.sync]"}));

// An instance on lines 1-5 owns 10.0.0.1; rows add services after it.
INSTANTIATE_TEST_SUITE_P(
    AcrossSections, IpvsConfigErrorTest,
    ::testing::Values(
        error_row{"vrrp names no instance, with a suggestion",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 51
vips = ["10.0.0.1/24"]
[[virtual_server]]
fwmark = 1
vrrp = "wbe"
)",
                  "t.toml:8:8: virtual_server[0].vrrp: no [[vrrp]] instance is named "
                  "\"wbe\" (did you mean \"web\"?); instances: web"},
        error_row{"vrrp named without any instance",
                  R"([[virtual_server]]
fwmark = 1
vrrp = "web"
)",
                  "t.toml:3:8: virtual_server[0].vrrp: no [[vrrp]] instance is named "
                  "\"web\"; this file has no instances"},
        error_row{"vrrp names another instance than the VIP's",
                  R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 51
vips = ["10.0.0.1/24"]
[[vrrp]]
name = "mail"
interface = "eth1"
vrid = 52
vips = ["10.0.0.2/24"]
[[virtual_server]]
address = "10.0.0.1"
port = 80
vrrp = "mail"
)",
                  "t.toml:14:8: virtual_server[0].vrrp: 10.0.0.1 is a VIP of vrrp[0] "
                  "\"web\" (line 1), so that instance gates this service; remove vrrp or "
                  "name \"web\""},
        error_row{"the same service twice",
                  R"([[virtual_server]]
address = "10.0.0.1"
port = 80
[[virtual_server]]
address = "10.0.0.1"
port = 80
scheduler = "rr"
)",
                  "t.toml:5:11: virtual_server[1].address: tcp 10.0.0.1:80 is already "
                  "virtual_server[0] (line 1)"},
        error_row{"the same fwmark twice",
                  R"([[virtual_server]]
fwmark = 7
[[virtual_server]]
fwmark = 7
)",
                  "t.toml:4:10: virtual_server[1].fwmark: "},
        error_row{"the same name twice",
                  R"([[virtual_server]]
name = "web"
address = "10.0.0.1"
port = 80
[[virtual_server]]
name = "web"
address = "10.0.0.1"
port = 443
)",
                  "t.toml:6:8: virtual_server[1].name: name \"web\" is already used by "
                  "virtual_server[0] \"web\" (line 1)"}));

INSTANTIATE_TEST_SUITE_P(
    StaticVipsAndIpvs, IpvsConfigErrorTest,
    ::testing::Values(
        error_row{"static VIP without dev",
                  R"([global]
static_vips = ["192.168.100.1/32"]
)",
                  "t.toml:2:16: global.static_vips[0]: a static VIP needs \"dev IFNAME\" "
                  "(no instance interface to default to), such as \"192.168.100.1/32 dev "
                  "dummy1\""},
        error_row{"static VIP unparsable",
                  R"([global]
static_vips = ["192.168.100.1/32 dev dummy1", "bogus dev x"]
)",
                  "t.toml:2:47: global.static_vips[1]: \"bogus\" is not an IPv4 or IPv6 "
                  "address"},
        error_row{"static VIP that is also an instance VIP",
                  R"([global]
static_vips = ["10.0.0.1/32 dev dummy1"]
[[vrrp]]
name = "web"
interface = "eth1"
vrid = 51
vips = ["10.0.0.1/24"]
)",
                  "t.toml:2:16: global.static_vips[0]: 10.0.0.1 is also a VIP of vrrp[0] "
                  "\"web\" (line 3); a static VIP is held always"},
        error_row{"static VIP listed twice",
                  R"([global]
static_vips = ["10.0.0.1/32 dev dummy1", "10.0.0.1/24 dev dummy2"]
)",
                  "t.toml:2:42: global.static_vips[1]: 10.0.0.1 is listed twice in "
                  "static_vips (first at line 2)"},
        error_row{"static_vips not an array",
                  R"([global]
static_vips = "10.0.0.1/32 dev dummy1"
)",
                  "t.toml:2:15: global.static_vips: static_vips must be an array"},
        error_row{"ipvs mode backup",
                  R"([ipvs]
mode = "backup"
)",
                  "t.toml:2:8: ipvs.mode: mode must be \"master\""},
        error_row{"resync_interval below 100ms",
                  R"([ipvs]
resync_interval = "50ms"
)",
                  "t.toml:2:19: ipvs.resync_interval: resync_interval must be 100ms..3600s, "
                  "got \"50ms\""},
        error_row{"ipvs typo",
                  R"([ipvs]
resync = "1s"
)",
                  "t.toml:2:1: ipvs.resync: unknown key \"resync\""},
        error_row{"ipvs not a table",
                  R"(ipvs = 1
)",
                  "t.toml:1:8: ipvs: ipvs must be a table: write [ipvs] on its own line"},
        error_row{"sync_id 256",
                  R"([ipvs.sync]
interface = "eth1"
sync_id = 256
)",
                  "t.toml:3:11: ipvs.sync.sync_id: sync_id must be 0..255, got 256"},
        error_row{"sync without interface",
                  R"([ipvs.sync]
sync_id = 1
)",
                  "t.toml:1:1: ipvs.sync.interface: interface is required"},
        error_row{"sync interface with a slash",
                  R"([ipvs.sync]
interface = "eth1/2"
)",
                  "t.toml:2:13: ipvs.sync.interface: interface cannot contain '/'"},
        error_row{"keepalived's lvs_sync_daemon_interface",
                  R"([ipvs.sync]
interface = "eth1"
lvs_sync_daemon_interface = "eth1"
)",
                  "t.toml:3:1: ipvs.sync.lvs_sync_daemon_interface: unknown key "
                  "\"lvs_sync_daemon_interface\" (keepalived's lvs_sync_daemon_interface is "
                  "interface here)"}));

}  // namespace
}  // namespace vipd::config
