#include "vipd/daemon/vrrp_router.hpp"

#include <algorithm>
#include <string_view>
#include <variant>

#include <fmt/format.h>

#include "vipd/net/frames/garp.hpp"
#include "vipd/vrrp/packet.hpp"
#include "vipd/vrrp/tracking.hpp"

namespace vipd::daemon {

/// One raw socket per interface and family, shared by every instance on it.
struct vrrp_router::channel {
    std::string interface;
    int index = 0;  // raw sockets are bound to an ifindex: a re-created interface needs a new one
    address_family family;
    std::unique_ptr<net::advert_channel> socket;
    std::map<std::uint8_t, instance_slot*> by_vrid;
    std::vector<std::vector<std::uint8_t>> pending;  // adverts to send in one batch
    std::optional<ip_address> source;
};

struct vrrp_router::instance_slot {
    struct tracker {
        tracker_kind kind;
        std::string name;
        vrrp::tracker_state state;
    };

    instance_slot(config::vrrp_instance c) : cfg(std::move(c)), fsm(cfg.instance_config()) {
        for (const auto& t : cfg.track_interfaces) {
            trackers.push_back({tracker_kind::interface, t.name, {t.weight, false}});
        }
        for (const auto& t : cfg.track_scripts) {
            trackers.push_back({tracker_kind::script, t.name, {t.weight, false}});
        }
        for (const auto& t : cfg.track_virtual_servers) {
            trackers.push_back({tracker_kind::virtual_server, t.name, {t.weight, false}});
        }
    }
    config::vrrp_instance cfg;
    vrrp::instance fsm;
    std::vector<tracker> trackers;
    bool tracking_fault = false;  // a weight-0 tracker is down
    channel* ch = nullptr;
    std::optional<net::link_status> link;
    /// The last advert encoded, reused while priority and source stay the same: a Master sends
    /// the same bytes every interval.
    struct encoded_advert {
        std::uint8_t priority;
        ip_address source;
        std::vector<std::uint8_t> bytes;
    };
    std::optional<encoded_advert> last_advert;
};

namespace {

/// The address adverts leave from: the primary IPv4 address, or the IPv6 link-local
/// (RFC 5798 §5.1.2.1).
std::optional<ip_address> advert_source(address_family family, const net::link_status& link) {
    return family == address_family::ipv4 ? link.primary_v4 : link.link_local_v6;
}

std::string peer_suffix(const vrrp::state_changed& change) {
    if (!change.peer) {
        return {};
    }
    std::string text = " from " + change.peer->to_string();
    if (change.peer_priority) {
        text += fmt::format(" priority {}", *change.peer_priority);
    }
    return text;
}

}  // namespace

std::string_view to_string(tracker_kind kind) noexcept {
    switch (kind) {
        case tracker_kind::interface:
            return "interface";
        case tracker_kind::script:
            return "script";
        case tracker_kind::virtual_server:
            return "virtual server";
    }
    return "tracker";
}

vrrp_router::vrrp_router(const config::daemon_config& config, router_ports ports,
                         const logging::log_set& logs, clock_function clock,
                         std::function<void()> deadlines_changed)
    : ports_(ports),
      logs_(logs),
      clock_(std::move(clock)),
      deadlines_changed_(std::move(deadlines_changed)),
      static_vips_(config.static_vips) {
    for (const auto& instance : config.vrrp) {
        slots_.push_back(std::make_unique<instance_slot>(instance));
    }
}

vrrp_router::~vrrp_router() = default;

void vrrp_router::start() {
    // Addresses carrying our tag are leftovers of an earlier run that did not shut down
    // cleanly, including VIPs since removed from the config. A fresh start owns no VIP yet.
    for (const auto& leftover : ports_.addresses.list_tagged()) {
        if (auto error = ports_.addresses.remove(leftover.interface, leftover.prefix)) {
            logs_.netlink().warn("cannot remove leftover {} on {}: {}", leftover.prefix.to_string(),
                                 leftover.interface, error.message());
        } else {
            logs_.netlink().info("removed leftover {} on {}", leftover.prefix.to_string(),
                                 leftover.interface);
        }
    }

    // Static VIPs are held for as long as vipd runs, whatever the VRRP roles (single director).
    for (const auto& vip : static_vips_) {
        add_address("static", *vip.device, vip.prefix);
    }

    std::vector<std::string> watched;
    for (auto& slot : slots_) {
        const auto& name = slot->cfg.interface;
        if (std::find(watched.begin(), watched.end(), name) == watched.end()) {
            watched.push_back(name);
            ports_.links.watch(name, [this](const net::link_status& status) { on_link(status); });
        }
    }
    std::vector<std::string> tracked;
    for (auto& slot : slots_) {
        for (auto& t : slot->trackers) {
            if (t.kind != tracker_kind::interface) {
                continue;
            }
            const auto link = ports_.links.status(t.name);
            t.state.down = !link || !link->up;
            if (std::find(tracked.begin(), tracked.end(), t.name) == tracked.end()) {
                tracked.push_back(t.name);
                ports_.links.watch(
                    t.name, [this](const net::link_status& status) { on_tracked_link(status); });
            }
        }
    }

    const auto now = clock_();
    for (auto& slot : slots_) {
        apply_tracking(*slot, now, "start");
        slot->link = ports_.links.status(slot->cfg.interface);
        if (!slot->link) {
            logs_.vrrp().warn("{}: interface {} does not exist", slot->cfg.name,
                              slot->cfg.interface);
        }
        open_channel_if_needed(*slot);
        if (slot->link) {
            if (auto source = advert_source(slot->cfg.family(), *slot->link)) {
                slot->fsm.set_primary_address(*source);
            }
        }
        execute(*slot, slot->fsm.start(now, usable(*slot, slot->link ? &*slot->link : nullptr)));
    }
    flush_adverts();
    deadlines_changed_();
}

bool vrrp_router::usable(const instance_slot& slot, const net::link_status* status) const {
    return !slot.tracking_fault && status != nullptr && status->up && slot.ch != nullptr &&
           advert_source(slot.cfg.family(), *status).has_value();
}

void vrrp_router::on_tracked_link(const net::link_status& status) {
    const auto now = clock_();
    for (auto& slot : slots_) {
        bool changed = false;
        for (auto& t : slot->trackers) {
            if (t.kind == tracker_kind::interface && t.name == status.name &&
                t.state.down == status.up) {
                t.state.down = !status.up;
                changed = true;
            }
        }
        if (changed) {
            apply_tracking(*slot, now,
                           fmt::format("interface {} {}", status.name, status.up ? "up" : "down"));
        }
    }
    flush_adverts();
    deadlines_changed_();
}

void vrrp_router::set_tracked(const std::string& instance, tracker_kind kind,
                              const std::string& name, bool down) {
    const auto now = clock_();
    for (auto& slot : slots_) {
        if (slot->cfg.name != instance) {
            continue;
        }
        bool changed = false;
        for (auto& t : slot->trackers) {
            if (t.kind == kind && t.name == name && t.state.down != down) {
                t.state.down = down;
                changed = true;
            }
        }
        if (changed) {
            apply_tracking(*slot, now,
                           fmt::format("{} {} {}", to_string(kind), name, down ? "down" : "up"));
        }
    }
    flush_adverts();
    deadlines_changed_();
}

void vrrp_router::apply_tracking(instance_slot& slot, time_point now, std::string_view why) {
    std::vector<vrrp::tracker_state> states;
    states.reserve(slot.trackers.size());
    for (const auto& t : slot.trackers) {
        states.push_back(t.state);
    }
    const auto tracked = vrrp::apply_trackers(slot.cfg.priority, states);
    const bool started = slot.fsm.current_state() != vrrp::state::initialize;
    if (tracked.priority != slot.fsm.priority()) {
        logs_.vrrp().info("{}: priority {} -> {} ({})", slot.cfg.name, slot.fsm.priority(),
                          tracked.priority, why);
        execute(slot, slot.fsm.set_priority(now, tracked.priority));
    }
    if (tracked.fault != slot.tracking_fault) {
        slot.tracking_fault = tracked.fault;
        logs_.vrrp().info("{}: {} ({})", slot.cfg.name,
                          tracked.fault ? "a weight-0 tracker is down: Fault"
                                        : "no weight-0 tracker is down any more",
                          why);
        if (started) {
            execute(slot,
                    slot.fsm.on_interface(now, usable(slot, slot.link ? &*slot.link : nullptr)));
        }
    }
}

void vrrp_router::open_channel_if_needed(instance_slot& slot) {
    if (slot.ch != nullptr || !slot.link || slot.link->index == 0) {
        return;
    }
    const auto key = std::make_pair(slot.cfg.interface, slot.cfg.family());
    auto found = channels_.find(key);
    if (found == channels_.end()) {
        std::error_code error;
        auto socket = ports_.channels.open(slot.cfg.interface, slot.cfg.family(), error);
        if (!socket) {
            logs_.vrrp().error("{}: cannot open VRRP socket on {}: {}", slot.cfg.name,
                               slot.cfg.interface, error.message());
            return;
        }
        auto ch = std::make_unique<channel>();
        ch->interface = slot.cfg.interface;
        ch->index = slot.link->index;
        ch->family = slot.cfg.family();
        ch->socket = std::move(socket);
        channel* raw = ch.get();
        raw->socket->on_receive(
            [this, raw](const net::received_packet& packet) { on_packet(*raw, packet); });
        found = channels_.emplace(key, std::move(ch)).first;
    }
    slot.ch = found->second.get();
    slot.ch->by_vrid[slot.cfg.vrid] = &slot;
    slot.ch->source = advert_source(slot.cfg.family(), *slot.link);
}

void vrrp_router::on_packet(channel& ch, const net::received_packet& packet) {
    const vrrp::packet_meta meta{packet.source, packet.destination, packet.ttl};
    auto result = vrrp::decode(packet.message, meta);
    if (const auto* reason = std::get_if<vrrp::drop_reason>(&result)) {
        count_drop(*reason, ch.interface, packet.source);
        return;
    }
    const auto& ad = std::get<vrrp::decoded_advert>(result).advert;
    auto found = ch.by_vrid.find(ad.vrid);
    if (found == ch.by_vrid.end()) {
        count_drop(vrrp::drop_reason::unknown_vrid,
                   fmt::format("{} vrid {}", ch.interface, ad.vrid), packet.source);
        return;
    }
    execute(*found->second, found->second->fsm.on_advert(clock_(), ad, packet.source),
            &packet.source);
    flush_adverts();
    deadlines_changed_();
}

void vrrp_router::close_stale_channels(const net::link_status& status) {
    for (auto it = channels_.begin(); it != channels_.end();) {
        channel& ch = *it->second;
        if (ch.interface != status.name || ch.index == status.index) {
            ++it;
            continue;
        }
        logs_.vrrp().info("{}: interface index changed ({} -> {}); reopening its VRRP socket",
                          ch.interface, ch.index, status.index);
        for (auto& slot : slots_) {
            if (slot->ch == &ch) {
                slot->ch = nullptr;
            }
        }
        it = channels_.erase(it);
    }
}

void vrrp_router::on_link(const net::link_status& status) {
    const auto now = clock_();
    close_stale_channels(status);
    for (auto& slot : slots_) {
        if (slot->cfg.interface != status.name) {
            continue;
        }
        slot->link = status;
        open_channel_if_needed(*slot);
        if (auto source = advert_source(slot->cfg.family(), status)) {
            slot->fsm.set_primary_address(*source);
            if (slot->ch != nullptr) {
                slot->ch->source = source;
            }
        }
        execute(*slot, slot->fsm.on_interface(now, usable(*slot, &status)));
    }
    flush_adverts();
    deadlines_changed_();
}

void vrrp_router::on_timer(time_point now) {
    for (auto& slot : slots_) {
        auto deadline = slot->fsm.next_deadline();
        if (deadline && *deadline <= now) {
            execute(*slot, slot->fsm.on_timer(now));
        }
    }
    flush_adverts();
}

std::optional<time_point> vrrp_router::next_deadline() const {
    std::optional<time_point> earliest;
    for (const auto& slot : slots_) {
        auto deadline = slot->fsm.next_deadline();
        if (deadline && (!earliest || *deadline < *earliest)) {
            earliest = deadline;
        }
    }
    return earliest;
}

void vrrp_router::shutdown() {
    const auto now = clock_();
    for (auto& slot : slots_) {
        execute(*slot, slot->fsm.shutdown(now));
    }
    flush_adverts();
    for (const auto& vip : static_vips_) {
        remove_address("static", *vip.device, vip.prefix);
    }
}

std::vector<instance_status> vrrp_router::status() const {
    std::vector<instance_status> out;
    for (const auto& slot : slots_) {
        out.push_back({slot->cfg.name, slot->fsm.current_state(), slot->fsm.priority(),
                       slot->fsm.current_master(), slot->fsm.state_since(),
                       slot->fsm.transitions()});
    }
    return out;
}

void vrrp_router::execute(instance_slot& slot, const vrrp::actions& actions,
                          const ip_address* sender) {
    for (const auto& action : actions) {
        std::visit(
            [&](const auto& a) {
                using type = std::decay_t<decltype(a)>;
                if constexpr (std::is_same_v<type, vrrp::state_changed>) {
                    log_transition(slot, a);
                } else if constexpr (std::is_same_v<type, vrrp::add_vips>) {
                    // Services first, then VIPs, then (later actions) GARP.
                    if (ports_.roles != nullptr) {
                        ports_.roles->entering_master(slot.cfg.name);
                    }
                    add_vips(slot);
                } else if constexpr (std::is_same_v<type, vrrp::remove_vips>) {
                    // VIPs first, then services.
                    remove_vips(slot);
                    if (ports_.roles != nullptr) {
                        ports_.roles->left_master(slot.cfg.name);
                    }
                } else if constexpr (std::is_same_v<type, vrrp::send_advert>) {
                    if (slot.ch == nullptr || !slot.ch->source) {
                        return;  // Fault state follows; nothing to send from
                    }
                    slot.ch->pending.push_back(encoded_advert(slot, a.priority));
                } else if constexpr (std::is_same_v<type, vrrp::send_garp>) {
                    send_garp(slot);
                } else if constexpr (std::is_same_v<type, vrrp::advert_dropped>) {
                    count_drop(a.reason, slot.cfg.name, sender != nullptr ? *sender : ip_address{});
                }
            },
            action);
    }
}

const std::vector<std::uint8_t>& vrrp_router::encoded_advert(instance_slot& slot,
                                                             std::uint8_t priority) {
    const ip_address& source = *slot.ch->source;
    if (slot.last_advert && slot.last_advert->priority == priority &&
        slot.last_advert->source == source) {
        return slot.last_advert->bytes;
    }
    vrrp::advert ad;
    ad.version = slot.cfg.version;
    ad.vrid = slot.cfg.vrid;
    ad.priority = priority;
    ad.interval = slot.cfg.advert_interval;
    ad.password = slot.cfg.auth_pass;
    for (const auto& vip : slot.cfg.vips) {
        ad.addresses.push_back(vip.prefix.address);
    }
    auto bytes =
        vrrp::encode(ad, source, vrrp::advert_group(slot.cfg.family()), slot.cfg.v3_checksum);
    slot.last_advert = instance_slot::encoded_advert{priority, source, std::move(bytes)};
    return slot.last_advert->bytes;
}

void vrrp_router::flush_adverts() {
    for (auto& [key, ch] : channels_) {
        if (ch->pending.empty()) {
            continue;
        }
        if (auto error = ch->socket->send(ch->pending, *ch->source)) {
            if (drop_log_limit_.admit(clock_()).allowed) {
                logs_.pkt().warn("sending {} advert(s) on {} failed: {}", ch->pending.size(),
                                 ch->interface, error.message());
            }
        }
        ch->pending.clear();
    }
}

void vrrp_router::count_drop(vrrp::drop_reason reason, const std::string& context,
                             const ip_address& source) {
    drops_.count(reason);
    const auto verdict = drop_log_limit_.admit(clock_());
    if (!verdict.allowed) {
        return;
    }
    std::string suppressed;
    if (verdict.suppressed_before > 0) {
        suppressed =
            fmt::format(" ({} more dropped packets not logged)", verdict.suppressed_before);
    }
    logs_.pkt().warn("{}: dropped advert from {}: {} (total {}){}", context, source.to_string(),
                     vrrp::to_string(reason), drops_[reason], suppressed);
}

void vrrp_router::add_address(const std::string& owner, const std::string& device,
                              const ip_prefix& prefix) {
    if (device.starts_with("dummy")) {
        if (auto error = ports_.addresses.ensure_dummy(device)) {
            logs_.netlink().error("{}: cannot create dummy interface {}: {}", owner, device,
                                  error.message());
        }
    }
    if (auto error = ports_.addresses.add(device, prefix)) {
        logs_.netlink().error("{}: cannot add {} on {}: {}", owner, prefix.to_string(), device,
                              error.message());
    }
}

void vrrp_router::remove_address(const std::string& owner, const std::string& device,
                                 const ip_prefix& prefix) {
    if (auto error = ports_.addresses.remove(device, prefix)) {
        logs_.netlink().error("{}: cannot remove {} from {}: {}", owner, prefix.to_string(), device,
                              error.message());
    }
}

void vrrp_router::add_vips(instance_slot& slot) {
    for (const auto& vip : slot.cfg.vips) {
        add_address(slot.cfg.name, slot.cfg.device_of(vip), vip.prefix);
    }
}

void vrrp_router::remove_vips(instance_slot& slot) {
    for (const auto& vip : slot.cfg.vips) {
        remove_address(slot.cfg.name, slot.cfg.device_of(vip), vip.prefix);
    }
}

void vrrp_router::send_garp(instance_slot& slot) {
    if (!slot.link) {
        return;
    }
    // Announced on the instance's interface even for VIPs living on lo or a dummy: that is where
    // clients and routers learn which MAC answers for the VIP.
    for (const auto& vip : slot.cfg.vips) {
        const auto& address = vip.prefix.address;
        auto frame = address.is_v4() ? net::frames::gratuitous_arp(slot.link->mac, address)
                                     : net::frames::unsolicited_na(slot.link->mac, address);
        if (auto error = ports_.frames.send(slot.cfg.interface, frame)) {
            auto& logger = address.is_v4() ? logs_.arp() : logs_.ndisc();
            logger.warn("{}: announcing {} on {} failed: {}", slot.cfg.name, address.to_string(),
                        slot.cfg.interface, error.message());
        }
    }
}

void vrrp_router::log_transition(const instance_slot& slot, const vrrp::state_changed& change) {
    const auto from = vrrp::to_string(change.from);
    const auto to = vrrp::to_string(change.to);
    const auto reason = std::string(vrrp::to_string(change.reason)) + peer_suffix(change);
    const auto message = fmt::format("{}: {} -> {} ({}; priority {})", slot.cfg.name, from, to,
                                     reason, change.priority);
    logs_.emit(logs_.vrrp(), spdlog::level::info, message,
               {{"VIPD_INSTANCE", slot.cfg.name},
                {"VIPD_FROM", std::string(from)},
                {"VIPD_TO", std::string(to)},
                {"VIPD_REASON", reason},
                {"VIPD_PRIORITY", std::to_string(change.priority)}});
    if (ports_.transitions != nullptr) {
        ports_.transitions->on_transition(slot.cfg.name, change);
    }
}

}  // namespace vipd::daemon
