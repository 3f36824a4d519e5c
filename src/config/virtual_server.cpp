#include <algorithm>
#include <array>
#include <bit>
#include <limits>

#include "health_section.hpp"
#include "host_port.hpp"
#include "ipvs_section.hpp"

namespace vipd::config::detail {
namespace {

constexpr std::array<std::string_view, 28> k_server_keys{"name",        "address",
                                                         "port",        "protocol",
                                                         "fwmark",      "family",
                                                         "scheduler",   "sh_port",
                                                         "sh_fallback", "mh_port",
                                                         "mh_fallback", "one_packet",
                                                         "forwarding",  "tunnel_type",
                                                         "tunnel_port", "tunnel_checksum",
                                                         "persistence", "persistence_netmask",
                                                         "vrrp",        "real",
                                                         "quiescent",   "quorum",
                                                         "fallback",    "check",
                                                         "quorum_up",   "quorum_down",
                                                         "notify_user", "notify_timeout"};
constexpr std::array<std::string_view, 12> k_real_keys{
    "address",         "port",        "weight",          "forwarding",
    "tunnel_type",     "tunnel_port", "tunnel_checksum", "upper_threshold",
    "lower_threshold", "check",       "notify_up",       "notify_down"};

// keepalived.conf and ipvsadm words people will type.
constexpr std::array<foreign_key_hint, 15> k_server_hints{{
    {"sorry_server", "keepalived's sorry_server is fallback here: \"ADDR:PORT\""},
    {"inhibit_on_failure", "keepalived's inhibit_on_failure is quiescent = true here"},
    {"checktype", "write the check as a [virtual_server.check] table with type = ..."},
    {"lb_algo", "keepalived's lb_algo is scheduler here"},
    {"lvs_sched", "keepalived's lvs_sched is scheduler here"},
    {"lb_kind", "keepalived's lb_kind is forwarding here: \"nat\", \"dr\" or \"tun\""},
    {"lvs_method", "keepalived's lvs_method is forwarding here: \"nat\", \"dr\" or \"tun\""},
    {"persistence_timeout", "write persistence = \"300s\" (a duration)"},
    {"persistence_granularity", "keepalived's persistence_granularity is persistence_netmask"},
    {"real_server", "write each real server as a [[virtual_server.real]] table"},
    {"ops", "ipvsadm's --ops is one_packet = true here"},
    {"sh-port", "write sh_port = true"},
    {"sh-fallback", "write sh_fallback = true"},
    {"mh-port", "write mh_port = true"},
    {"mh-fallback", "write mh_fallback = true"},
}};
constexpr std::array<foreign_key_hint, 6> k_real_hints{{
    {"notify_user", "set notify_user in the [[virtual_server]]: it runs its reals' hooks too"},
    {"notify_timeout",
     "set notify_timeout in the [[virtual_server]]: it bounds its reals' hooks too"},
    {"uthreshold", "keepalived's uthreshold is upper_threshold here"},
    {"lthreshold", "keepalived's lthreshold is lower_threshold here"},
    {"lb_kind", "keepalived's lb_kind is forwarding here: \"nat\", \"dr\" or \"tun\""},
    {"ip", "write address = \"...\""},
}};

// The schedulers Linux ships (net/netfilter/ipvs/ip_vs_*.c); the kernel loads ip_vs_NAME.
constexpr std::array<std::string_view, 14> k_schedulers{
    "rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh", "twos"};

// The kernel keeps the persistence timeout as seconds * HZ in an unsigned int: at HZ=1000 more
// than this many seconds would wrap.
constexpr std::int64_t k_max_persistence_s = 4'294'967;
constexpr std::int64_t k_max_threshold = std::numeric_limits<std::int32_t>::max();
constexpr std::int64_t k_max_port = 65535;

std::string quoted(std::string_view text) {
    return "\"" + std::string(text) + "\"";
}

std::string_view forwarding_name(ipvs::forwarding f) {
    switch (f) {
        case ipvs::forwarding::nat:
            return "nat";
        case ipvs::forwarding::tunnel:
            return "tun";
        case ipvs::forwarding::direct:
            return "dr";
    }
    return "dr";
}

/// `forwarding` of a service or real: nullopt when absent or invalid (`ok` false if invalid).
std::optional<ipvs::forwarding> read_forwarding(const table_reader& reader, bool& ok) {
    ok = true;
    const auto text = reader.string("forwarding", "\"nat\", \"dr\" or \"tun\"");
    if (!text) {
        ok = !reader.has("forwarding");
        return std::nullopt;
    }
    if (*text == "nat") {
        return ipvs::forwarding::nat;
    }
    if (*text == "dr") {
        return ipvs::forwarding::direct;
    }
    if (*text == "tun") {
        return ipvs::forwarding::tunnel;
    }
    reader.report("forwarding",
                  "forwarding must be \"nat\" (masquerading), \"dr\" (direct "
                  "routing) or \"tun\" (IP tunnelling), got " +
                      show(*reader.find("forwarding")));
    ok = false;
    return std::nullopt;
}

/// tunnel_type / tunnel_port / tunnel_checksum of a table whose effective forwarding is `fwd`
/// (nullopt = unknown, checks skipped). `out` holds what is inherited; choosing a tunnel_type
/// here drops the inherited port and checksum, which belong to the inherited type.
void read_tunnel(const table_reader& reader, std::optional<ipvs::forwarding> fwd,
                 std::string_view who, ipvs::destination_settings& out) {
    constexpr std::array<std::string_view, 3> k_keys{"tunnel_type", "tunnel_port",
                                                     "tunnel_checksum"};
    if (!fwd) {
        return;
    }
    if (*fwd != ipvs::forwarding::tunnel) {
        for (const auto key : k_keys) {
            if (reader.has(key)) {
                reader.report(key, std::string(key) + " applies to forwarding = \"tun\" only; " +
                                       std::string(who) + " uses " + quoted(forwarding_name(*fwd)));
            }
        }
        return;
    }
    if (auto type = reader.string("tunnel_type", "\"ipip\", \"gue\" or \"gre\"")) {
        if (*type == "ipip") {
            out.tunnel_type = ipvs::tunnel_type::ipip;
        } else if (*type == "gue") {
            out.tunnel_type = ipvs::tunnel_type::gue;
        } else if (*type == "gre") {
            out.tunnel_type = ipvs::tunnel_type::gre;
        } else {
            reader.report("tunnel_type", "tunnel_type must be \"ipip\", \"gue\" or \"gre\", got " +
                                             show(*reader.find("tunnel_type")));
            return;
        }
        out.tunnel_port = 0;
        out.tunnel_checksum = false;
    } else if (reader.has("tunnel_type")) {
        return;
    }
    if (auto port = reader.integer("tunnel_port", 1, k_max_port)) {
        if (out.tunnel_type != ipvs::tunnel_type::gue) {
            reader.report("tunnel_port",
                          "tunnel_port is the UDP port of tunnel_type = \"gue\" only; remove it");
        } else {
            out.tunnel_port = static_cast<std::uint16_t>(*port);
        }
    }
    if (auto checksum = reader.boolean("tunnel_checksum")) {
        if (*checksum && out.tunnel_type == ipvs::tunnel_type::ipip) {
            reader.report("tunnel_checksum",
                          "tunnel_checksum applies to tunnel_type \"gue\" or \"gre\"; ipip "
                          "carries no checksum");
        } else {
            out.tunnel_checksum = *checksum;
        }
    }
    // The kernel refuses a GUE destination without a port (ip_vs_ctl.c: "tunnel port is zero").
    if (reader.has("tunnel_type") && out.tunnel_type == ipvs::tunnel_type::gue &&
        out.tunnel_port == 0 && !reader.has("tunnel_port")) {
        reader.report("tunnel_type",
                      "tunnel_type = \"gue\" needs tunnel_port = N, the UDP port "
                      "the real servers decapsulate on");
    }
}

std::optional<ip_address> read_address(const table_reader& reader, std::string_view example) {
    const auto text = reader.string("address", "an IPv4 or IPv6 address such as " + quoted(example),
                                    presence::required);
    if (!text) {
        return std::nullopt;
    }
    const auto address = ip_address::parse(*text);
    if (!address) {
        reader.report("address",
                      "address must be an IPv4 or IPv6 address without a prefix "
                      "length, such as " +
                          quoted(example) + ", got " + show(*reader.find("address")));
        return std::nullopt;
    }
    if (address->is_multicast() || is_unspecified(*address)) {
        reader.report("address", address->to_string() +
                                     " cannot be used: it must be a unicast "
                                     "address");
        return std::nullopt;
    }
    return address;
}

/// What the reals of one service inherit and are checked against.
struct service_context {
    std::optional<ipvs::service_key> key;  // nullopt when the service's own key was bad
    std::optional<ipvs::forwarding> forwarding;
    bool forwarding_ok = true;
    ipvs::destination_settings defaults;
    std::optional<health::check_spec> check;  // the default for its reals
};

struct real_outcome {
    std::optional<real_server> value;
    bool mixed_family = false;
    source_position address_at;
};

/// The real's own forwarding, else the service's (nullopt when the service's is invalid), put
/// into `settings`. `ok` is false when the real's own forwarding is invalid.
std::optional<ipvs::forwarding> read_real_forwarding(const table_reader& reader,
                                                     const service_context& service,
                                                     ipvs::destination_settings& settings,
                                                     bool& ok) {
    const auto own = read_forwarding(reader, ok);
    const auto inherited = service.forwarding.value_or(ipvs::forwarding::direct);
    std::optional<ipvs::forwarding> fwd = own;
    if (!fwd && service.forwarding_ok) {
        fwd = inherited;
    }
    if (own && *own != inherited) {
        // An override starts from plain tunnel defaults: the service's tunnel keys were only
        // allowed because the service itself tunnels.
        settings.tunnel_type = ipvs::tunnel_type::ipip;
        settings.tunnel_port = 0;
        settings.tunnel_checksum = false;
    }
    if (fwd) {
        settings.forwarding = *fwd;
    }
    return fwd;
}

/// The real's address into `key`; false when it is missing or unusable. The family is checked
/// only when the service key and `fwd` are known.
bool read_real_address(const table_reader& reader, const service_context& service,
                       std::optional<ipvs::forwarding> fwd, ipvs::destination_key& key,
                       real_outcome& outcome) {
    const auto address = read_address(reader, "172.28.128.40");
    if (!address) {
        return false;
    }
    outcome.address_at = reader.diag().position_of(reader.find("address")->source());
    key.address = *address;
    if (!service.key || !fwd) {
        return true;
    }
    const auto family = ipvs::family_of(*service.key);
    if (address->family() == family) {
        return true;
    }
    // ip_vs_ctl.c accepts a destination of the other family for tunnelling only.
    if (*fwd == ipvs::forwarding::tunnel) {
        outcome.mixed_family = true;
        return true;
    }
    reader.report("address", address->to_string() + " is " +
                                 std::string(family_name(address->family())) +
                                 " but the service is " + std::string(family_name(family)) +
                                 "; the kernel mixes families only with forwarding = \"tun\"");
    return false;
}

/// The real's port into `key`; false when it is invalid, or when the service key or `fwd` is
/// unknown and the port cannot be judged.
bool read_real_port(const table_reader& reader, const service_context& service,
                    std::optional<ipvs::forwarding> fwd, ipvs::destination_key& key) {
    if (!service.key || !fwd) {
        return false;
    }
    // DR and TUN deliver the packet unchanged, so the real must listen on the service port; only
    // NAT rewrites the destination port.
    const auto* endpoint = std::get_if<ipvs::endpoint_key>(&*service.key);
    const std::uint16_t service_port = endpoint != nullptr ? endpoint->port : 0;
    key.port = service_port;
    const auto port = reader.integer("port", 0, k_max_port);
    if (!port) {
        return !reader.has("port");
    }
    if (*fwd == ipvs::forwarding::nat && endpoint != nullptr && service_port != 0 && *port == 0) {
        reader.report("port", "port must be 1..65535 for a real of a service on port " +
                                  std::to_string(service_port) + " (leave it out to use " +
                                  std::to_string(service_port) + ")");
        return false;
    }
    if (*fwd == ipvs::forwarding::nat) {
        key.port = static_cast<std::uint16_t>(*port);
        return true;
    }
    if (endpoint == nullptr && *port != 0) {
        reader.report("port", "a " + quoted(forwarding_name(*fwd)) +
                                  " real of a fwmark service takes the port each packet has; "
                                  "remove port (only forwarding = \"nat\" can map ports)");
        return false;
    }
    if (endpoint != nullptr && *port != service_port) {
        reader.report("port", "forwarding = " + quoted(forwarding_name(*fwd)) +
                                  " cannot map ports: the real must use the service port " +
                                  std::to_string(service_port) + ", got " + std::to_string(*port) +
                                  " (use forwarding = \"nat\" to map ports)");
        return false;
    }
    return true;
}

/// upper_threshold and lower_threshold of a real into `settings`.
void read_thresholds(const table_reader& reader, ipvs::destination_settings& settings) {
    const auto upper = reader.integer("upper_threshold", 0, k_max_threshold);
    const auto lower = reader.integer("lower_threshold", 0, k_max_threshold);
    if (upper) {
        settings.upper_threshold = static_cast<std::uint32_t>(*upper);
    }
    if (!lower) {
        return;
    }
    // The kernel refuses lower > upper, and upper 0 means "no limit" there.
    if (*lower > 0 && settings.upper_threshold == 0) {
        reader.report("lower_threshold",
                      "lower_threshold needs upper_threshold: it is where an overloaded "
                      "real comes back after reaching the upper one");
    } else if (*lower > static_cast<std::int64_t>(settings.upper_threshold)) {
        reader.report("lower_threshold", "lower_threshold " + std::to_string(*lower) +
                                             " is above upper_threshold " +
                                             std::to_string(settings.upper_threshold));
    } else {
        settings.lower_threshold = static_cast<std::uint32_t>(*lower);
    }
}

/// The real's own check, else the service's; false when its own is invalid.
bool read_real_check(const table_reader& reader, const service_context& service,
                     std::optional<health::check_spec>& check) {
    if (!reader.has("check")) {
        check = service.check;
        return true;
    }
    check = read_check(reader, service.check);
    return check.has_value();
}

real_outcome read_real(const table_reader& reader, const service_context& service) {
    real_outcome outcome;
    real_server real;
    real.position = reader.position();
    real.settings = service.defaults;

    // Every step runs even after one has failed, so one pass reports all of the real's errors.
    bool forwarding_ok = true;
    const auto fwd = read_real_forwarding(reader, service, real.settings, forwarding_ok);
    const bool address_ok = read_real_address(reader, service, fwd, real.key, outcome);
    const bool port_ok = read_real_port(reader, service, fwd, real.key);
    if (auto weight = reader.integer("weight", 0, 65535)) {
        real.settings.weight = static_cast<std::uint32_t>(*weight);
    }
    read_thresholds(reader, real.settings);
    read_tunnel(reader, fwd, "this real", real.settings);
    const bool check_ok = read_real_check(reader, service, real.check);
    real.notify.up = read_command(reader, "notify_up");
    real.notify.down = read_command(reader, "notify_down");
    reader.report_unknown_keys();
    if (forwarding_ok && address_ok && port_ok && check_ok) {
        outcome.value = std::move(real);
    }
    return outcome;
}

/// persistence_netmask: a prefix length, or for IPv4 also a dotted mask.
std::optional<std::uint8_t> read_persistence_netmask(const table_reader& reader,
                                                     std::optional<address_family> family) {
    const toml::node* node = reader.find("persistence_netmask");
    if (node == nullptr || !family) {
        return std::nullopt;
    }
    const bool v4 = *family == address_family::ipv4;
    const std::int64_t width = v4 ? 32 : 128;
    if (node->is_integer()) {
        if (auto length = reader.integer("persistence_netmask", 1, width)) {
            return static_cast<std::uint8_t>(*length);
        }
        return std::nullopt;
    }
    const auto* text = node->as_string();
    if (v4 && text != nullptr) {
        if (auto mask = ip_address::parse(text->get()); mask && mask->is_v4()) {
            std::uint32_t bits = 0;
            for (const auto byte : mask->bytes()) {
                bits = (bits << 8U) | byte;
            }
            // Contiguous ones from the top: inverting gives 2^k - 1.
            const std::uint32_t inverted = ~bits;
            if (bits != 0 && (inverted & (inverted + 1U)) == 0) {
                return static_cast<std::uint8_t>(32 - std::popcount(inverted));
            }
        }
    }
    reader.report("persistence_netmask",
                  v4 ? "persistence_netmask must be a prefix length 1..32 or a mask such as "
                       "\"255.255.255.0\", got " +
                           show(*node)
                     : "persistence_netmask of an IPv6 service must be a prefix length 1..128 "
                       "such as 64, got " +
                           show(*node));
    return std::nullopt;
}

/// fallback = "ADDR", "ADDR:PORT" or "[V6ADDR]:PORT": a real put in while quorum is lost, with
/// the service's forwarding and weight 1.
std::optional<real_server> read_fallback(const table_reader& reader,
                                         const service_context& service) {
    const auto text = reader.string("fallback", "a server such as \"10.0.0.9:80\"");
    if (!text || !service.key || !service.forwarding_ok) {
        return std::nullopt;
    }
    const auto parsed = parse_host_port(*text);
    const auto address = parsed ? std::optional<ip_address>(parsed->address) : std::nullopt;
    const auto port = parsed ? parsed->port : std::nullopt;
    if (!address || address->is_multicast() || is_unspecified(*address)) {
        reader.report("fallback",
                      "fallback must be a unicast \"ADDR\", \"ADDR:PORT\" or "
                      "\"[IPV6]:PORT\", got " +
                          show(*reader.find("fallback")));
        return std::nullopt;
    }
    real_server fallback;
    fallback.position = reader.diag().position_of(reader.find("fallback")->source());
    fallback.settings = service.defaults;
    fallback.settings.weight = 1;
    fallback.key.address = *address;
    const auto forwarding = service.forwarding.value_or(ipvs::forwarding::direct);
    const auto family = ipvs::family_of(*service.key);
    if (address->family() != family && forwarding != ipvs::forwarding::tunnel) {
        reader.report("fallback", address->to_string() + " is " +
                                      std::string(family_name(address->family())) +
                                      " but the service is " + std::string(family_name(family)));
        return std::nullopt;
    }
    const auto* endpoint = std::get_if<ipvs::endpoint_key>(&*service.key);
    const std::uint16_t service_port = endpoint != nullptr ? endpoint->port : 0;
    fallback.key.port = port.value_or(service_port);
    if (forwarding != ipvs::forwarding::nat && port && *port != service_port) {
        reader.report("fallback",
                      "forwarding = " + quoted(forwarding_name(forwarding)) +
                          " cannot map ports: the fallback must use the service "
                          "port" +
                          (service_port != 0 ? " " + std::to_string(service_port) : "") +
                          " (leave the port out, or use forwarding = \"nat\")");
        return std::nullopt;
    }
    return fallback;
}

void read_key(const table_reader& reader, virtual_server_draft& draft) {
    const bool has_address = reader.has("address");
    const bool has_fwmark = reader.has("fwmark");
    if (has_address && has_fwmark) {
        reader.report("fwmark",
                      "give either address (with port and protocol) or fwmark, not "
                      "both");
        return;
    }
    if (!has_address && !has_fwmark) {
        reader.report_missing("address",
                              "an address such as \"172.28.128.210\" with port and protocol, or "
                              "fwmark = N");
        return;
    }
    if (has_fwmark) {
        for (const auto key : {std::string_view("port"), std::string_view("protocol")}) {
            if (reader.has(key)) {
                reader.report(key, std::string(key) +
                                       " does not apply to a fwmark service: the firewall mark "
                                       "selects its packets");
            }
        }
        address_family family = address_family::ipv4;
        if (auto text = reader.string("family", "\"ipv4\" or \"ipv6\"")) {
            if (*text == "ipv6") {
                family = address_family::ipv6;
            } else if (*text != "ipv4") {
                reader.report("family", "family must be \"ipv4\" or \"ipv6\", got " +
                                            show(*reader.find("family")));
                return;
            }
        } else if (reader.has("family")) {
            return;
        }
        // Mark 0 is "no mark" to the kernel.
        if (auto mark = reader.integer("fwmark", 1, std::numeric_limits<std::uint32_t>::max())) {
            draft.value.key = ipvs::fwmark_key{static_cast<std::uint32_t>(*mark), family};
            draft.key_ok = !reader.has("port") && !reader.has("protocol");
            draft.key_at = reader.diag().position_of(reader.find("fwmark")->source());
        }
        return;
    }
    if (reader.has("family")) {
        reader.report("family",
                      "family applies to fwmark services only; this service takes "
                      "its family from address");
    }
    const auto address = read_address(reader, "172.28.128.210");
    ipvs::protocol protocol = ipvs::protocol::tcp;
    bool protocol_ok = true;
    if (auto text = reader.string("protocol", "\"tcp\", \"udp\" or \"sctp\"")) {
        if (*text == "tcp") {
            protocol = ipvs::protocol::tcp;
        } else if (*text == "udp") {
            protocol = ipvs::protocol::udp;
        } else if (*text == "sctp") {
            protocol = ipvs::protocol::sctp;
        } else {
            reader.report("protocol", "protocol must be \"tcp\", \"udp\" or \"sctp\", got " +
                                          show(*reader.find("protocol")));
            protocol_ok = false;
        }
    } else {
        protocol_ok = !reader.has("protocol");
    }
    const auto port = reader.integer("port", 0, k_max_port, presence::required);
    if (address && port && protocol_ok && !reader.has("family")) {
        draft.value.key = ipvs::endpoint_key{protocol, *address, static_cast<std::uint16_t>(*port)};
        draft.key_ok = true;
        draft.key_at = reader.diag().position_of(reader.find("address")->source());
    }
}

void read_scheduler(const table_reader& reader, virtual_server_draft& draft) {
    auto& settings = draft.value.settings;
    std::optional<std::string> scheduler = reader.string(
        "scheduler", "a scheduler name: rr wrr lc wlc lblc lblcr dh sh sed nq fo ovf mh twos");
    if (scheduler) {
        if (std::find(k_schedulers.begin(), k_schedulers.end(), *scheduler) == k_schedulers.end()) {
            std::string message = "unknown scheduler " + quoted(*scheduler);
            if (const auto near = closest_match(*scheduler, k_schedulers); !near.empty()) {
                message += " (did you mean " + quoted(near) + "?)";
            }
            reader.report("scheduler", message +
                                           "; the kernel has rr wrr lc wlc lblc lblcr dh sh sed "
                                           "nq fo ovf mh twos");
            scheduler.reset();
        } else {
            settings.scheduler = *scheduler;
        }
    }
    const bool scheduler_known = scheduler.has_value() || !reader.has("scheduler");

    // IP_VS_SVC_F_SCHED1/2 mean fallback/port to sh and mh alike, and nothing to the others.
    struct flag_key {
        std::string_view key;
        std::string_view scheduler;
        bool ipvs::service_flags::*field;
    };
    constexpr std::array<flag_key, 4> k_flags{{
        {"sh_fallback", "sh", &ipvs::service_flags::sched1},
        {"sh_port", "sh", &ipvs::service_flags::sched2},
        {"mh_fallback", "mh", &ipvs::service_flags::sched1},
        {"mh_port", "mh", &ipvs::service_flags::sched2},
    }};
    for (const auto& flag : k_flags) {
        const auto value = reader.boolean(flag.key);
        if (!value || !*value) {
            continue;
        }
        if (scheduler_known && settings.scheduler != flag.scheduler) {
            reader.report(flag.key, std::string(flag.key) +
                                        " applies to scheduler = " + quoted(flag.scheduler) +
                                        " only; this service uses " + quoted(settings.scheduler));
            continue;
        }
        settings.flags.*flag.field = true;
    }
    if (auto one_packet = reader.boolean("one_packet"); one_packet && *one_packet) {
        const auto* endpoint = std::get_if<ipvs::endpoint_key>(&draft.value.key);
        // The kernel applies one-packet scheduling to UDP datagrams only.
        if (draft.key_ok && endpoint != nullptr && endpoint->protocol != ipvs::protocol::udp) {
            reader.report("one_packet",
                          "one_packet (one-packet scheduling) applies to protocol = \"udp\" "
                          "only; this service is " +
                              quoted(ipvs::to_string(endpoint->protocol)));
        } else {
            settings.flags.one_packet = true;
        }
    }
}

void read_persistence(const table_reader& reader, virtual_server_draft& draft) {
    auto& settings = draft.value.settings;
    std::optional<address_family> family;
    if (draft.key_ok) {
        family = ipvs::family_of(draft.value.key);
        settings.persistence_prefix = *family == address_family::ipv4 ? 32 : 128;
    }
    const auto timeout =
        reader.duration("persistence", microseconds{0}, seconds{k_max_persistence_s});
    if (timeout) {
        if (*timeout % seconds{1} != microseconds{0}) {
            reader.report("persistence",
                          "persistence must be whole seconds (the kernel counts "
                          "it in seconds), got " +
                              show(*reader.find("persistence")));
        } else {
            settings.persistence_timeout =
                static_cast<std::uint32_t>(std::chrono::duration_cast<seconds>(*timeout).count());
        }
    }
    const bool persistence_known = timeout.has_value() || !reader.has("persistence");
    if (reader.has("persistence_netmask") && persistence_known &&
        settings.persistence_timeout == 0) {
        reader.report("persistence_netmask",
                      "persistence_netmask needs persistence (a timeout such as \"300s\")");
    } else if (auto prefix = read_persistence_netmask(reader, family)) {
        settings.persistence_prefix = *prefix;
    }
    // Port 0 means "every port", which only persistence makes sense of (ipvsadm refuses it too).
    const auto* endpoint = std::get_if<ipvs::endpoint_key>(&draft.value.key);
    if (draft.key_ok && endpoint != nullptr && endpoint->port == 0 && persistence_known &&
        settings.persistence_timeout == 0) {
        reader.report("port",
                      "port 0 (every port) needs persistence, such as persistence = "
                      "\"300s\"");
        draft.key_ok = false;
    }
}

}  // namespace

bool is_valid_name(std::string_view name) {
    return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '.' || c == '-';
    });
}

virtual_server_draft read_virtual_server(const toml::table& table, std::size_t index,
                                         diagnostics& diag) {
    virtual_server_draft draft;
    draft.path = "virtual_server[" + std::to_string(index) + "]";
    const table_reader reader(table, draft.path, k_server_keys, diag, k_server_hints);
    draft.value.position = reader.position();

    if (auto name = reader.string("name", "a name of letters, digits, '_', '.', '-'")) {
        if (!is_valid_name(*name)) {
            reader.report("name",
                          "name may only contain letters, digits, '_', '.' and '-' (and "
                          "not be empty), got " +
                              show(*reader.find("name")));
        } else {
            draft.value.name = *name;
            draft.name_ok = true;
            draft.name_at = diag.position_of(reader.find("name")->source());
        }
    }

    read_key(reader, draft);
    read_scheduler(reader, draft);
    read_persistence(reader, draft);

    service_context context;
    context.forwarding = read_forwarding(reader, context.forwarding_ok);
    if (context.forwarding) {
        context.defaults.forwarding = *context.forwarding;
    }
    if (context.forwarding_ok) {
        read_tunnel(reader, context.forwarding.value_or(ipvs::forwarding::direct), "this service",
                    context.defaults);
    }
    if (draft.key_ok) {
        context.key = draft.value.key;
    }
    context.check = read_check(reader, std::nullopt);
    if (auto quiescent = reader.boolean("quiescent")) {
        draft.value.quiescent = *quiescent;
    }
    if (auto quorum = reader.integer("quorum", 0, k_max_threshold)) {
        draft.value.quorum = static_cast<std::uint32_t>(*quorum);
    }
    draft.value.fallback = read_fallback(reader, context);
    draft.value.quorum_notify.up = read_command(reader, "quorum_up");
    draft.value.quorum_notify.down = read_command(reader, "quorum_down");
    read_hook_runner(reader, draft.value.hook_user, draft.value.hook_timeout);

    if (auto vrrp = reader.string("vrrp", "the name of a [[vrrp]] instance such as \"web\"")) {
        draft.vrrp = *vrrp;
        draft.vrrp_at = diag.position_of(reader.find("vrrp")->source());
    }

    if (const toml::node* node = reader.find("real")) {
        const auto* array = node->as_array();
        if (array == nullptr || !array->is_array_of_tables()) {
            reader.report("real",
                          "real must be an array of tables: write each real server "
                          "under [[virtual_server.real]]");
        } else {
            std::vector<source_position> seen_at;
            for (std::size_t i = 0; i < array->size(); ++i) {
                const auto& element = *array->get(i)->as_table();
                const std::string path = reader.key_path("real[" + std::to_string(i) + "]");
                const table_reader real_reader(element, path, k_real_keys, diag, k_real_hints);
                auto outcome = read_real(real_reader, context);
                if (!outcome.value) {
                    continue;
                }
                const auto duplicate =
                    std::find_if(draft.value.reals.begin(), draft.value.reals.end(),
                                 [&](const real_server& r) { return r.key == outcome.value->key; });
                if (duplicate != draft.value.reals.end()) {
                    real_reader.report("address",
                                       outcome.value->key.address.to_string() + " port " +
                                           std::to_string(outcome.value->key.port) +
                                           " is already a real of this service (line " +
                                           std::to_string(duplicate->position.line) + ")");
                    continue;
                }
                if (outcome.mixed_family && !draft.mixed_family_key) {
                    draft.mixed_family_key = path + ".address";
                    draft.mixed_family_at = outcome.address_at;
                }
                draft.value.reals.push_back(std::move(*outcome.value));
            }
        }
    }

    reader.report_unknown_keys();
    return draft;
}

}  // namespace vipd::config::detail
