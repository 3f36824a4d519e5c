#include "vipd/daemon/host_users.hpp"

#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace vipd::daemon {

std::optional<health::user_identity> host_users::find(const std::string& name,
                                                      std::string& error) const {
    const long suggested = ::sysconf(_SC_GETPW_R_SIZE_MAX);
    std::vector<char> buffer(static_cast<std::size_t>(suggested > 0 ? suggested : 16384));
    passwd entry{};
    passwd* found = nullptr;
    int rc = 0;
    while ((rc = ::getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found)) ==
           ERANGE) {
        buffer.resize(buffer.size() * 2);
    }
    if (rc != 0) {
        error = "cannot look up user \"" + name + "\": " + std::strerror(rc);
        return std::nullopt;
    }
    if (found == nullptr) {
        error = "user \"" + name + "\" does not exist on this host";
        return std::nullopt;
    }
    health::user_identity identity{name, entry.pw_uid, entry.pw_gid, {}};
    // getgrouplist here and setgroups in the child is initgroups(3) split at the fork.
    std::vector<gid_t> groups(16);
    int count = static_cast<int>(groups.size());
    while (::getgrouplist(entry.pw_name, entry.pw_gid, groups.data(), &count) < 0) {
        groups.resize(static_cast<std::size_t>(count) + 16);
        count = static_cast<int>(groups.size());
    }
    identity.groups.assign(groups.begin(), groups.begin() + count);
    return identity;
}

bool host_users::can_switch_user() const {
    if (::geteuid() == 0) {
        return true;
    }
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3]{};
    if (::syscall(SYS_capget, &header, data) != 0) {
        return false;
    }
    const auto effective = [&](unsigned cap) {
        return (data[cap / 32].effective & (1U << (cap % 32))) != 0;
    };
    return effective(CAP_SETUID) && effective(CAP_SETGID);
}

std::uint32_t host_users::own_uid() const {
    return ::geteuid();
}

}  // namespace vipd::daemon
