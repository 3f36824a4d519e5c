// vrrp_script, vrrp_track_file, vrrp_track_process and the instances' track_* blocks.
#include "converter.hpp"

namespace vipd::importer::detail {
namespace {

constexpr std::string_view k_weight_note = "_weight";
constexpr std::string_view k_reverse_note = "_reverse";
constexpr std::int64_t k_max_weight = 254;

/// Reads a named definition block into `definitions[NAME]`, its name as the entry's `name`.
void read_definition(const node& n, block where, converter& c,
                     std::map<std::string, toml_section>& definitions) {
    if (!c.want_args(n, 1, 1)) {
        return;
    }
    toml_section entry;
    entry.set("name", quoted(n.args.front()));
    c.walk(n.children, where, entry);
    if (const auto* user = c.instance_defaults.find("script_user");
        user != nullptr && where == block::vrrp_script && entry.find("user") == nullptr) {
        entry.set("user", user->items.front());
    }
    definitions[n.args.front()] = std::move(entry);
}

/// `NAME [weight W [reverse]]` of a track_* block: the weight written there, else the
/// definition's, else `fallback`; negated by `reverse` when `reverse_negates`.
std::optional<std::int64_t> weight_of(const node& ref, const toml_section& definition,
                                      std::int64_t fallback, bool reverse_negates, converter& c) {
    std::optional<std::int64_t> weight;
    bool reverse = definition.find(k_reverse_note) != nullptr;
    if (const auto* own = definition.find(k_weight_note); own != nullptr) {
        weight = integer_of(own->items.front());
    }
    if (!ref.args.empty()) {
        weight = ref.args.size() >= 2 && ref.args[0] == "weight" ? integer_of(ref.args[1])
                                                                 : std::nullopt;
        reverse = ref.args.size() == 3 && ref.args[2] == "reverse";
        if (!weight || ref.args.size() > 3 || (ref.args.size() == 3 && !reverse)) {
            c.drop(ref, "expects NAME [weight W [reverse]]");
            return std::nullopt;
        }
    }
    const auto value = weight.value_or(fallback);
    if (value < -k_max_weight || value > k_max_weight) {
        c.drop(ref, "a weight is -254..254");
        return std::nullopt;
    }
    if (reverse && !reverse_negates) {
        c.drop(ref,
               "reverse has no vipd equivalent here (only a track file's weight can be "
               "reversed, as a negative weight)");
        return std::nullopt;
    }
    return reverse ? -value : value;
}

/// vipd's weights apply while the object is down (-254..0); keepalived's positive ones apply
/// while it is up. The same priorities come out of a priority raised by the weight and the
/// weight negated. A sync group's members keep weight 0: keepalived ignores their weights.
std::string down_weight(std::int64_t weight, converter& c) {
    const auto* name = c.target->find("name");
    if (name != nullptr && c.sync_members.contains(name->items.front())) {
        return "0";
    }
    if (weight > 0) {
        const auto* boost = c.target->find("_boost");
        const auto total = weight + (boost == nullptr ? 0 : *integer_of(boost->items.front()));
        c.target->set("_boost", std::to_string(total));
        return std::to_string(-weight);
    }
    return std::to_string(weight);
}

const toml_section* definition_of(const node& ref, const std::map<std::string, toml_section>& all,
                                  std::string_view kind, converter& c) {
    const auto it = all.find(ref.keyword);
    if (it == all.end()) {
        c.drop(ref, "no " + std::string(kind) + " of this name was converted");
        return nullptr;
    }
    return &it->second;
}

/// How a track_* block's names become entries of a vipd track list.
struct reference_kind {
    const std::map<std::string, toml_section>* definitions;
    std::string_view definition;    // "vrrp_script"
    std::string_view required_key;  // what a definition needs to be usable
    std::string_view list;          // "track_scripts"
    std::int64_t default_weight;
    bool file_weight;  // a track file's weight: kept as written, reverse negates it
};

void read_references(const node& n, converter& c, const reference_kind& kind) {
    for (const auto& ref : n.children) {
        const auto* definition = definition_of(ref, *kind.definitions, kind.definition, c);
        if (definition == nullptr) {
            continue;
        }
        if (definition->find(kind.required_key) == nullptr) {
            c.drop(ref, "its " + std::string(kind.definition) + " has no " +
                            std::string(kind.required_key) + " vipd can use");
            continue;
        }
        const auto weight = weight_of(ref, *definition, kind.default_weight, kind.file_weight, c);
        if (weight) {
            auto entry = *definition;
            entry.set("weight",
                      kind.file_weight ? std::to_string(*weight) : down_weight(*weight, c));
            c.target->append(kind.list, entry.render_inline());
        }
    }
}

}  // namespace

void read_vrrp_script(const node& n, const keyword_row&, converter& c) {
    read_definition(n, block::vrrp_script, c, c.scripts);
    const auto it = n.args.size() == 1 ? c.scripts.find(n.args.front()) : c.scripts.end();
    if (it == c.scripts.end()) {
        return;
    }
    auto& script = it->second;
    if (script.find("interval") == nullptr) {
        script.set("interval", quoted("1s"));  // keepalived's default; vipd's is 2s
    }
    const auto* timeout = script.find("timeout");
    const auto& interval = script.find("interval")->items.front();
    if (timeout != nullptr &&
        microseconds_of(unquoted(timeout->items.front())) > microseconds_of(unquoted(interval))) {
        c.drop(n, "its timeout is cut to its interval: vipd runs the next check then");
        script.set("timeout", interval);
    }
}

void read_vrrp_track_file(const node& n, const keyword_row&, converter& c) {
    read_definition(n, block::vrrp_track_file, c, c.track_files);
}

void read_vrrp_track_process(const node& n, const keyword_row&, converter& c) {
    read_definition(n, block::vrrp_track_process, c, c.track_processes);
}

void read_script_command(const node& n, const keyword_row& row, converter& c) {
    if (!c.want_args(n, 1, 1)) {
        return;
    }
    const auto argv = split_command(n.args.front());
    if (argv.empty() || !argv.front().starts_with('/') ||
        n.args.front().find_first_of("|;&<>$`") != std::string::npos) {
        c.drop(n, "vipd runs a program by its absolute path with arguments, without a shell");
        return;
    }
    auto [section, key] = c.destination(row.vipd_key);
    section->set(key, string_array(argv));
}

void read_script_user(const node& n, const keyword_row& row, converter& c) {
    if (!c.want_args(n, 1, 2)) {
        return;
    }
    auto [section, key] = c.destination(row.vipd_key);
    section->set(key, quoted(n.args.front()));
    if (n.args.size() == 2) {
        c.drop(n, "a command runs with its user's primary group (no group of its own)");
    }
}

// init_file [VALUE] [overwrite]: the value written when the file does not exist (default 0).
void read_init_file(const node& n, const keyword_row&, converter& c) {
    if (!c.want_args(n, 0, 2)) {
        return;
    }
    const bool has_value = !n.args.empty() && n.args.front() != "overwrite";
    const auto value = has_value ? integer_of(n.args.front()) : std::optional<std::int64_t>(0);
    if (!value || *value < -k_max_weight || *value > k_max_weight) {
        c.drop(n, "the initial value is a number -254..254");
        return;
    }
    c.target->set("init", std::to_string(*value));
    if (!n.args.empty() && n.args.back() == "overwrite") {
        c.drop(n, "overwrite: vipd writes the file only when it does not exist");
    }
}

void read_default_script_user(const node& n, const keyword_row&, converter& c) {
    if (c.want_args(n, 1, 2)) {
        c.instance_defaults.set("script_user", quoted(n.args.front()));
    }
    if (n.args.size() == 2) {
        c.drop(n, "a command runs with its user's primary group (no group of its own)");
    }
}

void read_tracker_weight(const node& n, const keyword_row&, converter& c) {
    if (!c.want_args(n, 1, 2)) {
        return;
    }
    const auto weight = integer_of(n.args.front());
    if (!weight || (n.args.size() == 2 && n.args[1] != "reverse")) {
        c.drop(n, "expects weight W [reverse]");
        return;
    }
    c.target->set(k_weight_note, std::to_string(*weight));
    if (n.args.size() == 2) {
        c.target->set(k_reverse_note, "true");
    }
}

void read_track_interface(const node& n, const keyword_row&, converter& c) {
    for (const auto& ref : n.children) {
        const auto weight = weight_of(ref, toml_section{}, 0, false, c);
        if (weight) {
            toml_section entry;
            entry.set("name", quoted(ref.keyword));
            entry.set("weight", down_weight(*weight, c));
            c.target->append("track_interfaces", entry.render_inline());
        }
    }
}

void read_track_script(const node& n, const keyword_row&, converter& c) {
    read_references(n, c, {&c.scripts, "vrrp_script", "command", "track_scripts", 0, false});
}

void read_track_file(const node& n, const keyword_row&, converter& c) {
    // A track file's number times its weight applies always, as in keepalived.
    read_references(n, c, {&c.track_files, "vrrp_track_file", "path", "track_files", 1, true});
}

void read_track_process(const node& n, const keyword_row&, converter& c) {
    read_references(
        n, c, {&c.track_processes, "vrrp_track_process", "process", "track_processes", 0, false});
}

}  // namespace vipd::importer::detail
