#include "control_handler.hpp"

#include <map>
#include <utility>

#include <fmt/format.h>

#include "vipd/config/loader.hpp"

namespace vipd::daemon {

// vipctl's default and vipd's default must name the same socket.
static_assert(config::k_default_control_socket == control::k_default_socket_path);

namespace {

std::int64_t unix_seconds(std::chrono::system_clock::time_point at) {
    return std::chrono::duration_cast<std::chrono::seconds>(at.time_since_epoch()).count();
}

/// A steady-clock instant as wall-clock seconds, by its distance from now.
std::int64_t unix_seconds(time_point steady) {
    const auto ago = steady_clock::now() - steady;
    return unix_seconds(std::chrono::system_clock::now() -
                        std::chrono::duration_cast<std::chrono::system_clock::duration>(ago));
}

/// ipvsadm's words for the forwarding methods, which operators know from `ipvsadm -Ln`.
std::string forwarding_text(ipvs::forwarding method) {
    switch (method) {
        case ipvs::forwarding::direct:
            return "route";
        case ipvs::forwarding::nat:
            return "masq";
        case ipvs::forwarding::tunnel:
            return "tunnel";
    }
    return std::string(ipvs::to_string(method));
}

control::real_view real_view_of(const config::real_server& real, const ipvs::service* kernel,
                                const ipvs::service_counters* counters) {
    control::real_view view;
    view.address = ipvs::to_string(real.key);
    view.forwarding = forwarding_text(real.settings.forwarding);
    view.weight = static_cast<int>(real.settings.weight);
    view.health = real.check ? "up" : "unchecked";
    if (kernel != nullptr) {
        if (auto found = kernel->destinations.find(real.key); found != kernel->destinations.end()) {
            view.kernel_weight = static_cast<int>(found->second.weight);
        }
    }
    if (counters != nullptr) {
        if (auto found = counters->destinations.find(real.key);
            found != counters->destinations.end()) {
            view.active_connections = found->second.active_connections;
            view.inactive_connections = found->second.inactive_connections;
        }
    }
    return view;
}

control::response refusal(std::string error) {
    control::response r;
    r.ok = false;
    r.error = std::move(error);
    return r;
}

control::response done(std::string message) {
    control::response r;
    r.message = std::move(message);
    return r;
}

}  // namespace

control::status_view status_view_of(const runtime& daemon) {
    control::status_view view;
    const auto& config = daemon.config();
    view.router_id = config.global.router_id;
    view.config_files = config.files.empty() ? std::vector<std::string>{config.file} : config.files;
    view.started_unix = unix_seconds(daemon.started());
    const auto instances = daemon.router().instances();
    const auto states = daemon.router().status();
    for (std::size_t i = 0; i < states.size() && i < instances.size(); ++i) {
        const auto& state = states[i];
        const auto& cfg = *instances[i];
        control::instance_view instance;
        instance.name = state.name;
        instance.interface = cfg.interface;
        instance.vrid = cfg.vrid;
        instance.state = std::string(vrrp::to_string(state.state));
        instance.priority = state.priority;
        instance.configured_priority = state.configured_priority;
        if (state.state == vrrp::state::master) {
            instance.master = "self";
        } else if (state.master) {
            instance.master = state.master->to_string();
        }
        for (const auto& vip : cfg.vips) {
            instance.vips.push_back(vip.prefix.to_string());
        }
        instance.since_unix = unix_seconds(state.since);
        instance.transitions = state.transitions;
        instance.demoted = state.priority_override.has_value();
        instance.sync_group = state.sync_group;
        view.instances.push_back(std::move(instance));
    }
    if (const auto& reload = daemon.last_reload()) {
        view.last_reload =
            control::reload_view{reload->ok, unix_seconds(reload->at), reload->message};
    }
    for (const auto& [real, until] : daemon.drains().entries()) {
        auto name = policy::name_of(config, real);
        view.drained.push_back(
            control::drain_view{std::move(name.service), std::move(name.real),
                                until ? std::optional(unix_seconds(*until)) : std::nullopt});
    }
    // What the routes converge to (at once, or on the loop turn a role or quorum change asked
    // for), with the reason the journal gives.
    for (const auto& announcement : daemon.announcements()) {
        const auto& vip = *announcement.vip;
        view.bgp_vips.push_back(control::bgp_vip_view{vip.name, vip.address.to_string(),
                                                      announcement.announced, announcement.reason,
                                                      daemon.bgp_demoted().count(vip.name) > 0});
    }
    return view;
}

health_index index_health(const std::vector<real_status>& reals) {
    health_index out;
    for (const auto& real : reals) {
        out[{real.service_key, real.real}] = &real;
    }
    return out;
}

control::service_view service_view_of(const config::daemon_config& config,
                                      const config::virtual_server& server,
                                      const ipvs::table& kernel,
                                      const ipvs::counter_table& counters,
                                      const health_index& health, const policy::drain_set& drains) {
    control::service_view view;
    view.key = ipvs::to_string(server.key);
    view.name = server.name.value_or(view.key);
    view.scheduler = server.settings.scheduler;
    view.gate = config.ipvs.mode == config::ipvs_mode::always ? std::string()
                                                              : server.vrrp.value_or(std::string());
    const ipvs::service* in_kernel = nullptr;
    if (auto found = kernel.find(server.key); found != kernel.end()) {
        in_kernel = &found->second;
    }
    view.in_kernel = in_kernel != nullptr;
    const ipvs::service_counters* counted = nullptr;
    if (auto found = counters.find(server.key); found != counters.end()) {
        counted = &found->second;
        view.connections = counted->traffic.connections;
        view.packets_in = counted->traffic.packets_in;
        view.packets_out = counted->traffic.packets_out;
        view.bytes_in = counted->traffic.bytes_in;
        view.bytes_out = counted->traffic.bytes_out;
    }
    for (const auto& real : server.reals) {
        auto real_view = real_view_of(real, in_kernel, counted);
        if (auto found = health.find({server.key, real.key}); found != health.end()) {
            const auto& status = *found->second;
            real_view.health = std::string(health::to_string(status.state));
            if (status.last) {
                real_view.detail = status.last->success ? "check passed" : status.last->detail;
                real_view.latency_ms = static_cast<double>(status.last->latency.count()) / 1000.0;
            }
        }
        if (const auto* until = drains.find({server.key, real.key})) {
            real_view.drained = true;
            if (*until) {
                real_view.drained_until_unix = unix_seconds(**until);
            }
        }
        view.reals.push_back(std::move(real_view));
    }
    if (server.fallback) {
        auto fallback = real_view_of(*server.fallback, in_kernel, counted);
        fallback.fallback = true;
        fallback.health = fallback.kernel_weight ? "in use" : "standby";
        view.reals.push_back(std::move(fallback));
    }
    return view;
}

namespace {

/// How many configured reals one slice of `vipctl ipvs` reads from the kernel (with their
/// counters) and turns into views before the loop gets back to adverts and packets: as many
/// destinations as a resync slice.
constexpr std::size_t k_view_slice_reals = 256;

/// `vipctl ipvs` a slice of services per loop turn, read from the kernel with their counters
/// and turned into views: for tens of thousands of reals, either in one go would hold the loop
/// (and the adverts) longer than a master-down interval. (The server encodes the answer a slice
/// at a time too.)
class service_view_job : public std::enable_shared_from_this<service_view_job> {
  public:
    service_view_job(asio::io_context& io, runtime& daemon, control::server::reply reply)
        : daemon_(daemon),
          config_(&daemon.config()),
          reply_(std::move(reply)),
          yield_(io),
          reals_(daemon.health().reals()),
          health_(index_health(reals_)) {}

    void start() {
        views_.reserve(config_->virtual_servers.size());
        step();
    }

  private:
    void step() {
        if (&daemon_.config() != config_) {
            // The servers the view was being built from went with the old configuration.
            reply_(control::response{
                false, "the configuration was reloaded meanwhile; ask again", {}, {}, {}});
            return;
        }
        const auto& servers = config_->virtual_servers;
        if (next_ == servers.size()) {
            control::response r;
            r.services = std::move(views_);
            reply_(std::move(r));
            return;
        }
        std::size_t end = next_;
        for (std::size_t reals = 0;
             end < servers.size() && (end == next_ || reals < k_view_slice_reals); ++end) {
            reals += servers[end].reals.size() + (servers[end].fallback ? 1 : 0);
        }
        std::vector<ipvs::service_key> keys;
        for (std::size_t i = next_; i < end; ++i) {
            keys.push_back(servers[i].key);
        }
        ipvs::table kernel;
        ipvs::counter_table counters;
        if (daemon_.ipvs().active() && !failed_ &&
            daemon_.ipvs_port().dump(keys, kernel, counters)) {
            failed_ = true;  // a failed read shows every service as not in the kernel
            kernel.clear();
            counters.clear();
        }
        for (std::size_t i = next_; i < end; ++i) {
            views_.push_back(
                service_view_of(*config_, servers[i], kernel, counters, health_, daemon_.drains()));
        }
        next_ = end;
        // Behind whatever the loop has ready, as the IPVS resync does.
        yield_.expires_after(std::chrono::seconds(0));
        yield_.async_wait([self = shared_from_this()](const boost::system::error_code& error) {
            if (!error) {
                self->step();
            }
        });
    }

    runtime& daemon_;
    const config::daemon_config* config_;  // the configuration the view is built from
    control::server::reply reply_;
    asio::steady_timer yield_;
    std::vector<real_status> reals_;
    health_index health_;  // points into reals_
    std::vector<control::service_view> views_;
    std::size_t next_ = 0;
    bool failed_ = false;
};

/// "web-80 10.0.0.40:80", as the logs and `vipctl status` name a real.
std::string real_text(const runtime& daemon, const policy::real_ref& real) {
    const auto name = policy::name_of(daemon.config(), real);
    return name.service + " " + name.real;
}

control::response drain(runtime& daemon, const control::request& request) {
    const auto found = policy::find_real(daemon.config(), request.service, request.real);
    if (const auto* error = std::get_if<std::string>(&found)) {
        return refusal(*error);
    }
    const auto& real = std::get<policy::real_ref>(found);
    std::optional<microseconds> period;
    if (!request.for_duration.empty()) {
        period = config::parse_duration(request.for_duration);
        if (!period || period->count() == 0) {
            return refusal("--for \"" + request.for_duration +
                           "\" is not a duration greater than 0 (e.g. 30s, 10m, 2h)");
        }
    }
    const bool added = daemon.drain(real, period);
    return done(fmt::format(
        "{} {}: weight 0 {}; established connections finish, health checks go on",
        real_text(daemon, real), added ? "drained" : "still drained",
        period ? "for " + request.for_duration : std::string("until undrained or vipd restarts")));
}

control::response undrain(runtime& daemon, const control::request& request) {
    const auto found = policy::find_real(daemon.config(), request.service, request.real);
    if (const auto* error = std::get_if<std::string>(&found)) {
        return refusal(*error);
    }
    const auto& real = std::get<policy::real_ref>(found);
    // Undraining what is not drained asks for the state it is in: done, as for draining twice.
    return done(real_text(daemon, real) + (daemon.undrain(real)
                                               ? " undrained: back to its configured weight"
                                               : " was not drained"));
}

control::response answer_at_once(runtime& daemon, const control::request& request,
                                 const reload_function& reload) {
    auto& router = daemon.router();
    switch (request.cmd) {
        case control::command::status: {
            control::response r;
            r.status = status_view_of(daemon);
            return r;
        }
        case control::command::ipvs:
            break;  // answered by service_view_job
        case control::command::reload: {
            const auto& outcome = reload();
            return outcome.ok ? done(outcome.message) : refusal(outcome.message);
        }
        case control::command::demote:
            if (daemon.set_bgp_demoted(request.instance, true)) {
                return done("bgp_vip " + request.instance +
                            " withdrawn until promoted or vipd restarts");
            }
            // Priority 1, not 0: 0 means "resigning" on the wire (RFC 5798 §5.2.4), and a
            // demoted instance must still take over when no peer is left.
            if (auto error = router.set_priority_override(request.instance, 1)) {
                return refusal(*error);
            }
            return done(request.instance +
                        " demoted to priority 1 until promoted or vipd restarts; a peer with "
                        "preemption takes its VIPs");
        case control::command::promote:
            if (daemon.set_bgp_demoted(request.instance, false)) {
                return done("bgp_vip " + request.instance + " announced again as its gate allows");
            }
            if (auto error = router.set_priority_override(request.instance, std::nullopt)) {
                return refusal(*error);
            }
            return done(request.instance + " back at its configured priority");
        case control::command::garp:
            if (auto error = router.announce(request.instance)) {
                return refusal(*error);
            }
            return done("announced the VIPs of " + request.instance);
        case control::command::drain:
            return drain(daemon, request);
        case control::command::undrain:
            return undrain(daemon, request);
    }
    return refusal("unknown command");
}

}  // namespace

void answer(asio::io_context& io, runtime& daemon, const control::request& request,
            const reload_function& reload, const control::server::reply& reply) {
    if (request.cmd == control::command::ipvs) {
        std::make_shared<service_view_job>(io, daemon, reply)->start();
        return;
    }
    reply(answer_at_once(daemon, request, reload));
}

}  // namespace vipd::daemon
