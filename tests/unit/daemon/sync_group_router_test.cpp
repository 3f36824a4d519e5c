// Sync groups in the router (keepalived's vrrp_sync.c rules): a NAT director's outside VIP on
// eth0 and inside gateway on eth1, driven on fakes. Members are Master together or not at all;
// one faulting faults the group, one leaving Master takes the other along with a resignation.
#include <gtest/gtest.h>

#include <spdlog/sinks/ostream_sink.h>

#include <string>
#include <utility>
#include <vector>

#include "router_fixture.hpp"

namespace vipd::daemon {
namespace {

using namespace std::chrono_literals;
using router_tests::make_instance;
using vrrp::state;

/// Every group transition, as "nat BACKUP -> MASTER"; instance transitions are counted.
class group_log final : public transition_listener {
  public:
    void on_transition(const std::string& /*instance*/,
                       const vrrp::state_changed& /*change*/) override {
        ++instance_transitions;
    }
    void on_group_transition(const std::string& group, const vrrp::state_changed& change) override {
        lines.push_back(group + " " + std::string(vrrp::to_string(change.from)) + " -> " +
                        std::string(vrrp::to_string(change.to)) +
                        (change.priority == 0 ? "" : " (priority not 0)"));
    }
    std::vector<std::string> lines;
    int instance_transitions = 0;
};

class SyncGroupRouterTest : public router_tests::RouterTest {
  protected:
    void SetUp() override {
        links_.links["eth0"] = fakes::eth0_up();
        links_.links["eth1"] = eth1_up();
        auto outside = make_instance("outside", 1, 150, {"192.0.2.10/24"});
        auto inside = make_instance("inside", 2, 150, {"10.1.0.1/24"});
        inside.interface = "eth1";
        outside.sync_group = inside.sync_group = "nat";
        config::sync_group nat;
        nat.name = "nat";
        nat.members = {"outside", "inside"};
        config_.sync_groups = {nat};
        transitions_ = &groups_;
        logs_.vrrp().sinks().push_back(std::make_shared<spdlog::sinks::ostream_sink_st>(log_));
        logs_.vrrp().set_level(spdlog::level::info);
        build({outside, inside});
    }
    static net::link_status eth1_up() {
        auto link = fakes::eth0_up();
        link.name = "eth1";
        link.index = 3;
        link.mac = {0x02, 0, 0, 0, 0, 0x11};
        link.primary_v4 = ip_address::parse("10.1.0.2");
        return link;
    }
    fakes::fake_advert_channel& on(const char* interface) {
        return *channels_.opened.at({interface, address_family::ipv4});
    }
    state state_of(std::size_t index) const { return router_->status().at(index).state; }
    /// A peer's advert for `vrid` on `interface`, as its kernel would deliver it.
    void peer_advert(const char* interface, std::uint8_t vrid, std::uint8_t priority) {
        const bool outside = std::string(interface) == "eth0";
        const char* source = outside ? "10.0.0.9" : "10.1.0.9";
        const char* vip = outside ? "192.0.2.10" : "10.1.0.1";
        on(interface).deliver({advert_bytes(vrid, priority, source, vip),
                               *ip_address::parse(source), *ip_address::parse("224.0.0.18"), 255,
                               outside ? 2 : 3});
    }
    /// Runs the clock to `until` while the peer advertises on the inside only, once a second.
    void inside_peer_until(time_point until, std::uint8_t priority) {
        while (now_ + 1s <= until) {
            run_until(now_ + 1s);
            peer_advert("eth1", 2, priority);
        }
        run_until(until);
    }
    /// The priority of the last advert sent on `interface`.
    int last_priority(const char* interface) {
        const auto& batches = on(interface).batches;
        return batches.empty() ? -1 : batches.back().messages.at(0).at(2);
    }
    bool vips_up() const {
        return addresses_.has("eth0", "192.0.2.10/24") && addresses_.has("eth1", "10.1.0.1/24");
    }
    bool vips_gone() const {
        return !addresses_.has("eth0", "192.0.2.10/24") && !addresses_.has("eth1", "10.1.0.1/24");
    }

    group_log groups_;
    std::ostringstream log_;
};

TEST_F(SyncGroupRouterTest, NeitherTakesMasterWhileOneMemberStillHearsABetterMaster) {
    router_->start();
    peer_advert("eth1", 2, 200);
    // The outside hears nobody: its timer runs out again and again, and it only waits.
    inside_peer_until(now_ + 10s, 200);
    EXPECT_EQ(state_of(0), state::backup);
    EXPECT_EQ(state_of(1), state::backup);
    EXPECT_TRUE(vips_gone());
    EXPECT_TRUE(on("eth0").batches.empty()) << "the outside must not have advertised";

    // The inside's master goes quiet: once its timer runs out too, both take Master at once.
    run_until(now_ + 4s);
    EXPECT_EQ(state_of(0), state::master);
    EXPECT_EQ(state_of(1), state::master);
    EXPECT_TRUE(vips_up());
    EXPECT_EQ(groups_.lines,
              (std::vector<std::string>{"nat INIT -> BACKUP", "nat BACKUP -> MASTER"}));
    EXPECT_NE(log_.str().find("sync group nat: BACKUP -> MASTER (outside MASTER, inside MASTER)"),
              std::string::npos)
        << log_.str();
}

TEST_F(SyncGroupRouterTest, AMemberLeavingMasterTakesTheOtherAlongWithAResignation) {
    router_->start();
    run_until(now_ + 4s);
    ASSERT_EQ(state_of(0), state::master);
    ASSERT_EQ(state_of(1), state::master);

    peer_advert("eth0", 1, 200);
    EXPECT_EQ(state_of(0), state::backup);
    EXPECT_EQ(state_of(1), state::backup);
    EXPECT_EQ(last_priority("eth1"), 0) << "the inside resigns so the peer's takes over at once";
    EXPECT_TRUE(vips_gone());
    EXPECT_EQ(groups_.lines.back(), "nat MASTER -> BACKUP");
    EXPECT_NE(log_.str().find("inside: MASTER -> BACKUP (sync group; priority 150)"),
              std::string::npos)
        << log_.str();
}

TEST_F(SyncGroupRouterTest, OneMemberFaultingFaultsTheGroupAndItComesBackTogether) {
    router_->start();
    run_until(now_ + 4s);
    ASSERT_TRUE(vips_up());
    const auto outside_adverts = on("eth0").batches.size();

    auto eth1 = eth1_up();
    eth1.up = false;
    links_.set(eth1);
    EXPECT_EQ(state_of(0), state::fault);
    EXPECT_EQ(state_of(1), state::fault);
    EXPECT_TRUE(vips_gone());
    // The outside's link works: it resigns there, so the peer's outside need not wait.
    ASSERT_GT(on("eth0").batches.size(), outside_adverts);
    EXPECT_EQ(last_priority("eth0"), 0);
    EXPECT_NE(log_.str().find("outside: MASTER -> FAULT (sync group; priority 150)"),
              std::string::npos)
        << log_.str();
    EXPECT_NE(log_.str().find("inside: MASTER -> FAULT (interface down; priority 150)"),
              std::string::npos);
    EXPECT_NE(log_.str().find("sync group nat: MASTER -> FAULT (outside FAULT, inside FAULT)"),
              std::string::npos);

    // While Fault, nothing the outside's timers do brings it back alone.
    run_until(now_ + 5s);
    EXPECT_EQ(state_of(0), state::fault);

    eth1.up = true;
    links_.set(eth1);
    EXPECT_EQ(state_of(0), state::backup);
    EXPECT_EQ(state_of(1), state::backup);
    run_until(now_ + 4s);
    EXPECT_EQ(state_of(0), state::master);
    EXPECT_EQ(state_of(1), state::master);
    EXPECT_TRUE(vips_up());
    EXPECT_EQ(groups_.lines, (std::vector<std::string>{"nat INIT -> BACKUP", "nat BACKUP -> MASTER",
                                                       "nat MASTER -> FAULT", "nat FAULT -> BACKUP",
                                                       "nat BACKUP -> MASTER"}));
}

TEST_F(SyncGroupRouterTest, AMemberStartingOnADownLinkKeepsTheOtherInFaultFromTheStart) {
    auto eth1 = eth1_up();
    eth1.up = false;
    links_.links["eth1"] = eth1;
    router_->start();
    EXPECT_EQ(state_of(0), state::fault);
    EXPECT_EQ(state_of(1), state::fault);
    // Straight to Fault: no Backup first, then Fault, in the journal; and it says why.
    EXPECT_EQ(log_.str().find("outside: INIT -> BACKUP"), std::string::npos) << log_.str();
    EXPECT_NE(log_.str().find("outside: INIT -> FAULT (sync group; priority 150)"),
              std::string::npos)
        << log_.str();
    EXPECT_NE(log_.str().find("inside: INIT -> FAULT (interface down; priority 150)"),
              std::string::npos);
    run_until(now_ + 5s);
    EXPECT_TRUE(vips_gone());
}

TEST_F(SyncGroupRouterTest, DemotingOneMemberDemotesTheGroup) {
    router_->start();
    run_until(now_ + 4s);
    ASSERT_FALSE(router_->set_priority_override("inside", 50).has_value());
    EXPECT_EQ(router_->status().at(0).priority, 50);
    EXPECT_EQ(router_->status().at(1).priority, 50);
    EXPECT_EQ(router_->status().at(0).priority_override, 50);
    // A peer at 100 on both links now wins both: the group leaves Master together.
    peer_advert("eth1", 2, 100);
    EXPECT_EQ(state_of(0), state::backup);
    EXPECT_EQ(state_of(1), state::backup);

    ASSERT_FALSE(router_->set_priority_override("outside", std::nullopt).has_value());
    EXPECT_EQ(router_->status().at(1).priority, 150);
    EXPECT_FALSE(router_->status().at(1).priority_override.has_value());
}

TEST_F(SyncGroupRouterTest, StatusNamesTheGroup) {
    router_->start();
    EXPECT_EQ(router_->status().at(0).sync_group, "nat");
    EXPECT_EQ(router_->status().at(1).sync_group, "nat");
}

}  // namespace
}  // namespace vipd::daemon
