#include "options.hpp"

#include <array>
#include <sstream>
#include <utility>

#include <CLI/CLI.hpp>

namespace vipd::vipctl {

parse_outcome parse_options(const std::vector<std::string>& arguments, const char* env_socket) {
    options parsed;
    parsed.socket_path = env_socket != nullptr && *env_socket != '\0'
                             ? std::string(env_socket)
                             : std::string(control::k_default_socket_path);
    CLI::App app{"vipctl: query and steer a running vipd", "vipctl"};
    app.add_option("-s,--socket", parsed.socket_path,
                   "vipd's control socket (default: $VIPD_SOCKET, else " +
                       std::string(control::k_default_socket_path) + ")");
    app.add_flag("-V,--version", parsed.show_version, "Print the version and exit");
    app.require_subcommand(0, 1);

    std::string instance;
    auto* status = app.add_subcommand(
        "status", "VRRP instances (state, priority, master, VIPs); bgp_vips (announced, why)");
    status->add_flag("--json", parsed.json, "Print JSON (fields in vipctl(8))");
    auto* ipvs = app.add_subcommand("ipvs", "Virtual services: reals, health, weights, counters");
    ipvs->add_flag("--json", parsed.json, "Print JSON (fields in vipctl(8))");
    auto* reload = app.add_subcommand("reload", "Re-read the configuration and apply it");
    auto* demote = app.add_subcommand(
        "demote", "Maintenance: priority 1 so that a peer takes the VIPs; a bgp_vip is withdrawn");
    auto* promote = app.add_subcommand(
        "promote", "End a demote: back to the configured priority; a bgp_vip is announced again");
    for (auto* sub : {demote, promote}) {
        sub->add_option("NAME", instance, "VRRP instance or bgp_vip")->required();
    }
    auto* garp = app.add_subcommand("garp", "Announce the instance's VIPs again (GARP / NA)");
    garp->add_option("NAME", instance, "VRRP instance")->required();
    std::string service;
    std::string real;
    std::string for_duration;
    auto* drain = app.add_subcommand(
        "drain", "Maintenance: weight 0 for a real; its connections finish, checks go on");
    auto* undrain = app.add_subcommand("undrain", "End a drain: back to the configured weight");
    for (auto* sub : {drain, undrain}) {
        sub->add_option("SERVICE", service, "Virtual server: its name or key, as `ipvs` shows")
            ->required();
        sub->add_option("REAL", real, "Real server: ADDR:PORT, or ADDR for the service's port")
            ->required();
    }
    drain->add_option("--for", for_duration, "Undrain by itself after DURATION (30s, 10m, 2h)");

    // CLI11 wants argv order reversed when given a vector.
    std::vector<std::string> reversed(arguments.rbegin(), arguments.rend());
    try {
        app.parse(reversed);
    } catch (const CLI::ParseError& error) {
        std::ostringstream out;
        std::ostringstream err;
        const int code = app.exit(error, out, err);
        // CLI11's own codes (105-114) mean nothing to scripts: every usage error is 2.
        return {std::nullopt, code == 0 ? 0 : 2, out.str() + err.str()};
    }
    if (parsed.show_version) {
        return {parsed, 0, {}};
    }
    const std::array<std::pair<CLI::App*, control::command>, 8> commands{
        {{status, control::command::status},
         {ipvs, control::command::ipvs},
         {reload, control::command::reload},
         {demote, control::command::demote},
         {promote, control::command::promote},
         {garp, control::command::garp},
         {drain, control::command::drain},
         {undrain, control::command::undrain}}};
    for (const auto& [sub, cmd] : commands) {
        if (sub->parsed()) {
            parsed.req = control::request{cmd, instance, service, real, for_duration};
            return {parsed, 0, {}};
        }
    }
    return {std::nullopt, 2,
            "vipctl: a command is required: status, ipvs, reload, demote, promote, garp, drain "
            "or undrain\n"
            "Run with --help for more information.\n"};
}

}  // namespace vipd::vipctl
