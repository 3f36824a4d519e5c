// [[vrrp]] use_vmac and vmac_name: the name an instance's VMAC gets, where its VIPs then live,
// and one row per rule, each a small file with exactly one mistake.
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

// Lines 1-4 of every instance below; the VMAC keys start on line 5.
constexpr std::string_view k_head = R"([[vrrp]]
name = "web"
interface = "eth0"
vrid = 51
)";

std::string instance_with(std::string_view keys) {
    return std::string(k_head) + std::string(keys);
}

TEST(Vmac, TheDefaultNameIsKeepalivedsAndTheVipsLiveOnIt) {
    const auto c = load_ok(instance_with(R"(use_vmac = true
vips = ["10.0.0.100/24", "10.1.0.100/24 dev eth1"]
)"));
    ASSERT_EQ(c.vrrp.size(), 1u);
    const auto& web = c.vrrp[0];
    EXPECT_EQ(web.vmac, "vrrp.51");
    EXPECT_EQ(web.device_of(web.vips[0]), "vrrp.51");
    EXPECT_EQ(web.device_of(web.vips[1]), "eth1");  // a VIP with its own device keeps it
}

TEST(Vmac, AnIpv6InstanceGetsAnIpv6NameSoOneVridCanHaveBoth) {
    const auto c = load_ok(R"([[vrrp]]
name = "web"
interface = "eth0"
vrid = 51
use_vmac = true
vips = ["10.0.0.100/24"]

[[vrrp]]
name = "web6"
interface = "eth0"
vrid = 51
use_vmac = true
vips = ["fe80::51/64", "2001:db8::100/64"]
)");
    ASSERT_EQ(c.vrrp.size(), 2u);
    EXPECT_EQ(c.vrrp[0].vmac, "vrrp.51");
    EXPECT_EQ(c.vrrp[1].vmac, "vrrp6.51");
    EXPECT_EQ(c.vrrp[1].device_of(c.vrrp[1].vips[1]), "vrrp6.51");
}

TEST(Vmac, ANameOfItsOwn) {
    const auto c = load_ok(instance_with(R"(use_vmac = true
vmac_name = "vmac-web"
vips = ["10.0.0.100/24"]
)"));
    EXPECT_EQ(c.vrrp[0].vmac, "vmac-web");
}

TEST(Vmac, OffByDefaultAndWhenFalse) {
    for (const char* keys :
         {"vips = [\"10.0.0.100/24\"]\n", "use_vmac = false\nvips = [\"10.0.0.100/24\"]\n"}) {
        const auto c = load_ok(instance_with(keys));
        EXPECT_FALSE(c.vrrp[0].vmac.has_value()) << keys;
        EXPECT_EQ(c.vrrp[0].device_of(c.vrrp[0].vips[0]), "eth0");
    }
}

TEST(Vmac, TwoInstancesCannotShareOne) {
    const auto result = load_string(R"([[vrrp]]
name = "web"
interface = "eth0"
vrid = 51
use_vmac = true
vips = ["10.0.0.100/24"]

[[vrrp]]
name = "api"
interface = "eth1"
vrid = 51
use_vmac = true
vips = ["10.1.0.100/24"]
)",
                                    "t.toml");
    ASSERT_EQ(result.errors.size(), 1u) << all_errors(result);
    EXPECT_EQ(result.errors[0].to_string(),
              "t.toml:12:12: vrrp[1].use_vmac: VMAC vrrp.51 is already the VMAC of vrrp[0] "
              "\"web\" (line 1) (set vmac_name); each instance needs its own");
}

class VmacErrorTest : public ::testing::TestWithParam<error_row> {};

TEST_P(VmacErrorTest, ReportsExactlyOneErrorWithPositionAndKey) {
    testing::expect_single_error(GetParam());
}

INSTANTIATE_TEST_SUITE_P(
    Keys, VmacErrorTest,
    ::testing::Values(
        error_row{"a name without use_vmac", R"([[vrrp]]
name = "web"
interface = "eth0"
vrid = 51
vmac_name = "vrrp.51"
vips = ["10.0.0.100/24"]
)",
                  "t.toml:5:13: vrrp[0].vmac_name: vmac_name needs use_vmac = true"},
        error_row{"a name too long for an interface", R"([[vrrp]]
name = "web"
interface = "eth0"
vrid = 51
use_vmac = true
vmac_name = "vrrp-web-sixteen"
vips = ["10.0.0.100/24"]
)",
                  "t.toml:6:13: vrrp[0].vmac_name: vmac_name "},
        error_row{"the instance's own interface", R"([[vrrp]]
name = "web"
interface = "eth0"
vrid = 51
use_vmac = true
vmac_name = "eth0"
vips = ["10.0.0.100/24"]
)",
                  "t.toml:6:13: vrrp[0].vmac_name: the VMAC is a new interface on eth0: give "
                  "it a name of its own (vmac_name)"},
        error_row{"another instance's interface", R"([[vrrp]]
name = "web"
interface = "eth0"
vrid = 51
use_vmac = true
vmac_name = "eth1"
vips = ["10.0.0.100/24"]

[[vrrp]]
name = "api"
interface = "eth1"
vrid = 52
vips = ["10.1.0.100/24"]
)",
                  "t.toml:6:13: vrrp[0].vmac_name: VMAC eth1 is the interface of vrrp[1] "
                  "\"api\" (line 9)"},
        error_row{"not a boolean", R"([[vrrp]]
name = "web"
interface = "eth0"
vrid = 51
use_vmac = "yes"
vips = ["10.0.0.100/24"]
)",
                  "t.toml:5:12: vrrp[0].use_vmac: "}));

}  // namespace
}  // namespace vipd::config
