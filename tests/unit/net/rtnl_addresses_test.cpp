// rtnl_addresses against the real kernel, each test in a private network namespace.

#include <algorithm>
#include <cerrno>
#include <iterator>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "rtnl_netns.hpp"
#include "vipd/net/linux/rtnl_addresses.hpp"

namespace vipd::net::linux {
namespace {

using testing::capture;
using testing::prefix;
using testing::sh;

class RtnlAddressesTest : public testing::netns_test {
  protected:
    void SetUp() override {
        netns_test::SetUp();
        if (IsSkipped()) {
            return;
        }
        ASSERT_EQ(sh("ip link set lo up"), 0);
        add_veth("va", "vb");
        // Constructed after unshare: the socket belongs to the namespace it is opened in.
        addresses_ = std::make_unique<rtnl_addresses>();
    }

    static std::string show(const std::string& device) {
        return capture("ip addr show dev " + device);
    }
    /// The addresses list() reports with vipd's tag, sorted.
    std::vector<host_address> tagged() {
        std::vector<host_address> all;
        EXPECT_FALSE(addresses_->list(all));
        std::vector<host_address> out;
        std::copy_if(all.begin(), all.end(), std::back_inserter(out),
                     [](const host_address& a) { return a.tag == address_tag::vipd; });
        std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
            return std::tie(a.interface, a.prefix.address) <
                   std::tie(b.interface, b.prefix.address);
        });
        return out;
    }

    std::unique_ptr<rtnl_addresses> addresses_;
};

struct add_remove_case {
    const char* description;
    const char* interface;
    const char* prefix;
    const char* shown;  // how `ip addr` prints it
};

class AddRemove : public RtnlAddressesTest,
                  public ::testing::WithParamInterface<add_remove_case> {};

TEST_P(AddRemove, AddsTaggedAndRemoves) {
    const auto& row = GetParam();
    const auto vip = prefix(row.prefix);

    ASSERT_FALSE(addresses_->add(row.interface, vip)) << row.description;
    EXPECT_NE(show(row.interface).find(row.shown), std::string::npos) << show(row.interface);
    const std::vector<host_address> expected{{row.interface, vip, address_tag::vipd}};
    EXPECT_EQ(tagged(), expected);

    // Adding it again says it exists and does not duplicate it.
    EXPECT_EQ(addresses_->add(row.interface, vip), std::errc::file_exists);
    EXPECT_EQ(tagged(), expected);

    ASSERT_FALSE(addresses_->remove(row.interface, vip));
    EXPECT_EQ(show(row.interface).find(row.shown), std::string::npos) << show(row.interface);
    EXPECT_TRUE(tagged().empty());

    // Removing what is absent is success.
    EXPECT_FALSE(addresses_->remove(row.interface, vip));
}

INSTANTIATE_TEST_SUITE_P(
    Rtnl, AddRemove,
    ::testing::Values(
        add_remove_case{"IPv4 /24 on a veth", "va", "10.1.0.10/24", "inet 10.1.0.10/24"},
        add_remove_case{"IPv4 /32 on a veth", "va", "10.1.0.11/32", "inet 10.1.0.11/32"},
        add_remove_case{"IPv4 /32 on lo", "lo", "192.0.2.10/32", "inet 192.0.2.10/32"},
        add_remove_case{"IPv4 /24 on lo", "lo", "198.51.100.1/24", "inet 198.51.100.1/24"},
        add_remove_case{"IPv6 /64 on a veth", "va", "2001:db8::10/64", "inet6 2001:db8::10/64"},
        add_remove_case{"IPv6 /128 on lo", "lo", "2001:db8::20/128", "inet6 2001:db8::20/128"}),
    [](const auto& param_info) { return "case" + std::to_string(param_info.index); });

TEST_F(RtnlAddressesTest, Ipv4PrefixAddsTheSubnetRouteLikeIpAddrAdd) {
    ASSERT_FALSE(addresses_->add("va", prefix("10.1.0.10/24")));
    EXPECT_NE(capture("ip route show dev va").find("10.1.0.0/24"), std::string::npos)
        << capture("ip route show dev va");
    ASSERT_FALSE(addresses_->remove("va", prefix("10.1.0.10/24")));
    EXPECT_EQ(capture("ip route show dev va").find("10.1.0.0/24"), std::string::npos);
}

TEST_F(RtnlAddressesTest, Ipv6AddressIsNotTentativeRightAfterAdd) {
    ASSERT_FALSE(addresses_->add("va", prefix("2001:db8::10/64")));
    const auto line = capture("ip -6 addr show dev va | grep -A1 '2001:db8::10/64'");
    ASSERT_NE(line.find("2001:db8::10/64"), std::string::npos) << show("va");
    EXPECT_EQ(line.find("tentative"), std::string::npos) << line;
    EXPECT_NE(line.find("nodad"), std::string::npos) << line;
}

TEST_F(RtnlAddressesTest, AnIpv6Slash128VipIsNeverPreferredAsASource) {
    // preferred_lft 0: the kernel marks it deprecated and source selection skips it; a wider
    // IPv6 VIP and IPv4 VIPs keep the usual forever lifetimes.
    ASSERT_FALSE(addresses_->add("va", prefix("2001:db8::20/128")));
    ASSERT_FALSE(addresses_->add("va", prefix("2001:db8::10/64")));
    const auto single = capture("ip -6 addr show dev va | grep -A1 '2001:db8::20/128'");
    EXPECT_NE(single.find("deprecated"), std::string::npos) << single;
    EXPECT_NE(single.find("valid_lft forever preferred_lft 0sec"), std::string::npos) << single;
    const auto wide = capture("ip -6 addr show dev va | grep -A1 '2001:db8::10/64'");
    EXPECT_NE(wide.find("valid_lft forever preferred_lft forever"), std::string::npos) << wide;
    EXPECT_EQ(wide.find("deprecated"), std::string::npos) << wide;
}

TEST_F(RtnlAddressesTest, TagIsVisibleToIproute) {
    ASSERT_FALSE(addresses_->add("va", prefix("10.1.0.10/24")));
    // iproute2 6.1 has no name for IFA_PROTO and prints nothing for it; newer ones print
    // "proto 0x56". Only require that a printed tag is ours.
    const auto details = capture("ip -d addr show dev va");
    const auto at = details.find("proto ");
    if (at != std::string::npos) {
        EXPECT_NE(details.find("proto 0x56"), std::string::npos) << details;
    }
    EXPECT_EQ(tagged().size(), 1U);
}

TEST_F(RtnlAddressesTest, TheKernelTagsItsOwnAddressesFrom518On) {
    // The probe vipd relies on: from Linux 5.18 the kernel tags the IPv6 addresses it makes
    // itself (::1 IFAPROT_KERNEL_LO, link-locals IFAPROT_KERNEL_LL) and reports a non-zero
    // IFA_PROTO; before, no dump carries the attribute.
    std::vector<host_address> all;
    ASSERT_FALSE(addresses_->list(all));
    const auto loopback = std::find_if(all.begin(), all.end(), [](const host_address& a) {
        return a.interface == "lo" && a.prefix == prefix("::1/128");
    });
    ASSERT_NE(loopback, all.end());
    if (loopback->tag == address_tag::not_reported) {
        GTEST_SKIP() << "this kernel reports no IFA_PROTO (before 5.18)";
    }
    EXPECT_EQ(loopback->tag, address_tag::other);
}

TEST_F(RtnlAddressesTest, ListReportsEveryAddressWithItsTag) {
    ASSERT_EQ(sh("ip addr add 10.1.0.1/24 dev va"), 0);
    ASSERT_EQ(sh("ip addr add 2001:db8::1/64 dev va nodad"), 0);
    ASSERT_EQ(sh("ip addr add 192.0.2.1/32 dev lo"), 0);
    ASSERT_FALSE(addresses_->add("va", prefix("10.1.0.10/24")));
    ASSERT_FALSE(addresses_->add("va", prefix("2001:db8::10/64")));
    ASSERT_FALSE(addresses_->add("lo", prefix("192.0.2.10/32")));
    ASSERT_FALSE(addresses_->add("vb", prefix("10.1.0.20/32")));

    std::vector<host_address> all;
    ASSERT_FALSE(addresses_->list(all));
    auto names = [&all](const char* device, const char* text) {
        return std::any_of(all.begin(), all.end(), [&](const host_address& a) {
            return a.interface == device && a.prefix == prefix(text);
        });
    };
    EXPECT_TRUE(names("va", "10.1.0.1/24"));
    EXPECT_TRUE(names("va", "2001:db8::1/64"));
    EXPECT_TRUE(names("lo", "192.0.2.1/32"));
    if (std::all_of(all.begin(), all.end(),
                    [](const host_address& a) { return a.tag == address_tag::not_reported; })) {
        GTEST_SKIP() << "this kernel drops address tags (before 5.18)";
    }
    const std::vector<host_address> expected{
        {"lo", prefix("192.0.2.10/32"), address_tag::vipd},
        {"va", prefix("10.1.0.10/24"), address_tag::vipd},
        {"va", prefix("2001:db8::10/64"), address_tag::vipd},
        {"vb", prefix("10.1.0.20/32"), address_tag::vipd},
    };
    EXPECT_EQ(tagged(), expected);
}

TEST_F(RtnlAddressesTest, APreExistingAddressIsNotRetaggedButRemoveTakesIt) {
    // Ownership is the caller's decision (vips/reconciler.hpp), not the tag's: the tag is lost
    // on kernels before 5.18 anyway.
    ASSERT_EQ(sh("ip addr add 10.1.0.10/24 dev va"), 0);
    ASSERT_EQ(sh("ip addr add 2001:db8::10/64 dev va nodad"), 0);

    EXPECT_EQ(addresses_->add("va", prefix("10.1.0.10/24")), std::errc::file_exists);
    EXPECT_EQ(addresses_->add("va", prefix("2001:db8::10/64")), std::errc::file_exists);
    EXPECT_TRUE(tagged().empty());

    EXPECT_FALSE(addresses_->remove("va", prefix("10.1.0.10/24")));
    EXPECT_FALSE(addresses_->remove("va", prefix("2001:db8::10/64")));
    EXPECT_EQ(show("va").find("inet 10.1.0.10/24"), std::string::npos) << show("va");
    EXPECT_EQ(show("va").find("inet6 2001:db8::10/64"), std::string::npos) << show("va");
}

TEST_F(RtnlAddressesTest, RemoveMatchesThePrefixLengthToo) {
    ASSERT_FALSE(addresses_->add("va", prefix("10.1.0.10/24")));
    EXPECT_FALSE(addresses_->remove("va", prefix("10.1.0.10/32")));
    EXPECT_NE(show("va").find("inet 10.1.0.10/24"), std::string::npos) << show("va");
}

TEST_F(RtnlAddressesTest, MissingInterface) {
    EXPECT_EQ(addresses_->add("nosuch0", prefix("10.1.0.10/24")),
              std::error_code(ENODEV, std::system_category()));
    EXPECT_FALSE(addresses_->remove("nosuch0", prefix("10.1.0.10/24")));
}

TEST_F(RtnlAddressesTest, InvalidPrefixLengthIsRejected) {
    ip_prefix bad{.address = testing::addr("10.1.0.10"), .length = 33};
    EXPECT_EQ(addresses_->add("va", bad), std::error_code(EINVAL, std::system_category()));
}

TEST_F(RtnlAddressesTest, EnsureDummyFailsCleanlyWithoutTheDummyDriver) {
    if (sh("ip link add vh-probe0 type dummy") == 0) {
        GTEST_SKIP() << "this kernel has the dummy driver; the VM tier covers creation";
    }
    const auto error = addresses_->ensure_dummy("vip0");
    EXPECT_EQ(error, std::error_code(EOPNOTSUPP, std::system_category())) << error.message();
    EXPECT_NE(sh("ip link show vip0"), 0);
}

TEST_F(RtnlAddressesTest, EnsureDummyKeepsAnExistingLink) {
    EXPECT_FALSE(addresses_->ensure_dummy("va"));
    EXPECT_NE(capture("ip -d link show va").find("veth"), std::string::npos);
}

TEST_F(RtnlAddressesTest, EnsureDummyRejectsABadName) {
    EXPECT_EQ(addresses_->ensure_dummy(""), std::error_code(EINVAL, std::system_category()));
    EXPECT_EQ(addresses_->ensure_dummy("a-name-longer-than-ifnamsiz"),
              std::error_code(EINVAL, std::system_category()));
}

}  // namespace
}  // namespace vipd::net::linux
