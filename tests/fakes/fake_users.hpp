#pragma once
/// A user database with root, nobody and vipd that counts its lookups, for binding a
/// configuration's users without NSS or root.

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "vipd/daemon/user_binding.hpp"

namespace vipd::fakes {

class fake_users final : public daemon::user_database {
  public:
    /// The default plays a root daemon.
    explicit fake_users(bool can_switch = true, std::uint32_t own_uid = 0)
        : can_switch_(can_switch), own_uid_(own_uid) {}

    std::optional<health::user_identity> find(const std::string& name,
                                              std::string& error) const override {
        ++lookups[name];
        const auto found = users_.find(name);
        if (found == users_.end()) {
            error = "user \"" + name + "\" does not exist on this host";
            return std::nullopt;
        }
        return found->second;
    }
    bool can_switch_user() const override { return can_switch_; }
    std::uint32_t own_uid() const override { return own_uid_; }

    mutable std::map<std::string, int> lookups;

  private:
    bool can_switch_;
    std::uint32_t own_uid_;
    std::map<std::string, health::user_identity> users_{
        {"root", {"root", 0, 0, {0}}},
        {"nobody", {"nobody", 65534, 65534, {65534}}},
        {"vipd", {"vipd", 998, 998, {998, 4}}},
    };
};

}  // namespace vipd::fakes
