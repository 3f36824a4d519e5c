// [[sync_group]]: what a valid group loads into (members marked, the group's hooks), and one
// row per rule, each a small file with exactly one mistake and what its single error says.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "error_row.hpp"
#include "support/config_results.hpp"
#include "vipd/config/loader.hpp"

namespace vipd::config {
namespace {

using support::all_errors;
using support::load_ok;
using testing::error_row;

// Lines 1-12: a NAT director's two instances; the group starts on line 13.
constexpr std::string_view k_nat = R"([[vrrp]]
name = "outside"
interface = "eth0"
vrid = 1
vips = ["192.0.2.10/24"]

[[vrrp]]
name = "inside"
interface = "eth1"
vrid = 2
vips = ["10.1.0.1/24"]

)";

std::string nat_with(std::string_view group) {
    return std::string(k_nat) + std::string(group);
}

TEST(SyncGroup, MembersKnowTheirGroupAndTheGroupKeepsItsHooks) {
    const auto c = load_ok(nat_with(R"([[sync_group]]
name = "nat"
members = ["outside", "inside"]
notify_master = "/usr/local/bin/nat-up"
notify = ["/usr/local/bin/nat-any", "-v"]
notify_timeout = "5s"
)"));
    ASSERT_EQ(c.sync_groups.size(), 1u);
    const auto& group = c.sync_groups[0];
    EXPECT_EQ(group.name, "nat");
    EXPECT_EQ(group.members, (std::vector<std::string>{"outside", "inside"}));
    EXPECT_EQ(group.notify.master, std::vector<std::string>{"/usr/local/bin/nat-up"});
    EXPECT_EQ(group.notify.any, (std::vector<std::string>{"/usr/local/bin/nat-any", "-v"}));
    EXPECT_EQ(group.notify.timeout, microseconds{5'000'000});
    EXPECT_EQ(group.position.line, 13u);
    ASSERT_EQ(c.vrrp.size(), 2u);
    EXPECT_EQ(c.vrrp[0].sync_group, "nat");
    EXPECT_EQ(c.vrrp[1].sync_group, "nat");
    EXPECT_TRUE(c.vrrp[0].instance_config().group_member);
}

TEST(SyncGroup, WithoutGroupsNoInstanceIsAMember) {
    const auto c = load_ok(k_nat);
    EXPECT_TRUE(c.sync_groups.empty());
    EXPECT_FALSE(c.vrrp[0].sync_group.has_value());
    EXPECT_FALSE(c.vrrp[0].instance_config().group_member);
}

TEST(SyncGroup, AWeightZeroTrackerIsWhatAMemberMayTrack) {
    const auto c = load_ok(R"([[vrrp]]
name = "outside"
interface = "eth0"
vrid = 1
vips = ["192.0.2.10/24"]
track_interfaces = ["eth2", { name = "eth3", weight = 0 }]

[[vrrp]]
name = "inside"
interface = "eth1"
vrid = 2
vips = ["10.1.0.1/24"]

[[sync_group]]
name = "nat"
members = ["outside", "inside"]
)");
    EXPECT_EQ(c.vrrp[0].sync_group, "nat");
}

TEST(SyncGroup, ABadGroupReportsEveryProblemOnce) {
    const auto result = load_string(nat_with(R"([[sync_group]]
name = "nat"
members = ["outside", "nowhere"]
group = ["inside"]
)"),
                                    "t.toml");
    ASSERT_EQ(result.errors.size(), 2u) << all_errors(result);
    EXPECT_EQ(result.errors[0].to_string(),
              "t.toml:15:23: sync_group[0].members[1]: no [[vrrp]] instance is named \"nowhere\"");
    EXPECT_NE(result.errors[1].to_string().find("t.toml:16:1: sync_group[0].group: unknown key "
                                                "\"group\" (keepalived's group { ... } is members "
                                                "here"),
              std::string::npos)
        << result.errors[1].to_string();
}

/// Instances a, b, c and d on eth1, six lines each with the blank one: 24 lines.
std::string four_instances() {
    std::string out;
    int vrid = 1;
    for (const char* name : {"a", "b", "c", "d"}) {
        out += "[[vrrp]]\nname = \"" + std::string(name) +
               "\"\ninterface = \"eth1\"\nvrid = " + std::to_string(vrid) + "\nvips = [\"10.1.0." +
               std::to_string(vrid) + "/24\"]\n\n";
        ++vrid;
    }
    return out;
}

std::string only_error(const std::string& text) {
    const auto result = load_string(text, "t.toml");
    if (result.errors.size() != 1) {
        return "not one error: " + all_errors(result);
    }
    return result.errors[0].to_string();
}

TEST(SyncGroup, AnInstanceBelongsToOneGroupAtMost) {
    EXPECT_EQ(only_error(four_instances() + R"([[sync_group]]
name = "one"
members = ["a", "b"]

[[sync_group]]
name = "two"
members = ["c", "a"]
)"),
              "t.toml:31:17: sync_group[1].members[1]: \"a\" is already a member of sync group "
              "\"one\" (line 25); an instance belongs to one group at most");
}

TEST(SyncGroup, GroupNamesAreUnique) {
    EXPECT_EQ(only_error(four_instances() + R"([[sync_group]]
name = "nat"
members = ["a", "b"]

[[sync_group]]
name = "nat"
members = ["c", "d"]
)"),
              "t.toml:29:1: sync_group[1].name: a sync group named \"nat\" already exists (line "
              "25)");
}

class SyncGroupErrorTest : public ::testing::TestWithParam<error_row> {};

TEST_P(SyncGroupErrorTest, ReportsExactlyOneErrorWithPositionAndKey) {
    testing::expect_single_error(GetParam());
}

INSTANTIATE_TEST_SUITE_P(
    Groups, SyncGroupErrorTest,
    ::testing::Values(
        error_row{"one member", R"([[vrrp]]
name = "outside"
interface = "eth0"
vrid = 1
vips = ["192.0.2.10/24"]

[[sync_group]]
name = "nat"
members = ["outside"]
)",
                  "t.toml:9:12: sync_group[0].members: a sync group needs at least two members"},
        error_row{"no members", R"([[sync_group]]
name = "nat"
)",
                  "t.toml:1:1: sync_group[0].members: members is required"},
        error_row{"members not a list", R"([[sync_group]]
name = "nat"
members = "outside"
)",
                  "t.toml:3:11: sync_group[0].members: members must be a list of [[vrrp]] "
                  "names such as [\"outside\", \"inside\"], got a string"},
        error_row{"a member twice", R"([[vrrp]]
name = "outside"
interface = "eth0"
vrid = 1
vips = ["192.0.2.10/24"]

[[vrrp]]
name = "inside"
interface = "eth1"
vrid = 2
vips = ["10.1.0.1/24"]

[[sync_group]]
name = "nat"
members = ["outside", "inside", "outside"]
)",
                  "t.toml:15:33: sync_group[0].members[2]: \"outside\" is already a member of "
                  "this group"},
        error_row{"an address owner", R"([[vrrp]]
name = "outside"
interface = "eth0"
vrid = 1
priority = 255
vips = ["192.0.2.10/24"]

[[vrrp]]
name = "inside"
interface = "eth1"
vrid = 2
vips = ["10.1.0.1/24"]

[[sync_group]]
name = "nat"
members = ["outside", "inside"]
)",
                  "t.toml:16:12: sync_group[0].members[0]: vrrp[0] \"outside\" (line 1) cannot "
                  "be in a sync group: priority 255 (address owner)"},
        error_row{"a tracker with a weight", R"([[vrrp]]
name = "outside"
interface = "eth0"
vrid = 1
vips = ["192.0.2.10/24"]

[[vrrp]]
name = "inside"
interface = "eth1"
vrid = 2
vips = ["10.1.0.1/24"]
track_scripts = [{ name = "nginx", command = ["/bin/true"], weight = -20 }]

[[sync_group]]
name = "nat"
members = ["outside", "inside"]
)",
                  "t.toml:16:23: sync_group[0].members[1]: vrrp[1] \"inside\" (line 7) cannot "
                  "be in a sync group: track_scripts \"nginx\" has weight -20: in a sync group "
                  "a weight would lower one member only"},
        error_row{"a track file with its default weight", R"([[vrrp]]
name = "outside"
interface = "eth0"
vrid = 1
vips = ["192.0.2.10/24"]
track_files = [{ name = "maint", path = "/run/vipd/maint" }]

[[vrrp]]
name = "inside"
interface = "eth1"
vrid = 2
vips = ["10.1.0.1/24"]

[[sync_group]]
name = "nat"
members = ["outside", "inside"]
)",
                  "t.toml:16:12: sync_group[0].members[0]: vrrp[0] \"outside\" (line 1) cannot "
                  "be in a sync group: track_files \"maint\" has weight 1"},
        error_row{"a group in an include fragment's place: not a table", R"(sync_group = 1
)",
                  "t.toml:1:14: sync_group: sync_group must be an array of tables: write each "
                  "group under [[sync_group]]"}));

}  // namespace
}  // namespace vipd::config
