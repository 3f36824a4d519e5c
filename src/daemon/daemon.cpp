#include "vipd/daemon/daemon.hpp"

#include <net/if.h>
#include <pwd.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include <fmt/format.h>
#include <systemd/sd-daemon.h>

#include "vipd/config/desired_table.hpp"
#include "vipd/config/loader.hpp"
#include "vipd/daemon/health_driver.hpp"
#include "vipd/daemon/ipvs_driver.hpp"
#include "vipd/daemon/notify_hooks.hpp"
#include "vipd/daemon/periodic_timer.hpp"
#include "vipd/health/checkers/probe.hpp"
#include "vipd/ipvs/linux/genl_client.hpp"
#include "vipd/daemon/vrrp_router.hpp"
#include "vipd/logging/logging.hpp"
#include "vipd/net/linux/asio.hpp"
#include "vipd/net/linux/packet_socket.hpp"
#include "vipd/net/linux/rtnl_addresses.hpp"
#include "vipd/net/linux/rtnl_link_monitor.hpp"
#include "vipd/net/linux/vrrp_socket.hpp"

namespace vipd::daemon {
namespace {

/// How long health changes are gathered before the IPVS table follows them.
constexpr milliseconds k_health_converge_window{20};

std::string host_name() {
    std::array<char, 256> buffer{};
    if (gethostname(buffer.data(), buffer.size() - 1) != 0) {
        return "vipd";
    }
    return std::string(buffer.data());
}

config::load_result load(const options& opts) {
    auto result = config::load_file(opts.config_file, host_name());
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

class socket_channel_factory final : public channel_factory {
  public:
    explicit socket_channel_factory(asio::io_context& io) : io_(io) {}
    std::unique_ptr<net::advert_channel> open(const std::string& interface, address_family family,
                                              std::error_code& error) override {
        return net::linux::vrrp_socket::open(io_, interface, family, error);
    }

  private:
    asio::io_context& io_;
};

/// Every service key the configuration names: the only ones vipd ever touches.
std::set<ipvs::service_key> configured_services(const config::daemon_config& config) {
    std::set<ipvs::service_key> keys;
    for (const auto& server : config.virtual_servers) {
        keys.insert(server.key);
    }
    return keys;
}

std::optional<sync_plan> sync_plan_of(const config::daemon_config& config) {
    if (!config.ipvs.sync) {
        return std::nullopt;
    }
    const auto gating = config::gating_instances(config);
    return sync_plan{config.ipvs.sync->interface, config.ipvs.sync->sync_id,
                     std::set<std::string>(gating.begin(), gating.end())};
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

/// Every user a check or track script runs as.
std::set<std::string> script_users(const config::daemon_config& config) {
    std::set<std::string> users;
    for (const auto& server : config.virtual_servers) {
        for (const auto& real : server.reals) {
            if (real.check) {
                if (const auto* script = std::get_if<health::script_check>(&real.check->kind)) {
                    users.insert(script->user);
                }
            }
        }
    }
    for (const auto& instance : config.vrrp) {
        for (const auto& tracker : instance.track_scripts) {
            users.insert(tracker.script.user);
        }
    }
    return users;
}

/// Thousands of checks need thousands of sockets: lift the soft open-file limit to the hard one.
void raise_open_file_limit(const logging::log_set& logs, std::size_t checks) {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) {
        return;
    }
    const auto before = limit.rlim_cur;
    limit.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
        return;
    }
    if (checks + 64 > before) {
        logs.daemon().info("open-file limit raised from {} to {} for {} health check(s)", before,
                           limit.rlim_cur, checks);
    }
}

}  // namespace

std::vector<std::string> host_warnings(const config::daemon_config& config) {
    std::vector<std::string> warnings;
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
            if (device != instance.interface && !device.starts_with("dummy")) {
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
    for (const auto& user : script_users(config)) {
        if (getpwnam(user.c_str()) == nullptr) {
            warnings.push_back(fmt::format(
                "user {} does not exist on this host: scripts to run as {} will fail (and count "
                "as down)",
                user, user));
        }
    }
    return warnings;
}

int check(const options& opts) {
    auto result = load(opts);
    if (!result.ok()) {
        std::fprintf(stderr, "%s: %zu error(s)\n", opts.config_file.c_str(), result.errors.size());
        return 1;
    }
    auto warnings = host_warnings(*result.config);
    const auto& config = *result.config;
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

int run(const options& opts) {
    auto result = load(opts);
    if (!result.ok()) {
        std::fprintf(stderr, "%s: %zu error(s); not starting\n", opts.config_file.c_str(),
                     result.errors.size());
        return 1;
    }
    const config::daemon_config& config = *result.config;
    logging::log_set logs(log_target(opts.log), opts.log_level);
    logs.daemon().info("vipd {} starting: router_id {}, {} VRRP instance(s), config {}",
                       VIPD_VERSION, config.global.router_id, config.vrrp.size(), config.file);
    for (const auto& warning : host_warnings(config)) {
        logs.daemon().warn("{}", warning);
    }

    asio::io_context io;
    asio::steady_timer timer(io);
    std::unique_ptr<net::linux::rtnl_addresses> addresses;
    std::unique_ptr<net::linux::rtnl_link_monitor> links;
    std::unique_ptr<net::linux::packet_socket> frames;
    try {
        addresses = std::make_unique<net::linux::rtnl_addresses>();
        links = std::make_unique<net::linux::rtnl_link_monitor>(io);
        frames = std::make_unique<net::linux::packet_socket>();
    } catch (const std::exception& error) {
        logs.daemon().critical("cannot open kernel interfaces: {}", error.what());
        return 1;
    }
    socket_channel_factory channels(io);

    // Health checks run on every director; their results shape the IPVS table and the
    // priorities of instances that track scripts or virtual servers.
    std::unique_ptr<vrrp_router> router;
    std::unique_ptr<ipvs_driver> ipvs_ptr;
    asio::steady_timer health_timer(io);
    bool converge_pending = false;
    std::unique_ptr<health_driver> health;
    // Every probe result asks for a re-arm; most leave the earliest deadline where it was, and
    // thousands of results a second should not each cancel and re-post the timer.
    std::optional<time_point> health_armed;
    std::function<void()> arm_health = [&] {
        auto deadline = health->next_deadline();
        if (deadline == health_armed) {
            return;
        }
        health_armed = deadline;
        if (!deadline) {
            health_timer.cancel();
            return;
        }
        health_timer.expires_at(*deadline);
        health_timer.async_wait([&](const boost::system::error_code& error) {
            if (!error) {
                health_armed.reset();  // expired: the next request must arm it again
                health->on_timer(steady_clock::now());
            }
        });
    };
    health_events events;
    // Reals changing together (a rack losing power, thousands of checks failing within one
    // interval) cost one IPVS converge per window, not one dump and diff each.
    asio::steady_timer converge_timer(io);
    events.reals_changed = [&] {
        if (converge_pending) {
            return;
        }
        converge_pending = true;
        converge_timer.expires_after(k_health_converge_window);
        converge_timer.async_wait([&](const boost::system::error_code& error) {
            converge_pending = false;
            if (!error) {
                ipvs_ptr->health_changed();
            }
        });
    };
    events.tracker_changed = [&](const std::string& instance, tracker_kind kind,
                                 const std::string& name,
                                 bool down) { router->set_tracked(instance, kind, name, down); };
    events.deadlines_changed = [&] { arm_health(); };
    health = std::make_unique<health_driver>(
        config,
        [&io](const health::check_spec& spec, const health::checkers::probe_target& target) {
            return health::checkers::make_probe(io, spec, target);
        },
        logs, [] { return steady_clock::now(); }, events);

    ipvs::linux::genl_client ipvs_client;
    ipvs_ptr = std::make_unique<ipvs_driver>(
        ipvs_client,
        [&config, &health](const std::set<std::string>& masters) {
            return config::desired_table(
                config,
                [&masters](std::string_view instance) {
                    return masters.count(std::string(instance)) > 0;
                },
                [&health](const ipvs::service_key& service, const ipvs::destination_key& real) {
                    return health->is_up(service, real);
                });
        },
        configured_services(config), logs, sync_plan_of(config));
    ipvs_driver& ipvs = *ipvs_ptr;
    // The router asks for the timer to be re-armed after every event; one timer serves every
    // instance, so adverts that fall due together leave in one batch.
    std::function<void()> arm = [&] {
        auto deadline = router->next_deadline();
        if (!deadline) {
            timer.cancel();
            return;
        }
        timer.expires_at(*deadline);
        timer.async_wait([&](const boost::system::error_code& error) {
            if (error) {
                return;  // cancelled by a re-arm
            }
            router->on_timer(steady_clock::now());
            arm();
        });
    };
    notify_hooks notify(io, config, logs);
    router_ports ports{*addresses, *frames, *links, channels, &ipvs, &notify};
    router = std::make_unique<vrrp_router>(
        config, ports, logs, [] { return steady_clock::now(); }, [&] { arm(); });

    asio::signal_set stop_signals(io, SIGTERM, SIGINT);
    stop_signals.async_wait([&](const boost::system::error_code& error, int signal_number) {
        if (error) {
            return;
        }
        logs.daemon().info("signal {}: resigning, removing VIPs and virtual services",
                           signal_number);
        sd_notify(0, "STOPPING=1");
        router->shutdown();  // VIPs first (gated services follow each instance out)...
        ipvs.withdraw();     // ...then every service vipd manages
        io.stop();
    });
    asio::signal_set reload_signal(io, SIGHUP);
    std::function<void()> wait_reload = [&] {
        reload_signal.async_wait([&](const boost::system::error_code& error, int) {
            if (error) {
                return;
            }
            logs.daemon().warn(
                "SIGHUP: reload is not implemented yet; restart to apply a new config");
            wait_reload();
        });
    };
    wait_reload();

    raise_open_file_limit(logs, health->size());
    // Before anything else: reals with initial = "down" stay out of the first table, and a
    // track script that starts down is in the priority of the very first advert.
    health->start();
    // Services that no instance gates (static VIPs, mode "always") go in before any VIP, and
    // leftovers of an earlier run that no instance is MASTER for yet come out.
    ipvs.start();
    periodic_timer resync(io, config.ipvs.resync_interval, [&ipvs] { ipvs.resync(); });
    if (ipvs.active()) {
        resync.start();
    }
    router->start();
    // Type=notify: ready once the first reconcile is done (leftovers removed, always-pushed
    // services and static VIPs in place, every instance started). No-op outside systemd.
    sd_notify(0, fmt::format("READY=1\nSTATUS={} VRRP instance(s), {} virtual server(s)",
                             config.vrrp.size(), config.virtual_servers.size())
                     .c_str());
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

}  // namespace vipd::daemon
