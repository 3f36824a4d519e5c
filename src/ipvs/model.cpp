#include "vipd/ipvs/model.hpp"

#include <type_traits>

namespace vipd::ipvs {

namespace detail {
namespace {

// Flag names depend on the scheduler: the kernel's IP_VS_SVC_F_SCHED1..3 mean different
// things to sh and mh, and nothing to the others (ipvsadm prints flag-1..3 for those).
std::string flag_names(const service_settings& settings) {
    const bool sh = settings.scheduler == "sh";
    const bool mh = settings.scheduler == "mh";
    std::string names;
    auto append = [&names](std::string_view name) {
        if (!names.empty()) {
            names += ',';
        }
        names += name;
    };
    if (settings.flags.sched1) {
        append(sh ? "sh-fallback" : mh ? "mh-fallback" : "flag-1");
    }
    if (settings.flags.sched2) {
        append(sh ? "sh-port" : mh ? "mh-port" : "flag-2");
    }
    if (settings.flags.sched3) {
        append("flag-3");
    }
    if (settings.flags.one_packet) {
        append("ops");
    }
    return names;
}

std::string describe(const service_settings& settings) {
    std::string text = settings.scheduler;
    const std::string flags = flag_names(settings);
    if (!flags.empty()) {
        text += " " + flags;
    }
    if (settings.persistence_timeout != 0) {
        text += " persistent " + std::to_string(settings.persistence_timeout) + "s/" +
                std::to_string(settings.persistence_prefix);
    }
    return text;
}

std::string describe(const destination_settings& settings) {
    std::string text{to_string(settings.forwarding)};
    if (settings.forwarding == forwarding::tunnel) {
        text += "(" + std::string{to_string(settings.tunnel_type)};
        if (settings.tunnel_type == tunnel_type::gue) {
            text += ":" + std::to_string(settings.tunnel_port);
        }
        if (settings.tunnel_checksum) {
            text += ",csum";
        }
        text += ")";
    }
    text += " w" + std::to_string(settings.weight);
    if (settings.upper_threshold != 0 || settings.lower_threshold != 0) {
        text += " thresholds " + std::to_string(settings.lower_threshold) + "-" +
                std::to_string(settings.upper_threshold);
    }
    return text;
}

std::string real(const service_key& service, const destination_key& destination) {
    return to_string(service) + " -> " + to_string(destination);
}

}  // namespace
}  // namespace detail

std::string to_string(const destination_key& key) {
    std::string text =
        key.address.is_v6() ? "[" + key.address.to_string() + "]" : key.address.to_string();
    return text + ":" + std::to_string(key.port);
}

std::string_view to_string(protocol p) noexcept {
    switch (p) {
        case protocol::tcp:
            return "tcp";
        case protocol::udp:
            return "udp";
        case protocol::sctp:
            return "sctp";
    }
    return "unknown";
}

std::string_view to_string(forwarding f) noexcept {
    // The config's spelling (nat | dr | tun), which is also what ipvsadm users read.
    switch (f) {
        case forwarding::nat:
            return "nat";
        case forwarding::tunnel:
            return "tun";
        case forwarding::direct:
            return "dr";
    }
    return "unknown";
}

std::string_view to_string(tunnel_type t) noexcept {
    switch (t) {
        case tunnel_type::ipip:
            return "ipip";
        case tunnel_type::gue:
            return "gue";
        case tunnel_type::gre:
            return "gre";
    }
    return "unknown";
}

std::string to_string(const service_key& key) {
    if (const auto* endpoint = std::get_if<endpoint_key>(&key)) {
        return std::string{to_string(endpoint->protocol)} + " " +
               to_string(destination_key{endpoint->address, endpoint->port});
    }
    const auto& mark = std::get<fwmark_key>(key);
    return "fwmark " + std::to_string(mark.mark) + " (" + std::string{to_string(mark.family)} + ")";
}

address_family family_of(const service_key& key) noexcept {
    if (const auto* endpoint = std::get_if<endpoint_key>(&key)) {
        return endpoint->address.family();
    }
    return std::get<fwmark_key>(key).family;
}

std::string to_string(const operation& op) {
    return std::visit(
        [](const auto& o) -> std::string {
            using op_type = std::decay_t<decltype(o)>;
            if constexpr (std::is_same_v<op_type, add_service>) {
                return "add " + to_string(o.key) + " " + detail::describe(o.settings);
            } else if constexpr (std::is_same_v<op_type, edit_service>) {
                return "edit " + to_string(o.key) + " " + detail::describe(o.settings);
            } else if constexpr (std::is_same_v<op_type, delete_service>) {
                return "delete " + to_string(o.key);
            } else if constexpr (std::is_same_v<op_type, add_destination>) {
                return "add " + detail::real(o.service, o.destination) + " " +
                       detail::describe(o.settings);
            } else if constexpr (std::is_same_v<op_type, edit_destination>) {
                return "edit " + detail::real(o.service, o.destination) + " " +
                       detail::describe(o.settings);
            } else {
                static_assert(std::is_same_v<op_type, delete_destination>);
                return "delete " + detail::real(o.service, o.destination);
            }
        },
        op);
}

const service_key& service_of(const operation& op) noexcept {
    return std::visit(
        [](const auto& o) -> const service_key& {
            if constexpr (requires { o.key; }) {
                return o.key;
            } else {
                return o.service;
            }
        },
        op);
}

}  // namespace vipd::ipvs
