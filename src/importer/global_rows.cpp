// global_defs, static_ipaddress and the IPVS sync daemon.
#include <algorithm>

#include "converter.hpp"
#include "vipd/core/address.hpp"

namespace vipd::importer::detail {

// The parser splices every plain include; one that reaches the table was written with a block.
void read_misplaced_include(const node& n, const keyword_row&, converter& c) {
    c.drop(n, "an include takes one file name or pattern and no block");
}

void read_global_defs(const node& n, const keyword_row&, converter& c) {
    c.walk(n.children, block::global_defs, c.global);
}

void read_static_ipaddress(const node& n, const keyword_row&, converter& c) {
    for (const auto& entry : n.children) {
        const auto prefix = ip_prefix::parse(entry.keyword);
        const auto dev = std::find(entry.args.begin(), entry.args.end(), "dev");
        if (!prefix || dev == entry.args.end() || dev + 1 == entry.args.end()) {
            c.drop(entry, "a static address needs ADDRESS[/LEN] dev IFNAME");
            continue;
        }
        if (entry.args.size() != 2) {
            c.drop(entry,
                   "only ADDRESS[/LEN] dev IFNAME is kept (scope, label, brd and the "
                   "like have no vipd equivalent)");
        }
        c.global.append("static_vips", quoted(prefix->to_string() + " dev " + *(dev + 1)));
    }
}

namespace {

void set_sync_interface(converter& c, const std::string& interface) {
    c.ipvs.child("[ipvs.sync]").set("interface", quoted(interface));
}

}  // namespace

// global_defs: lvs_sync_daemon INTERFACE INSTANCE [id N] [maxlen N] [port N] [ttl N] [group A]
void read_lvs_sync_daemon(const node& n, const keyword_row&, converter& c) {
    if (n.args.empty()) {
        c.drop(n, "expects an interface");
        return;
    }
    set_sync_interface(c, n.args.front());
    for (std::size_t i = 2; i < n.args.size(); i += 2) {
        const std::int64_t value =
            i + 1 < n.args.size() ? integer_of(n.args[i + 1]).value_or(-1) : -1;
        if (n.args[i] == "id" && value >= 0 && value <= 255) {
            c.ipvs.child("[ipvs.sync]").set("sync_id", std::to_string(value));
        } else {
            c.drop(n, "'" + n.args[i] +
                          "': vipd's sync daemons take an interface and an id "
                          "only (the kernel's defaults for the rest)");
        }
    }
}

// vrrp_instance: lvs_sync_daemon_interface INTERFACE (keepalived 1.x).
void read_lvs_sync_interface(const node& n, const keyword_row&, converter& c) {
    if (c.want_args(n, 1, 1)) {
        set_sync_interface(c, n.args.front());
    }
}

}  // namespace vipd::importer::detail
