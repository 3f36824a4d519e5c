// What only a whole instance or service decides, and keepalived's defaults where vipd's differ.
#include "converter.hpp"

namespace vipd::importer::detail {
namespace {

constexpr std::int64_t k_default_priority = 100;
constexpr std::int64_t k_max_backup_priority = 254;

// keepalived.conf(5): retry defaults to 1, but 3 for DNS_CHECK and 0 for MISC_CHECK.
std::int64_t default_retry(std::string_view checker) {
    if (checker == "DNS_CHECK") {
        return 3;
    }
    return checker == "MISC_CHECK" ? 0 : 1;
}

void set_if_absent(toml_section& section, std::string_view key, std::string rendered) {
    if (section.find(key) == nullptr) {
        section.set(key, std::move(rendered));
    }
}

/// A check with the service's defaults and keepalived's: delay_loop 60 s, connect_timeout 5 s
/// (a script's timeout is its interval), retry as above; a timeout beyond the interval, which
/// vipd refuses, is cut to the interval.
void finish_check(const node& service_node, toml_section& check,
                  const std::vector<const toml_section*>& defaults, converter& c) {
    for (const auto* section : defaults) {
        for (const auto& key : section->keys) {
            if (check.find(key.name) == nullptr) {
                check.keys.push_back(key);
            }
        }
    }
    const auto checker = check.find("_checker")->items.front();
    if (const auto* user = c.instance_defaults.find("script_user");
        user != nullptr && checker == "MISC_CHECK") {
        set_if_absent(check, "user", user->items.front());
    }
    set_if_absent(check, "interval", quoted("60s"));
    const bool timeout_written = check.find("timeout") != nullptr;
    set_if_absent(check, "timeout",
                  checker == "MISC_CHECK" ? check.find("interval")->items.front() : quoted("5s"));
    set_if_absent(check, "fall", std::to_string(default_retry(checker) + 1));
    if (checker == "DNS_CHECK") {
        set_if_absent(check, "query_type", quoted("SOA"));
        set_if_absent(check, "name", quoted("."));
    }
    const auto interval = microseconds_of(unquoted(check.find("interval")->items.front()));
    const auto timeout = microseconds_of(unquoted(check.find("timeout")->items.front()));
    if (interval && timeout && *timeout > *interval) {
        check.set("timeout", check.find("interval")->items.front());
        if (timeout_written) {
            c.drop(service_node,
                   "a check's timeout is cut to its interval (delay_loop): vipd "
                   "starts the next probe then");
        }
    }
}

/// The checks' defaults a virtual_server or real_server wrote (delay_loop, virtualhost, ...).
const toml_section* defaults_of(const toml_section& section) {
    for (const auto& child : section.children) {
        if (child.header == "_check") {
            return &child;
        }
    }
    return nullptr;
}

}  // namespace

void finish_instance(const node& n, toml_section& instance, converter& c) {
    for (const auto* required : {"interface", "vrid", "vips"}) {
        if (instance.find(required) == nullptr) {
            c.drop(n, "the instance has no " + std::string(required) +
                          " vipd can use, and is left out");
            return;
        }
    }
    for (const auto& key : c.instance_defaults.keys) {
        if (key.name.starts_with("garp.")) {
            set_if_absent(instance, key.name, key.items.front());
        }
    }
    if (const auto* boost = instance.find("_boost"); boost != nullptr) {
        const auto* written = instance.find("priority");
        const auto base = written ? integer_of(written->items.front()) : k_default_priority;
        const auto raised = base.value_or(k_default_priority) + *integer_of(boost->items.front());
        if (raised > k_max_backup_priority) {
            c.drop(n, "positive track weights become a priority of " + std::to_string(raised) +
                          " and negative weights; priority is cut to 254");
        }
        instance.set("priority", std::to_string(std::min(raised, k_max_backup_priority)));
    }
    c.instances.push_back(std::move(instance));
}

void finish_service(const node& n, toml_section& service, converter& c) {
    const auto* service_defaults = defaults_of(service);
    for (auto& real : service.children) {
        const auto* real_defaults = defaults_of(real);
        for (auto& check : real.children) {
            if (check.header.starts_with('_')) {
                continue;
            }
            std::vector<const toml_section*> defaults;
            for (const auto* section : {real_defaults, service_defaults}) {
                if (section != nullptr) {
                    defaults.push_back(section);
                }
            }
            finish_check(n, check, defaults, c);
        }
    }
}

}  // namespace vipd::importer::detail
