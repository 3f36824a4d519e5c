#include <algorithm>
#include <array>
#include <filesystem>

#include "health_section.hpp"
#include "ipvs_section.hpp"
#include "tracking_entries.hpp"
#include "vrrp_section.hpp"

namespace vipd::config::detail {
namespace {

constexpr std::array<std::string_view, 2> k_named_keys{"name", "weight"};
constexpr std::array<std::string_view, 9> k_script_keys{
    "name", "command", "user", "interval", "timeout", "rise", "fall", "initial", "weight"};
constexpr std::int64_t k_min_weight = -254;

struct named_entry {
    std::string name;
    track_weight weight = 0;
    source_position at;
};

/// A string entry ("eth2", weight 0) or a { name, weight } table.
std::optional<named_entry> read_named(const toml::node& element, const std::string& path,
                                      diagnostics& diag, std::string_view what) {
    named_entry entry;
    entry.at = diag.position_of(element.source());
    if (const auto* text = element.as_string()) {
        entry.name = text->get();
        return entry;
    }
    const table_reader reader(*element.as_table(), path, k_named_keys, diag);
    auto name = reader.string("name", what, presence::required);
    auto weight = read_weight(reader);
    reader.report_unknown_keys();
    if (!name || !weight) {
        return std::nullopt;
    }
    entry.name = *name;
    entry.weight = *weight;
    entry.at = diag.position_of(reader.find("name")->source());
    return entry;
}

}  // namespace

// keepalived adds a positive weight while the object is up; here every weight applies while it
// is down, so a positive one would raise a sick director's priority.
std::optional<track_weight> read_weight(const table_reader& reader) {
    const toml::node* node = reader.find("weight");
    if (node == nullptr) {
        return track_weight{0};
    }
    if (const auto* number = node->as_integer(); number != nullptr && number->get() > 0) {
        reader.report("weight",
                      "weight must be -254..0: it is added to the priority while the tracked "
                      "object is down (0 = Fault); keepalived's positive weights (added while "
                      "up) are written here as a higher priority and a negative weight");
        return std::nullopt;
    }
    if (auto weight = reader.integer("weight", k_min_weight, 0)) {
        return static_cast<track_weight>(*weight);
    }
    return std::nullopt;
}

bool seen_before(std::vector<std::string>& seen, const std::string& name) {
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
        return true;
    }
    seen.push_back(name);
    return false;
}

void read_tracking(const table_reader& reader, instance_draft& draft) {
    auto& diag = reader.diag();
    std::vector<std::string> seen;
    for_each_entry(
        reader, "track_interfaces", "[{ name = \"eth2\", weight = 0 }]", true,
        [&](const toml::node& element, const std::string& path) {
            auto entry = read_named(element, path, diag, "an interface name");
            if (!entry) {
                return;
            }
            if (auto problem = interface_name_problem(entry->name)) {
                diag.report(entry->at, path, "interface " + *problem + ": \"" + entry->name + "\"");
            } else if (seen_before(seen, entry->name)) {
                diag.report(entry->at, path, "interface " + entry->name + " is already tracked");
            } else {
                draft.value.track_interfaces.push_back({entry->name, entry->weight});
            }
        });

    seen.clear();
    for_each_entry(
        reader, "track_scripts",
        "[{ command = [\"/usr/local/bin/check-nginx\"], interval = \"2s\", weight = -20 }]", false,
        [&](const toml::node& element, const std::string& path) {
            const table_reader script_reader(*element.as_table(), path, k_script_keys, diag);
            tracked_script tracker;
            auto script = read_script(script_reader);
            read_timing(script_reader, tracker.timing);
            auto weight = read_weight(script_reader);
            auto name = script_reader.string("name", "a name for logs such as \"nginx\"");
            script_reader.report_unknown_keys();
            if (!script || !weight) {
                return;
            }
            tracker.script = std::move(*script);
            tracker.weight = *weight;
            tracker.name =
                name ? *name
                     : std::filesystem::path(tracker.script.command.front()).filename().string();
            if (seen_before(seen, tracker.name)) {
                script_reader.report(name ? "name" : "command",
                                     "a track script named \"" + tracker.name +
                                         "\" already exists in this instance; give each a "
                                         "distinct name");
                return;
            }
            draft.value.track_scripts.push_back(std::move(tracker));
        });

    seen.clear();
    for_each_entry(reader, "track_virtual_servers", "[{ name = \"web-80\", weight = -50 }]", true,
                   [&](const toml::node& element, const std::string& path) {
                       auto entry =
                           read_named(element, path, diag, "the name of a [[virtual_server]]");
                       if (!entry) {
                           return;
                       }
                       if (seen_before(seen, entry->name)) {
                           diag.report(entry->at, path,
                                       "virtual server " + entry->name + " is already tracked");
                           return;
                       }
                       draft.value.track_virtual_servers.push_back({entry->name, entry->weight});
                       draft.tracked_server_at.emplace_back(entry->at, path);
                   });
    read_polled_tracking(reader, draft);
}

void check_tracked_virtual_servers(const std::vector<instance_draft>& instances,
                                   const std::vector<virtual_server_draft>& servers,
                                   diagnostics& diag) {
    std::vector<std::string_view> names;
    for (const auto& server : servers) {
        if (server.name_ok) {
            names.push_back(*server.value.name);
        }
    }
    for (const auto& instance : instances) {
        const auto& tracked = instance.value.track_virtual_servers;
        for (std::size_t i = 0; i < tracked.size(); ++i) {
            if (std::find(names.begin(), names.end(), tracked[i].name) != names.end()) {
                continue;
            }
            std::string message = "no [[virtual_server]] is named \"" + tracked[i].name + "\"";
            if (const auto near = closest_match(tracked[i].name, names); !near.empty()) {
                message += " (did you mean \"" + std::string(near) + "\"?)";
            }
            message +=
                names.empty() ? "; give the virtual server a name = \"...\" to track it" : "";
            diag.report(instance.tracked_server_at[i].first, instance.tracked_server_at[i].second,
                        message);
        }
    }
}

}  // namespace vipd::config::detail
