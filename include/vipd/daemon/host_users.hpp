#pragma once
/// The Linux user database behind user_database: getpwnam_r and getgrouplist (whatever NSS
/// is configured: files, LDAP, SSSD), and the daemon's capabilities from capget(2).

#include "vipd/daemon/user_binding.hpp"

namespace vipd::daemon {

class host_users final : public user_database {
  public:
    std::optional<health::user_identity> find(const std::string& name,
                                              std::string& error) const override;
    bool can_switch_user() const override;
    std::uint32_t own_uid() const override;
};

}  // namespace vipd::daemon
