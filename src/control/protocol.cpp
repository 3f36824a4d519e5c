#include "vipd/control/protocol.hpp"

#include <array>
#include <exception>
#include <limits>
#include <utility>

#include <nlohmann/json.hpp>

namespace vipd::control {
namespace {

using json = nlohmann::json;

struct command_name {
    command cmd;
    std::string_view name;
};

constexpr std::array<command_name, 8> k_commands{{{command::status, "status"},
                                                  {command::ipvs, "ipvs"},
                                                  {command::reload, "reload"},
                                                  {command::demote, "demote"},
                                                  {command::promote, "promote"},
                                                  {command::garp, "garp"},
                                                  {command::drain, "drain"},
                                                  {command::undrain, "undrain"}}};

// Strings come from configuration and from health checks quoting remote servers: never let a
// stray byte turn an answer into an exception.
std::string dump(const json& j, int indent) {
    return j.dump(indent, ' ', false, json::error_handler_t::replace);
}

// --- encoding -------------------------------------------------------------------------------

template <class T>
json optional_json(const std::optional<T>& value) {
    return value ? json(*value) : json(nullptr);
}

json to_json(const instance_view& v) {
    return json{{"name", v.name},
                {"interface", v.interface},
                {"vrid", v.vrid},
                {"state", v.state},
                {"priority", v.priority},
                {"configured_priority", v.configured_priority},
                {"master", optional_json(v.master)},
                {"vips", v.vips},
                {"since_unix", v.since_unix},
                {"transitions", v.transitions},
                {"demoted", v.demoted},
                {"sync_group", optional_json(v.sync_group)}};
}

json to_json(const reload_view& v) {
    return json{{"ok", v.ok}, {"at_unix", v.at_unix}, {"message", v.message}};
}

json to_json(const drain_view& v) {
    return json{
        {"service", v.service}, {"real", v.real}, {"until_unix", optional_json(v.until_unix)}};
}

json to_json(const bgp_vip_view& v) {
    return json{{"name", v.name},
                {"address", v.address},
                {"announced", v.announced},
                {"reason", v.reason},
                {"demoted", v.demoted}};
}

// array_of finds to_json by ordinary lookup, which sees only what is declared before it.
json to_json(const real_view& v);
json to_json(const service_view& v);

template <class T>
json array_of(const std::vector<T>& items) {
    json out = json::array();
    for (const auto& item : items) {
        out.push_back(to_json(item));
    }
    return out;
}

json to_json(const status_view& v) {
    return json{{"router_id", v.router_id},
                {"config_files", v.config_files},
                {"started_unix", v.started_unix},
                {"instances", array_of(v.instances)},
                {"last_reload", v.last_reload ? to_json(*v.last_reload) : json(nullptr)},
                {"drained", array_of(v.drained)},
                {"bgp_vips", array_of(v.bgp_vips)}};
}

json to_json(const real_view& v) {
    return json{{"address", v.address},
                {"forwarding", v.forwarding},
                {"weight", v.weight},
                {"kernel_weight", optional_json(v.kernel_weight)},
                {"health", v.health},
                {"detail", v.detail},
                {"latency_ms", optional_json(v.latency_ms)},
                {"fallback", v.fallback},
                {"active_connections", v.active_connections},
                {"inactive_connections", v.inactive_connections},
                {"drained", v.drained},
                {"drained_until_unix", optional_json(v.drained_until_unix)}};
}

json to_json(const service_view& v) {
    return json{{"name", v.name},
                {"key", v.key},
                {"scheduler", v.scheduler},
                {"gate", v.gate},
                {"in_kernel", v.in_kernel},
                {"reals", array_of(v.reals)},
                {"connections", v.connections},
                {"packets_in", v.packets_in},
                {"packets_out", v.packets_out},
                {"bytes_in", v.bytes_in},
                {"bytes_out", v.bytes_out}};
}

// --- decoding -------------------------------------------------------------------------------

// Thrown inside this file only: decode_* turn it into the error string, so the public API never
// throws. An exception keeps every field read a one-liner instead of a check per line.
struct decode_error {
    std::string message;
};

[[noreturn]] void fail(const std::string& path, const std::string& what) {
    throw decode_error{path + ": " + what};
}

std::string describe(const json& j) {
    switch (j.type()) {
        case json::value_t::null:
            return "null";
        case json::value_t::boolean:
            return "a boolean";
        case json::value_t::string:
            return "a string";
        case json::value_t::array:
            return "an array";
        case json::value_t::object:
            return "an object";
        case json::value_t::number_float:
            return "a fractional number";
        case json::value_t::number_integer:
        case json::value_t::number_unsigned:
            return "an integer";
        default:
            return "something else";
    }
}

/// Reads the members of one JSON object, naming each by its path in errors.
class object_reader {
  public:
    object_reader(const json& j, std::string path) : j_(j), path_(std::move(path)) {
        if (!j_.is_object()) {
            fail(path_, "must be an object, got " + describe(j_));
        }
    }

    const std::string& path() const noexcept { return path_; }
    std::string path_of(std::string_view key) const {
        return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
    }

    /// The member, or nullptr when absent or null.
    const json* find(std::string_view key) const {
        auto it = j_.find(key);
        if (it == j_.end() || it->is_null()) {
            return nullptr;
        }
        return &*it;
    }
    const json& required(std::string_view key) const {
        const json* value = find(key);
        if (value == nullptr) {
            fail(path_of(key), "missing");
        }
        return *value;
    }

    std::string string(std::string_view key) const {
        return as_string(required(key), path_of(key));
    }
    bool boolean(std::string_view key) const { return as_boolean(required(key), path_of(key)); }
    std::optional<bool> optional_boolean(std::string_view key) const {
        const json* value = find(key);
        return value ? std::optional(as_boolean(*value, path_of(key))) : std::nullopt;
    }
    std::int64_t int64(std::string_view key) const { return as_int64(required(key), path_of(key)); }
    int integer(std::string_view key) const { return as_int(required(key), path_of(key)); }
    std::uint64_t uint64(std::string_view key) const {
        const json& value = required(key);
        if (!value.is_number_unsigned()) {
            fail(path_of(key), "must be a non-negative integer, got " + describe(value));
        }
        return value.get<std::uint64_t>();
    }
    std::optional<std::string> optional_string(std::string_view key) const {
        const json* value = find(key);
        return value ? std::optional(as_string(*value, path_of(key))) : std::nullopt;
    }
    std::optional<std::int64_t> optional_int64(std::string_view key) const {
        const json* value = find(key);
        return value ? std::optional(as_int64(*value, path_of(key))) : std::nullopt;
    }
    std::optional<int> optional_integer(std::string_view key) const {
        const json* value = find(key);
        return value ? std::optional(as_int(*value, path_of(key))) : std::nullopt;
    }
    std::optional<double> optional_number(std::string_view key) const {
        const json* value = find(key);
        if (value == nullptr) {
            return std::nullopt;
        }
        if (!value->is_number()) {
            fail(path_of(key), "must be a number, got " + describe(*value));
        }
        return value->get<double>();
    }
    std::vector<std::string> strings(std::string_view key) const {
        const json& value = array(key);
        std::vector<std::string> out;
        out.reserve(value.size());
        for (std::size_t i = 0; i < value.size(); ++i) {
            out.push_back(as_string(value[i], path_of(key) + "[" + std::to_string(i) + "]"));
        }
        return out;
    }
    const json& array(std::string_view key) const {
        const json& value = required(key);
        if (!value.is_array()) {
            fail(path_of(key), "must be an array, got " + describe(value));
        }
        return value;
    }

  private:
    static bool as_boolean(const json& value, const std::string& path) {
        if (!value.is_boolean()) {
            fail(path, "must be a boolean, got " + describe(value));
        }
        return value.get<bool>();
    }
    static std::string as_string(const json& value, const std::string& path) {
        if (!value.is_string()) {
            fail(path, "must be a string, got " + describe(value));
        }
        return value.get<std::string>();
    }
    static std::int64_t as_int64(const json& value, const std::string& path) {
        if (!value.is_number_integer()) {
            fail(path, "must be an integer, got " + describe(value));
        }
        // Unsigned values above INT64_MAX would wrap in get<int64_t>().
        if (value.is_number_unsigned() &&
            value.get<std::uint64_t>() >
                static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
            fail(path, "out of range");
        }
        return value.get<std::int64_t>();
    }
    static int as_int(const json& value, const std::string& path) {
        const std::int64_t wide = as_int64(value, path);
        if (wide < std::numeric_limits<int>::min() || wide > std::numeric_limits<int>::max()) {
            fail(path, "out of range");
        }
        return static_cast<int>(wide);
    }

    const json& j_;
    std::string path_;
};

std::string index_path(const std::string& path, std::size_t i) {
    return path + "[" + std::to_string(i) + "]";
}

/// The array `key` of `in`, each item decoded by `from` with its own path.
template <class T>
std::vector<T> items_of(const object_reader& in, std::string_view key,
                        T (*from)(const json&, const std::string&)) {
    const json& items = in.array(key);
    std::vector<T> out;
    out.reserve(items.size());
    for (std::size_t i = 0; i < items.size(); ++i) {
        out.push_back(from(items[i], index_path(in.path_of(key), i)));
    }
    return out;
}

instance_view instance_from(const json& j, const std::string& path) {
    object_reader in(j, path);
    instance_view v;
    v.name = in.string("name");
    v.interface = in.string("interface");
    v.vrid = in.integer("vrid");
    v.state = in.string("state");
    v.priority = in.integer("priority");
    v.configured_priority = in.integer("configured_priority");
    v.master = in.optional_string("master");
    v.vips = in.strings("vips");
    v.since_unix = in.int64("since_unix");
    v.transitions = in.uint64("transitions");
    v.demoted = in.boolean("demoted");
    v.sync_group = in.optional_string("sync_group");
    return v;
}

reload_view reload_from(const json& j, const std::string& path) {
    object_reader in(j, path);
    return reload_view{in.boolean("ok"), in.int64("at_unix"), in.string("message")};
}

drain_view drain_from(const json& j, const std::string& path) {
    object_reader in(j, path);
    return drain_view{in.string("service"), in.string("real"), in.optional_int64("until_unix")};
}

bgp_vip_view bgp_vip_from(const json& j, const std::string& path) {
    object_reader in(j, path);
    return bgp_vip_view{in.string("name"), in.string("address"), in.boolean("announced"),
                        in.string("reason"), in.boolean("demoted")};
}

status_view status_from(const json& j, const std::string& path) {
    object_reader in(j, path);
    status_view v;
    v.router_id = in.string("router_id");
    v.config_files = in.strings("config_files");
    v.started_unix = in.int64("started_unix");
    v.instances = items_of(in, "instances", instance_from);
    if (const json* reload = in.find("last_reload")) {
        v.last_reload = reload_from(*reload, in.path_of("last_reload"));
    }
    // Optional: an older vipd has no drains and no [[bgp_vip]] to tell.
    if (in.find("drained") != nullptr) {
        v.drained = items_of(in, "drained", drain_from);
    }
    if (in.find("bgp_vips") != nullptr) {
        v.bgp_vips = items_of(in, "bgp_vips", bgp_vip_from);
    }
    return v;
}

real_view real_from(const json& j, const std::string& path) {
    object_reader in(j, path);
    real_view v;
    v.address = in.string("address");
    v.forwarding = in.string("forwarding");
    v.weight = in.integer("weight");
    v.kernel_weight = in.optional_integer("kernel_weight");
    v.health = in.string("health");
    v.detail = in.string("detail");
    v.latency_ms = in.optional_number("latency_ms");
    v.fallback = in.boolean("fallback");
    v.active_connections = in.uint64("active_connections");
    v.inactive_connections = in.uint64("inactive_connections");
    v.drained = in.optional_boolean("drained").value_or(false);  // absent from an older vipd
    v.drained_until_unix = in.optional_int64("drained_until_unix");
    return v;
}

service_view service_from(const json& j, const std::string& path) {
    object_reader in(j, path);
    service_view v;
    v.name = in.string("name");
    v.key = in.string("key");
    v.scheduler = in.string("scheduler");
    v.gate = in.string("gate");
    v.in_kernel = in.boolean("in_kernel");
    v.reals = items_of(in, "reals", real_from);
    v.connections = in.uint64("connections");
    v.packets_in = in.uint64("packets_in");
    v.packets_out = in.uint64("packets_out");
    v.bytes_in = in.uint64("bytes_in");
    v.bytes_out = in.uint64("bytes_out");
    return v;
}

std::string_view strip_newline(std::string_view text) {
    if (!text.empty() && text.back() == '\n') {
        text.remove_suffix(1);
    }
    if (!text.empty() && text.back() == '\r') {
        text.remove_suffix(1);
    }
    return text;
}

template <class T, class Build>
decoded<T> decode_with(std::string_view text, Build build) {
    // parse(..., allow_exceptions = false) reports a syntax error as a discarded value.
    const json j = json::parse(strip_newline(text), nullptr, false);
    if (j.is_discarded()) {
        return std::string("not valid JSON");
    }
    try {
        return build(j);
    } catch (const decode_error& e) {
        return e.message;
    } catch (const std::exception& e) {
        // nlohmann type errors should be caught by the checks above; keep the promise anyway.
        return std::string("malformed: ") + e.what();
    }
}

}  // namespace

std::string_view to_string(command c) noexcept {
    for (const auto& [cmd, name] : k_commands) {
        if (cmd == c) {
            return name;
        }
    }
    return "?";
}

std::optional<command> parse_command(std::string_view name) noexcept {
    for (const auto& [cmd, known] : k_commands) {
        if (known == name) {
            return cmd;
        }
    }
    return std::nullopt;
}

bool needs_instance(command c) noexcept {
    return c == command::demote || c == command::promote || c == command::garp;
}

bool needs_real(command c) noexcept {
    return c == command::drain || c == command::undrain;
}

std::string encode(const request& r) {
    json j{{"command", std::string(to_string(r.cmd))}};
    for (const auto& [key, value] :
         {std::pair{"instance", &r.instance}, std::pair{"service", &r.service},
          std::pair{"real", &r.real}, std::pair{"for", &r.for_duration}}) {
        if (!value->empty()) {
            j[key] = *value;
        }
    }
    return dump(j, -1);
}

std::string encode(const response& r) {
    json j{{"ok", r.ok}};
    if (!r.error.empty()) {
        j["error"] = r.error;
    }
    if (!r.message.empty()) {
        j["message"] = r.message;
    }
    if (r.status) {
        j["status"] = to_json(*r.status);
    }
    if (r.services) {
        j["services"] = array_of(*r.services);
    }
    return dump(j, -1);
}

std::string encode_service(const service_view& v) {
    return dump(to_json(v), -1);
}

std::string encode_services_answer(std::string_view items) {
    // What encode() writes for {ok, services}: its keys sorted, "ok" first.
    std::string out = R"({"ok":true,"services":[)";
    out += items;
    out += "]}";
    return out;
}

decoded<request> decode_request(std::string_view text) {
    return decode_with<request>(text, [](const json& j) {
        object_reader in(j, "request");
        const std::string name = in.string("command");
        const auto cmd = parse_command(name);
        if (!cmd) {
            fail("request.command", "unknown command \"" + name + "\"");
        }
        request r;
        r.cmd = *cmd;
        // Fields a command does not use are meaningless there: dropped, to keep equality
        // simple for callers.
        if (needs_instance(r.cmd)) {
            r.instance = in.optional_string("instance").value_or("");
            if (r.instance.empty()) {
                fail("request.instance", "missing: " + name + " needs an instance name");
            }
        }
        if (needs_real(r.cmd)) {
            r.service = in.optional_string("service").value_or("");
            r.real = in.optional_string("real").value_or("");
            for (const auto& [key, value] :
                 {std::pair{"service", &r.service}, std::pair{"real", &r.real}}) {
                if (value->empty()) {
                    fail(in.path_of(key), "missing: " + name + " needs a service and a real");
                }
            }
        }
        if (r.cmd == command::drain) {
            r.for_duration = in.optional_string("for").value_or("");
        }
        return r;
    });
}

decoded<response> decode_response(std::string_view text) {
    return decode_with<response>(text, [](const json& j) {
        object_reader in(j, "response");
        response r;
        r.ok = in.boolean("ok");
        r.error = in.optional_string("error").value_or("");
        r.message = in.optional_string("message").value_or("");
        if (const json* status = in.find("status")) {
            r.status = status_from(*status, in.path_of("status"));
        }
        if (in.find("services") != nullptr) {
            r.services = items_of(in, "services", service_from);
        }
        return r;
    });
}

std::string to_json_text(const status_view& status, int indent) {
    return dump(to_json(status), indent);
}

std::string to_json_text(const std::vector<service_view>& services, int indent) {
    return dump(array_of(services), indent);
}

}  // namespace vipd::control
