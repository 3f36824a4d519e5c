#include "vipd/control/render.hpp"

#include <array>
#include <cstdio>

#include "table.hpp"

namespace vipd::control {
namespace {

using detail::cell;
using detail::paint;

std::string two_digits(std::int64_t n) {
    return (n < 10 ? "0" : "") + std::to_string(n);
}

std::string_view state_colour(const std::string& state) {
    if (state == "MASTER") {
        return detail::k_green;
    }
    if (state == "FAULT") {
        return detail::k_red;
    }
    if (state == "INIT") {
        return detail::k_yellow;
    }
    return {};  // BACKUP is the normal resting state: no colour draws the eye to it
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) {
            out.append(separator);
        }
        out += item;
    }
    return out;
}

std::string header_line(const status_view& status, std::int64_t now_unix, bool colour) {
    std::string out = "vipd router-id " + paint(status.router_id, detail::k_bold, colour);
    if (status.started_unix > 0) {
        out += ", up " + format_duration(now_unix - status.started_unix);
    }
    if (!status.config_files.empty()) {
        out += ", config " + join(status.config_files, ", ");
    }
    return out + "\n";
}

cell priority_cell(const instance_view& v) {
    std::string text = std::to_string(v.priority);
    if (v.demoted) {
        text += " (demoted, configured " + std::to_string(v.configured_priority) + ")";
        return cell{std::move(text), detail::k_yellow};
    }
    if (v.priority != v.configured_priority) {
        text += " (configured " + std::to_string(v.configured_priority) + ")";
    }
    return cell{std::move(text)};
}

std::string since_text(std::int64_t since_unix, std::int64_t now_unix) {
    if (since_unix <= 0) {
        return "-";
    }
    return format_duration(now_unix - since_unix) + " ago";
}

cell weight_cell(const real_view& r) {
    std::vector<std::string> notes;
    if (r.drained) {
        notes.emplace_back("drained");
    }
    if (!r.kernel_weight) {
        notes.emplace_back("not in kernel");
    } else if (*r.kernel_weight != r.weight && !(r.drained && *r.kernel_weight == 0)) {
        // Health checks set the kernel weight to 0 (quiescent) while the real is down; a
        // drain's 0 goes without saying.
        notes.push_back("kernel " + std::to_string(*r.kernel_weight));
    }
    std::string text = std::to_string(r.weight);
    if (!notes.empty()) {
        text += " (" + join(notes, ", ") + ")";
    }
    return cell{std::move(text), r.drained ? detail::k_yellow : std::string_view{}};
}

/// "drained: web-80 10.0.0.40:80 (9m59s left), api 10.0.0.41:80": a maintenance state that
/// must not be forgotten, so it gets its own line.
std::string drained_line(const std::vector<drain_view>& drained, std::int64_t now_unix,
                         bool colour) {
    std::vector<std::string> items;
    for (const auto& d : drained) {
        std::string item = d.service + " " + d.real;
        if (d.until_unix) {
            item += " (" + format_duration(*d.until_unix - now_unix) + " left)";
        }
        items.push_back(std::move(item));
    }
    return paint("drained: ", detail::k_yellow, colour) + join(items, ", ") + "\n";
}

cell health_cell(const real_view& r) {
    std::string text = r.health;
    if (r.fallback) {
        text += " (fallback)";
    }
    if (r.health == "up") {
        return cell{std::move(text), detail::k_green};
    }
    if (r.health == "down") {
        return cell{std::move(text), detail::k_red};
    }
    return cell{std::move(text)};
}

std::string check_text(const real_view& r) {
    std::string text = r.detail;
    if (r.latency_ms) {
        std::array<char, 32> buffer{};
        std::snprintf(buffer.data(), buffer.size(), "%.1f ms", *r.latency_ms);
        text += text.empty() ? std::string(buffer.data()) : " (" + std::string(buffer.data()) + ")";
    }
    return text;
}

std::string joined_lines(const detail::table& rows, bool colour) {
    std::string out;
    for (const auto& line : rows.lines(colour)) {
        out += line;
    }
    return out;
}

/// INSTANCE STATE PRIO MASTER VIPS SINCE, one row per VRRP instance.
std::string instance_lines(const std::vector<instance_view>& instances, std::int64_t now_unix,
                           bool colour) {
    detail::table rows;
    rows.add({{"INSTANCE", detail::k_bold},
              {"STATE", detail::k_bold},
              {"PRIO", detail::k_bold},
              {"MASTER", detail::k_bold},
              {"VIPS", detail::k_bold},
              {"SINCE", detail::k_bold}});
    for (const auto& v : instances) {
        // A sync group member shows its group: the members move together.
        const auto name = v.sync_group ? v.name + " [" + *v.sync_group + "]" : v.name;
        rows.add({cell{name}, cell{v.state, state_colour(v.state)}, priority_cell(v),
                  cell{v.master.value_or("-")}, cell{v.vips.empty() ? "-" : join(v.vips, ",")},
                  cell{since_text(v.since_unix, now_unix)}});
    }
    return joined_lines(rows, colour);
}

/// Announced is what a healthy director does: green, like MASTER. A demote is maintenance,
/// yellow as for instances. Any other withdrawal is plain, like BACKUP: following an instance
/// that is not MASTER is a resting state, and the reals behind a lost quorum are red in `ipvs`.
std::string_view announcement_colour(const bgp_vip_view& v) {
    if (v.announced) {
        return detail::k_green;
    }
    return v.demoted ? detail::k_yellow : std::string_view{};
}

/// BGP VIP ADDRESS STATE WHY, one row per [[bgp_vip]].
std::string bgp_vip_lines(const std::vector<bgp_vip_view>& bgp_vips, bool colour) {
    detail::table rows;
    rows.add({{"BGP VIP", detail::k_bold},
              {"ADDRESS", detail::k_bold},
              {"STATE", detail::k_bold},
              {"WHY", detail::k_bold}});
    for (const auto& v : bgp_vips) {
        const auto paint_as = announcement_colour(v);
        rows.add({cell{v.name}, cell{v.address},
                  cell{v.announced ? "announced" : "withdrawn", paint_as},
                  cell{v.reason, v.demoted ? paint_as : std::string_view{}}});
    }
    return joined_lines(rows, colour);
}

}  // namespace

std::string format_duration(std::int64_t seconds) {
    if (seconds < 0) {
        seconds = 0;
    }
    if (seconds < 60) {
        return std::to_string(seconds) + "s";
    }
    if (seconds < 3600) {
        return std::to_string(seconds / 60) + "m" + two_digits(seconds % 60) + "s";
    }
    if (seconds < 86400) {
        return std::to_string(seconds / 3600) + "h" + two_digits(seconds % 3600 / 60) + "m";
    }
    return std::to_string(seconds / 86400) + "d" + two_digits(seconds % 86400 / 3600) + "h";
}

std::string format_count(std::uint64_t n) {
    static constexpr std::array<char, 6> k_units{'K', 'M', 'G', 'T', 'P', 'E'};
    if (n <= 99999) {
        return std::to_string(n);
    }
    std::size_t unit = 0;
    n /= 1000;
    while (n > 99999 && unit + 1 < k_units.size()) {
        n /= 1000;
        ++unit;
    }
    return std::to_string(n) + k_units[unit];
}

std::string render_status(const status_view& status, std::int64_t now_unix, bool colour) {
    std::string out = header_line(status, now_unix, colour);
    if (status.last_reload && !status.last_reload->ok) {
        out += paint("last reload failed " + since_text(status.last_reload->at_unix, now_unix),
                     detail::k_red, colour);
        out += status.last_reload->message.empty() ? "" : ": " + status.last_reload->message;
        out += "\n";
    }
    if (!status.drained.empty()) {
        out += drained_line(status.drained, now_unix, colour);
    }
    // A BGP-only director has no instances, and needs no line saying so.
    if (status.instances.empty() && status.bgp_vips.empty()) {
        return out + "no VRRP instances\n";
    }
    if (!status.instances.empty()) {
        out += instance_lines(status.instances, now_unix, colour);
    }
    if (!status.bgp_vips.empty()) {
        out += bgp_vip_lines(status.bgp_vips, colour);
    }
    return out;
}

std::string render_services(const std::vector<service_view>& services, bool colour) {
    if (services.empty()) {
        return "no virtual servers\n";
    }
    detail::table service_rows;
    detail::table real_rows("  -> ");
    service_rows.add({{"SERVICE", detail::k_bold},
                      {"VIRTUAL", detail::k_bold},
                      {"SCHED", detail::k_bold},
                      {"GATE", detail::k_bold},
                      {"KERNEL", detail::k_bold},
                      {"CONNS", detail::k_bold},
                      {"PKTS IN", detail::k_bold},
                      {"PKTS OUT", detail::k_bold},
                      {"BYTES IN", detail::k_bold},
                      {"BYTES OUT", detail::k_bold}});
    real_rows.add({{"REAL", detail::k_bold},
                   {"FORWARD", detail::k_bold},
                   {"WEIGHT", detail::k_bold},
                   {"HEALTH", detail::k_bold},
                   {"ACTIVE", detail::k_bold},
                   {"INACTIVE", detail::k_bold},
                   {"CHECK", detail::k_bold}});
    for (const auto& s : services) {
        service_rows.add({cell{s.name}, cell{s.key}, cell{s.scheduler},
                          cell{s.gate.empty() ? "always" : s.gate},
                          cell{s.in_kernel ? "yes" : "no"}, cell{format_count(s.connections)},
                          cell{format_count(s.packets_in)}, cell{format_count(s.packets_out)},
                          cell{format_count(s.bytes_in)}, cell{format_count(s.bytes_out)}});
        for (const auto& r : s.reals) {
            real_rows.add({cell{r.address}, cell{r.forwarding}, weight_cell(r), health_cell(r),
                           cell{format_count(r.active_connections)},
                           cell{format_count(r.inactive_connections)}, cell{check_text(r)}});
        }
    }
    const auto service_lines = service_rows.lines(colour);
    const auto real_lines = real_rows.lines(colour);
    // Both headers first, then each service followed by its own reals.
    std::string out = service_lines[0] + real_lines[0];
    std::size_t next_real = 1;
    for (std::size_t i = 0; i < services.size(); ++i) {
        out += service_lines[i + 1];
        for (std::size_t r = 0; r < services[i].reals.size(); ++r) {
            out += real_lines[next_real++];
        }
    }
    return out;
}

}  // namespace vipd::control
