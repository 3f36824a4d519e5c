#include "daemon.hpp"

#include <net/if.h>
#include <pthread.h>
#include <signal.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <systemd/sd-daemon.h>

#include "control_handler.hpp"
#include "loop_lag_probe.hpp"
#include "metrics_view.hpp"
#include "periodic_timer.hpp"
#include "vipd/config/advice.hpp"
#include "vipd/config/loader.hpp"
#include "vipd/control/server.hpp"
#include "vipd/daemon/host_users.hpp"
#include "vipd/daemon/linux_ports.hpp"
#include "vipd/daemon/runtime.hpp"
#include "vipd/daemon/state_file.hpp"
#include "vipd/daemon/user_binding.hpp"
#include "vipd/daemon/vip_driver.hpp"
#include "vipd/io/asio.hpp"
#include "vipd/ipvs/linux/genl_client.hpp"
#include "vipd/logging/logging.hpp"
#include "vipd/metrics/http_server.hpp"
#include "vipd/net/linux/rtnl_addresses.hpp"
#include "vipd/vips/host_review.hpp"

namespace vipd::daemon {
namespace {

/// How long a stop waits for the notify_stop hooks: long enough for a hook that moves a route
/// or tells a peer, short enough that a hung one cannot hold a restart (it is killed then).
constexpr microseconds k_stop_hooks_bound{5'000'000};
/// How long a stop lets withdrawn [[bgp_vip]]s stay accepted at most ([bgp] accept_linger),
/// with the same reasoning. Both waits together stay within vipd.service's TimeoutStopSec.
constexpr microseconds k_stop_linger_bound{5'000'000};

std::string host_name() {
    std::array<char, 256> buffer{};
    if (gethostname(buffer.data(), buffer.size() - 1) != 0) {
        return "vipd";
    }
    return std::string(buffer.data());
}

config::load_result load(const options& opts) {
    auto result = load_for_host(opts.config_file, host_name(), host_users{});
    for (const auto& error : result.errors) {
        std::fprintf(stderr, "%s\n", error.to_string().c_str());
    }
    return result;
}

logging::target log_target(log_choice choice) {
    switch (choice) {
        case log_choice::stderr_stream:
            return logging::target::stderr_stream;
        case log_choice::journal:
            return logging::target::journal;
        case log_choice::automatic:
            break;
    }
    return logging::detect_target();
}

/// Whether this kernel can schedule with `name`: loaded already (its module in /proc/modules)
/// or available as module ip_vs_NAME (modprobe'd by the kernel on first use) or built in.
bool scheduler_available(const std::string& name) {
    const std::string module = "ip_vs_" + name;
    auto mentions = [&module](const std::string& path, bool path_suffix) {
        std::ifstream in(path);
        std::string line;
        while (std::getline(in, line)) {
            if (path_suffix ? line.find("/" + module + ".ko") != std::string::npos
                            : line.starts_with(module + " ")) {
                return true;
            }
        }
        return false;
    };
    utsname uts{};
    if (uname(&uts) != 0) {
        return true;  // cannot tell: do not warn
    }
    const std::string base = std::string("/lib/modules/") + uts.release;
    if (!std::filesystem::exists(base + "/modules.dep")) {
        return true;  // no module index to consult (a container, a custom kernel): do not warn
    }
    return mentions("/proc/modules", false) || mentions(base + "/modules.dep", true) ||
           mentions(base + "/modules.builtin", true);
}

/// The configured schedulers this kernel lacks, each once.
std::set<std::string> missing_schedulers(const config::daemon_config& config) {
    std::set<std::string> used;
    for (const auto& server : config.virtual_servers) {
        used.insert(server.settings.scheduler);
    }
    std::set<std::string> missing;
    for (const auto& name : used) {
        if (!scheduler_available(name)) {
            missing.insert(name);
        }
    }
    return missing;
}

/// Holds the daemon's signals back (blocked, pending) from construction until release(): one
/// that arrives while the configuration loads or the kernel interfaces open would otherwise
/// take its default action (SIGTERM, SIGINT and SIGHUP all end the process without resigning,
/// and leave VIPs and services behind). Released once Asio's handlers exist, a pending signal
/// is handled as if it came then. Released before anything forks: children inherit the mask.
class deferred_signals {
  public:
    deferred_signals() {
        sigemptyset(&set_);
        for (const int signal_number : {SIGTERM, SIGINT, SIGHUP}) {
            sigaddset(&set_, signal_number);
        }
        held_ = pthread_sigmask(SIG_BLOCK, &set_, nullptr) == 0;
    }
    ~deferred_signals() { release(); }
    deferred_signals(const deferred_signals&) = delete;
    deferred_signals& operator=(const deferred_signals&) = delete;
    void release() {
        if (held_) {
            pthread_sigmask(SIG_UNBLOCK, &set_, nullptr);
            held_ = false;
        }
    }

  private:
    sigset_t set_{};
    bool held_ = false;
};

/// READY=1 with a STATUS line for `systemctl status`.
std::string ready_status(const runtime& daemon) {
    std::string status =
        fmt::format("READY=1\nSTATUS={} VRRP instance(s), {} virtual server(s)",
                    daemon.config().vrrp.size(), daemon.config().virtual_servers.size());
    if (const auto& reload = daemon.last_reload(); reload && !reload->ok) {
        status += "; last reload refused (see the journal)";
    }
    return status;
}

/// systemd waits between RELOADING=1 and READY=1 (`systemctl reload` returns after it).
const reload_outcome& reload_and_notify(runtime& daemon) {
    sd_notify(
        0, fmt::format("RELOADING=1\nMONOTONIC_USEC={}", std::chrono::duration_cast<microseconds>(
                                                             steady_clock::now().time_since_epoch())
                                                             .count())
               .c_str());
    const auto& outcome = daemon.reload();
    sd_notify(0, ready_status(daemon).c_str());
    return outcome;
}

/// The control socket, when configured; a failure to open it is logged, not fatal: VRRP
/// matters more than vipctl.
std::unique_ptr<control::server> open_control(asio::io_context& io, runtime& daemon,
                                              const logging::log_set& logs) {
    const auto& path = daemon.config().global.control_socket;
    if (!path) {
        return nullptr;
    }
    auto server = std::make_unique<control::server>(
        io, *path,
        [&io, &daemon](const control::request& request, const control::server::reply& reply) {
            answer(
                io, daemon, request,
                [&daemon]() -> const reload_outcome& { return reload_and_notify(daemon); }, reply);
        },
        logs);
    if (auto error = server->open()) {
        logs.daemon().error("control socket {}: {}; vipctl will not reach this daemon", *path,
                            error.message());
        return nullptr;
    }
    logs.daemon().info("control socket {}", *path);
    return server;
}

/// The Prometheus endpoint, when configured; like the control socket, not fatal if it fails.
std::unique_ptr<metrics::http_server> open_metrics(asio::io_context& io, const runtime& daemon,
                                                   const loop_lag& lag,
                                                   const logging::log_set& logs) {
    const auto& listen = daemon.config().global.metrics_listen;
    if (!listen) {
        return nullptr;
    }
    const auto endpoint = metrics::tcp_endpoint(listen->address, listen->port);
    std::error_code error;
    auto server = std::make_unique<metrics::http_server>(
        io, endpoint, [&daemon, &lag] { return metrics_text(daemon, lag); }, error);
    const auto where = fmt::format("{}:{}", endpoint.address().to_string(), endpoint.port());
    if (error) {
        logs.daemon().error("metrics endpoint {}: {}; no metrics", where, error.message());
        return nullptr;
    }
    logs.daemon().info("metrics endpoint http://{}/metrics", where);
    if (!endpoint.address().is_loopback()) {
        // The scrape names every VIP, real server and health detail, without authentication.
        logs.daemon().warn(
            "metrics endpoint {} is reachable from other hosts and has no authentication: bind "
            "metrics_listen to 127.0.0.1 (or ::1) unless a firewall limits who can scrape it",
            where);
    }
    return server;
}

/// The whole of a small /proc file, nullopt when it cannot be read (absent: a module not loaded).
std::optional<std::string> read_proc_file(std::string_view path) {
    std::ifstream in{std::string(path)};
    if (!in) {
        return std::nullopt;
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

std::vector<std::string> host_warnings(const config::daemon_config& config) {
    std::vector<std::string> warnings = config::advise(config);
    std::set<std::string> reported;
    auto missing = [&](const std::string& interface, const std::string& why) {
        if (if_nametoindex(interface.c_str()) == 0 && reported.insert(interface).second) {
            warnings.push_back(
                fmt::format("interface {} does not exist on this host ({})", interface, why));
        }
    };
    for (const auto& instance : config.vrrp) {
        missing(instance.interface,
                "vrrp instance " + instance.name + " starts in FAULT until it appears");
        for (const auto& vip : instance.vips) {
            const auto& device = instance.device_of(vip);
            // vipd makes dummies and the VMAC itself.
            if (device != instance.interface && device != instance.vmac &&
                !device.starts_with("dummy")) {
                missing(device, "VIP " + vip.prefix.to_string() + " of " + instance.name +
                                    " cannot be added");
            }
        }
    }
    for (const auto& vip : config.static_vips) {
        if (!vip.device->starts_with("dummy")) {
            missing(*vip.device, "static VIP " + vip.prefix.to_string() + " cannot be added");
        }
    }
    if (auto warning =
            config::sloppy_tcp_advice(config, read_proc_file(config::k_sloppy_tcp_path))) {
        warnings.push_back(std::move(*warning));
    }
    return warnings;
}

/// net.ipv4.conf.DEVICE.promote_secondaries, nullopt when it cannot be read.
std::optional<bool> promote_secondaries(const std::string& device) {
    std::ifstream in("/proc/sys/net/ipv4/conf/" + device + "/promote_secondaries");
    int value = 0;
    if (!(in >> value)) {
        return std::nullopt;
    }
    return value != 0;
}

/// --check on the host's addresses: whether the kernel keeps vipd's address tags, VIPs that are
/// up without vipd having added them, and subnets where removing a VIP could take the
/// device's own address with it.
void review_addresses(const config::daemon_config& config, std::vector<std::string>& warnings) {
    std::vector<net::host_address> host;
    try {
        net::linux::rtnl_addresses addresses;
        if (auto error = addresses.list(host)) {
            warnings.push_back("cannot read the host's addresses: " + error.message());
            return;
        }
    } catch (const std::exception& error) {
        warnings.push_back(std::string("cannot read the host's addresses: ") + error.what());
        return;
    }
    const bool tags = std::any_of(host.begin(), host.end(), [](const net::host_address& a) {
        return a.tag != net::address_tag::not_reported;
    });
    std::printf("address tags (IFA_PROTO): %s\n",
                tags ? "kept by this kernel; vipd also uses them to know its VIPs"
                     : "not seen (dropped by kernels before 5.18): vipd knows its VIPs from what "
                       "it added and from its state file");
    std::set<vips::address> recorded;
    if (config.global.state_file) {
        logging::log_set quiet(logging::target::stderr_stream, spdlog::level::off);
        recorded = read_state_file(*config.global.state_file, quiet).addresses;
    }
    vips::host_facts facts;
    for (const auto& a : host) {
        facts.addresses.push_back({{a.interface, a.prefix}, a.tag == net::address_tag::vipd});
    }
    facts.promote_secondaries = promote_secondaries;
    for (auto& warning : vips::review_host(managed_vips(config), recorded, facts)) {
        warnings.push_back(std::move(warning));
    }
}

int check(const options& opts) {
    auto result = load(opts);
    if (!result.ok()) {
        std::fprintf(stderr, "%s: %zu error(s)\n", opts.config_file.c_str(), result.errors.size());
        return 1;
    }
    auto warnings = host_warnings(*result.config);
    const auto& config = *result.config;
    review_addresses(config, warnings);
    // Only --check probes IPVS here: a running daemon's IPVS driver reports it once itself.
    if (!config.virtual_servers.empty() || config.ipvs.sync) {
        ipvs::linux::genl_client client;
        if (!client.available()) {
            warnings.push_back(fmt::format(
                "{} virtual server(s) configured but IPVS is unavailable: {}; VRRP would run "
                "without them",
                config.virtual_servers.size(), client.open_error().message()));
        } else {
            for (const auto& scheduler : missing_schedulers(config)) {
                warnings.push_back(fmt::format(
                    "scheduler {} is neither loaded nor a module of this kernel (ip_vs_{}): "
                    "services using it will fail to program",
                    scheduler, scheduler));
            }
        }
    }
    for (const auto& warning : warnings) {
        std::fprintf(stderr, "warning: %s\n", warning.c_str());
    }
    std::printf("%s: configuration is valid (%zu VRRP instance(s))\n", opts.config_file.c_str(),
                result.config->vrrp.size());
    return 0;
}

namespace {

/// Starts the runtime and runs the loop until a stop signal's handler ends it; 0 then.
int serve(asio::io_context& io, runtime& daemon, const logging::log_set& logs) {
    daemon.start();
    loop_lag_probe lag_probe(
        io, [&daemon] { return lag_warning_threshold(daemon.config()); }, logs);
    lag_probe.start();
    const auto control = open_control(io, daemon, logs);
    const auto metrics = open_metrics(io, daemon, lag_probe.lag(), logs);
    // Type=notify: ready once the first reconcile is done (leftovers removed, always-pushed
    // services and static VIPs in place, every instance started). No-op outside systemd.
    sd_notify(0, ready_status(daemon).c_str());
    // WatchdogSec=: keep-alives come from the event loop itself, so a stuck loop is restarted.
    std::uint64_t watchdog_usec = 0;
    const bool watchdog_on = sd_watchdog_enabled(0, &watchdog_usec) > 0 && watchdog_usec > 0;
    periodic_timer keep_alive(io, microseconds(watchdog_usec / 2),
                              [] { sd_notify(0, "WATCHDOG=1"); });
    if (watchdog_on) {
        sd_notify(0, "WATCHDOG=1");
        keep_alive.start();
    }
    io.run();
    logs.daemon().info("stopped");
    return 0;
}

}  // namespace

int run(const options& opts) {
    deferred_signals signals_held;
    auto result = load(opts);
    if (!result.ok()) {
        std::fprintf(stderr, "%s: %zu error(s); not starting\n", opts.config_file.c_str(),
                     result.errors.size());
        return 1;
    }
    logging::log_set logs(log_target(opts.log), opts.log_level);
    {
        const auto& config = *result.config;
        logs.daemon().info(
            "vipd {} starting: router_id {}, {} VRRP instance(s), config {}", VIPD_VERSION,
            config.global.router_id, config.vrrp.size(),
            fmt::join(config.files.empty() ? std::vector<std::string>{config.file} : config.files,
                      ", "));
        for (const auto& warning : host_warnings(config)) {
            logs.daemon().warn("{}", warning);
        }
    }

    asio::io_context io;
    std::unique_ptr<linux_ports> kernel;
    std::unique_ptr<runtime> daemon;
    try {
        kernel = std::make_unique<linux_ports>(io);
        daemon = std::make_unique<runtime>(io, std::move(*result.config), opts.config_file,
                                           host_name(), logs, kernel->ports());
    } catch (const std::exception& error) {
        logs.daemon().critical("{}", error.what());
        return 1;
    }

    asio::signal_set stop_signals(io, SIGTERM, SIGINT);
    stop_signals.async_wait([&](const boost::system::error_code& error, int signal_number) {
        if (error) {
            return;
        }
        logs.daemon().info("signal {}: resigning, removing VIPs and virtual services",
                           signal_number);
        sd_notify(0, "STOPPING=1");
        daemon->shutdown_after_linger(k_stop_linger_bound, [&] {
            // The notify_stop hooks are vipd's children: wait for them, but never for long.
            daemon->wait_for_hooks(k_stop_hooks_bound, [&io] { io.stop(); });
        });
    });
    asio::signal_set reload_signal(io, SIGHUP);
    std::function<void()> wait_reload = [&] {
        reload_signal.async_wait([&](const boost::system::error_code& error, int) {
            if (error) {
                return;
            }
            logs.daemon().info("SIGHUP: reloading {}", opts.config_file);
            reload_and_notify(*daemon);
            wait_reload();
        });
    };
    wait_reload();
    signals_held.release();  // a signal that came meanwhile is now queued on the loop

    // An exception out of the start or the loop (a bug) must not skip the cleanup a signal
    // gets: resign, remove VIPs and services, then exit non-zero for systemd to restart vipd.
    try {
        return serve(io, *daemon, logs);
    } catch (const std::exception& error) {
        logs.daemon().critical("unexpected error: {}; resigning, removing VIPs and services",
                               error.what());
    }
    try {
        daemon->shutdown();
    } catch (const std::exception& error) {
        logs.daemon().critical("cleanup after the error failed too: {}", error.what());
    }
    return 1;
}

}  // namespace vipd::daemon
