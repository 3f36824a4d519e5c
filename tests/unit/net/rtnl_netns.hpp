#pragma once
// Test-only helpers for the rtnetlink adapter tests: move the test process into a private
// network namespace and drive `ip` there.

#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "support/addresses.hpp"
#include "vipd/core/address.hpp"

namespace vipd::net::linux::testing {

using support::addr;
using support::prefix;

/// Moves the whole test process (single-threaded) into a fresh network namespace. Children
/// started with system() inherit it. The host namespace is never used as a fallback: if this
/// fails the test is skipped.
inline bool enter_private_netns(std::string& why) {
    if (geteuid() != 0) {
        why = "needs root (CAP_NET_ADMIN) for a private network namespace";
        return false;
    }
    if (unshare(CLONE_NEWNET) != 0) {
        why = "unshare(CLONE_NEWNET) failed";
        return false;
    }
    return true;
}

/// Runs a shell command inside the namespace; its exit status (0 = success).
inline int sh(const std::string& command) {
    const int status = std::system((command + " >/dev/null 2>&1").c_str());
    return status == -1 ? -1 : WEXITSTATUS(status);
}

/// Runs a shell command and returns what it printed on stdout.
inline std::string capture(const std::string& command) {
    std::string output;
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
    if (!pipe) {
        return output;
    }
    std::array<char, 512> chunk{};
    while (std::fgets(chunk.data(), static_cast<int>(chunk.size()), pipe.get()) != nullptr) {
        output += chunk.data();
    }
    return output;
}

/// Fixture base: every test starts in its own empty namespace (only `lo`, down).
class netns_test : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string why;
        if (!enter_private_netns(why)) {
            GTEST_SKIP() << why;
        }
        SetUpInNamespace();
    }

    /// What a fixture prepares in its fresh namespace; not run when the test is skipped.
    virtual void SetUpInNamespace() {}

    /// A veth pair, both ends up, with fixed MACs.
    static void add_veth(const std::string& name, const std::string& peer) {
        ASSERT_EQ(sh("ip link add " + name + " address 02:00:00:00:00:0a type veth peer name " +
                     peer + " address 02:00:00:00:00:0b"),
                  0);
        ASSERT_EQ(sh("ip link set " + name + " up"), 0);
        ASSERT_EQ(sh("ip link set " + peer + " up"), 0);
    }
};

}  // namespace vipd::net::linux::testing
