#include "vipd/daemon/notify_fifo_lines.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/ipvs_literals.hpp"

// keepalived's notify FIFO lines, character for character: readers written for keepalived
// split them on blanks and strip the quotes.

namespace vipd::daemon {
namespace {

using ipvs::test::fwmark;
using ipvs::test::real;
using ipvs::test::tcp;
using ipvs::test::udp;
using vrrp::state;

struct vrrp_row {
    const char* description;
    notify_subject subject;
    const char* name;
    state to;
    bool stopping;
    std::uint8_t priority;
    const char* expected;  // "" = no line
};

TEST(NotifyFifoLines, InstanceAndGroupLines) {
    const std::vector<vrrp_row> rows{
        {"master", notify_subject::instance, "VI_1", state::master, false, 150,
         "INSTANCE \"VI_1\" MASTER 150\n"},
        {"backup", notify_subject::instance, "web", state::backup, false, 100,
         "INSTANCE \"web\" BACKUP 100\n"},
        {"fault", notify_subject::instance, "web", state::fault, false, 0,
         "INSTANCE \"web\" FAULT 0\n"},
        {"stop", notify_subject::instance, "web", state::initialize, true, 150,
         "INSTANCE \"web\" STOP 150\n"},
        {"removed by a reload", notify_subject::instance, "web", state::initialize, false, 150, ""},
        {"a group", notify_subject::group, "nat", state::master, false, 0,
         "GROUP \"nat\" MASTER 0\n"},
        {"a group's fault", notify_subject::group, "nat", state::fault, false, 0,
         "GROUP \"nat\" FAULT 0\n"},
    };
    for (const auto& row : rows) {
        const auto word = notify_state_word(row.to, row.stopping);
        const std::string line =
            word ? vrrp_fifo_line(row.subject, row.name, *word, row.priority) : "";
        EXPECT_EQ(line, row.expected) << row.description;
    }
}

struct service_row {
    const char* description;
    ipvs::service_key service;
    bool up;
    const char* expected;
};

TEST(NotifyFifoLines, ServiceLines) {
    const std::vector<service_row> rows{
        {"tcp up", tcp("192.168.201.15", 80), true, "VS [192.168.201.15]:tcp:80 UP\n"},
        {"udp down", udp("10.0.0.53", 53), false, "VS [10.0.0.53]:udp:53 DOWN\n"},
        {"ipv6", tcp("2001:db8::10", 443), true, "VS [2001:db8::10]:tcp:443 UP\n"},
        {"fwmark", fwmark(12), false, "VS FWM 12 DOWN\n"},
    };
    for (const auto& row : rows) {
        EXPECT_EQ(service_fifo_line(row.service, row.up), row.expected) << row.description;
    }
}

struct real_row {
    const char* description;
    ipvs::service_key service;
    ipvs::destination_key real;
    bool up;
    const char* expected;
};

TEST(NotifyFifoLines, RealLines) {
    const std::vector<real_row> rows{
        {"keepalived's example", tcp("192.168.201.15", 80), real("1.2.3.4", 80), true,
         "RS [1.2.3.4]:tcp:80 [192.168.201.15]:tcp:80 UP\n"},
        {"another port, down", udp("10.0.0.53", 53), real("10.0.1.1", 5353), false,
         "RS [10.0.1.1]:udp:5353 [10.0.0.53]:udp:53 DOWN\n"},
        {"ipv6", tcp("2001:db8::10", 80), real("2001:db8::41", 8080), true,
         "RS [2001:db8::41]:tcp:8080 [2001:db8::10]:tcp:80 UP\n"},
        {"fwmark: keepalived's default protocol", fwmark(7), real("10.0.1.2", 0), false,
         "RS [10.0.1.2]:tcp:0 FWM 7 DOWN\n"},
    };
    for (const auto& row : rows) {
        EXPECT_EQ(real_fifo_line(row.service, row.real, row.up), row.expected) << row.description;
    }
}

}  // namespace
}  // namespace vipd::daemon
