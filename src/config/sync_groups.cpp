#include <algorithm>
#include <array>
#include <map>

#include "vrrp_section.hpp"

namespace vipd::config::detail {
namespace {

constexpr std::array<std::string_view, 9> k_sync_group_keys{
    "name",         "members",     "notify",      "notify_master", "notify_backup",
    "notify_fault", "notify_stop", "notify_user", "notify_timeout"};

constexpr std::array<foreign_key_hint, 1> k_sync_group_hints{{
    {"group", "keepalived's group { ... } is members here, a list of [[vrrp]] names"},
}};

std::vector<std::pair<source_position, std::string>> read_members(const table_reader& reader,
                                                                  sync_group& group) {
    std::vector<std::pair<source_position, std::string>> at;
    const toml::node* node = reader.find("members");
    if (node == nullptr) {
        reader.report_missing("members",
                              "a list of [[vrrp]] names such as [\"outside\", \"inside\"]");
        return at;
    }
    const auto* array = node->as_array();
    if (array == nullptr) {
        reader.report("members",
                      "members must be a list of [[vrrp]] names such as [\"outside\", "
                      "\"inside\"], got " +
                          std::string(describe(node->type())));
        return at;
    }
    for (std::size_t i = 0; i < array->size(); ++i) {
        const toml::node& element = *array->get(i);
        const auto path = reader.key_path("members[" + std::to_string(i) + "]");
        const auto* text = element.as_string();
        if (text == nullptr) {
            reader.diag().report(element.source(), path,
                                 "each member must be the name of a [[vrrp]] instance, got " +
                                     std::string(describe(element.type())));
            continue;
        }
        const std::string& name = text->get();
        if (std::find(group.members.begin(), group.members.end(), name) != group.members.end()) {
            reader.diag().report(element.source(), path,
                                 "\"" + name + "\" is already a member of this group");
            continue;
        }
        group.members.push_back(name);
        at.emplace_back(reader.diag().position_of(element.source()), path);
    }
    return at;
}

sync_group_draft read_sync_group(const toml::table& table, std::size_t index, diagnostics& diag) {
    sync_group_draft draft;
    draft.path = "sync_group[" + std::to_string(index) + "]";
    draft.value.position = diag.position_of(table.source());
    const table_reader reader(table, draft.path, k_sync_group_keys, diag, k_sync_group_hints);
    if (auto name = reader.string("name", "a name such as \"nat\"", presence::required)) {
        if (is_valid_name(*name)) {
            draft.value.name = *name;
        } else {
            reader.report("name",
                          "name must be letters, digits, '_', '.' or '-', got \"" + *name + "\"");
        }
    }
    draft.member_at = read_members(reader, draft.value);
    draft.value.notify = read_notify_settings(reader);
    reader.report_unknown_keys();
    return draft;
}

/// Why `instance` cannot be in a sync group, or empty. A tracker with a weight only lowers one
/// member's priority: the peer's member then wants Master but its group waits for the others,
/// which still hear a better Master, so the weight would do nothing (keepalived ignores such
/// weights; here they are refused, so nothing configured is silently void).
std::string member_problem(const vrrp_instance& instance) {
    if (instance.priority == vrrp::k_owner_priority) {
        return "priority 255 (address owner) starts as Master on its own, whatever its group "
               "says; give it 1..254";
    }
    const auto weighted = [](const auto& trackers) {
        return std::find_if(trackers.begin(), trackers.end(),
                            [](const auto& t) { return t.weight != 0; });
    };
    const auto describe_weight = [](std::string_view kind, const auto& tracker) {
        return std::string(kind) + " \"" + tracker.name + "\" has weight " +
               std::to_string(tracker.weight) +
               ": in a sync group a weight would lower one member only, and the group would "
               "stay where it is; use weight 0 (the member faults, and its group with it)";
    };
    if (auto t = weighted(instance.track_interfaces); t != instance.track_interfaces.end()) {
        return describe_weight("track_interfaces", *t);
    }
    if (auto t = weighted(instance.track_scripts); t != instance.track_scripts.end()) {
        return describe_weight("track_scripts", *t);
    }
    if (auto t = weighted(instance.track_virtual_servers);
        t != instance.track_virtual_servers.end()) {
        return describe_weight("track_virtual_servers", *t);
    }
    if (auto t = weighted(instance.track_processes); t != instance.track_processes.end()) {
        return describe_weight("track_processes", *t);
    }
    // A track file's default weight is 1 (its number moves the priority): only 0, where a
    // non-zero number means Fault, suits a group.
    if (auto t = weighted(instance.track_files); t != instance.track_files.end()) {
        return describe_weight("track_files", *t);
    }
    return {};
}

}  // namespace

std::vector<sync_group_draft> read_sync_groups(const toml::table& root, diagnostics& diag) {
    std::vector<sync_group_draft> drafts;
    for_each_table(root, "sync_group", "group", diag,
                   [&](const toml::table& table, std::size_t index) {
                       drafts.push_back(read_sync_group(table, index, diag));
                   });
    return drafts;
}

void check_sync_groups(std::vector<sync_group_draft>& groups,
                       std::vector<instance_draft>& instances, diagnostics& diag) {
    std::map<std::string, const sync_group_draft*> names;
    std::map<std::string, const sync_group_draft*> membership;
    for (auto& group : groups) {
        if (!group.value.name.empty()) {
            if (auto [it, fresh] = names.emplace(group.value.name, &group); !fresh) {
                diag.report(group.value.position, group.path + ".name",
                            "a sync group named \"" + group.value.name + "\" already exists (" +
                                line_reference(it->second->value.position, group.value.position) +
                                ")");
            }
        }
        if (!group.member_at.empty() && group.member_at.size() < 2) {
            // keepalived only warns; a group of one changes nothing and is always a mistake.
            diag.report(group.member_at.front().first, group.path + ".members",
                        "a sync group needs at least two members; a single instance is already "
                        "Master or not on its own");
        }
        for (std::size_t m = 0; m < group.value.members.size(); ++m) {
            const auto& member = group.value.members[m];
            const auto& [at, path] = group.member_at[m];
            auto instance = std::find_if(instances.begin(), instances.end(), [&](const auto& d) {
                return d.name_ok && d.value.name == member;
            });
            if (instance == instances.end()) {
                diag.report(at, path, "no [[vrrp]] instance is named \"" + member + "\"");
                continue;
            }
            if (auto [it, fresh] = membership.emplace(member, &group); !fresh) {
                diag.report(at, path,
                            "\"" + member + "\" is already a member of sync group \"" +
                                it->second->value.name + "\" (" +
                                line_reference(it->second->value.position, at) +
                                "); an instance belongs to one group at most");
                continue;
            }
            if (auto problem = member_problem(instance->value); !problem.empty()) {
                diag.report(
                    at, path,
                    describe_instance(*instance, at) + " cannot be in a sync group: " + problem);
                continue;
            }
            instance->value.sync_group = group.value.name;
        }
    }
}

}  // namespace vipd::config::detail
