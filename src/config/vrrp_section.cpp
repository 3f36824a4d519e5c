#include <algorithm>
#include <array>

#include "vrrp_section.hpp"

namespace vipd::config::detail {
namespace {

// clang-format off
constexpr std::array<std::string_view, 30> k_vrrp_keys{
    "name", "interface", "vrid", "priority", "version", "advert_interval", "preempt",
    "preempt_delay", "auth_pass", "vips", "garp", "v3_checksum", "use_vmac", "vmac_name",
    "unicast_peers", "unicast_source", "unicast_ttl_check", "unicast_min_ttl",
    "track_interfaces", "track_scripts", "track_virtual_servers", "track_files", "track_processes",
    "notify", "notify_master", "notify_backup", "notify_fault", "notify_stop", "notify_user",
    "notify_timeout"};
// clang-format on
constexpr std::array<std::string_view, 6> k_garp_keys{"delay",   "repeat",       "interval",
                                                      "refresh", "second_delay", "second_repeat"};

// People arrive from keepalived.conf; point them at our names rather than at a generic list.
constexpr std::array<foreign_key_hint, 17> k_keepalived_hints{{
    {"track_interface", "keepalived's track_interface is track_interfaces here"},
    {"track_script", "keepalived's track_script is track_scripts here, a list of tables"},
    {"track_process", "keepalived's track_process is track_processes here, a list of tables"},
    {"track_file", "keepalived's track_file is track_files here, a list of tables"},
    {"virtual_router_id", "keepalived's virtual_router_id is vrid here"},
    {"advert_int", "keepalived's advert_int is advert_interval here, a duration such as \"1s\""},
    {"virtual_ipaddress", "keepalived's virtual_ipaddress is vips here"},
    {"nopreempt", "write preempt = false"},
    {"state", "there is no initial state: the highest priority becomes Master"},
    {"authentication", "write auth_pass = \"...\" (VRRPv2 simple-text auth)"},
    {"vrrp_garp_master_repeat", "write garp = { repeat = N }"},
    {"garp_master_delay",
     "keepalived's garp_master_delay is a second burst: write garp = { second_delay = \"5s\" }"},
    {"unicast_peer",
     "keepalived's unicast_peer is unicast_peers here, a list of addresses such as [\"10.0.0.2\"]"},
    {"unicast_src_ip", "keepalived's unicast_src_ip is unicast_source here"},
    {"use_vmac_name", "write use_vmac = true and vmac_name = \"...\""},
    {"vmac_xmit_base",
     "vipd always sends adverts from the VMAC, with the virtual router MAC "
     "(RFC 5798 §7.3)"},
    {"unicast_ttl", "vipd always sends with TTL 255; see unicast_ttl_check for receiving"},
}};

constexpr std::int64_t k_v2_max_interval_s = 255;    // RFC 3768 §5.3.7: 8 bits of seconds
constexpr std::int64_t k_v3_max_interval_cs = 4095;  // RFC 5798 §5.2.7: 12 bits of cs
constexpr microseconds k_centisecond{10'000};
constexpr microseconds k_max_preempt_delay{1'000'000'000};  // 1000 s, as keepalived
constexpr microseconds k_max_garp_duration{
    3'600'000'000};  // 1 h keeps timer sums far from overflow
constexpr std::int64_t k_max_garp_repeat = 100;

/// keepalived's garp_master_delay: a second burst `second_delay` after becoming Master, of
/// `second_repeat` rounds (keepalived repeats garp_master_repeat, so `repeat` unless given).
void read_second_burst(const table_reader& reader, vrrp::garp_settings& garp) {
    const auto delay = reader.duration("second_delay", microseconds{0}, k_max_garp_duration);
    const auto repeat = reader.integer("second_repeat", 0, k_max_garp_repeat);
    if (delay) {
        garp.second_delay = *delay;
        garp.second_repeat = garp.repeat;
    }
    if (repeat && reader.find("second_delay") == nullptr) {
        reader.report("second_repeat",
                      "second_repeat needs second_delay (when the second burst starts, such as "
                      "\"5s\")");
    } else if (repeat) {
        garp.second_repeat = static_cast<unsigned>(*repeat);
    }
}

void read_garp(const table_reader& parent, instance_draft& draft) {
    const toml::node* node = parent.find("garp");
    if (node == nullptr) {
        return;
    }
    const auto* table = node->as_table();
    if (table == nullptr) {
        parent.report("garp",
                      "garp must be a table such as { delay = \"0s\", repeat = 5, "
                      "interval = \"10ms\", refresh = \"0s\" }, got " +
                          std::string(describe(node->type())));
        return;
    }
    const table_reader reader(*table, parent.key_path("garp"), k_garp_keys, parent.diag());
    auto& garp = draft.value.garp;
    if (auto v = reader.duration("delay", microseconds{0}, k_max_garp_duration)) {
        garp.delay = *v;
    }
    if (auto v = reader.integer("repeat", 0, k_max_garp_repeat)) {
        garp.repeat = static_cast<unsigned>(*v);
    }
    if (auto v = reader.duration("interval", microseconds{0}, k_max_garp_duration)) {
        garp.interval = *v;
    }
    if (auto v = reader.duration("refresh", microseconds{0}, k_max_garp_duration)) {
        garp.refresh = *v;
    }
    read_second_burst(reader, garp);
    reader.report_unknown_keys();
}

/// RFC 3768 §5.3.7 (v2: whole seconds in 8 bits) and RFC 5798 §5.2.7 (v3: centiseconds in 12).
void read_advert_interval(const table_reader& reader, std::optional<vrrp::version> version,
                          instance_draft& draft) {
    // Only the wider v3 bounds can be checked until the version is known.
    const auto v3 = !version || *version == vrrp::version::v3;
    const microseconds max =
        v3 ? k_centisecond * k_v3_max_interval_cs : microseconds{k_v2_max_interval_s * 1'000'000};
    const microseconds min = v3 ? k_centisecond : microseconds{1'000'000};
    const auto interval = reader.duration("advert_interval", min, max);
    if (!interval) {
        return;
    }
    const std::string shown = show(*reader.find("advert_interval"));
    if (v3 && *interval % k_centisecond != microseconds{0}) {
        reader.report("advert_interval",
                      "advert_interval must be a multiple of 10ms for VRRPv3 (it is sent in "
                      "centiseconds), got " +
                          shown);
        return;
    }
    if (!v3 && *interval % seconds{1} != microseconds{0}) {
        reader.report("advert_interval",
                      "advert_interval must be whole seconds 1s..255s for VRRPv2, got " + shown +
                          " (sub-second intervals need version = 3)");
        return;
    }
    draft.value.advert_interval = std::chrono::duration_cast<centiseconds>(*interval);
}

void read_instance_name(const table_reader& reader, instance_draft& draft) {
    const auto name = reader.string(
        "name", "a name of letters, digits, '_', '.', '-' such as \"web\"", presence::required);
    if (!name) {
        return;
    }
    if (!is_valid_name(*name)) {
        reader.report("name",
                      "name may only contain letters, digits, '_', '.' and '-' (and "
                      "not be empty), got " +
                          show(*reader.find("name")));
        return;
    }
    draft.value.name = *name;
    draft.name_ok = true;
    draft.name_at = reader.diag().position_of(reader.find("name")->source());
}

void read_interface(const table_reader& reader, instance_draft& draft) {
    const auto interface =
        reader.string("interface", "an interface name such as \"eth1\"", presence::required);
    if (!interface) {
        return;
    }
    if (auto problem = interface_name_problem(*interface)) {
        reader.report("interface",
                      "interface " + *problem + ": " + show(*reader.find("interface")));
        return;
    }
    draft.value.interface = *interface;
    draft.interface_ok = true;
}

void read_vrid(const table_reader& reader, instance_draft& draft) {
    if (auto vrid = reader.integer("vrid", 1, 255, presence::required)) {
        draft.value.vrid = static_cast<std::uint8_t>(*vrid);
        draft.vrid_ok = true;
        draft.vrid_at = reader.diag().position_of(reader.find("vrid")->source());
    }
}

/// The VRRP version into `draft`; nullopt when it is present but invalid, so that the checks
/// that depend on the version are skipped rather than judged against the default.
std::optional<vrrp::version> read_version(const table_reader& reader, instance_draft& draft) {
    std::optional<vrrp::version> version = vrrp::version::v3;
    if (const toml::node* node = reader.find("version")) {
        const auto* number = node->as_integer();
        if (number != nullptr && (number->get() == 2 || number->get() == 3)) {
            version = number->get() == 2 ? vrrp::version::v2 : vrrp::version::v3;
        } else {
            reader.report("version", "version must be 2 or 3, got " + show(*node) +
                                         " (vipd defaults to 3; keepalived defaults to 2)");
            version.reset();
        }
    }
    if (version) {
        draft.value.version = *version;
    }
    return version;
}

/// Runs after read_vips: whether version 2 can carry the VIPs depends on their family.
void check_version_carries_vips(const table_reader& reader, std::optional<vrrp::version> version,
                                const instance_draft& draft) {
    if (draft.vips_ok && version == vrrp::version::v2 &&
        draft.value.family() == address_family::ipv6) {
        reader.report("version",
                      "version = 2 cannot carry IPv6 VIPs (VRRPv2 is IPv4 only, RFC "
                      "3768); use version = 3");
    }
}

void read_preemption(const table_reader& reader, instance_draft& draft) {
    if (auto preempt = reader.boolean("preempt")) {
        draft.value.preempt = *preempt;
    }
    if (auto delay = reader.duration("preempt_delay", microseconds{0}, k_max_preempt_delay)) {
        draft.value.preempt_delay = *delay;
    }
}

void read_auth_pass(const table_reader& reader, std::optional<vrrp::version> version,
                    instance_draft& draft) {
    const auto pass = reader.string("auth_pass", "a password of 1..8 characters");
    if (!pass) {
        return;
    }
    if (version && *version != vrrp::version::v2) {
        reader.report("auth_pass",
                      "auth_pass is only for VRRPv2 (RFC 2338 simple-text auth); "
                      "set version = 2 or remove it (vipd defaults to version 3)");
    } else if (pass->empty() || pass->size() > vrrp::k_auth_pass_size) {
        reader.report("auth_pass",
                      "auth_pass must be 1..8 characters, got " + std::to_string(pass->size()));
    } else {
        vrrp::auth_pass bytes{};  // zero-padded, as sent on the wire (RFC 2338 §5.3.10)
        std::copy(pass->begin(), pass->end(), bytes.begin());
        draft.value.auth_pass = bytes;
    }
}

void read_v3_checksum(const table_reader& reader, std::optional<vrrp::version> version,
                      instance_draft& draft) {
    const auto mode = reader.string("v3_checksum", "\"pseudo_header\" or \"rfc9568\"");
    if (!mode) {
        return;
    }
    if (*mode != "pseudo_header" && *mode != "rfc9568") {
        reader.report("v3_checksum",
                      "v3_checksum must be \"pseudo_header\" (keepalived, FRR) "
                      "or \"rfc9568\" (Cisco, Juniper, Arista), got " +
                          show(*reader.find("v3_checksum")));
    } else if (version == vrrp::version::v2) {
        reader.report("v3_checksum",
                      "v3_checksum applies to VRRPv3 only; remove it for version = 2");
    } else if (*mode == "rfc9568" && draft.vips_ok &&
               draft.value.family() == address_family::ipv6) {
        reader.report("v3_checksum",
                      "v3_checksum = \"rfc9568\" applies to IPv4 only; IPv6 "
                      "always uses the pseudo-header");
    } else {
        draft.value.v3_checksum =
            *mode == "rfc9568" ? vrrp::checksum_mode::rfc9568 : vrrp::checksum_mode::pseudo_header;
    }
}

}  // namespace

instance_draft read_vrrp_instance(const toml::table& table, std::size_t index, diagnostics& diag) {
    instance_draft draft;
    draft.path = "vrrp[" + std::to_string(index) + "]";
    const table_reader reader(table, draft.path, k_vrrp_keys, diag, k_keepalived_hints);
    draft.value.position = reader.position();

    read_instance_name(reader, draft);
    read_interface(reader, draft);
    read_vrid(reader, draft);
    // 255 means we own the addresses (RFC 5798 §6.1); 0 is reserved for resigning.
    if (auto priority = reader.integer("priority", 1, 255)) {
        draft.value.priority = static_cast<std::uint8_t>(*priority);
    }
    const auto version = read_version(reader, draft);
    read_vips(reader, draft);
    check_version_carries_vips(reader, version, draft);
    read_advert_interval(reader, version, draft);
    read_preemption(reader, draft);
    read_auth_pass(reader, version, draft);
    read_garp(reader, draft);
    read_tracking(reader, draft);
    read_notify(reader, draft);
    read_v3_checksum(reader, version, draft);
    read_unicast(reader, draft);
    read_vmac(reader, draft);

    reader.report_unknown_keys();
    return draft;
}

}  // namespace vipd::config::detail
