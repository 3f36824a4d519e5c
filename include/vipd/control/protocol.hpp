#pragma once
/// The control-socket protocol between vipd and vipctl: pure data and a JSON codec.
///
/// One request per connection: the client sends one JSON object on one line ('\n'-terminated),
/// the daemon answers with one JSON object on one line and closes. The encoders return the JSON
/// text without the newline; framing is the transport's job. The field names are stable (vipctl
/// `status --json` and `ipvs --json` print them, vipctl(8) documents them): add fields, never
/// rename them. Decoders ignore unknown fields so an older vipctl can talk to a newer vipd.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace vipd::control {

/// Where vipd listens and vipctl connects unless told otherwise (`[global] control_socket`,
/// `vipctl --socket`, VIPD_SOCKET).
inline constexpr std::string_view k_default_socket_path = "/run/vipd/vipd.sock";

enum class command { status, ipvs, reload, demote, promote, garp, drain, undrain };

/// "status", "ipvs", "reload", "demote", "promote", "garp", "drain", "undrain": the wire and
/// command-line names.
std::string_view to_string(command c) noexcept;
/// The command named `name` (exact, lower case), or nullopt.
std::optional<command> parse_command(std::string_view name) noexcept;
/// Whether `c` acts on one named instance (demote, promote, garp).
bool needs_instance(command c) noexcept;
/// Whether `c` acts on one real of one virtual service (drain, undrain).
bool needs_real(command c) noexcept;

/// What a client asks. `instance` names the VRRP instance for demote, promote and garp (the
/// decoder rejects those without one) and is empty otherwise. `service` (a virtual server's
/// name or key) and `real` ("ADDR:PORT" or ADDR) name the real for drain and undrain, which the
/// decoder rejects without them; `for_duration` ("10m", wire name "for") ends a drain by itself
/// and is vipd's to parse. Fields a command does not use are dropped by the decoder.
struct request {
    command cmd = command::status;
    std::string instance;
    // `= {}`: requests written {cmd, instance} in code stay complete initializers.
    std::string service = {};
    std::string real = {};
    std::string for_duration = {};

    friend bool operator==(const request&, const request&) = default;
};

/// One VRRP instance as `status` shows it; the daemon fills it from its routers.
struct instance_view {
    std::string name;
    std::string interface;
    int vrid = 0;
    std::string state;  ///< "INIT", "BACKUP", "MASTER" or "FAULT"
    int priority = 0;   ///< effective: after tracking and a maintenance demote
    int configured_priority = 0;
    std::optional<std::string> master;  ///< address of the current master; nullopt if unknown
    std::vector<std::string> vips;      ///< "172.28.128.210/32", "2001:db8::10/128"
    std::int64_t since_unix = 0;        ///< when it entered `state`, seconds since the epoch
    std::uint64_t transitions = 0;
    bool demoted = false;                   ///< a `vipctl demote` override is in force
    std::optional<std::string> sync_group;  ///< the [[sync_group]] it is a member of

    friend bool operator==(const instance_view&, const instance_view&) = default;
};

/// A real a `vipctl drain` holds at weight 0.
struct drain_view {
    std::string service;                     ///< the virtual server's name, else its key
    std::string real;                        ///< "10.0.0.1:80"
    std::optional<std::int64_t> until_unix;  ///< when it ends by itself (`--for`); nullopt: never

    friend bool operator==(const drain_view&, const drain_view&) = default;
};

/// The outcome of the last configuration reload.
struct reload_view {
    bool ok = false;
    std::int64_t at_unix = 0;
    std::string message;  ///< the errors when it failed, a summary when it worked

    friend bool operator==(const reload_view&, const reload_view&) = default;
};

/// One [[bgp_vip]] as `status` shows it: whether this director announces it now, and why.
struct bgp_vip_view {
    std::string name;
    std::string address;  ///< "192.0.2.10": announced as a host route (/32, /128)
    bool announced = false;
    /// The first reason that withdraws it, else what lets it be announced: "web-80 has its
    /// quorum", "web-80 and api-80 lost their quorum", "instance web is not MASTER", "demoted by
    /// vipctl", "vipd is stopping", "no gate".
    std::string reason;
    bool demoted = false;  ///< a `vipctl demote` is in force (whatever else withdraws it)

    friend bool operator==(const bgp_vip_view&, const bgp_vip_view&) = default;
};

/// The answer to `status`.
struct status_view {
    std::string router_id;
    std::vector<std::string> config_files;  ///< the main file first, then included fragments
    std::int64_t started_unix = 0;
    std::vector<instance_view> instances;
    std::optional<reload_view> last_reload;  ///< nullopt: no reload since start
    std::vector<drain_view> drained;         ///< JSON "drained"; absent from an older vipd
    std::vector<bgp_vip_view> bgp_vips;      ///< JSON "bgp_vips"; absent from an older vipd

    friend bool operator==(const status_view&, const status_view&) = default;
};

/// One real server of a virtual service.
struct real_view {
    std::string address;               ///< "10.0.0.1:80" or "[2001:db8::1]:80"
    std::string forwarding;            ///< "route", "masq", "tunnel"
    int weight = 0;                    ///< configured
    std::optional<int> kernel_weight;  ///< nullopt: not in the kernel table
    std::string health;                ///< "up", "down" or "unchecked"
    std::string detail;                ///< the last check's result, in words
    std::optional<double> latency_ms;  ///< the last check's duration, when it ran
    bool fallback = false;             ///< the fallback server, in use because all reals are down
    std::uint64_t active_connections = 0;
    std::uint64_t inactive_connections = 0;
    bool drained = false;  ///< `vipctl drain`: weight 0 in the kernel; false from an older vipd
    std::optional<std::int64_t> drained_until_unix;  ///< when the drain ends by itself

    friend bool operator==(const real_view&, const real_view&) = default;
};

/// One virtual service and its reals, as `ipvs` shows it.
struct service_view {
    std::string name;
    std::string key;  ///< "tcp 172.28.128.210:80", "fwmark 10"
    std::string scheduler;
    std::string gate;  ///< the instance whose MASTER state gates it; empty: always on
    bool in_kernel = false;
    std::vector<real_view> reals;
    std::uint64_t connections = 0;
    std::uint64_t packets_in = 0;
    std::uint64_t packets_out = 0;
    std::uint64_t bytes_in = 0;
    std::uint64_t bytes_out = 0;

    friend bool operator==(const service_view&, const service_view&) = default;
};

/// The daemon's answer. `ok == false` carries `error`; `message` is a human summary of what a
/// command did ("web demoted to priority 1"); `status` answers `status`, `services` answers `ipvs`.
struct response {
    bool ok = true;
    std::string error;
    std::string message;
    std::optional<status_view> status;
    std::optional<std::vector<service_view>> services;

    friend bool operator==(const response&, const response&) = default;
};

/// A decoded value, or why the text could not be decoded (names the offending field).
template <class T>
using decoded = std::variant<T, std::string>;

/// One line of JSON (no newline): {"command":"demote","instance":"web"}.
std::string encode(const request& r);
/// One line of JSON (no newline). Invalid UTF-8 in strings (health check details quoting a
/// server) is replaced by U+FFFD rather than failing.
std::string encode(const response& r);

/// A services answer (`vipctl ipvs`) encoded a piece at a time, for tables too big to encode in
/// one loop turn: encode_service for each, joined with commas into `items`, then
/// encode_services_answer, which gives the same text as encode() of the whole response.
std::string encode_service(const service_view& v);
std::string encode_services_answer(std::string_view items);

/// Parses a request line (a trailing '\n' or "\r\n" is allowed). Requires "command" (a known
/// name), for demote/promote/garp a non-empty "instance", for drain/undrain non-empty
/// "service" and "real". Never throws.
decoded<request> decode_request(std::string_view text);
/// Parses a response line. Requires "ok"; every field of a present view is required except the
/// optional ones (which may be absent or null). Never throws.
decoded<response> decode_response(std::string_view text);

/// The JSON of `status` alone, as `vipctl status --json` prints it; `indent < 0`: one line.
std::string to_json_text(const status_view& status, int indent);
/// The JSON array of `services`, as `vipctl ipvs --json` prints it; `indent < 0`: one line.
std::string to_json_text(const std::vector<service_view>& services, int indent);

}  // namespace vipd::control
