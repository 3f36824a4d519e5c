#include <algorithm>
#include <array>

#include "vrrp_section.hpp"

namespace vipd::config::detail {
namespace {

// Each advert goes out once per peer every interval: past a few dozen directors, multicast is
// the better tool, and a bound keeps a generated list gone wrong from flooding the link.
constexpr std::size_t k_max_unicast_peers = 64;

// With the TTL check off and no unicast_min_ttl, any TTL is accepted.
constexpr std::int64_t k_default_min_ttl_unchecked = 1;

constexpr std::array<std::string_view, 3> k_unicast_only_keys{"unicast_source", "unicast_ttl_check",
                                                              "unicast_min_ttl"};

struct peer_list {
    std::vector<ip_address> addresses;
    std::vector<source_position> at;  // parallel to addresses: where each was written
    bool ok = true;                   // every entry was good
};

/// The key of the `vips` entry holding `address` ("vips[2]"), or nullopt if it is no VIP here.
std::optional<std::string> vip_key_of(const instance_draft& draft, const ip_address& address) {
    for (std::size_t i = 0; i < draft.value.vips.size(); ++i) {
        if (draft.value.vips[i].prefix.address == address) {
            return "vips[" + std::to_string(draft.vip_index[i]) + "]";
        }
    }
    return std::nullopt;
}

/// Where `address` was written in unicast_peers, or nullopt if it is not a peer.
std::optional<source_position> peer_at(const peer_list& peers, const ip_address& address) {
    const auto found = std::find(peers.addresses.begin(), peers.addresses.end(), address);
    if (found == peers.addresses.end()) {
        return std::nullopt;
    }
    return peers.at[static_cast<std::size_t>(found - peers.addresses.begin())];
}

/// Appends the peer `element` names to `peers`, or returns why it cannot be one.
std::optional<std::string> add_peer(const toml::node& element, const source_position& at,
                                    const instance_draft& draft, peer_list& peers) {
    const auto* text = element.as_string();
    if (text == nullptr) {
        return "each peer must be an address string such as \"10.0.0.2\", got " +
               std::string(describe(element.type()));
    }
    const auto address = ip_address::parse(text->get());
    if (!address) {
        return show(element) +
               " is not an IP address: write a peer as a bare address such as \"10.0.0.2\" (no "
               "prefix length)";
    }
    const std::string shown = address->to_string();
    if (address->is_multicast() || is_unspecified(*address)) {
        return shown +
               " cannot be a peer: it must be another director's unicast address (leave "
               "unicast_peers out for multicast)";
    }
    if (draft.vips_ok && address->family() != draft.value.family()) {
        return shown + " is " + std::string(family_name(address->family())) + " but vips are " +
               std::string(family_name(draft.value.family())) +
               "; a peer must be of the VIPs' family";
    }
    if (auto vip = vip_key_of(draft, *address)) {
        return shown + " is a VIP of this instance (" + *vip +
               "); list the other directors' own addresses, which stay with them when the VIPs "
               "move";
    }
    if (auto first = peer_at(peers, *address)) {
        return shown + " is listed twice in unicast_peers (first at " + line_reference(*first, at) +
               ")";
    }
    peers.addresses.push_back(*address);
    peers.at.push_back(at);
    return std::nullopt;
}

/// unicast_peers, which must be present. `ok` is false when anything was reported.
peer_list read_peers(const table_reader& reader, const instance_draft& draft) {
    peer_list peers;
    const toml::node& node = *reader.find("unicast_peers");
    const auto* array = node.as_array();
    auto fail = [&](std::string message) {
        reader.report("unicast_peers", std::move(message));
        peers.ok = false;
        return peers;
    };
    if (array == nullptr) {
        return fail(
            "unicast_peers must be an array of the other directors' addresses such as "
            "[\"10.0.0.2\"], got " +
            std::string(describe(node.type())) + "; leave unicast_peers out for multicast");
    }
    if (array->empty()) {
        return fail(
            "unicast_peers must list at least one address; leave unicast_peers out for "
            "multicast");
    }
    if (array->size() > k_max_unicast_peers) {
        return fail("unicast_peers lists " + std::to_string(array->size()) +
                    " addresses; at most " + std::to_string(k_max_unicast_peers) +
                    " (each gets every advert: use multicast for more)");
    }
    for (std::size_t i = 0; i < array->size(); ++i) {
        const toml::node& element = *array->get(i);
        const auto at = reader.diag().position_of(element.source());
        if (auto problem = add_peer(element, at, draft, peers)) {
            reader.diag().report(at, reader.key_path("unicast_peers[" + std::to_string(i) + "]"),
                                 std::move(*problem));
            peers.ok = false;
        }
    }
    return peers;
}

/// unicast_source into `out`; false when it was reported.
bool read_source(const table_reader& reader, const instance_draft& draft, const peer_list& peers,
                 unicast_settings& out) {
    constexpr std::string_view k_key = "unicast_source";
    const auto text = reader.string(k_key, "this director's address such as \"10.0.0.1\"");
    if (!text) {
        return !reader.has(k_key);
    }
    const auto address = ip_address::parse(*text);
    if (!address || address->is_multicast() || is_unspecified(*address)) {
        reader.report(k_key,
                      "unicast_source must be this director's own address such as \"10.0.0.1\" "
                      "or \"2001:db8::1\" (no prefix length), got " +
                          show(*reader.find(k_key)));
        return false;
    }
    const std::string shown = address->to_string();
    if (draft.vips_ok && address->family() != draft.value.family()) {
        reader.report(k_key, "unicast_source " + shown + " is " +
                                 std::string(family_name(address->family())) + " but vips are " +
                                 std::string(family_name(draft.value.family())) +
                                 "; adverts leave from an address of the VIPs' family");
        return false;
    }
    if (auto vip = vip_key_of(draft, *address)) {
        reader.report(k_key, "unicast_source " + shown + " is a VIP of this instance (" + *vip +
                                 "); adverts must come from an address that stays on this "
                                 "director, such as the interface's own");
        return false;
    }
    if (auto peer = peer_at(peers, *address)) {
        const auto here = reader.diag().position_of(reader.find(k_key)->source());
        reader.report(k_key, "unicast_source " + shown + " is also in unicast_peers (" +
                                 line_reference(*peer, here) +
                                 "); the source is this director's own address, the peers are "
                                 "the others'");
        return false;
    }
    out.source = *address;
    return true;
}

/// unicast_ttl_check and unicast_min_ttl into `out.min_ttl`; false when one was reported.
bool read_min_ttl(const table_reader& reader, unicast_settings& out) {
    const auto check = reader.boolean("unicast_ttl_check");
    const auto min_ttl = reader.integer("unicast_min_ttl", 1, 255);
    if ((reader.has("unicast_ttl_check") && !check) ||
        (reader.has("unicast_min_ttl") && !min_ttl)) {
        return false;  // already reported; whether the two agree cannot be judged
    }
    const bool checked = check.value_or(true);
    if (checked && min_ttl) {
        reader.report("unicast_min_ttl",
                      "unicast_min_ttl needs unicast_ttl_check = false (with the check on, only "
                      "adverts with TTL 255 are accepted)");
        return false;
    }
    out.min_ttl = checked
                      ? vrrp::k_required_ttl
                      : static_cast<std::uint8_t>(min_ttl.value_or(k_default_min_ttl_unchecked));
    return true;
}

}  // namespace

void read_unicast(const table_reader& reader, instance_draft& draft) {
    if (!reader.has("unicast_peers")) {
        for (const auto key : k_unicast_only_keys) {
            if (reader.has(key)) {
                reader.report(key, std::string(key) +
                                       " only applies together with unicast_peers; remove it "
                                       "for multicast");
            }
        }
        return;
    }
    unicast_settings settings;
    auto peers = read_peers(reader, draft);
    const bool source_ok = read_source(reader, draft, peers, settings);
    const bool ttl_ok = read_min_ttl(reader, settings);
    if (peers.ok && source_ok && ttl_ok) {
        settings.peers = std::move(peers.addresses);
        draft.value.unicast = std::move(settings);
    }
}

}  // namespace vipd::config::detail
