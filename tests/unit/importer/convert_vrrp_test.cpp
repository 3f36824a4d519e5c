#include "convert_row.hpp"

namespace vipd::importer {
namespace {

using testing::convert_row;

class ConvertVrrpTest : public ::testing::TestWithParam<convert_row> {};

TEST_P(ConvertVrrpTest, Converts) {
    testing::expect_conversion(GetParam());
}

INSTANTIATE_TEST_SUITE_P(
    Rows, ConvertVrrpTest,
    ::testing::Values(
        convert_row{
            "the basics, keepalived's default version written out",
            "global_defs {\n router_id dir7\n}\n"
            "vrrp_instance web {\n state BACKUP\n interface eth1\n"
            " virtual_router_id 42\n priority 90\n advert_int 2\n"
            " authentication {\n  auth_type PASS\n  auth_pass s3cret\n }\n"
            " virtual_ipaddress {\n  10.9.0.5/24 dev eth1\n  10.9.1.5\n }\n}\n",
            {"router_id = \"dir7\"", "name = \"web\"", "version = 2", "interface = \"eth1\"",
             "vrid = 42", "priority = 90", "advert_interval = \"2s\"", "auth_pass = \"s3cret\"",
             "vips = [\"10.9.0.5/24 dev eth1\", \"10.9.1.5/32\"]"},
            {}},
        convert_row{"IPv6 speaks VRRPv3; fractional adverts; preemption",
                    "vrrp_instance v6 {\n interface eth0\n virtual_router_id 9\n"
                    " advert_int 0.5\n nopreempt\n preempt_delay 30\n"
                    " virtual_ipaddress {\n  fe80::1/64\n  2001:db8::9/64\n }\n}\n",
                    {"version = 3", "advert_interval = \"500ms\"", "preempt = false",
                     "preempt_delay = \"30s\"", "vips = [\"fe80::1/64\", \"2001:db8::9/64\"]"},
                    {}},
        convert_row{"VIP options vipd has not, and a second family",
                    "vrrp_instance a {\n interface eth0\n virtual_router_id 1\n"
                    " virtual_ipaddress {\n  10.0.0.1/24 label eth0:1\n"
                    "  10.0.0.2 scope link\n  2001:db8::1\n }\n}\n",
                    {"vips = [\"10.0.0.1/24\", \"10.0.0.2/32\"]"},
                    {"10.0.0.1/24", "10.0.0.2", "2001:db8::1"}},
        convert_row{"an instance vipd cannot run is left out, with the reason",
                    "vrrp_instance a {\n virtual_router_id 1\n"
                    " virtual_ipaddress {\n  10.0.0.1\n }\n}\n",
                    {},
                    {"vrrp_instance"}},
        convert_row{"unicast, VMAC, garp",
                    "global_defs {\n vrrp_garp_master_repeat 3\n}\n"
                    "vrrp_instance a {\n interface eth0\n virtual_router_id 3\n"
                    " unicast_src_ip 10.0.0.11\n unicast_peer {\n  10.0.0.12\n }\n"
                    " use_vmac vrrp.3\n garp_master_refresh 60\n garp_interval 0.01\n"
                    " garp_master_delay 5\n"
                    " virtual_ipaddress {\n  10.0.0.1/24\n }\n}\n",
                    {"unicast_source = \"10.0.0.11\"", "unicast_peers = [\"10.0.0.12\"]",
                     "use_vmac = true", "vmac_name = \"vrrp.3\"", "garp.refresh = \"60s\"",
                     "garp.interval = \"10ms\"", "garp.repeat = 3", "garp.second_delay = \"5s\""},
                    {}},
        convert_row{"tracking: weights as vipd counts them",
                    "vrrp_script chk {\n script \"/usr/local/bin/chk --fast\"\n interval 2\n"
                    " timeout 5\n weight 10\n fall 2\n rise 3\n}\n"
                    "vrrp_track_file maint {\n file /run/maint\n weight -2\n init_file 0\n}\n"
                    "vrrp_track_process nginx {\n process nginx\n quorum 2\n delay 3\n}\n"
                    "vrrp_instance a {\n interface eth0\n virtual_router_id 4\n priority 100\n"
                    " track_interface {\n  eth2\n  eth3 weight -30\n }\n"
                    " track_script {\n  chk\n }\n track_file {\n  maint\n }\n"
                    " track_process {\n  nginx weight -20\n }\n"
                    " virtual_ipaddress {\n  10.0.0.1/24\n }\n}\n",
                    {"priority = 110",
                     "track_interfaces = [{ name = \"eth2\", weight = 0 }, "
                     "{ name = \"eth3\", weight = -30 }]",
                     "track_scripts = [{ name = \"chk\", command = [\"/usr/local/bin/chk\", "
                     "\"--fast\"], interval = \"2s\", timeout = \"2s\", fall = 2, rise = 3, "
                     "weight = -10 }]",
                     "track_files = [{ name = \"maint\", path = \"/run/maint\", init = 0, "
                     "weight = -2 }]",
                     "track_processes = [{ name = \"nginx\", process = \"nginx\", quorum = 2, "
                     "delay = \"3s\", weight = -20 }]"},
                    {"vrrp_script"}},
        convert_row{"a script that needs a shell is not run; its tracker goes with it",
                    "vrrp_script chk {\n script \"killall -0 nginx || exit 1\"\n}\n"
                    "vrrp_instance a {\n interface eth0\n virtual_router_id 4\n"
                    " track_script {\n  chk\n  other\n }\n"
                    " virtual_ipaddress {\n  10.0.0.1/24\n }\n}\n",
                    {},
                    {"script", "chk", "other"}},
        convert_row{
            "notify hooks become argument lists",
            "vrrp_instance a {\n interface eth0\n virtual_router_id 5\n"
            " notify \"/etc/keepalived/notify.sh any\"\n"
            " notify_master /etc/keepalived/up.sh\n notify_stop /bin/stop\n"
            " notify_fault relative.sh\n"
            " virtual_ipaddress {\n  10.0.0.1/24\n }\n}\n",
            {"notify = [\"/etc/keepalived/notify.sh\", \"any\"]",
             "notify_master = [\"/etc/keepalived/up.sh\"]", "notify_stop = [\"/bin/stop\"]"},
            {"notify_fault"}},
        convert_row{"a sync group; its members' weights are 0 as keepalived treats them",
                    "vrrp_sync_group nat {\n group {\n  outside\n  inside\n }\n"
                    " notify_master \"/usr/bin/nat-up now\"\n smtp_alert\n}\n"
                    "vrrp_instance outside {\n interface eth0\n virtual_router_id 10\n"
                    " track_interface {\n  eth9 weight -50\n }\n"
                    " virtual_ipaddress {\n  10.0.0.1/24\n }\n}\n"
                    "vrrp_instance inside {\n interface eth1\n virtual_router_id 11\n"
                    " virtual_ipaddress {\n  192.168.0.1/24\n }\n}\n",
                    {"[[sync_group]]", "members = [\"outside\", \"inside\"]",
                     "notify_master = [\"/usr/bin/nat-up\", \"now\"]",
                     "track_interfaces = [{ name = \"eth9\", weight = 0 }]"},
                    {"smtp_alert"}},
        convert_row{"VRRPv3 drops authentication; email and conditionals are dropped",
                    "global_defs {\n notification_email {\n  ops@example.org\n }\n}\n"
                    "vrrp_instance a {\n interface eth0\n virtual_router_id 6\n version 3\n"
                    " authentication {\n  auth_type PASS\n  auth_pass x\n }\n"
                    "@dir2 priority 50\n"
                    " virtual_ipaddress {\n  10.0.0.1/24\n }\n}\n",
                    {"version = 3"},
                    {"notification_email", "authentication", "priority"}},
        convert_row{"static addresses and the sync daemon",
                    "global_defs {\n lvs_sync_daemon eth3 VI_1 id 7 maxlen 1400\n}\n"
                    "static_ipaddress {\n 192.168.100.1/32 dev dummy1\n 10.1.1.1/32\n}\n",
                    {"static_vips = [\"192.168.100.1/32 dev dummy1\"]", "[ipvs.sync]",
                     "interface = \"eth3\"", "sync_id = 7"},
                    {"lvs_sync_daemon", "10.1.1.1/32"}},
        convert_row{"unknown keywords are dropped, never lost",
                    "vrrp_instance a {\n interface eth0\n virtual_router_id 7\n"
                    " frobnicate 3\n virtual_ipaddress {\n  10.0.0.1/24\n }\n}\n"
                    "something_else {\n}\n",
                    {"vrid = 7"},
                    {"frobnicate", "something_else"}}));

TEST(ConvertDroppedTest, SaysFileLineKeywordAndReason) {
    const auto parsed = parse("vrrp_instance a {\n  interface eth0\n  smtp_alert\n}\n", "/k/a.conf",
                              testing::memory_files({}));
    const auto converted = convert(parsed.nodes);
    ASSERT_EQ(converted.dropped.size(), 2u);
    EXPECT_EQ(converted.dropped[0].to_string(),
              "/k/a.conf:3: smtp_alert: dropped: vipd sends no email: use notify hooks");
    EXPECT_EQ(converted.dropped[1].file + ":" + std::to_string(converted.dropped[1].line),
              "/k/a.conf:1");
}

}  // namespace
}  // namespace vipd::importer
