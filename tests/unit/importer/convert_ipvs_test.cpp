#include "convert_row.hpp"

namespace vipd::importer {
namespace {

using testing::convert_row;

class ConvertIpvsTest : public ::testing::TestWithParam<convert_row> {};

TEST_P(ConvertIpvsTest, Converts) {
    testing::expect_conversion(GetParam());
}

INSTANTIATE_TEST_SUITE_P(
    Rows, ConvertIpvsTest,
    ::testing::Values(
        convert_row{"a NAT service by default, with keepalived's check defaults",
                    "virtual_server 10.0.0.10 80 {\n lb_algo wrr\n protocol TCP\n"
                    " persistence_timeout\n quorum 2\n sorry_server 10.0.0.99 8080\n"
                    " real_server 10.1.0.1 8080 {\n  weight 3\n  TCP_CHECK {\n"
                    "   connect_port 8081\n  }\n }\n}\n",
                    {"[[virtual_server]]",
                     "address = \"10.0.0.10\"",
                     "port = 80",
                     "forwarding = \"nat\"",
                     "scheduler = \"wrr\"",
                     "protocol = \"tcp\"",
                     "persistence = \"360s\"",
                     "quorum = 2",
                     "fallback = \"10.0.0.99:8080\"",
                     "[[virtual_server.real]]",
                     "address = \"10.1.0.1\"",
                     "port = 8080",
                     "weight = 3",
                     "[virtual_server.real.check]",
                     "type = \"tcp\"",
                     "port = 8081",
                     "interval = \"60s\"",
                     "timeout = \"5s\"",
                     "fall = 2",
                     "[ipvs]",
                     "mode = \"always\""},
                    {}},
        convert_row{"DR keeps the service port; HTTP_GET with the service's timing",
                    "virtual_server 172.16.0.10 80 {\n delay_loop 3\n lb_kind DR\n"
                    " inhibit_on_failure\n virtualhost www.example.org\n"
                    " real_server 172.16.0.21 80 {\n  HTTP_GET {\n   url {\n    path /health\n"
                    "    status_code 200 204\n   }\n   connect_timeout 2\n   retry 2\n"
                    "  }\n }\n real_server 172.16.0.22 8080 {\n }\n}\n",
                    {"forwarding = \"dr\"", "quiescent = true", "type = \"http\"",
                     "path = \"/health\"", "expect_status = [200, 204]", "timeout = \"2s\"",
                     "fall = 3", "interval = \"3s\"", "host = \"www.example.org\""},
                    {"real_server"}},
        convert_row{
            "checks vipd has not, digests, retries' delays, a second check",
            "virtual_server 10.0.0.10 25 {\n lb_kind DR\n"
            " real_server 10.1.0.1 25 {\n  SMTP_CHECK {\n   helo_name x\n  }\n"
            "  TCP_CHECK {\n   delay_before_retry 2\n  }\n  MISC_CHECK {\n  }\n }\n"
            " real_server 10.1.0.2 25 {\n  PING_CHECK {\n  }\n }\n"
            " real_server 10.1.0.3 25 {\n  SSL_GET {\n   url {\n    path /\n"
            "    digest 0123\n   }\n   url {\n    path /b\n   }\n  }\n }\n}\n",
            {"type = \"tcp\"", "type = \"https\"", "path = \"/\""},
            {"SMTP_CHECK", "delay_before_retry", "MISC_CHECK", "PING_CHECK", "digest", "url"}},
        convert_row{"fwmark services, DNS and script checks",
                    "virtual_server fwmark 7 {\n lb_kind DR\n lb_algo sh\n sh-port\n"
                    " delay_loop 10\n"
                    " real_server 10.1.0.1 53 {\n  DNS_CHECK {\n   type a\n   name example.org\n"
                    "  }\n }\n real_server 10.1.0.2 53 {\n  MISC_CHECK {\n"
                    "   misc_path \"/usr/local/bin/check 10.1.0.2\"\n   misc_timeout 4\n"
                    "  }\n }\n}\n",
                    {"fwmark = 7", "sh_port = true", "type = \"dns\"", "query_type = \"A\"",
                     "name = \"example.org\"", "fall = 4", "type = \"script\"",
                     "command = [\"/usr/local/bin/check\", \"10.1.0.2\"]", "timeout = \"4s\"",
                     "fall = 1", "interval = \"10s\""},
                    {}},
        convert_row{"a virtual_server_group becomes one service per member",
                    "virtual_server_group web {\n 10.0.0.1 80\n 10.0.0.5-6 443\n fwmark 3\n}\n"
                    "virtual_server group web {\n lb_kind DR\n"
                    " real_server 10.1.0.1 {\n  weight 2\n }\n}\n",
                    {"address = \"10.0.0.1\"", "port = 80", "address = \"10.0.0.5\"",
                     "address = \"10.0.0.6\"", "port = 443", "fwmark = 3", "weight = 2"},
                    {}},
        convert_row{
            "an IPv6 service with a tunnel",
            "virtual_server 2001:db8::10 443 {\n lb_kind TUN\n protocol tcp\n"
            " sorry_server 2001:db8::99 443\n"
            " real_server 2001:db8::21 443 {\n  uthreshold 100\n  lthreshold 10\n }\n"
            " hysteresis 2\n}\n",
            {"address = \"2001:db8::10\"", "forwarding = \"tun\"",
             "fallback = \"[2001:db8::99]:443\"", "upper_threshold = 100", "lower_threshold = 10"},
            {"hysteresis"}},
        convert_row{
            "quorum and real hooks, their user on the service; one user per service; omega",
            "virtual_server 10.0.0.10 80 {\n lb_kind DR\n quorum_up \"/bin/q up\"\n"
            " quorum_down /bin/qd\n omega\n"
            " real_server 10.1.0.1 80 {\n  notify_up \"/bin/real up\" vipd\n"
            "  notify_down /bin/rd vipd\n }\n"
            " real_server 10.1.0.2 80 {\n  notify_down /bin/rd root\n  notify_up relative.sh\n"
            " }\n}\n",
            {"quorum_up = [\"/bin/q\", \"up\"]", "quorum_down = [\"/bin/qd\"]",
             "notify_user = \"vipd\"", "notify_up = [\"/bin/real\", \"up\"]",
             "notify_down = [\"/bin/rd\"]"},
            {"omega", "notify_down", "notify_up"}}));

}  // namespace
}  // namespace vipd::importer
