// vrrp_instance: the instance itself, its addresses, authentication, unicast, VMAC and hooks.
#include <algorithm>

#include "converter.hpp"
#include "vipd/core/address.hpp"

namespace vipd::importer::detail {
namespace {

/// The family of the instance's first VIP, kept as a note so later ones can be compared.
constexpr std::string_view k_family_note = "_family";

bool is_ipv6_instance(const std::vector<node>& body) {
    const auto* vips = find_statement(body, "virtual_ipaddress");
    if (vips == nullptr || vips->children.empty()) {
        return false;
    }
    const auto prefix = ip_prefix::parse(vips->children.front().keyword);
    return prefix && prefix->address.is_v6();
}

/// The version the instance speaks: its own, else global_defs' vrrp_version, else keepalived's
/// default (2, and 3 for IPv6, which VRRPv2 cannot carry).
std::string version_of(const std::vector<node>& body, const converter& c) {
    if (const auto* own = find_statement(body, "version");
        own != nullptr && own->args.size() == 1) {
        return own->args.front();
    }
    if (const auto* global = c.instance_defaults.find("version"); global != nullptr) {
        return global->items.front();
    }
    return is_ipv6_instance(body) ? "3" : "2";
}

/// The options of a virtual_ipaddress entry that take no value.
bool is_flag_option(std::string_view option) {
    for (const auto* flag : {"home", "-nodad", "nodad", "noprefixroute", "autojoin"}) {
        if (option == flag) {
            return true;
        }
    }
    return false;
}

bool lists_address(const toml_section& instance, const ip_address& address) {
    const auto* vips = instance.find("vips");
    if (vips == nullptr) {
        return false;
    }
    for (const auto& item : vips->items) {
        const auto text = unquoted(item);
        if (ip_address::parse(text.substr(0, text.find('/'))) == address) {
            return true;
        }
    }
    return false;
}

}  // namespace

void read_vrrp_instance(const node& n, const keyword_row&, converter& c) {
    if (!c.want_args(n, 1, 1)) {
        return;
    }
    toml_section instance{"[[vrrp]]", {}, {}};
    instance.set("name", quoted(n.args.front()));
    instance.set("version", version_of(n.children, c));
    c.walk(n.children, block::vrrp_instance, instance);
    finish_instance(n, instance, c);
}

void read_authentication(const node& n, const keyword_row&, converter& c) {
    const auto* version = c.target->find("version");
    if (version != nullptr && version->items.front() != "2") {
        c.drop(n, "VRRPv3 has no authentication (keepalived ignores it there too)");
        return;
    }
    c.walk(n.children, block::authentication, *c.target);
}

void read_auth_type(const node& n, const keyword_row&, converter& c) {
    if (c.want_args(n, 1, 1) && n.args.front() != "PASS") {
        c.drop(n, "only PASS (simple text) is supported; AH is not");
        c.target->set("_no_auth", "true");
    }
}

void read_auth_pass(const node& n, const keyword_row&, converter& c) {
    if (!c.want_args(n, 1, 1) || c.target->find("_no_auth") != nullptr) {
        return;
    }
    // keepalived sends the first 8 characters of a longer password.
    c.target->set("auth_pass", quoted(n.args.front().substr(0, 8)));
    if (n.args.front().size() > 8) {
        c.drop(n, "longer than 8 characters: keepalived and vipd send the first 8 only");
    }
}

void read_virtual_ipaddress(const node& n, const keyword_row&, converter& c) {
    for (const auto& entry : n.children) {
        const auto prefix = ip_prefix::parse(entry.keyword);
        if (!prefix) {
            c.drop(entry, "not an address: ADDRESS[/LEN] [dev IFNAME]");
            continue;
        }
        const std::string family = prefix->address.is_v6() ? "\"ipv6\"" : "\"ipv4\"";
        const auto* first = c.target->find(k_family_note);
        if (first != nullptr && first->items.front() != family) {
            c.drop(entry,
                   "a vipd instance holds one address family: give the other family's "
                   "addresses an instance of their own");
            continue;
        }
        if (lists_address(*c.target, prefix->address)) {
            c.drop(entry, "the address is listed already");
            continue;
        }
        c.target->set(k_family_note, family);
        std::string text = prefix->to_string();
        for (std::size_t i = 0; i < entry.args.size(); ++i) {
            const auto& option = entry.args[i];
            const bool has_value = i + 1 < entry.args.size();
            if (option == "dev" && has_value) {
                text += " dev " + entry.args[++i];
                continue;
            }
            c.drop(entry, "'" + option +
                              "' has no vipd equivalent (a VIP is ADDRESS/LEN [dev IFNAME], "
                              "scope global, no label)");
            if (has_value && !is_flag_option(option)) {
                ++i;  // its value
            }
        }
        c.target->append("vips", quoted(text));
    }
}

void read_unicast_peer(const node& n, const keyword_row&, converter& c) {
    for (const auto& peer : n.children) {
        const auto address = ip_address::parse(peer.keyword);
        if (!address) {
            c.drop(peer, "not an address");
            continue;
        }
        if (!peer.args.empty()) {
            c.drop(peer, "per-peer options (min_ttl, max_ttl) have no vipd equivalent");
        }
        c.target->append("unicast_peers", quoted(address->to_string()));
    }
}

void read_use_vmac(const node& n, const keyword_row&, converter& c) {
    if (c.want_args(n, 0, 1)) {
        c.target->set("use_vmac", "true");
        if (!n.args.empty()) {
            c.target->set("vmac_name", quoted(n.args.front()));
        }
    }
}

// notify* COMMAND [USER [GROUP]]: a quoted COMMAND holds the program and its arguments. The
// user is the notify_user of the hook's owner: the instance or group, or for a real's
// notify_up / notify_down its virtual_server, whose hooks all run as one user.
void read_notify(const node& n, const keyword_row& row, converter& c) {
    if (!c.want_args(n, 1, 3)) {
        return;
    }
    const auto argv = split_command(n.args.front());
    if (argv.empty() || !argv.front().starts_with('/')) {
        c.drop(n, "vipd runs a program by its absolute path, without a shell");
        return;
    }
    c.target->set(row.vipd_key, string_array(argv));
    if (n.args.size() >= 2) {
        auto& owner = row.where == block::real_server ? *c.service : *c.target;
        const auto* user = owner.find("notify_user");
        if (user != nullptr && user->items.front() != quoted(n.args[1])) {
            c.drop(n,
                   "vipd runs every hook of an instance (or of a virtual_server and its reals) "
                   "as one notify_user");
        } else {
            owner.set("notify_user", quoted(n.args[1]));
        }
    }
    if (n.args.size() == 3) {
        c.drop(n, "a hook runs with its user's primary group (no group of its own)");
    }
}

}  // namespace vipd::importer::detail
