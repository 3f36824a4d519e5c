#include <array>
#include <filesystem>
#include <span>

#include "tracking_entries.hpp"
#include "vrrp_section.hpp"
#include "vipd/vrrp/tracking.hpp"

namespace vipd::config::detail {
namespace {

constexpr std::array<std::string_view, 4> k_file_keys{"name", "path", "weight", "init"};
constexpr std::array<std::string_view, 6> k_process_keys{"name",   "process", "args",
                                                         "weight", "quorum",  "delay"};
constexpr std::int64_t k_file_limit = vrrp::k_track_file_limit;
constexpr std::int64_t k_max_quorum = 65535;  // keepalived's bound
constexpr microseconds k_max_process_delay{3'600'000'000};

std::optional<std::string> read_file_path(const table_reader& reader) {
    auto path = reader.string("path", "an absolute path such as \"/run/vipd/web.weight\"",
                              presence::required);
    if (!path) {
        return std::nullopt;
    }
    if (path->empty() || path->front() != '/' || path->back() == '/' ||
        path->find('\0') != std::string::npos) {
        reader.report("path",
                      "path must be an absolute file path such as "
                      "\"/run/vipd/web.weight\", got \"" +
                          *path + "\"");
        return std::nullopt;
    }
    return path;
}

std::optional<tracked_file> read_file_entry(const table_reader& reader) {
    tracked_file tracker;
    auto path = read_file_path(reader);
    auto name = reader.string("name", "a name for logs such as \"maintenance\"");
    // Unlike the up/down trackers', a track file's weight may be positive: it multiplies a
    // number the operator writes, and keepalived allows both signs.
    auto weight = reader.integer("weight", -k_file_limit, k_file_limit);
    auto init = reader.integer("init", -k_file_limit, k_file_limit);
    reader.report_unknown_keys();
    const bool weight_ok = weight || !reader.has("weight");
    const bool init_ok = init || !reader.has("init");
    if (!path || !weight_ok || !init_ok || (reader.has("name") && !name)) {
        return std::nullopt;
    }
    tracker.path = *path;
    tracker.name = name ? *name : std::filesystem::path(*path).filename().string();
    tracker.weight = static_cast<track_weight>(weight.value_or(1));
    if (init) {
        tracker.init = static_cast<std::int16_t>(*init);
    }
    return tracker;
}

std::optional<tracked_process> read_process_entry(const table_reader& reader) {
    tracked_process tracker;
    auto process = reader.string("process", "a process name such as \"nginx\"", presence::required);
    if (process && (process->empty() ||
                    process->find_first_of(std::string_view("/\0", 2)) != std::string::npos)) {
        reader.report("process",
                      "process must be a process name such as \"nginx\" (its comm, or the file "
                      "name of argv[0]), not a path, got \"" +
                          *process + "\"");
        process.reset();
    }
    auto name = reader.string("name", "a name for logs such as \"nginx\"");
    auto args = reader.string("args", "the arguments after the program, such as \"-c /etc/x\"");
    auto weight = read_weight(reader);
    auto quorum = reader.integer("quorum", 1, k_max_quorum);
    auto delay = reader.duration("delay", microseconds{0}, k_max_process_delay);
    reader.report_unknown_keys();
    const auto bad = [&reader](std::string_view key, bool ok) { return reader.has(key) && !ok; };
    if (!process || !weight || bad("name", name.has_value()) || bad("args", args.has_value()) ||
        bad("quorum", quorum.has_value()) || bad("delay", delay.has_value())) {
        return std::nullopt;
    }
    tracker.process = *process;
    tracker.name = name.value_or(*process);
    tracker.args = args;
    tracker.weight = *weight;
    tracker.quorum = static_cast<std::uint32_t>(quorum.value_or(1));
    tracker.delay = delay.value_or(microseconds{0});
    return tracker;
}

/// How one list of polled trackers is read: its key, an example for messages, the keys of an
/// entry, what an entry is called and the key that names it when `name` is left out.
struct list_form {
    std::string_view key;
    std::string_view example;
    std::span<const std::string_view> entry_keys;
    std::string_view what;      // "track file"
    std::string_view name_key;  // "path"
};

/// Every table of `form.key` read by `read_entry`, names unique within the instance.
template <typename Tracker, typename ReadEntry>
void read_list(const table_reader& reader, const list_form& form, std::vector<Tracker>& out,
               ReadEntry read_entry) {
    std::vector<std::string> seen;
    for_each_entry(
        reader, form.key, form.example, false,
        [&](const toml::node& element, const std::string& path) {
            const table_reader entry(*element.as_table(), path, form.entry_keys, reader.diag());
            std::optional<Tracker> tracker = read_entry(entry);
            if (!tracker) {
                return;
            }
            if (seen_before(seen, tracker->name)) {
                entry.report(entry.has("name") ? "name" : form.name_key,
                             "a " + std::string(form.what) + " named \"" + tracker->name +
                                 "\" already exists in this instance; give each a "
                                 "distinct name");
                return;
            }
            out.push_back(std::move(*tracker));
        });
}

}  // namespace

void read_polled_tracking(const table_reader& reader, instance_draft& draft) {
    read_list(reader,
              {"track_files",
               "[{ name = \"maintenance\", path = \"/run/vipd/web.weight\", weight = -1 }]",
               k_file_keys, "track file", "path"},
              draft.value.track_files, read_file_entry);
    read_list(
        reader,
        {"track_processes", "[{ process = \"nginx\", weight = -20, quorum = 1, delay = \"2s\" }]",
         k_process_keys, "track process", "process"},
        draft.value.track_processes, read_process_entry);
}

}  // namespace vipd::config::detail
