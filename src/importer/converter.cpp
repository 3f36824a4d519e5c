// Reading blocks through the table, the generic handlers, and the document's assembly.
#include "converter.hpp"

#include <algorithm>

namespace vipd::importer {
namespace detail {

std::string_view block_name(block where) noexcept {
    switch (where) {
        case block::top:
            return "(top level)";
        case block::global_defs:
            return "global_defs";
        case block::vrrp_instance:
            return "vrrp_instance";
        case block::authentication:
            return "vrrp_instance / authentication";
        case block::vrrp_sync_group:
            return "vrrp_sync_group";
        case block::vrrp_script:
            return "vrrp_script";
        case block::vrrp_track_file:
            return "vrrp_track_file";
        case block::vrrp_track_process:
            return "vrrp_track_process";
        case block::virtual_server:
            return "virtual_server";
        case block::real_server:
            return "real_server";
        case block::checker:
            return "real_server / *_CHECK, HTTP_GET, SSL_GET";
        case block::url:
            return "HTTP_GET, SSL_GET / url";
    }
    return "?";
}

void converter::drop(const node& n, std::string reason) {
    dropped.push_back(dropped_item{n.file, n.line, n.keyword, std::move(reason)});
    drop_order.push_back(statement_index);
}

bool converter::want_args(const node& n, std::size_t min, std::size_t max) {
    if (n.args.size() >= min && n.args.size() <= max) {
        return true;
    }
    drop(n, min == max
                ? "expects " + std::to_string(min) + " argument(s)"
                : "expects " + std::to_string(min) + " to " + std::to_string(max) + " arguments");
    return false;
}

void converter::walk(std::span<const node> nodes, block where, toml_section& section) {
    auto* const outer = target;
    target = &section;
    const auto table = keyword_table();
    for (const auto& n : nodes) {
        if (!n.condition.empty()) {
            drop(n, "a conditional line (@" + n.condition +
                        ") applies to one keepalived instance name only: write the line this "
                        "director needs without the prefix");
            continue;
        }
        const auto row = std::find_if(table.begin(), table.end(), [&](const keyword_row& r) {
            return r.where == where && r.keyword == n.keyword;
        });
        if (row == table.end()) {
            drop(n,
                 "not a keyword vipd has an equivalent for in " + std::string(block_name(where)));
        } else if (row->handle == nullptr) {
            drop(n, std::string(row->note));
        } else {
            row->handle(n, *row, *this);
        }
    }
    target = outer;
}

std::pair<toml_section*, std::string_view> converter::destination(std::string_view vipd_key) {
    constexpr std::string_view k_check = "check.";
    constexpr std::string_view k_vrrp = "[[vrrp]] ";
    // "preempt = false": the table shows the value a flag writes; the key is before it.
    vipd_key = vipd_key.substr(0, vipd_key.find(" = "));
    if (vipd_key.starts_with(k_check)) {
        return {&target->child("_check"), vipd_key.substr(k_check.size())};
    }
    if (vipd_key.starts_with(k_vrrp)) {
        return {&instance_defaults, vipd_key.substr(k_vrrp.size())};
    }
    return {target, vipd_key};
}

const node* find_statement(const std::vector<node>& nodes, std::string_view keyword) {
    const node* found = nullptr;
    for (const auto& n : nodes) {
        if (n.keyword == keyword && n.condition.empty()) {
            found = &n;
        }
    }
    return found;
}

void set_string(const node& n, const keyword_row& row, converter& c) {
    if (c.want_args(n, 1, 1)) {
        auto [section, key] = c.destination(row.vipd_key);
        section->set(key, quoted(n.args.front()));
    }
}

void set_lowercase(const node& n, const keyword_row& row, converter& c) {
    if (c.want_args(n, 1, 1)) {
        auto [section, key] = c.destination(row.vipd_key);
        section->set(key, quoted(lowercase(n.args.front())));
    }
}

void set_integer(const node& n, const keyword_row& row, converter& c) {
    if (!c.want_args(n, 1, 1)) {
        return;
    }
    const auto value = integer_of(n.args.front());
    if (!value || *value < 0) {
        c.drop(n, "'" + n.args.front() + "' is not a whole number");
        return;
    }
    auto [section, key] = c.destination(row.vipd_key);
    section->set(key, std::to_string(*value));
}

void set_duration(const node& n, const keyword_row& row, converter& c) {
    if (!c.want_args(n, 1, 1)) {
        return;
    }
    const auto value = duration_of_seconds(n.args.front());
    if (!value) {
        c.drop(n, "'" + n.args.front() + "' is not a number of seconds");
        return;
    }
    auto [section, key] = c.destination(row.vipd_key);
    section->set(key, quoted(*value));
}

void set_true(const node& n, const keyword_row& row, converter& c) {
    if (c.want_args(n, 0, 0)) {
        auto [section, key] = c.destination(row.vipd_key);
        section->set(key, "true");
    }
}

void set_false(const node& n, const keyword_row& row, converter& c) {
    if (c.want_args(n, 0, 0)) {
        auto [section, key] = c.destination(row.vipd_key);
        section->set(key, "false");
    }
}

void set_down(const node& n, const keyword_row& row, converter& c) {
    if (c.want_args(n, 0, 0)) {
        auto [section, key] = c.destination(row.vipd_key);
        section->set(key, quoted("down"));
    }
}

void accept_as_is(const node&, const keyword_row&, converter&) {}

}  // namespace detail

namespace {

using detail::converter;
using detail::toml_section;

const std::vector<std::string_view> k_definitions = {"global_defs",          "vrrp_script",
                                                     "vrrp_track_file",      "vrrp_track_process",
                                                     "virtual_server_group", "vrrp_sync_group"};

bool is_definition(const node& n) {
    return std::find(k_definitions.begin(), k_definitions.end(), n.keyword) != k_definitions.end();
}

std::string document(const converter& c) {
    std::string out = "# Converted from keepalived.conf by vipd import-keepalived.\n";
    const auto add = [&out](const toml_section& section) { out += "\n" + section.render(); };
    if (!c.global.keys.empty()) {
        add(c.global);
    }
    for (const auto* list : {&c.instances, &c.sync_groups, &c.services}) {
        for (const auto& section : *list) {
            add(section);
        }
    }
    if (!c.ipvs.keys.empty() || !c.ipvs.children.empty()) {
        add(c.ipvs);
    }
    return out;
}

}  // namespace

std::string dropped_item::to_string() const {
    return file + ":" + std::to_string(line) + ": " + keyword + ": dropped: " + reason;
}

conversion convert(const std::vector<node>& nodes) {
    converter c;
    // Definitions first: an instance may name a vrrp_script written after it. The dropped
    // items are put back in the file's order afterwards.
    for (const bool definitions : {true, false}) {
        for (std::size_t i = 0; i < nodes.size(); ++i) {
            if ((is_definition(nodes[i]) && nodes[i].condition.empty()) == definitions) {
                c.statement_index = i;
                c.walk(std::span(&nodes[i], 1), detail::block::top, c.global);
            }
        }
    }
    if (!c.services.empty()) {
        // keepalived keeps every service in the kernel on every director.
        c.ipvs.set(
            "# keepalived's behaviour; vipd's default \"master\" loads a service only "
            "on the MASTER of its VIP",
            "");
        c.ipvs.set("mode", detail::quoted("always"));
    }
    std::vector<std::size_t> order(c.dropped.size());
    for (std::size_t i = 0; i < order.size(); ++i) {
        order[i] = i;
    }
    std::stable_sort(order.begin(), order.end(), [&c](std::size_t a, std::size_t b) {
        return c.drop_order[a] < c.drop_order[b];
    });
    conversion out{document(c), {}};
    for (const auto i : order) {
        out.dropped.push_back(std::move(c.dropped[i]));
    }
    return out;
}

}  // namespace vipd::importer
