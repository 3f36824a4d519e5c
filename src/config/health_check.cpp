#include <algorithm>
#include <array>
#include <string>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "health_section.hpp"

namespace vipd::config::detail {
namespace {

constexpr std::array<std::string_view, 21> k_check_keys{"ca_file",     "type",
                                                        "interval",    "timeout",
                                                        "rise",        "fall",
                                                        "initial",     "port",
                                                        "path",        "host",
                                                        "method",      "expect_status",
                                                        "expect_body", "expect_body_regex",
                                                        "tls_verify",  "payload",
                                                        "expect",      "name",
                                                        "query_type",  "command",
                                                        "user"};

// keepalived's checker words and ldirectord's, pointed at ours.
constexpr std::array<foreign_key_hint, 12> k_check_hints{{
    {"delay_loop", "keepalived's delay_loop is interval here, a duration such as \"2s\""},
    {"connect_timeout", "keepalived's connect_timeout is timeout here"},
    {"retry", "keepalived's retry is fall here (failures in a row before a real goes down)"},
    {"nb_get_retry", "keepalived's nb_get_retry is fall here"},
    {"delay_before_retry", "there is no separate retry delay: each probe comes every interval"},
    {"connect_port", "keepalived's connect_port is port here"},
    {"url", "write path = \"/...\" and expect_status / expect_body in this table"},
    {"status_code", "keepalived's status_code is expect_status here, e.g. [200, 204]"},
    {"digest", "body digests are not supported: use expect_body or expect_body_regex"},
    {"misc_path", "keepalived's misc_path is command here, an array such as [\"/bin/x\", \"arg\"]"},
    {"request", "ldirectord's request is path here"},
    {"receive", "ldirectord's receive is expect_body here"},
}};

constexpr microseconds k_min_interval{10'000};         // 10 ms
constexpr microseconds k_max_interval{3'600'000'000};  // 1 h
constexpr microseconds k_min_timeout{1'000};           // 1 ms
constexpr std::int64_t k_max_streak = 100;

constexpr std::array<std::string_view, 6> k_type_names{"tcp", "http", "https",
                                                       "udp", "dns",  "script"};

/// Which types each type-specific key applies to.
struct specific_key {
    std::string_view key;
    std::string_view types;  // as said in messages
    bool (*applies)(const health::check_kind&);
};
bool is_http(const health::check_kind& k) {
    return std::holds_alternative<health::http_check>(k);
}
bool is_https(const health::check_kind& k) {
    const auto* http = std::get_if<health::http_check>(&k);
    return http != nullptr && http->tls;
}
bool is_udp(const health::check_kind& k) {
    return std::holds_alternative<health::udp_check>(k);
}
bool is_dns(const health::check_kind& k) {
    return std::holds_alternative<health::dns_check>(k);
}
bool is_script(const health::check_kind& k) {
    return std::holds_alternative<health::script_check>(k);
}
constexpr std::array<specific_key, 14> k_specific{{
    {"ca_file", "\"https\"", is_https},
    {"path", "\"http\" or \"https\"", is_http},
    {"host", "\"http\" or \"https\"", is_http},
    {"method", "\"http\" or \"https\"", is_http},
    {"expect_status", "\"http\" or \"https\"", is_http},
    {"expect_body", "\"http\" or \"https\"", is_http},
    {"expect_body_regex", "\"http\" or \"https\"", is_http},
    {"tls_verify", "\"https\"", is_https},
    {"payload", "\"udp\"", is_udp},
    {"expect", "\"udp\"", is_udp},
    {"name", "\"dns\"", is_dns},
    {"query_type", "\"dns\"", is_dns},
    {"command", "\"script\"", is_script},
    {"user", "\"script\"", is_script},
}};

struct query_type_name {
    std::string_view name;
    std::uint16_t value;
};
// RFC 1035 §3.2.2 and RFC 3596 (AAAA), RFC 2782 (SRV).
constexpr std::array<query_type_name, 9> k_query_types{{{"A", 1},
                                                        {"NS", 2},
                                                        {"CNAME", 5},
                                                        {"SOA", 6},
                                                        {"PTR", 12},
                                                        {"MX", 15},
                                                        {"TXT", 16},
                                                        {"AAAA", 28},
                                                        {"SRV", 33}}};

std::string_view kind_name(const health::check_kind& kind) {
    if (const auto* http = std::get_if<health::http_check>(&kind)) {
        return http->tls ? "https" : "http";
    }
    return k_type_names[kind.index() == 0 ? 0 : kind.index() + 1];
}

health::check_kind fresh_kind(std::string_view type) {
    if (type == "http" || type == "https") {
        health::http_check http;
        http.tls = type == "https";
        return http;
    }
    if (type == "udp") {
        return health::udp_check{};
    }
    if (type == "dns") {
        return health::dns_check{};
    }
    if (type == "script") {
        return health::script_check{};
    }
    return health::tcp_check{};
}

/// Text without control characters or spaces, for HTTP request parts.
bool is_request_token(std::string_view text) {
    return !text.empty() && std::none_of(text.begin(), text.end(), [](char c) {
        return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f;
    });
}

void read_http_method(const table_reader& reader, health::http_check& http) {
    const auto method = reader.string("method", "an HTTP method such as \"GET\"");
    if (!method) {
        return;
    }
    const bool token = !method->empty() && std::all_of(method->begin(), method->end(),
                                                       [](char c) { return c >= 'A' && c <= 'Z'; });
    if (!token) {
        reader.report("method",
                      "method must be an upper-case HTTP method such as \"GET\" or "
                      "\"HEAD\", got " +
                          show(*reader.find("method")));
        return;
    }
    http.method = *method;
}

void read_http_path(const table_reader& reader, health::http_check& http) {
    const auto path = reader.string("path", "a request path such as \"/health\"");
    if (!path) {
        return;
    }
    if (!path->starts_with('/') || !is_request_token(*path)) {
        reader.report("path",
                      "path must start with '/' and contain no spaces or control "
                      "characters, got " +
                          show(*reader.find("path")));
        return;
    }
    http.path = *path;
}

void read_http_host(const table_reader& reader, health::http_check& http) {
    const auto host = reader.string("host", "a host name such as \"www.example.com\"");
    if (!host) {
        return;
    }
    if (!is_request_token(*host)) {
        reader.report("host",
                      "host must be a host name without spaces, got " + show(*reader.find("host")));
        return;
    }
    http.host = *host;
}

/// A status code 100..599, or a non-empty array of them; nullopt for anything else.
std::optional<std::vector<std::uint16_t>> parse_status_codes(const toml::node& node) {
    std::vector<std::uint16_t> codes;
    auto take = [&codes](const toml::node& n) {
        const auto* number = n.as_integer();
        if (number == nullptr || number->get() < 100 || number->get() > 599) {
            return false;
        }
        codes.push_back(static_cast<std::uint16_t>(number->get()));
        return true;
    };
    if (const auto* array = node.as_array()) {
        for (const auto& element : *array) {
            if (!take(element)) {
                return std::nullopt;
            }
        }
    } else if (!take(node)) {
        return std::nullopt;
    }
    if (codes.empty()) {
        return std::nullopt;
    }
    return codes;
}

void read_expect_status(const table_reader& reader, health::http_check& http) {
    const toml::node* node = reader.find("expect_status");
    if (node == nullptr) {
        return;
    }
    if (auto codes = parse_status_codes(*node)) {
        http.expect_status = std::move(*codes);
    } else {
        reader.report("expect_status",
                      "expect_status must be a status code 100..599 or a non-empty list of "
                      "them such as [200, 204], got " +
                          show(*node));
    }
}

/// Why PCRE2 refuses `pattern` ("... at offset N"), or nullopt when it compiles.
std::optional<std::string> regex_problem(const std::string& pattern) {
    int code = 0;
    PCRE2_SIZE offset = 0;
    pcre2_code* compiled = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()),
                                         pattern.size(), 0, &code, &offset, nullptr);
    if (compiled != nullptr) {
        pcre2_code_free(compiled);
        return std::nullopt;
    }
    std::array<PCRE2_UCHAR, 256> text{};
    pcre2_get_error_message(code, text.data(), text.size());
    return std::string(reinterpret_cast<const char*>(text.data())) + " at offset " +
           std::to_string(offset);
}

/// expect_body or expect_body_regex; setting one drops the other one inherited from the service.
void read_expect_body(const table_reader& reader, health::http_check& http) {
    const auto body = reader.string("expect_body", "a text the body must contain");
    const auto regex = reader.string("expect_body_regex", "a regular expression (PCRE2)");
    if (body && regex) {
        reader.report("expect_body_regex",
                      "give expect_body (a substring) or expect_body_regex, not both");
    } else if (body) {
        http.expect_body = *body;
        http.expect_body_regex.reset();
    } else if (regex) {
        // The checker matches with PCRE2: validate with the same engine and syntax.
        if (auto problem = regex_problem(*regex)) {
            reader.report("expect_body_regex",
                          "expect_body_regex is not a valid regular expression (" + *problem +
                              "): " + show(*reader.find("expect_body_regex")));
        } else {
            http.expect_body_regex = *regex;
            http.expect_body.reset();
        }
    }
}

void read_tls(const table_reader& reader, health::http_check& http) {
    if (auto verify = reader.boolean("tls_verify")) {
        http.tls_verify = *verify;
    }
    if (auto ca = reader.string("ca_file", "a PEM file of trusted CAs")) {
        if (!ca->starts_with('/')) {
            reader.report("ca_file",
                          "ca_file must be an absolute path, got " + show(*reader.find("ca_file")));
        } else {
            http.ca_file = *ca;
        }
    }
}

void read_http(const table_reader& reader, health::http_check& http) {
    read_http_method(reader, http);
    read_http_path(reader, http);
    read_http_host(reader, http);
    read_expect_status(reader, http);
    read_expect_body(reader, http);
    read_tls(reader, http);
}

void read_udp(const table_reader& reader, health::udp_check& udp) {
    if (auto payload = reader.string("payload", "the datagram to send")) {
        udp.payload = *payload;
    }
    if (auto expect = reader.string("expect", "a text the reply must contain")) {
        udp.expect = *expect;
    }
}

bool is_dns_name(std::string_view name) {
    if (name.empty() || name.size() > 253) {
        return false;
    }
    std::size_t label = 0;
    for (std::size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        if (c == '.') {
            // An empty label is only allowed as the trailing root dot.
            if (label == 0 && !(i == name.size() - 1 && i != 0)) {
                return false;
            }
            label = 0;
            continue;
        }
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (!ok || ++label > 63) {
            return false;
        }
    }
    return true;
}

void read_dns(const table_reader& reader, health::dns_check& dns, bool inherited) {
    if (auto name = reader.string("name", "a name to query such as \"www.example.com\"",
                                  inherited ? presence::optional : presence::required)) {
        if (!is_dns_name(*name)) {
            reader.report("name",
                          "name must be a DNS name such as \"www.example.com\" (labels "
                          "of 1..63 letters, digits, '-', '_'), got " +
                              show(*reader.find("name")));
        } else {
            dns.name = *name;
        }
    }
    if (auto type = reader.string("query_type", "\"A\", \"AAAA\", \"MX\", ...")) {
        const auto it = std::find_if(k_query_types.begin(), k_query_types.end(),
                                     [&](const query_type_name& q) { return q.name == *type; });
        if (it == k_query_types.end()) {
            reader.report("query_type",
                          "query_type must be one of A, AAAA, NS, CNAME, SOA, PTR, "
                          "MX, TXT, SRV, got " +
                              show(*reader.find("query_type")));
        } else {
            dns.type = it->value;
        }
    }
}

}  // namespace

void read_timing(const table_reader& reader, health::check_timing& timing) {
    if (auto interval = reader.duration("interval", k_min_interval, k_max_interval)) {
        timing.interval = *interval;
    }
    if (auto timeout = reader.duration("timeout", k_min_timeout, k_max_interval)) {
        if (*timeout > timing.interval) {
            reader.report("timeout", "timeout " + format_duration(*timeout) +
                                         " is longer than interval " +
                                         format_duration(timing.interval) +
                                         ": a probe must end before the next one starts");
        } else {
            timing.timeout = *timeout;
        }
    } else if (!reader.has("timeout")) {
        timing.timeout = std::min(timing.timeout, timing.interval);
    }
    if (auto rise = reader.integer("rise", 1, k_max_streak)) {
        timing.rise = static_cast<std::uint32_t>(*rise);
    }
    if (auto fall = reader.integer("fall", 1, k_max_streak)) {
        timing.fall = static_cast<std::uint32_t>(*fall);
    }
    if (auto initial = reader.string("initial", "\"up\" or \"down\"")) {
        if (*initial == "up" || *initial == "down") {
            timing.initial =
                *initial == "up" ? health::health_state::up : health::health_state::down;
        } else {
            reader.report("initial",
                          "initial must be \"up\" or \"down\" (the state before the "
                          "first result), got " +
                              show(*reader.find("initial")));
        }
    }
}

std::optional<health::script_check> read_script(const table_reader& reader) {
    health::script_check script;
    bool ok = true;
    const toml::node* node = reader.find("command");
    if (node == nullptr) {
        reader.report_missing("command",
                              "an argument list such as [\"/usr/local/bin/check\", "
                              "\"--quiet\"]");
        ok = false;
    } else {
        const auto* array = node->as_array();
        const bool strings = array != nullptr && !array->empty() &&
                             std::all_of(array->begin(), array->end(),
                                         [](const toml::node& n) { return n.is_string(); });
        if (!strings) {
            reader.report("command",
                          "command must be a non-empty array of strings, the program "
                          "and its arguments (no shell), got " +
                              show(*node));
            ok = false;
        } else {
            for (const auto& element : *array) {
                script.command.push_back(element.as_string()->get());
            }
            if (!script.command.front().starts_with('/')) {
                reader.report("command",
                              "command must start with an absolute program path "
                              "(no PATH lookup), got \"" +
                                  script.command.front() + "\"");
                ok = false;
            }
        }
    }
    if (auto user = reader.string("user", "a user name such as \"nobody\"")) {
        if (user->empty() || !is_request_token(*user)) {
            reader.report("user", "user must be a user name, got " + show(*reader.find("user")));
            ok = false;
        } else {
            script.user.name = *user;
        }
    }
    if (!ok) {
        return std::nullopt;
    }
    return script;
}

std::optional<health::check_spec> read_check(const table_reader& parent,
                                             const std::optional<health::check_spec>& base) {
    const toml::node* node = parent.find("check");
    if (node == nullptr) {
        return std::nullopt;
    }
    const auto* table = node->as_table();
    if (table == nullptr) {
        parent.report("check", "check must be a table: write it as [" + parent.key_path("check") +
                                   "] with type = \"tcp\", \"http\", ...");
        return std::nullopt;
    }
    const table_reader reader(*table, parent.key_path("check"), k_check_keys, parent.diag(),
                              k_check_hints);
    const auto errors_before = parent.diag().count();

    health::check_spec spec;
    bool inherited_kind = false;
    if (base) {
        spec = *base;
        inherited_kind = true;
    }
    if (auto type = reader.string("type",
                                  "\"tcp\", \"http\", \"https\", \"udp\", \"dns\" or "
                                  "\"script\"",
                                  base ? presence::optional : presence::required)) {
        if (std::find(k_type_names.begin(), k_type_names.end(), *type) == k_type_names.end()) {
            std::string message = "unknown check type \"" + *type + "\"";
            if (const auto near = closest_match(*type, k_type_names); !near.empty()) {
                message += " (did you mean \"" + std::string(near) + "\"?)";
            }
            reader.report("type", message + "; types: tcp, http, https, udp, dns, script");
            reader.report_unknown_keys();
            return std::nullopt;
        }
        if (!base || kind_name(base->kind) != *type) {
            spec.kind = fresh_kind(*type);
            inherited_kind = false;
        }
    } else if (!base) {
        reader.report_unknown_keys();
        return std::nullopt;
    }

    for (const auto& key : k_specific) {
        if (reader.has(key.key) && !key.applies(spec.kind)) {
            reader.report(key.key,
                          std::string(key.key) + " applies to type = " + std::string(key.types) +
                              " only; this check is \"" + std::string(kind_name(spec.kind)) + "\"");
        }
    }

    read_timing(reader, spec.timing);
    if (auto port = reader.integer("port", 1, 65535)) {
        spec.port = static_cast<std::uint16_t>(*port);
    }
    std::visit(
        [&](auto& kind) {
            using kind_type = std::decay_t<decltype(kind)>;
            if constexpr (std::is_same_v<kind_type, health::http_check>) {
                read_http(reader, kind);
            } else if constexpr (std::is_same_v<kind_type, health::udp_check>) {
                read_udp(reader, kind);
            } else if constexpr (std::is_same_v<kind_type, health::dns_check>) {
                read_dns(reader, kind, inherited_kind);
            } else if constexpr (std::is_same_v<kind_type, health::script_check>) {
                // A real inheriting the service's script may change just its user.
                if (!inherited_kind || reader.has("command")) {
                    if (auto script = read_script(reader)) {
                        kind = *script;
                    }
                } else if (auto user = reader.string("user", "a user name such as \"nobody\"")) {
                    kind.user.name = *user;
                }
            }
        },
        spec.kind);
    reader.report_unknown_keys();
    if (parent.diag().count() != errors_before) {
        return std::nullopt;
    }
    return spec;
}

}  // namespace vipd::config::detail
