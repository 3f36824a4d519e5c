#include "vipd/daemon/user_binding.hpp"

#include <fmt/format.h>

#include <map>

namespace vipd::daemon {

namespace {

class binder {
  public:
    explicit binder(const user_database& users) : users_(users) {}

    /// Binds one `user` key found at `position` under `key`.
    void bind(health::run_as& user, std::string_view default_name,
              const config::source_position& position, const std::string& key) {
        if (!users_.can_switch_user() && !user.name) {
            user.identity.reset();  // nobody asked for: runs as the daemon itself
            return;
        }
        const std::string name = user.name.value_or(std::string(default_name));
        std::string error;
        const auto identity = lookup(name, error);
        if (!identity) {
            errors_.push_back({position, key, error});
            return;
        }
        if (!users_.can_switch_user()) {
            if (identity->uid != users_.own_uid()) {
                errors_.push_back(
                    {position, key,
                     fmt::format("cannot run commands as \"{}\": vipd runs as uid {} without "
                                 "CAP_SETUID and CAP_SETGID (leave `{}` out to run them as vipd's "
                                 "own user)",
                                 name, users_.own_uid(), key.substr(key.rfind('.') + 1))});
                return;
            }
            user.identity.reset();  // itself: nothing to switch
            return;
        }
        user.identity = *identity;
    }

    std::vector<config::config_error> take_errors() { return std::move(errors_); }

  private:
    /// Each name is looked up once per configuration, however many checks use it.
    std::optional<health::user_identity> lookup(const std::string& name, std::string& error) {
        auto found = cache_.find(name);
        if (found == cache_.end()) {
            std::string why;
            auto identity = users_.find(name, why);
            found = cache_.emplace(name, std::make_pair(std::move(identity), std::move(why))).first;
        }
        error = found->second.second;
        return found->second.first;
    }

    const user_database& users_;
    std::map<std::string, std::pair<std::optional<health::user_identity>, std::string>> cache_;
    std::vector<config::config_error> errors_;
};

}  // namespace

std::vector<config::config_error> bind_users(config::daemon_config& config,
                                             const user_database& users) {
    binder binding(users);
    for (std::size_t s = 0; s < config.virtual_servers.size(); ++s) {
        auto& server = config.virtual_servers[s];
        for (std::size_t r = 0; r < server.reals.size(); ++r) {
            auto& real = server.reals[r];
            if (!real.check) {
                continue;
            }
            if (auto* script = std::get_if<health::script_check>(&real.check->kind)) {
                binding.bind(script->user, health::k_default_script_user, real.position,
                             fmt::format("virtual_server[{}].real[{}].check.user", s, r));
            }
        }
        if (server.has_hooks()) {
            binding.bind(server.hook_user, config::k_default_notify_user, server.position,
                         fmt::format("virtual_server[{}].notify_user", s));
        }
    }
    for (std::size_t v = 0; v < config.vrrp.size(); ++v) {
        auto& instance = config.vrrp[v];
        for (std::size_t t = 0; t < instance.track_scripts.size(); ++t) {
            binding.bind(instance.track_scripts[t].script.user, health::k_default_script_user,
                         instance.position, fmt::format("vrrp[{}].track_scripts[{}].user", v, t));
        }
        if (!instance.notify.empty()) {
            binding.bind(instance.notify.user, config::k_default_notify_user, instance.position,
                         fmt::format("vrrp[{}].notify_user", v));
        }
    }
    for (std::size_t g = 0; g < config.sync_groups.size(); ++g) {
        auto& group = config.sync_groups[g];
        if (!group.notify.empty()) {
            binding.bind(group.notify.user, config::k_default_notify_user, group.position,
                         fmt::format("sync_group[{}].notify_user", g));
        }
    }
    return binding.take_errors();
}

config::load_result load_for_host(const std::string& path, const std::string& default_router_id,
                                  const user_database& users) {
    auto result = config::load_file(path, default_router_id);
    if (result.ok()) {
        result.errors = bind_users(*result.config, users);
        if (!result.errors.empty()) {
            result.config.reset();
        }
    }
    return result;
}

}  // namespace vipd::daemon
