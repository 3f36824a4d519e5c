#include <algorithm>
#include <array>

#include "vrrp_section.hpp"

namespace vipd::config::detail {
namespace {

constexpr microseconds k_min_timeout{10'000};
constexpr microseconds k_max_timeout{3'600'000'000};

}  // namespace

// No shell: a string with spaces is taken as one path, which is almost always a mistake, so it
// is refused.
std::vector<std::string> read_command(const table_reader& reader, std::string_view key) {
    const toml::node* node = reader.find(key);
    if (node == nullptr) {
        return {};
    }
    std::vector<std::string> argv;
    if (const auto* text = node->as_string()) {
        argv.push_back(text->get());
        if (argv.front().find(' ') != std::string::npos) {
            reader.report(key, std::string(key) +
                                   " is run without a shell: write the program and its "
                                   "arguments as an array such as [\"/usr/local/bin/notify\", "
                                   "\"--quiet\"], got " +
                                   show(*node));
            return {};
        }
    } else if (const auto* array = node->as_array();
               array != nullptr && !array->empty() &&
               std::all_of(array->begin(), array->end(),
                           [](const toml::node& n) { return n.is_string(); })) {
        for (const auto& element : *array) {
            argv.push_back(element.as_string()->get());
        }
    } else {
        reader.report(key, std::string(key) +
                               " must be a program path or a non-empty array of strings "
                               "(program and arguments), got " +
                               show(*node));
        return {};
    }
    if (!argv.front().starts_with('/')) {
        reader.report(key, std::string(key) +
                               " must start with an absolute program path (no "
                               "PATH lookup), got \"" +
                               argv.front() + "\"");
        return {};
    }
    return argv;
}

void read_hook_runner(const table_reader& reader, health::run_as& user, microseconds& timeout) {
    if (auto name = reader.string("notify_user", "a user name such as \"root\"")) {
        if (name->empty() || name->find_first_of(" \t\n:/") != std::string::npos) {
            reader.report("notify_user", "notify_user must be a user name, got " +
                                             show(*reader.find("notify_user")));
        } else {
            user.name = *name;
        }
    }
    if (auto value = reader.duration("notify_timeout", k_min_timeout, k_max_timeout)) {
        timeout = *value;
    }
}

void read_notify(const table_reader& reader, instance_draft& draft) {
    draft.value.notify = read_notify_settings(reader);
}

notify_settings read_notify_settings(const table_reader& reader) {
    notify_settings notify;
    notify.any = read_command(reader, "notify");
    notify.master = read_command(reader, "notify_master");
    notify.backup = read_command(reader, "notify_backup");
    notify.fault = read_command(reader, "notify_fault");
    notify.stop = read_command(reader, "notify_stop");
    read_hook_runner(reader, notify.user, notify.timeout);
    return notify;
}

}  // namespace vipd::config::detail
