// virtual_server, virtual_server_group and real_server.
#include <algorithm>
#include <charconv>

#include "converter.hpp"
#include "vipd/core/address.hpp"

namespace vipd::importer::detail {
namespace {

constexpr std::size_t k_max_group_expansion = 256;

/// keepalived's default forwarding is NAT (vipd's is DR): the service's, or the real's own.
std::string forwarding_of(const std::vector<node>& body, std::string fallback) {
    for (const auto* keyword : {"lb_kind", "lvs_method"}) {
        if (const auto* kind = find_statement(body, keyword); kind && !kind->args.empty()) {
            return quoted(lowercase(kind->args.front()));
        }
    }
    return fallback;
}

std::string address_with_port(const ip_address& address, const std::string& port) {
    return address.is_v6() ? "[" + address.to_string() + "]:" + port
                           : address.to_string() + ":" + port;
}

std::optional<std::int64_t> hex_of(std::string_view text) {
    std::int64_t value = 0;
    const auto* end = text.data() + text.size();
    const auto [at, error] = std::from_chars(text.data(), end, value, 16);
    return error == std::errc{} && at == end ? std::optional(value) : std::nullopt;
}

/// One entry of a virtual_server_group: "ADDR PORT", "ADDR-LAST PORT" (a range of the last
/// byte of IPv4, the last group of IPv6) or "fwmark N"; each member's address and port, or
/// fwmark, as keys to put at the head of a copy of the service.
std::vector<std::vector<std::pair<std::string, std::string>>> expand_member(const node& entry,
                                                                            converter& c) {
    if (entry.keyword == "fwmark" && entry.args.size() == 1 && integer_of(entry.args[0])) {
        return {{{"fwmark", entry.args[0]}}};
    }
    const auto port = entry.args.size() == 1 ? integer_of(entry.args[0]) : std::nullopt;
    const auto dash = entry.keyword.rfind('-');
    const auto first = ip_address::parse(entry.keyword.substr(0, dash));
    if (!port || !first) {
        c.drop(entry, "a group member is ADDRESS PORT, ADDRESS-LAST PORT or fwmark N");
        return {};
    }
    std::int64_t count = 1;
    if (dash != std::string::npos) {
        const auto last_text = entry.keyword.substr(dash + 1);
        const auto bytes = first->bytes();
        const auto low = first->is_v4() ? bytes[3] : (bytes[14] << 8 | bytes[15]);
        const auto last = first->is_v4() ? integer_of(last_text) : hex_of(last_text);
        const std::int64_t top = first->is_v4() ? 0xff : 0xffff;
        count = last && *last <= top ? *last - low + 1 : 0;
        if (count < 1 || count > static_cast<std::int64_t>(k_max_group_expansion) ||
            last_text.empty()) {
            c.drop(entry, "the range must end at or after its start, 256 addresses at most");
            return {};
        }
    }
    std::vector<std::vector<std::pair<std::string, std::string>>> members;
    auto raw = std::vector<std::uint8_t>(first->bytes().begin(), first->bytes().end());
    for (std::int64_t i = 0; i < count; ++i) {
        const auto address = *ip_address::from_bytes(raw);
        members.push_back(
            {{"address", quoted(address.to_string())}, {"port", std::to_string(*port)}});
        // Carry into the byte before the last for an IPv6 group (0xff -> 0x100).
        if (++raw.back() == 0 && raw.size() > 4) {
            ++raw[raw.size() - 2];
        }
    }
    return members;
}

/// The service's keys put in front of the copies' keys: identity first, as a reader expects.
toml_section with_identity(const toml_section& service,
                           const std::vector<std::pair<std::string, std::string>>& identity) {
    toml_section copy{service.header, {}, service.children};
    for (const auto& [key, value] : identity) {
        copy.set(key, value);
    }
    const bool fwmark = copy.find("fwmark") != nullptr;
    for (const auto& key : service.keys) {
        // The mark selects a fwmark service's packets; IPVS ignores a protocol there.
        if (!(fwmark && key.name == "protocol")) {
            copy.keys.push_back(key);
        }
    }
    return copy;
}

}  // namespace

void read_virtual_server_group(const node& n, const keyword_row&, converter& c) {
    if (c.want_args(n, 1, 1)) {
        c.server_groups[n.args.front()] = &n;
    }
}

void read_virtual_server(const node& n, const keyword_row&, converter& c) {
    if (!c.want_args(n, 1, 2)) {
        return;
    }
    std::vector<std::vector<std::pair<std::string, std::string>>> identities;
    const node* group = nullptr;
    if (n.args[0] == "group" && n.args.size() == 2) {
        const auto it = c.server_groups.find(n.args[1]);
        if (it == c.server_groups.end()) {
            c.drop(n, "no virtual_server_group " + n.args[1] + " was read");
            return;
        }
        group = it->second;
        for (const auto& entry : group->children) {
            const auto members = expand_member(entry, c);
            identities.insert(identities.end(), members.begin(), members.end());
        }
    } else if (n.args[0] == "fwmark" && n.args.size() == 2 && integer_of(n.args[1])) {
        identities.push_back({{"fwmark", n.args[1]}});
    } else if (const auto address = ip_address::parse(n.args[0]);
               address && (n.args.size() == 1 || integer_of(n.args[1]))) {
        identities.push_back({{"address", quoted(address->to_string())},
                              {"port", n.args.size() == 2 ? n.args[1] : "0"}});
    } else {
        c.drop(n, "expects ADDRESS PORT, fwmark N or group NAME");
        return;
    }
    toml_section service{"[[virtual_server]]", {}, {}};
    service.set("forwarding", forwarding_of(n.children, quoted("nat")));
    if (identities.size() == 1 && identities.front().size() == 2) {
        service.set("_port", identities.front()[1].second);  // for the reals' ports
    }
    if (find_statement(n.children, "inhibit_on_failure") != nullptr) {
        service.set("quiescent", "true");
    }
    auto* const outer = c.service;
    c.service = &service;
    c.walk(n.children, block::virtual_server, service);
    c.service = outer;
    finish_service(n, service, c);
    for (const auto& identity : identities) {
        c.services.push_back(with_identity(service, identity));
    }
}

void read_ip_family(const node& n, const keyword_row&, converter& c) {
    if (!c.want_args(n, 1, 1)) {
        return;
    }
    if (n.args.front() != "inet" && n.args.front() != "inet6") {
        c.drop(n, "expects inet or inet6");
        return;
    }
    c.target->set("family", quoted(n.args.front() == "inet" ? "ipv4" : "ipv6"));
}

void read_persistence(const node& n, const keyword_row&, converter& c) {
    if (!c.want_args(n, 0, 1)) {
        return;
    }
    // keepalived's default when the keyword has no value: 6 minutes.
    const auto value = duration_of_seconds(n.args.empty() ? "360" : n.args.front());
    if (!value) {
        c.drop(n, "not a number of seconds");
        return;
    }
    c.target->set("persistence", quoted(*value));
}

void read_sorry_server(const node& n, const keyword_row&, converter& c) {
    if (!c.want_args(n, 1, 2)) {
        return;
    }
    const auto address = ip_address::parse(n.args.front());
    if (!address) {
        c.drop(n, "not an address");
        return;
    }
    c.target->set("fallback", quoted(n.args.size() == 2 ? address_with_port(*address, n.args[1])
                                                        : address->to_string()));
}

void read_inhibit_on_failure(const node& n, const keyword_row&, converter& c) {
    c.want_args(n, 0, 0);
}

void read_real_inhibit(const node& n, const keyword_row&, converter& c) {
    if (c.service->find("quiescent") == nullptr) {
        c.drop(n,
               "vipd sets quiescent for a whole service: write inhibit_on_failure in the "
               "virtual_server to keep every failed real at weight 0");
    }
}

void read_real_server(const node& n, const keyword_row&, converter& c) {
    if (!c.want_args(n, 1, 2)) {
        return;
    }
    const auto address = ip_address::parse(n.args.front());
    if (!address || (n.args.size() == 2 && !integer_of(n.args[1]))) {
        c.drop(n, "expects ADDRESS [PORT]");
        return;
    }
    toml_section real{"[[virtual_server.real]]", {}, {}};
    real.set("address", quoted(address->to_string()));
    const auto* service_forwarding = c.service->find("forwarding");
    const auto forwarding = forwarding_of(n.children, service_forwarding->items.front());
    const auto* service_port = c.service->find("_port");
    if (n.args.size() == 2 && forwarding == quoted("nat")) {
        real.set("port", n.args[1]);
    } else if (n.args.size() == 2 && service_port != nullptr &&
               service_port->items.front() != n.args[1]) {
        c.drop(n,
               "direct routing and tunnels reach the real on the service's port; only NAT "
               "maps ports");
    }
    c.walk(n.children, block::real_server, real);
    c.target->children.push_back(std::move(real));
}

}  // namespace vipd::importer::detail
