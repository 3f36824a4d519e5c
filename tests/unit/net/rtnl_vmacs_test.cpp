// rtnl_vmacs against the real kernel, each test in a private network namespace; every effect is
// read back with iproute2 and /proc/sys (per namespace), never through the adapter itself.

#include <cerrno>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "rtnl_netns.hpp"
#include "vipd/net/linux/rtnl_vmacs.hpp"

namespace vipd::net::linux {
namespace {

using testing::capture;
using testing::sh;

constexpr mac_address k_vrid_51_mac{0x00, 0x00, 0x5e, 0x00, 0x01, 0x33};
constexpr const char* k_vrid_51_mac_text = "00:00:5e:00:01:33";

class RtnlVmacsTest : public testing::netns_test {
  protected:
    void SetUpInNamespace() override {
        // A new link copies conf/default: start every VMAC from values ensure() must change.
        set_conf("default", "rp_filter", 1);
        add_veth("va", "vb");
        // Constructed after unshare: the socket belongs to the namespace it is opened in.
        vmacs_ = std::make_unique<rtnl_vmacs>();
    }

    static vmac_spec spec(const std::string& name = "vrrp.51", const std::string& parent = "va",
                          mac_address mac = k_vrid_51_mac) {
        return vmac_spec{.name = name, .parent = parent, .mac = mac};
    }
    static std::string details(const std::string& device) {
        return capture("ip -d -j link show " + device + " 2>/dev/null");
    }
    static bool has(const std::string& text, const std::string& part) {
        return text.find(part) != std::string::npos;
    }
    static std::string conf(const std::string& device, const std::string& key) {
        auto value = capture("cat /proc/sys/net/ipv4/conf/" + device + "/" + key);
        while (!value.empty() && value.back() == '\n') {
            value.pop_back();
        }
        return value;
    }
    static void set_conf(const std::string& device, const std::string& key, int value) {
        // Braces: sh() appends its own stdout redirection, which would win over a bare one.
        ASSERT_EQ(sh("{ echo " + std::to_string(value) + " > /proc/sys/net/ipv4/conf/" + device +
                     "/" + key + "; }"),
                  0);
        ASSERT_EQ(conf(device, key), std::to_string(value));
    }
    static std::string ipv6_addresses(const std::string& device) {
        return capture("ip -6 addr show dev " + device);
    }
    /// Everything ensure() promises about `name` on `parent`, each checked on its own line.
    static void expect_vmac(const std::string& name, const std::string& parent) {
        const auto link = details(name);
        EXPECT_TRUE(has(link, R"("info_kind":"macvlan")")) << link;
        EXPECT_TRUE(has(link, R"("mode":"bridge")")) << link;
        EXPECT_TRUE(has(link, R"("link":")" + parent + R"(")")) << link;
        EXPECT_TRUE(has(link, std::string(R"("address":")") + k_vrid_51_mac_text + R"(")")) << link;
        EXPECT_TRUE(has(link, R"("UP")")) << link;
        EXPECT_TRUE(has(link, R"("inet6_addr_gen_mode":"none")")) << link;
        EXPECT_FALSE(has(ipv6_addresses(name), "inet6")) << ipv6_addresses(name);
        EXPECT_EQ(conf(name, "arp_ignore"), "1");
        EXPECT_EQ(conf(name, "accept_local"), "1");
        EXPECT_EQ(conf(name, "rp_filter"), "0");
        EXPECT_EQ(conf(parent, "arp_ignore"), "1");
        EXPECT_EQ(conf(parent, "arp_filter"), "1");
        EXPECT_EQ(conf(parent, "arp_announce"), "2");
    }

    std::unique_ptr<rtnl_vmacs> vmacs_;
};

TEST_F(RtnlVmacsTest, CreatesAnUpBridgeModeMacvlanWithTheMacAndTheSysctls) {
    EXPECT_EQ(conf("va", "arp_ignore"), "0");
    EXPECT_EQ(conf("va", "arp_filter"), "0");

    ASSERT_FALSE(vmacs_->ensure(spec()));
    expect_vmac("vrrp.51", "va");
}

TEST_F(RtnlVmacsTest, AnUpVmacGetsNoIpv6AddressLater) {
    // The kernel adds a link-local on carrier too, not only on IFF_UP: cycle the parent's peer.
    ASSERT_FALSE(vmacs_->ensure(spec()));
    ASSERT_EQ(sh("ip link set vb down && ip link set vb up"), 0);
    EXPECT_FALSE(has(ipv6_addresses("vrrp.51"), "inet6")) << ipv6_addresses("vrrp.51");
}

TEST_F(RtnlVmacsTest, ABridgeParentGetsItsSettingsToo) {
    // libnl copies AF_BRIDGE from a bridge it read, and the kernel refuses IFLA_AF_SPEC with it.
    ASSERT_EQ(sh("ip link add br0 type bridge && ip link set br0 up"), 0);
    ASSERT_FALSE(vmacs_->ensure(spec("vrrp.51", "br0")));
    expect_vmac("vrrp.51", "br0");
}

TEST_F(RtnlVmacsTest, EnsureTwiceIsIdempotent) {
    ASSERT_FALSE(vmacs_->ensure(spec()));
    const auto first = details("vrrp.51");
    ASSERT_FALSE(vmacs_->ensure(spec()));
    EXPECT_EQ(details("vrrp.51"), first);
    EXPECT_EQ(capture("ip -br link show type macvlan | wc -l"), "1\n");
    expect_vmac("vrrp.51", "va");
}

TEST_F(RtnlVmacsTest, ALeftoverVmacIsTakenOverAndComesUp) {
    ASSERT_EQ(sh(std::string("ip link add vrrp.51 link va address ") + k_vrid_51_mac_text +
                 " type macvlan mode bridge"),
              0);
    const auto index = capture("ip -o link show vrrp.51 | cut -d: -f1");
    ASSERT_FALSE(has(details("vrrp.51"), R"("UP")"));

    ASSERT_FALSE(vmacs_->ensure(spec()));
    EXPECT_EQ(capture("ip -o link show vrrp.51 | cut -d: -f1"), index) << "recreated, not kept";
    expect_vmac("vrrp.51", "va");
}

struct foreign_link_case {
    const char* description;
    const char* command;  // makes a link named vrrp.51 that is not the VMAC
    const char* parent;
};

class AnyOtherLinkOfThatName : public RtnlVmacsTest,
                               public ::testing::WithParamInterface<foreign_link_case> {};

TEST_P(AnyOtherLinkOfThatName, IsLeftAloneAndReportedAsExisting) {
    const auto& row = GetParam();
    ASSERT_EQ(sh("ip link add vp type veth peer name vq"), 0);
    ASSERT_EQ(sh(row.command), 0) << row.description;
    const auto before = details("vrrp.51");

    EXPECT_EQ(vmacs_->ensure(spec("vrrp.51", row.parent)), std::errc::file_exists)
        << row.description;
    EXPECT_EQ(details("vrrp.51"), before) << row.description;
    EXPECT_EQ(conf("vrrp.51", "arp_ignore"), "0") << row.description;
    EXPECT_EQ(conf(row.parent, "arp_ignore"), "0") << row.description;
    EXPECT_EQ(conf(row.parent, "arp_filter"), "0") << row.description;
}

INSTANTIATE_TEST_SUITE_P(
    Rtnl, AnyOtherLinkOfThatName,
    ::testing::Values(
        // A veth's IFLA_LINK is its peer: parent and MAC match, only the kind does not.
        foreign_link_case{"a veth with the MAC whose peer is the parent",
                          "ip link add vrrp.51 address 00:00:5e:00:01:33 type veth peer name vc",
                          "vc"},
        foreign_link_case{"a macvlan with another MAC",
                          "ip link add vrrp.51 link va address 00:00:5e:00:01:34 type macvlan",
                          "va"},
        foreign_link_case{"a macvlan on another parent",
                          "ip link add vrrp.51 link vp address 00:00:5e:00:01:33 type macvlan",
                          "va"}),
    [](const auto& param_info) { return "case" + std::to_string(param_info.index); });

TEST_F(RtnlVmacsTest, RemoveDeletesItAndAnAbsentOneIsFine) {
    ASSERT_FALSE(vmacs_->ensure(spec()));
    ASSERT_EQ(sh("ip link show vrrp.51"), 0);

    EXPECT_FALSE(vmacs_->remove("vrrp.51"));
    EXPECT_NE(sh("ip link show vrrp.51"), 0);
    EXPECT_FALSE(vmacs_->remove("vrrp.51"));
}

TEST_F(RtnlVmacsTest, ReleaseParentRestoresTheValuesFromBeforeTheFirstEnsure) {
    set_conf("va", "arp_ignore", 2);
    set_conf("va", "arp_filter", 0);
    set_conf("va", "arp_announce", 1);
    ASSERT_FALSE(vmacs_->ensure(spec("vrrp.51")));
    // A second VMAC on the same parent finds 1/1 there: not what goes back.
    ASSERT_FALSE(vmacs_->ensure(spec("vrrp.52", "va", {0x00, 0x00, 0x5e, 0x00, 0x01, 0x34})));
    EXPECT_EQ(conf("va", "arp_ignore"), "1");
    EXPECT_EQ(conf("va", "arp_filter"), "1");
    ASSERT_FALSE(vmacs_->remove("vrrp.51"));
    ASSERT_FALSE(vmacs_->remove("vrrp.52"));

    ASSERT_FALSE(vmacs_->release_parent("va"));
    EXPECT_EQ(conf("va", "arp_ignore"), "2");
    EXPECT_EQ(conf("va", "arp_filter"), "0");
    EXPECT_EQ(conf("va", "arp_announce"), "1");

    // Forgotten once written back: a second release changes nothing.
    set_conf("va", "arp_ignore", 1);
    ASSERT_FALSE(vmacs_->release_parent("va"));
    EXPECT_EQ(conf("va", "arp_ignore"), "1");
}

TEST_F(RtnlVmacsTest, ReleasingAParentWithoutVmacsChangesNothing) {
    set_conf("vb", "arp_ignore", 2);
    EXPECT_FALSE(vmacs_->release_parent("vb"));
    EXPECT_FALSE(vmacs_->release_parent("absent0"));
    EXPECT_EQ(conf("vb", "arp_ignore"), "2");
}

TEST_F(RtnlVmacsTest, AFifteenCharacterNameWorks) {
    ASSERT_FALSE(vmacs_->ensure(spec("vrrp.0123456789")));
    expect_vmac("vrrp.0123456789", "va");
}

// IPv6: down until a Master activates it, the parent untouched.
constexpr mac_address k_vrid_51_mac6{0x00, 0x00, 0x5e, 0x00, 0x02, 0x33};

vmac_spec ipv6_spec() {
    return vmac_spec{
        .name = "vrrp6.51", .parent = "va", .mac = k_vrid_51_mac6, .family = address_family::ipv6};
}

TEST_F(RtnlVmacsTest, AnIpv6VmacStaysDownWithoutAddressesAndLeavesTheParentAlone) {
    ASSERT_FALSE(vmacs_->ensure(ipv6_spec()));
    const auto link = details("vrrp6.51");
    EXPECT_TRUE(has(link, R"("address":"00:00:5e:00:02:33")")) << link;
    EXPECT_TRUE(has(link, R"("mode":"bridge")")) << link;
    EXPECT_TRUE(has(link, R"("inet6_addr_gen_mode":"none")")) << link;
    EXPECT_FALSE(has(link, R"("UP")")) << link;
    EXPECT_FALSE(has(ipv6_addresses("vrrp6.51"), "inet6")) << ipv6_addresses("vrrp6.51");
    EXPECT_EQ(conf("va", "arp_ignore"), "0");
    EXPECT_EQ(conf("va", "arp_filter"), "0");
    EXPECT_EQ(conf("va", "arp_announce"), "0");
}

TEST_F(RtnlVmacsTest, ALeftoverIpv6VmacThatIsUpIsSetDown) {
    ASSERT_EQ(sh("ip link add vrrp6.51 link va address 00:00:5e:00:02:33 type macvlan mode bridge "
                 "&& ip link set vrrp6.51 up"),
              0);
    ASSERT_FALSE(vmacs_->ensure(ipv6_spec()));
    EXPECT_FALSE(has(details("vrrp6.51"), R"("UP")")) << details("vrrp6.51");
}

TEST_F(RtnlVmacsTest, ActivateBringsItUpWithTheLinkLocalWithoutDadAndDeactivateEmptiesIt) {
    ASSERT_FALSE(vmacs_->ensure(ipv6_spec()));
    const auto link_local = *ip_address::parse("fe80::1:2:3:4");

    ASSERT_FALSE(vmacs_->activate("vrrp6.51", link_local));
    EXPECT_TRUE(has(details("vrrp6.51"), R"("UP")")) << details("vrrp6.51");
    const auto addresses = ipv6_addresses("vrrp6.51");
    EXPECT_TRUE(has(addresses, "inet6 fe80::1:2:3:4/64 scope link")) << addresses;
    EXPECT_FALSE(has(addresses, "tentative")) << addresses;
    // Still no address of the kernel's own making, now that it is up.
    EXPECT_EQ(capture("ip -6 -o addr show dev vrrp6.51 | wc -l"), "1\n") << addresses;
    ASSERT_FALSE(vmacs_->activate("vrrp6.51", link_local));  // idempotent
    EXPECT_EQ(capture("ip -6 -o addr show dev vrrp6.51 | wc -l"), "1\n");

    ASSERT_FALSE(vmacs_->deactivate("vrrp6.51"));
    EXPECT_FALSE(has(details("vrrp6.51"), R"("UP")")) << details("vrrp6.51");
    EXPECT_FALSE(has(ipv6_addresses("vrrp6.51"), "inet6")) << ipv6_addresses("vrrp6.51");
    EXPECT_FALSE(vmacs_->deactivate("vrrp6.51"));  // already down
}

TEST_F(RtnlVmacsTest, ActivateRefusesWhatCannotBeAVmacsSource) {
    ASSERT_FALSE(vmacs_->ensure(ipv6_spec()));
    EXPECT_EQ(vmacs_->activate("vrrp6.51", *ip_address::parse("2001:db8::1")),
              std::error_code(EINVAL, std::system_category()));
    EXPECT_EQ(vmacs_->activate("absent0", *ip_address::parse("fe80::1")),
              std::error_code(ENODEV, std::system_category()));
    EXPECT_EQ(vmacs_->deactivate("absent0"), std::error_code(ENODEV, std::system_category()));
    EXPECT_FALSE(has(details("vrrp6.51"), R"("UP")"));
}

struct bad_spec_case {
    const char* description;
    const char* name;
    const char* parent;
    int error;
};

class BadSpec : public RtnlVmacsTest, public ::testing::WithParamInterface<bad_spec_case> {};

TEST_P(BadSpec, IsRefusedBeforeAnythingChanges) {
    const auto& row = GetParam();
    EXPECT_EQ(vmacs_->ensure(spec(row.name, row.parent)),
              std::error_code(row.error, std::system_category()))
        << row.description;
    EXPECT_EQ(capture("ip -br link show type macvlan"), "") << row.description;
    EXPECT_EQ(conf("va", "arp_ignore"), "0") << row.description;
    EXPECT_EQ(conf("va", "arp_filter"), "0") << row.description;
}

INSTANTIATE_TEST_SUITE_P(
    Rtnl, BadSpec,
    ::testing::Values(bad_spec_case{"a 16-character name", "vrrp.01234567890", "va", EINVAL},
                      bad_spec_case{"an empty name", "", "va", EINVAL},
                      bad_spec_case{"a name with a slash", "vrrp/51", "va", EINVAL},
                      bad_spec_case{"a name with a space", "vrrp 51", "va", EINVAL},
                      bad_spec_case{"a 16-character parent", "vrrp.51", "va0123456789abcd", EINVAL},
                      bad_spec_case{"a missing parent", "vrrp.51", "absent0", ENODEV}),
    [](const auto& param_info) { return "case" + std::to_string(param_info.index); });

}  // namespace
}  // namespace vipd::net::linux
