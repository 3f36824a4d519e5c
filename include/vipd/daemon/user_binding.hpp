#pragma once
/// Binds the users a configuration names (script checks, track scripts, notify hooks) to the
/// host when the configuration is loaded, so that commands start without a name service lookup
/// and a `user` that cannot be honoured is refused with the file, line and key, instead of a
/// command silently running as someone else.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vipd/config/config.hpp"
#include "vipd/config/loader.hpp"
#include "vipd/health/check.hpp"

namespace vipd::daemon {

/// The host's user database and what the daemon may do with it: a port, so that binding is
/// tested without NSS or root. host_users.hpp is the Linux one.
class user_database {
  public:
    virtual ~user_database() = default;
    /// The user named `name`; nullopt with `error` set when there is none or the lookup failed.
    virtual std::optional<health::user_identity> find(const std::string& name,
                                                      std::string& error) const = 0;
    /// Whether children can be given another user (root, or CAP_SETUID and CAP_SETGID).
    virtual bool can_switch_user() const = 0;
    /// The daemon's effective user id.
    virtual std::uint32_t own_uid() const = 0;
};

/// Fills every `run_as::identity` of `config` from `users`. A daemon that can switch users binds
/// each name (an unset one to its key's default: nobody for scripts, root for notify); one that
/// cannot leaves the defaults as itself and accepts only names that are itself. Every name that
/// cannot be honoured is an error at its [[vrrp]], [[sync_group]], [[virtual_server]] (the
/// service's and its reals' hooks) or [[virtual_server.real]] table.
std::vector<config::config_error> bind_users(config::daemon_config& config,
                                             const user_database& users);

/// config::load_file, then bind_users: the configuration as this host can run it. Start-up,
/// reload and --check all load through here.
config::load_result load_for_host(const std::string& path, const std::string& default_router_id,
                                  const user_database& users);

}  // namespace vipd::daemon
