#include "vipd/policy/drains.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <set>

namespace vipd::policy {
namespace {

/// Error messages list what exists, but a table of 10,000 services is no message.
constexpr std::size_t k_listed_names = 8;

std::string listing(const std::vector<std::string>& names) {
    std::string out;
    for (std::size_t i = 0; i < names.size() && i < k_listed_names; ++i) {
        out += (i == 0 ? "" : ", ") + names[i];
    }
    if (names.size() > k_listed_names) {
        out += " and " + std::to_string(names.size() - k_listed_names) + " more";
    }
    return out;
}

std::string service_name(const config::virtual_server& server) {
    return server.name.value_or(ipvs::to_string(server.key));
}

/// An address, with the port when the text has one: "10.0.0.1", "10.0.0.1:80", "2001:db8::1",
/// "[2001:db8::1]:80".
struct real_text {
    ip_address address;
    std::optional<std::uint16_t> port;
};

std::optional<std::uint16_t> parse_port(std::string_view text) {
    unsigned value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value > 65535) {
        return std::nullopt;
    }
    return static_cast<std::uint16_t>(value);
}

std::optional<real_text> parse_real(std::string_view text) {
    if (auto bare = ip_address::parse(text)) {
        return real_text{*bare, std::nullopt};
    }
    std::string_view address;
    std::string_view port;
    if (text.starts_with('[')) {
        const auto close = text.find("]:");
        if (close == std::string_view::npos) {
            return std::nullopt;
        }
        address = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string_view::npos) {
            return std::nullopt;
        }
        address = text.substr(0, colon);
        port = text.substr(colon + 1);
    }
    auto parsed_address = ip_address::parse(address);
    auto parsed_port = parse_port(port);
    if (!parsed_address || !parsed_port) {
        return std::nullopt;
    }
    return real_text{*parsed_address, parsed_port};
}

const config::virtual_server* find_server(const config::daemon_config& config,
                                          std::string_view text) {
    for (const auto& server : config.virtual_servers) {
        if (server.name == text || ipvs::to_string(server.key) == text) {
            return &server;
        }
    }
    return nullptr;
}

std::vector<std::string> real_names(const config::virtual_server& server) {
    std::vector<std::string> names;
    for (const auto& real : server.reals) {
        names.push_back(ipvs::to_string(real.key));
    }
    return names;
}

/// The reals of `server` that `wanted` names; a bare address prefers the service's port.
std::vector<const config::real_server*> matching_reals(const config::virtual_server& server,
                                                       const real_text& wanted) {
    std::vector<const config::real_server*> found;
    for (const auto& real : server.reals) {
        if (real.key.address == wanted.address && (!wanted.port || real.key.port == *wanted.port)) {
            found.push_back(&real);
        }
    }
    const auto* endpoint = std::get_if<ipvs::endpoint_key>(&server.key);
    if (found.size() > 1 && !wanted.port && endpoint != nullptr) {
        std::erase_if(found, [endpoint](const config::real_server* real) {
            return real->key.port != endpoint->port;
        });
    }
    return found;
}

}  // namespace

bool drain_set::drain(const real_ref& real, deadline until) {
    const auto [where, added] = drains_.insert_or_assign(real, until);
    return added;
}

bool drain_set::undrain(const real_ref& real) {
    return drains_.erase(real) > 0;
}

bool drain_set::contains(const ipvs::service_key& service,
                         const ipvs::destination_key& real) const {
    return drains_.contains(real_ref{service, real});
}

const drain_set::deadline* drain_set::find(const real_ref& real) const {
    const auto found = drains_.find(real);
    return found == drains_.end() ? nullptr : &found->second;
}

std::vector<real_ref> drain_set::expire(time_point now) {
    std::vector<real_ref> ended;
    std::erase_if(drains_, [&](const auto& entry) {
        const bool due = entry.second && *entry.second <= now;
        if (due) {
            ended.push_back(entry.first);
        }
        return due;
    });
    return ended;
}

std::optional<time_point> drain_set::next_deadline() const {
    std::optional<time_point> earliest;
    for (const auto& [real, until] : drains_) {
        if (until && (!earliest || *until < *earliest)) {
            earliest = until;
        }
    }
    return earliest;
}

std::vector<real_ref> drain_set::retain_configured(const config::daemon_config& config) {
    std::set<real_ref> configured;
    for (const auto& server : config.virtual_servers) {
        for (const auto& real : server.reals) {
            configured.insert(real_ref{server.key, real.key});
        }
    }
    std::vector<real_ref> dropped;
    std::erase_if(drains_, [&](const auto& entry) {
        const bool gone = !configured.contains(entry.first);
        if (gone) {
            dropped.push_back(entry.first);
        }
        return gone;
    });
    return dropped;
}

std::variant<real_ref, std::string> find_real(const config::daemon_config& config,
                                              std::string_view service, std::string_view real) {
    const auto* server = find_server(config, service);
    if (server == nullptr) {
        std::vector<std::string> names;
        for (const auto& s : config.virtual_servers) {
            names.push_back(s.name ? *s.name + " (" + ipvs::to_string(s.key) + ")"
                                   : ipvs::to_string(s.key));
        }
        return "no virtual server \"" + std::string(service) + "\"; " +
               (names.empty() ? std::string("none is configured")
                              : "configured: " + listing(names));
    }
    const auto name = service_name(*server);
    const auto reals = real_names(*server);
    if (reals.empty()) {
        return name + " has no reals";
    }
    const auto wanted = parse_real(real);
    if (!wanted) {
        return "\"" + std::string(real) + "\" is not ADDR or ADDR:PORT; the reals of " + name +
               ": " + listing(reals);
    }
    const auto found = matching_reals(*server, *wanted);
    if (found.empty()) {
        return name + " has no real \"" + std::string(real) + "\"; its reals: " + listing(reals);
    }
    if (found.size() > 1) {
        std::vector<std::string> ambiguous;
        for (const auto* match : found) {
            ambiguous.push_back(ipvs::to_string(match->key));
        }
        return "\"" + std::string(real) + "\" is several reals of " + name + ": " +
               listing(ambiguous) + "; give ADDR:PORT";
    }
    return real_ref{server->key, found.front()->key};
}

real_name name_of(const config::daemon_config& config, const real_ref& real) {
    const auto server =
        std::find_if(config.virtual_servers.begin(), config.virtual_servers.end(),
                     [&real](const config::virtual_server& s) { return s.key == real.service; });
    return real_name{server == config.virtual_servers.end() ? ipvs::to_string(real.service)
                                                            : service_name(*server),
                     ipvs::to_string(real.real)};
}

}  // namespace vipd::policy
