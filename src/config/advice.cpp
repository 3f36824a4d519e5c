#include "vipd/config/advice.hpp"

#include <algorithm>
#include <charconv>

namespace vipd::config {
namespace {

std::string where(const vrrp_instance& instance) {
    return instance.position.file + ":" + std::to_string(instance.position.line) +
           ": vrrp instance " + instance.name;
}

/// An IPv6 instance's adverts leave from the interface's link-local unless unicast_source says
/// otherwise, and a peer hears only the addresses it lists: peers named by a global address
/// usually name this director by its global address too, which its adverts will not carry.
std::optional<std::string> unicast_source_advice(const vrrp_instance& instance) {
    if (!instance.unicast || instance.unicast->source ||
        instance.family() != address_family::ipv6) {
        return std::nullopt;
    }
    for (const auto& peer : instance.unicast->peers) {
        if (!peer.is_link_local_v6()) {
            return where(instance) + ": its adverts leave from " + instance.interface +
                   "'s link-local address (no unicast_source), but peer " + peer.to_string() +
                   " is named by a global one: the peers must list this director's link-local "
                   "address, or set unicast_source to the address they list";
        }
    }
    return std::nullopt;
}

/// Several directors announce one VIP and the routers spread its flows over them (ECMP): after
/// any change some flows land on another director, which must pick the same real. Only the
/// consistent-hashing schedulers do, mh (Maglev) and sh (source hashing).
void scheduler_advice(const daemon_config& config, std::vector<std::string>& out) {
    for (const auto& vip : config.bgp_vips) {
        for (const auto& server : config.virtual_servers) {
            if (!server.name ||
                std::find(vip.virtual_servers.begin(), vip.virtual_servers.end(), *server.name) ==
                    vip.virtual_servers.end() ||
                server.settings.scheduler == "mh" || server.settings.scheduler == "sh") {
                continue;
            }
            out.push_back(server.position.file + ":" + std::to_string(server.position.line) +
                          ": virtual server " + *server.name + " gates bgp_vip " + vip.name +
                          " but uses scheduler \"" + server.settings.scheduler +
                          "\": with several directors announcing the VIP, a flow that the "
                          "routers move to another director reaches another real; use \"mh\" "
                          "(or \"sh\")");
        }
    }
}

std::string_view trimmed(std::string_view text) {
    constexpr std::string_view k_blanks = " \t\n";
    const auto first = text.find_first_not_of(k_blanks);
    if (first == std::string_view::npos) {
        return {};
    }
    return text.substr(first, text.find_last_not_of(k_blanks) - first + 1);
}

}  // namespace

std::vector<std::string> advise(const daemon_config& config) {
    std::vector<std::string> out;
    for (const auto& instance : config.vrrp) {
        if (auto advice = unicast_source_advice(instance)) {
            out.push_back(std::move(*advice));
        }
        const auto& first = instance.vips.front().prefix.address;
        if (instance.version == vrrp::version::v3 && first.is_v6() && !first.is_link_local_v6()) {
            out.push_back(where(instance) +
                          ": the first VIP of an IPv6 instance should be the virtual router's "
                          "link-local address (RFC 5798 §5.2.9), such as \"fe80::1/64\"; " +
                          first.to_string() +
                          " is not: keepalived and FRR accept such adverts, other routers may "
                          "drop them");
        }
    }
    scheduler_advice(config, out);
    return out;
}

std::optional<std::string> sloppy_tcp_advice(const daemon_config& config,
                                             const std::optional<std::string>& sloppy_tcp) {
    if (config.bgp_vips.empty()) {
        return std::nullopt;
    }
    if (!sloppy_tcp) {
        return "[[bgp_vip]] configured but IPVS is not loaded (no " +
               std::string(k_sloppy_tcp_path) +
               "): cannot tell whether net.ipv4.vs.sloppy_tcp is 1, which ECMP over several "
               "directors needs";
    }
    // The kernel writes the integer and a newline (proc_dointvec); any value but 0 enables it.
    const auto text = trimmed(*sloppy_tcp);
    int value = 0;
    if (text.empty() || std::from_chars(text.data(), text.data() + text.size(), value).ptr !=
                            text.data() + text.size()) {
        return std::string(k_sloppy_tcp_path) + " reads \"" + std::string(text) +
               "\", not a number: cannot tell whether net.ipv4.vs.sloppy_tcp is 1, which ECMP "
               "over several directors needs";
    }
    if (value == 0) {
        return "net.ipv4.vs.sloppy_tcp is 0: with ECMP over several directors, a director drops "
               "TCP flows the routers move to it mid-way; set it to 1 (sysctl -w "
               "net.ipv4.vs.sloppy_tcp=1, and in /etc/sysctl.d)";
    }
    return std::nullopt;
}

}  // namespace vipd::config
