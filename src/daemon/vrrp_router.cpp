#include "vipd/daemon/vrrp_router.hpp"

#include <algorithm>
#include <string_view>
#include <utility>
#include <variant>

#include <fmt/format.h>

#include "vipd/net/frames/garp.hpp"
#include "vipd/vrrp/packet.hpp"
#include "vipd/vrrp/peers.hpp"
#include "vipd/vrrp/tracking.hpp"

namespace vipd::daemon {

/// One raw socket per interface and family, shared by every instance on it.
struct vrrp_router::channel {
    std::string interface;
    int index = 0;  // raw sockets are bound to an ifindex: a re-created interface needs a new one
    address_family family;
    std::unique_ptr<net::advert_channel> socket;
    std::map<std::uint8_t, instance_slot*> by_vrid;
    std::vector<net::outgoing_advert> pending;  // adverts to send in one batch
    std::optional<ip_address> source;
};

struct vrrp_router::instance_slot {
    struct tracker {
        tracker_kind kind;
        std::string name;
        vrrp::tracker_state state;
        std::int16_t value = 0;  // a track file's number (other kinds are only up or down)

        vrrp::tracker_effect effect() const {
            return kind == tracker_kind::file ? vrrp::file_effect(state.weight, value)
                                              : vrrp::effect_of(state);
        }
    };

    explicit instance_slot(config::vrrp_instance c)
        : cfg(std::move(c)),
          fsm(cfg.instance_config()),
          trackers(trackers_of(cfg)),
          sources(sources_of(cfg)) {}

    static vrrp::advert_sources sources_of(const config::vrrp_instance& cfg) {
        if (!cfg.unicast) {
            return {};
        }
        return {cfg.unicast->peers, cfg.unicast->min_ttl};
    }
    /// Where this instance's adverts go: its unicast peers, or the VRRP group.
    std::vector<ip_address> destinations() const {
        return cfg.unicast ? cfg.unicast->peers
                           : std::vector<ip_address>{vrrp::advert_group(cfg.family())};
    }
    /// The address its adverts leave from: unicast_source, or the channel's (the interface's
    /// primary IPv4 address or IPv6 link-local).
    std::optional<ip_address> source() const {
        if (cfg.unicast && cfg.unicast->source) {
            return cfg.unicast->source;
        }
        return ch != nullptr ? ch->source : std::nullopt;
    }

    static std::vector<tracker> trackers_of(const config::vrrp_instance& cfg) {
        std::vector<tracker> out;
        for (const auto& t : cfg.track_interfaces) {
            out.push_back({tracker_kind::interface, t.name, {t.weight, false}});
        }
        for (const auto& t : cfg.track_scripts) {
            out.push_back({tracker_kind::script, t.name, {t.weight, false}});
        }
        for (const auto& t : cfg.track_virtual_servers) {
            out.push_back({tracker_kind::virtual_server, t.name, {t.weight, false}});
        }
        for (const auto& t : cfg.track_files) {
            out.push_back({tracker_kind::file, t.name, {t.weight, false}});
        }
        for (const auto& t : cfg.track_processes) {
            out.push_back({tracker_kind::process, t.name, {t.weight, false}});
        }
        return out;
    }
    /// The priority trackers start from: the configured one, unless vipctl demoted the instance.
    std::uint8_t base_priority() const { return priority_override.value_or(cfg.priority); }

    /// Kernel drops on the sockets this instance listened on, while it did: a shared socket's
    /// earlier drops are not its own, and a re-opened socket counts from 0 again.
    std::uint64_t socket_drops() const {
        return drops_on_left_channels +
               (ch != nullptr ? ch->socket->receive_drops() - channel_drops_at_join : 0);
    }
    void join(channel& joined) {
        ch = &joined;
        channel_drops_at_join = joined.socket->receive_drops();
    }
    /// Before the channel may close: its drops so far stay counted.
    void leave_channel() {
        drops_on_left_channels = socket_drops();
        ch = nullptr;
    }

    config::vrrp_instance cfg;
    vrrp::instance fsm;
    std::vector<tracker> trackers;
    vrrp::advert_sources sources;  // whom it hears
    bool tracking_fault = false;   // a tracker asks for Fault (weight 0 down, or a file)
    std::optional<std::uint8_t> priority_override;
    unsigned channel_failures = 0;  // failed socket opens since the last success
    std::uint64_t adverts_sent = 0;
    std::uint64_t adverts_received = 0;
    channel* ch = nullptr;  // set by join(), cleared by leave_channel()
    std::uint64_t channel_drops_at_join = 0;
    std::uint64_t drops_on_left_channels = 0;
    std::optional<net::link_status> link;
    /// use_vmac: the socket adverts leave from (on the VMAC, with the virtual router MAC), and
    /// what waits to go; null until the VMAC exists.
    std::unique_ptr<net::advert_channel> vmac_sender;
    std::vector<net::outgoing_advert> vmac_pending;
    unsigned vmac_failures = 0;
    /// An IPv6 VMAC is up only while its instance is Master (net::vmac_port::activate).
    bool vmac_active = false;
    unsigned vmac_switch_failures = 0;  // failed activate/deactivate calls in a row
    /// The last advert encoded (one per destination: VRRPv3's checksum covers it), reused
    /// while priority and source stay the same: a Master sends the same bytes every interval.
    struct encoded_advert {
        std::uint8_t priority;
        ip_address source;
        std::vector<net::outgoing_advert> copies;
    };
    std::optional<encoded_advert> last_advert;
};

namespace {

/// How often a VRRP socket (or a VMAC) that failed to open is tried again.
constexpr milliseconds k_channel_retry{1000};

/// The virtual router MAC (RFC 5798 §7.3): 00-00-5E-00-01-{VRID} for IPv4, 00-00-5E-00-02-{VRID}
/// for IPv6.
net::mac_address virtual_router_mac(std::uint8_t vrid, address_family family) {
    const std::uint8_t kind = family == address_family::ipv4 ? 0x01 : 0x02;
    return {0x00, 0x00, 0x5e, 0x00, kind, vrid};
}

/// The address adverts leave from: the primary IPv4 address, or the IPv6 link-local
/// (RFC 5798 §5.1.2.1).
std::optional<ip_address> advert_source(address_family family, const net::link_status& link) {
    return family == address_family::ipv4 ? link.primary_v4 : link.link_local_v6;
}

/// The address peers see our adverts from, for elections that tie on priority: unicast_source
/// when there is one. Nothing while the link has no source of the instance's family.
std::optional<ip_address> own_address(const config::vrrp_instance& cfg,
                                      const net::link_status& link) {
    auto source = advert_source(cfg.family(), link);
    if (source && cfg.unicast && cfg.unicast->source) {
        return cfg.unicast->source;
    }
    return source;
}

/// The link a VIP is announced on: its own when it lives on another real link ("dev eth2"), where
/// its neighbours are; the instance's interface for VIPs on it, on lo or on a dummy, which have
/// no neighbours of their own (hosts reach them through the instance's link).
const std::string& announce_link(const config::vrrp_instance& cfg, const config::vip& vip) {
    const std::string& device = cfg.device_of(vip);
    if (device == "lo" || device.starts_with("dummy")) {
        return cfg.interface;
    }
    return device;
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

/// Whether a reload can change `a` into `b` in place. A different interface, VRID, family or
/// version is another virtual router on the wire; becoming or ceasing to be the address owner
/// changes how it starts (RFC 5798 §6.4.1).
bool same_identity(const config::vrrp_instance& a, const config::vrrp_instance& b) {
    return a.interface == b.interface && a.vrid == b.vrid && a.family() == b.family() &&
           a.version == b.version && a.vmac == b.vmac &&
           (a.priority == vrrp::k_owner_priority) == (b.priority == vrrp::k_owner_priority);
}

/// Whether the router would behave the same under `b` as under `a`: where a setting was
/// written (its line) and the notify commands (run by the notify hooks) do not matter here.
bool same_router_settings(config::vrrp_instance a, config::vrrp_instance b) {
    a.position = b.position = {};
    a.notify = b.notify = {};
    return a == b;
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
        case tracker_kind::file:
            return "file";
        case tracker_kind::process:
            return "process";
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
      static_vips_(config.static_vips),
      vips_(ports.addresses, logs, clock_, ports.record_vips) {
    configure_vips(config);
    configure_groups(config);
    for (const auto& instance : config.vrrp) {
        slots_.push_back(std::make_unique<instance_slot>(instance));
    }
}

vrrp_router::~vrrp_router() = default;

void vrrp_router::start(const std::set<vips::address>& recorded) {
    vips_.adopt_record(recorded);
    const auto now = clock_();
    for (auto& slot : slots_) {
        prepare_slot(*slot, now);
    }
    for (auto& slot : slots_) {
        run_start(*slot, now);
    }
    // Always converges, role changes or not: a fresh start owns no VIP it is not MASTER for.
    commit(vip_cause::start);
    if (const auto kept = vips_.tags_kept()) {
        logs_.netlink().info(
            "this kernel {} address tags (IFA_PROTO): vipd knows its VIPs from "
            "{}",
            *kept ? "keeps" : "drops",
            *kept ? "what it added, its state file and their tags"
                  : "what it added and its state file");
    }
}

void vrrp_router::resync_vips() {
    // An interface that could not be read (absent, or the read failed) is read again: after a
    // failed read at start the instance would otherwise wait in FAULT for a link notification
    // that a stable link never sends.
    for (auto& slot : slots_) {
        if (!slot->link) {
            if (const auto status = ports_.links.status(slot->cfg.interface)) {
                on_link(*status);
            }
        }
    }
    commit(vip_cause::resync);
}

void vrrp_router::watch_links(instance_slot& slot) {
    if (watched_links_.insert(slot.cfg.interface).second) {
        ports_.links.watch(slot.cfg.interface,
                           [this](const net::link_status& status) { on_link(status); });
    }
    for (const auto& vip : slot.cfg.vips) {
        const auto& link = announce_link(slot.cfg, vip);
        if (link == slot.cfg.interface || !announce_links_.try_emplace(link).second) {
            continue;
        }
        // Its MAC is the GARP's sender: kept from its notifications, not asked at each burst.
        ports_.links.watch(link, [this](const net::link_status& status) {
            announce_links_[status.name] = status;
            if (status.index == 0) {
                on_link_gone(status.name);
            }
        });
        announce_links_[link] = ports_.links.status(link);
    }
    for (auto& t : slot.trackers) {
        if (t.kind != tracker_kind::interface) {
            continue;
        }
        const auto link = ports_.links.status(t.name);
        t.state.down = !link || !link->up;
        if (tracked_links_.insert(t.name).second) {
            ports_.links.watch(t.name,
                               [this](const net::link_status& status) { on_tracked_link(status); });
        }
    }
}

void vrrp_router::learn_own_address(instance_slot& slot) {
    if (slot.link) {
        if (auto address = own_address(slot.cfg, *slot.link)) {
            slot.fsm.set_primary_address(*address);
        }
    }
}

void vrrp_router::start_slot(instance_slot& slot, time_point now) {
    prepare_slot(slot, now);
    run_start(slot, now);
}

void vrrp_router::run_start(instance_slot& slot, time_point now) {
    const auto* link = slot.link ? &*slot.link : nullptr;
    const auto why = usable_alone(slot, link) ? vrrp::transition_reason::sync_group
                                              : vrrp::transition_reason::interface_down;
    execute(slot, slot.fsm.start(now, usable(slot, link), why));
}

void vrrp_router::prepare_slot(instance_slot& slot, time_point now) {
    // The VMAC first: its link is one the VIPs are announced on, watched below.
    ensure_vmac(slot);
    watch_links(slot);
    apply_tracking(slot, now, "start");
    slot.link = ports_.links.status(slot.cfg.interface);
    if (!slot.link) {
        logs_.vrrp().warn("{}: interface {} does not exist", slot.cfg.name, slot.cfg.interface);
    }
    open_channel_if_needed(slot);
    learn_own_address(slot);
}

void vrrp_router::detach(instance_slot& slot) {
    if (slot.ch == nullptr) {
        return;
    }
    channel& ch = *slot.ch;
    slot.leave_channel();
    auto& by_vrid = ch.by_vrid;
    if (auto found = by_vrid.find(slot.cfg.vrid);
        found != by_vrid.end() && found->second == &slot) {
        by_vrid.erase(found);
    }
    if (by_vrid.empty()) {
        channels_.erase({ch.interface, ch.family});
    }
}

reload_summary vrrp_router::reconfigure(const config::daemon_config& next) {
    reload_summary summary;
    const auto now = clock_();
    auto kept = resign_leaving(next, summary, now);
    static_vips_ = next.static_vips;
    configure_groups(next);
    rebuild_slots(next, std::move(kept), summary, now);
    configure_vips(next);
    effects_.vips = true;  // static VIPs and Masters' VIP lists may differ
    const auto outcome = commit(vip_cause::role);
    remove_vmacs(std::exchange(departed_, {}));
    summary.vips_added = outcome.added.size();
    summary.vips_removed = outcome.removed.size();
    return summary;
}

vrrp_router::kept_slots vrrp_router::resign_leaving(const config::daemon_config& next,
                                                    reload_summary& summary, time_point now) {
    auto wanted_as = [&next](const std::string& name) -> const config::vrrp_instance* {
        const auto found = std::find_if(next.vrrp.begin(), next.vrrp.end(),
                                        [&name](const auto& cfg) { return cfg.name == name; });
        return found != next.vrrp.end() ? &*found : nullptr;
    };
    // The adverts of every resigning instance leave before any of their channels may close.
    kept_slots kept;
    std::vector<std::unique_ptr<instance_slot>> leaving;
    for (auto& slot : slots_) {
        const auto* wanted = wanted_as(slot->cfg.name);
        if (wanted != nullptr && same_identity(slot->cfg, *wanted)) {
            kept.slots.push_back(std::move(slot));
            continue;
        }
        (wanted != nullptr ? summary.replaced : summary.removed).push_back(slot->cfg.name);
        if (wanted != nullptr) {
            kept.overrides[slot->cfg.name] = slot->priority_override;
        }
        execute(*slot, slot->fsm.shutdown(now));
        leaving.push_back(std::move(slot));
    }
    flush_adverts();
    for (auto& slot : leaving) {
        flush_vmac_adverts(*slot);
        detach(*slot);
        departed_.push_back(std::move(slot));
    }
    slots_.clear();
    return kept;
}

void vrrp_router::rebuild_slots(const config::daemon_config& next, kept_slots kept,
                                reload_summary& summary, time_point now) {
    for (const auto& cfg : next.vrrp) {
        auto found = std::find_if(kept.slots.begin(), kept.slots.end(), [&](const auto& slot) {
            return slot && slot->cfg.name == cfg.name;
        });
        if (found != kept.slots.end()) {
            auto& slot = *found;
            if (same_router_settings(slot->cfg, cfg)) {
                ++summary.unchanged;
                slot->cfg.position = cfg.position;
                slot->cfg.notify = cfg.notify;
            } else {
                summary.changed.push_back(cfg.name);
                reconfigure_slot(*slot, cfg, now);
            }
            slots_.push_back(std::move(slot));
            continue;
        }
        auto slot = std::make_unique<instance_slot>(cfg);
        if (auto override = kept.overrides.find(cfg.name); override != kept.overrides.end()) {
            slot->priority_override = override->second;
        } else {
            summary.added.push_back(cfg.name);
        }
        slots_.push_back(std::move(slot));
        start_slot(*slots_.back(), now);
    }
}

void vrrp_router::reconfigure_slot(instance_slot& slot, const config::vrrp_instance& next,
                                   time_point now) {
    auto trackers = instance_slot::trackers_of(next);
    for (auto& t : trackers) {
        for (const auto& old : slot.trackers) {
            if (old.kind == t.kind && old.name == t.name) {
                t.state.down = old.state.down;
                t.value = old.value;
            }
        }
    }
    slot.cfg = next;
    slot.trackers = std::move(trackers);
    slot.sources = instance_slot::sources_of(slot.cfg);
    slot.last_advert.reset();
    learn_own_address(slot);
    watch_links(slot);
    execute(slot, slot.fsm.reconfigure(now, slot.cfg.instance_config()));
    apply_tracking(slot, now, "reload");
}

std::optional<std::string> vrrp_router::set_priority_override(
    const std::string& instance, std::optional<std::uint8_t> priority) {
    auto* named = find(instance);
    if (named == nullptr) {
        return "no VRRP instance named " + instance;
    }
    if (named->cfg.priority == vrrp::k_owner_priority) {
        return instance + " owns its addresses (priority 255): its priority cannot be overridden";
    }
    // A sync group moves as one: demoting one member alone would leave the peer's group
    // waiting for the members that still hear a better Master (as a tracker weight would).
    std::vector<instance_slot*> targets{named};
    if (named->cfg.sync_group) {
        for (auto& group : groups_) {
            if (group.name == *named->cfg.sync_group) {
                targets = members_of(group);
            }
        }
    }
    const auto now = clock_();
    for (auto* slot : targets) {
        if (slot->priority_override == priority) {
            continue;
        }
        slot->priority_override = priority;
        std::string why = priority ? fmt::format("priority overridden to {}", *priority)
                                   : std::string("configured priority restored");
        if (slot != named) {
            why += fmt::format(" with {}, of its sync group {}", instance, *named->cfg.sync_group);
        }
        apply_tracking(*slot, now, why);
    }
    commit(vip_cause::role);
    return std::nullopt;
}

std::optional<std::string> vrrp_router::announce(const std::string& instance) {
    for (auto& slot : slots_) {
        if (slot->cfg.name != instance) {
            continue;
        }
        if (slot->fsm.current_state() != vrrp::state::master) {
            return fmt::format("{} is {}, not MASTER: only the Master announces its VIPs", instance,
                               vrrp::to_string(slot->fsm.current_state()));
        }
        send_garp(*slot);
        return std::nullopt;
    }
    return "no VRRP instance named " + instance;
}

bool vrrp_router::usable_alone(const instance_slot& slot, const net::link_status* status) const {
    return !slot.tracking_fault && status != nullptr && status->up && slot.ch != nullptr &&
           (!slot.cfg.vmac || slot.vmac_sender != nullptr) &&
           advert_source(slot.cfg.family(), *status).has_value();
}

void vrrp_router::ensure_vmac(instance_slot& slot) {
    if (!slot.cfg.vmac || slot.vmac_sender != nullptr) {
        return;
    }
    const auto& name = *slot.cfg.vmac;
    std::error_code error =
        ports_.vmacs == nullptr
            ? std::make_error_code(std::errc::operation_not_supported)
            : ports_.vmacs->ensure({name, slot.cfg.interface,
                                    virtual_router_mac(slot.cfg.vrid, slot.cfg.family()),
                                    slot.cfg.family()});
    if (!error) {
        slot.vmac_sender = ports_.channels.open_sender(name, slot.cfg.family(), error);
    }
    if (error) {
        // Said once loudly, then quietly on every retry, as for the VRRP sockets.
        logs_.vrrp().log(slot.vmac_failures == 0 ? spdlog::level::err : spdlog::level::debug,
                         "{}: cannot make its VMAC {} on {}: {}; retrying every {} ms",
                         slot.cfg.name, name, slot.cfg.interface, error.message(),
                         k_channel_retry.count());
        ++slot.vmac_failures;
        if (!channel_retry_) {
            channel_retry_ = clock_() + k_channel_retry;
        }
        return;
    }
    logs_.vrrp().info("{}: VMAC {} on {} ready{}", slot.cfg.name, name, slot.cfg.interface,
                      slot.vmac_failures > 0
                          ? fmt::format(" after {} failed attempt(s)", slot.vmac_failures)
                          : std::string());
    slot.vmac_failures = 0;
}

void vrrp_router::on_link_gone(const std::string& name) {
    const auto now = clock_();
    bool remade = false;
    for (auto& slot : slots_) {
        // vmac_sender is reset before vipd deletes a VMAC itself: only someone else's deletion
        // finds it set.
        if (!slot->cfg.vmac || *slot->cfg.vmac != name || slot->vmac_sender == nullptr) {
            continue;
        }
        logs_.vrrp().warn("{}: its VMAC {} was deleted by someone else; making it again",
                          slot->cfg.name, name);
        slot->vmac_sender.reset();
        slot->vmac_active = false;
        ensure_vmac(*slot);
        // Made again: the state holds and the resync below puts the VIPs back. Not made: Fault
        // (usable() needs the VMAC) until the retry timer makes it.
        const auto* link = slot->link ? &*slot->link : nullptr;
        execute(*slot, slot->fsm.on_interface(now, usable(*slot, link)));
        remade = true;
    }
    if (remade) {
        commit(vip_cause::resync);
    }
}

void vrrp_router::remove_vmacs(const std::vector<std::unique_ptr<instance_slot>>& leaving) {
    if (ports_.vmacs == nullptr) {
        return;
    }
    std::set<std::string> parents;
    for (const auto& slot : leaving) {
        if (!slot->cfg.vmac) {
            continue;
        }
        slot->vmac_sender.reset();
        slot->vmac_active = false;
        if (auto error = ports_.vmacs->remove(*slot->cfg.vmac)) {
            logs_.vrrp().warn("{}: cannot remove its VMAC {}: {}", slot->cfg.name, *slot->cfg.vmac,
                              error.message());
        }
        parents.insert(slot->cfg.interface);
    }
    const auto leaves = [&](const instance_slot& slot) {
        return std::any_of(leaving.begin(), leaving.end(),
                           [&](const auto& gone) { return gone.get() == &slot; });
    };
    for (const auto& parent : parents) {
        const bool still_used = std::any_of(slots_.begin(), slots_.end(), [&](const auto& slot) {
            return slot->cfg.vmac && slot->cfg.interface == parent && !leaves(*slot);
        });
        if (!still_used) {
            if (auto error = ports_.vmacs->release_parent(parent)) {
                logs_.vrrp().warn("cannot restore arp_ignore and arp_filter of {}: {}", parent,
                                  error.message());
            }
        }
    }
}

bool vrrp_router::usable(const instance_slot& slot, const net::link_status* status) const {
    return usable_alone(slot, status) &&
           !(slot.cfg.sync_group && member_cannot_run(*slot.cfg.sync_group, &slot));
}

bool vrrp_router::member_cannot_run(const std::string& group, const instance_slot* except) const {
    return std::any_of(slots_.begin(), slots_.end(), [&](const auto& slot) {
        return slot.get() != except && slot->cfg.sync_group == group &&
               !usable_alone(*slot, slot->link ? &*slot->link : nullptr);
    });
}

void vrrp_router::configure_groups(const config::daemon_config& config) {
    std::vector<group_view> next;
    for (const auto& group : config.sync_groups) {
        group_view view{group.name, group.members, vrrp::state::initialize};
        for (const auto& old : groups_) {
            if (old.name == group.name) {
                view.state = old.state;
            }
        }
        next.push_back(std::move(view));
    }
    groups_ = std::move(next);
}

std::vector<vrrp_router::instance_slot*> vrrp_router::members_of(const group_view& group) {
    std::vector<instance_slot*> out;
    for (const auto& name : group.members) {
        if (auto* slot = find(name); slot != nullptr) {
            out.push_back(slot);
        }
    }
    return out;
}

void vrrp_router::settle_groups(time_point now) {
    if (shutting_down_) {
        return;
    }
    for (auto& group : groups_) {
        settle_group(group, now);
    }
}

void vrrp_router::settle_group(group_view& group, time_point now) {
    const auto members = members_of(group);
    const auto in = [](const instance_slot* slot, vrrp::state s) {
        return slot->fsm.current_state() == s;
    };
    const auto started = [&](const instance_slot* slot) {
        return !in(slot, vrrp::state::initialize);
    };
    // 1. Fault together: the first member that cannot run holds the others in Fault, with a
    //    priority-0 advert from any that was Master, since their own links work.
    const bool faulted = member_cannot_run(group.name);
    for (auto* slot : members) {
        if (!started(slot) || faulted == in(slot, vrrp::state::fault)) {
            continue;
        }
        const bool alone = usable_alone(*slot, slot->link ? &*slot->link : nullptr);
        const auto why =
            !alone ? vrrp::transition_reason::interface_down : vrrp::transition_reason::sync_group;
        execute(*slot, slot->fsm.on_interface(now, !faulted, why));
    }
    // 2. Leave Master together: a member that left it (a better Master, a Fault) takes the
    //    group's other Masters to Backup.
    const bool one_left = std::any_of(members.begin(), members.end(), [&](const auto* slot) {
        return !in(slot, vrrp::state::master) &&
               std::find(effects_.left.begin(), effects_.left.end(), slot->cfg.name) !=
                   effects_.left.end();
    });
    if (one_left) {
        for (auto* slot : members) {
            execute(*slot, slot->fsm.leave_master_with_group(now));
        }
    }
    // 3. Take Master together: once every member wants it, or when one already holds it (a
    //    member added by a reload, or back from a partition).
    const bool any_master = std::any_of(members.begin(), members.end(), [&](const auto* slot) {
        return in(slot, vrrp::state::master);
    });
    const bool all_want = std::all_of(members.begin(), members.end(), [&](const auto* slot) {
        return in(slot, vrrp::state::master) || slot->fsm.wants_master();
    });
    if (any_master || all_want) {
        for (auto* slot : members) {
            execute(*slot, slot->fsm.join_group_master(now));
        }
    }
    // 4. The group's own state, for the journal and its hooks.
    auto state = vrrp::state::backup;
    if (members.empty() || std::none_of(members.begin(), members.end(), started)) {
        state = vrrp::state::initialize;
    } else if (std::any_of(members.begin(), members.end(),
                           [&](const auto* slot) { return in(slot, vrrp::state::fault); })) {
        state = vrrp::state::fault;
    } else if (std::all_of(members.begin(), members.end(),
                           [&](const auto* slot) { return in(slot, vrrp::state::master); })) {
        state = vrrp::state::master;
    }
    if (state != group.state) {
        effects_.group_transitions.emplace_back(
            group.name, vrrp::state_changed{group.state, state, vrrp::transition_reason::sync_group,
                                            0, std::nullopt, std::nullopt});
        group.state = state;
    }
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
    commit(vip_cause::role);
}

template <typename Update>
void vrrp_router::update_trackers(const std::string& instance, const std::string& why,
                                  Update update) {
    const auto now = clock_();
    for (auto& slot : slots_) {
        if (slot->cfg.name != instance) {
            continue;
        }
        bool changed = false;
        for (auto& t : slot->trackers) {
            changed = update(t) || changed;
        }
        if (changed) {
            apply_tracking(*slot, now, why);
        }
    }
    commit(vip_cause::role);
}

void vrrp_router::set_tracked(const std::string& instance, tracker_kind kind,
                              const std::string& name, bool down) {
    update_trackers(instance, fmt::format("{} {} {}", to_string(kind), name, down ? "down" : "up"),
                    [&](instance_slot::tracker& t) {
                        if (t.kind != kind || t.name != name || t.state.down == down) {
                            return false;
                        }
                        t.state.down = down;
                        return true;
                    });
}

void vrrp_router::set_tracked_file(const std::string& instance, const std::string& name,
                                   std::int16_t value) {
    update_trackers(instance, fmt::format("file {} reads {}", name, value),
                    [&](instance_slot::tracker& t) {
                        if (t.kind != tracker_kind::file || t.name != name || t.value == value) {
                            return false;
                        }
                        t.value = value;
                        return true;
                    });
}

void vrrp_router::apply_tracking(instance_slot& slot, time_point now, std::string_view why) {
    std::vector<vrrp::tracker_effect> effects;
    effects.reserve(slot.trackers.size());
    for (const auto& t : slot.trackers) {
        effects.push_back(t.effect());
    }
    const auto tracked = vrrp::apply_effects(slot.base_priority(), effects);
    const bool started = slot.fsm.current_state() != vrrp::state::initialize;
    if (tracked.priority != slot.fsm.priority()) {
        logs_.vrrp().info("{}: priority {} -> {} ({})", slot.cfg.name, slot.fsm.priority(),
                          tracked.priority, why);
        execute(slot, slot.fsm.set_priority(now, tracked.priority));
    }
    if (tracked.fault != slot.tracking_fault) {
        slot.tracking_fault = tracked.fault;
        logs_.vrrp().info(
            "{}: {} ({})", slot.cfg.name,
            tracked.fault ? "a tracker asks for Fault" : "no tracker asks for Fault any more", why);
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
            // Retried on a timer: no link event may ever come (a transient ENOBUFS, a module
            // still loading). Said once loudly, then quietly on every retry.
            logs_.vrrp().log(slot.channel_failures == 0 ? spdlog::level::err : spdlog::level::debug,
                             "{}: cannot open VRRP socket on {}: {}; retrying every {} ms",
                             slot.cfg.name, slot.cfg.interface, error.message(),
                             k_channel_retry.count());
            ++slot.channel_failures;
            if (!channel_retry_) {
                channel_retry_ = clock_() + k_channel_retry;
            }
            return;
        }
        if (slot.channel_failures > 0) {
            logs_.vrrp().info("{}: VRRP socket on {} open after {} failed attempt(s)",
                              slot.cfg.name, slot.cfg.interface, slot.channel_failures);
            slot.channel_failures = 0;
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
    slot.join(*found->second);
    slot.ch->by_vrid[slot.cfg.vrid] = &slot;
    slot.ch->source = advert_source(slot.cfg.family(), *slot.link);
}

void vrrp_router::on_packet(channel& ch, const net::received_packet& packet) {
    vrrp::packet_meta meta{packet.source, packet.destination, packet.ttl};
    for (const auto& [vrid, slot] : ch.by_vrid) {
        meta.min_ttl = std::min(meta.min_ttl, slot->sources.min_ttl);
    }
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
    if (auto refused = vrrp::refuse_sender(found->second->sources, packet.source, packet.ttl)) {
        count_drop(*refused, found->second->cfg.name, packet.source);
        return;
    }
    ++found->second->adverts_received;
    execute(*found->second, found->second->fsm.on_advert(clock_(), ad, packet.source),
            &packet.source);
    commit(vip_cause::role);
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
                slot->leave_channel();
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
            slot->fsm.set_primary_address(*own_address(slot->cfg, status));
            if (slot->ch != nullptr) {
                slot->ch->source = source;
            }
        }
        execute(*slot, slot->fsm.on_interface(now, usable(*slot, &status)));
    }
    commit(vip_cause::role);
}

void vrrp_router::retry_channels(time_point now) {
    channel_retry_.reset();
    for (auto& slot : slots_) {
        const bool vmac_missing = slot->cfg.vmac && slot->vmac_sender == nullptr;
        if ((slot->ch != nullptr && !vmac_missing) || !slot->link) {
            continue;
        }
        open_channel_if_needed(*slot);
        ensure_vmac(*slot);
        if (usable(*slot, &*slot->link)) {
            execute(*slot, slot->fsm.on_interface(now, true));
        }
    }
}

void vrrp_router::schedule_vip_retry(const vip_outcome& outcome) {
    if (outcome.failed == 0) {
        vip_backoff_.reset();
        vip_retry_.reset();
    } else if (!vip_retry_) {
        vip_retry_ = clock_() + vip_backoff_.next();
    }
}

void vrrp_router::on_timer(time_point now) {
    if (channel_retry_ && *channel_retry_ <= now) {
        retry_channels(now);
    }
    if (vip_retry_ && *vip_retry_ <= now) {
        vip_retry_.reset();
        resync_vips();  // re-reads the host's addresses; a new failure schedules the next try
    }
    for (auto& slot : slots_) {
        auto deadline = slot->fsm.next_deadline();
        if (deadline && *deadline <= now) {
            execute(*slot, slot->fsm.on_timer(now));
        }
    }
    commit(vip_cause::role);
}

std::optional<time_point> vrrp_router::next_deadline() const {
    std::optional<time_point> earliest = channel_retry_;
    if (vip_retry_ && (!earliest || *vip_retry_ < *earliest)) {
        earliest = vip_retry_;
    }
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
    shutting_down_ = true;
    for (auto& slot : slots_) {
        execute(*slot, slot->fsm.shutdown(now));
    }
    commit(vip_cause::shutdown);
    remove_vmacs(slots_);
}

std::vector<instance_status> vrrp_router::status() const {
    std::vector<instance_status> out;
    for (const auto& slot : slots_) {
        out.push_back({slot->cfg.name, slot->fsm.current_state(), slot->fsm.priority(),
                       slot->fsm.current_master(), slot->fsm.state_since(), slot->fsm.transitions(),
                       slot->cfg.priority, slot->priority_override, slot->adverts_sent,
                       slot->adverts_received, slot->socket_drops(), slot->cfg.sync_group});
    }
    return out;
}

std::vector<const config::vrrp_instance*> vrrp_router::instances() const {
    std::vector<const config::vrrp_instance*> out;
    for (const auto& slot : slots_) {
        out.push_back(&slot->cfg);
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
                    effects_.transitions.emplace_back(slot.cfg.name, a);
                } else if constexpr (std::is_same_v<type, vrrp::add_vips>) {
                    effects_.entered.push_back(slot.cfg.name);
                    effects_.vips = true;
                } else if constexpr (std::is_same_v<type, vrrp::remove_vips>) {
                    effects_.left.push_back(slot.cfg.name);
                    effects_.vips = true;
                } else if constexpr (std::is_same_v<type, vrrp::send_advert>) {
                    if (slot.ch == nullptr || !slot.ch->source) {
                        return;  // Fault state follows; nothing to send from
                    }
                    queue_advert(slot, a.priority);
                    ++slot.adverts_sent;
                } else if constexpr (std::is_same_v<type, vrrp::send_garp>) {
                    effects_.garp.push_back(slot.cfg.name);
                } else if constexpr (std::is_same_v<type, vrrp::rival_master>) {
                    log_rival(slot, a);
                } else if constexpr (std::is_same_v<type, vrrp::advert_dropped>) {
                    count_drop(a.reason, slot.cfg.name, sender != nullptr ? *sender : ip_address{});
                }
            },
            action);
    }
}

vip_outcome vrrp_router::commit(vip_cause cause) {
    settle_groups(clock_());
    auto effects = std::exchange(effects_, pending_effects{});
    // 1. Adverts before any kernel work (RFC 5798 §6.4.1 and §6.4.2 send one on becoming
    //    Master, §6.4.3 priority 0 on shutdown): peers learn of the new Master, and a third
    //    router restarts its Master_Down_Timer, whatever the services and VIPs below cost.
    flush_adverts();
    for (const auto& [instance, change] : effects.transitions) {
        log_transition(instance, change);
    }
    for (const auto& entry : effects.group_transitions) {
        if (const auto found = std::find_if(groups_.begin(), groups_.end(),
                                            [&](const auto& g) { return g.name == entry.first; });
            found != groups_.end()) {
            log_group_transition(*found, entry.second);
        }
    }
    // 2. Services in before the VIPs: the first packet to a new VIP finds its service. A big
    //    table goes in over the next loop turns; that instance's VIPs wait for it.
    std::set<std::string> told;
    if (ports_.roles != nullptr) {
        for (const auto& instance : effects.entered) {
            if (is_master(instance) && told.insert(instance).second &&
                !ports_.roles->entering_master(instance)) {
                awaiting_services_.insert(instance);
            }
        }
    }
    // 3. The VIPs, converged as a table (vips/reconciler.hpp).
    vip_outcome outcome;
    if (effects.vips || cause != vip_cause::role) {
        outcome = vips_.converge(desired_vips(), cause);
        schedule_vip_retry(outcome);
    }
    // 4. Services out after the VIPs: no packet reaches a VIP whose service is gone.
    for (const auto& instance : effects.left) {
        if (is_master(instance)) {
            continue;
        }
        awaiting_services_.erase(instance);
        if (ports_.roles != nullptr && told.insert(instance).second) {
            ports_.roles->left_master(instance);
        }
    }
    // 5. Announcements once the VIPs exist.
    for (const auto& instance : effects.garp) {
        if (auto* slot = find(instance);
            slot != nullptr && is_master(instance) && awaiting_services_.count(instance) == 0) {
            send_garp(*slot);
        }
    }
    announce_added(outcome.added, effects.garp);
    // 6. Notify hooks last: notify_master runs with its VIPs up, notify_backup with them gone.
    notify(effects.transitions, effects.group_transitions);
    deadlines_changed_();
    return outcome;
}

void vrrp_router::notify(
    const std::vector<std::pair<std::string, vrrp::state_changed>>& transitions,
    const std::vector<std::pair<std::string, vrrp::state_changed>>& group_transitions) {
    auto held = std::exchange(deferred_notify_, {});
    held.insert(held.end(), transitions.begin(), transitions.end());
    for (auto& entry : held) {
        if (awaiting_services_.count(entry.first) > 0) {
            deferred_notify_.push_back(std::move(entry));
        } else if (ports_.transitions != nullptr) {
            ports_.transitions->on_transition(entry.first, entry.second);
        }
    }
    // A group's notify_master runs once every member's VIPs are up, as its members' do.
    auto held_groups = std::exchange(deferred_group_notify_, {});
    held_groups.insert(held_groups.end(), group_transitions.begin(), group_transitions.end());
    for (auto& entry : held_groups) {
        const bool awaiting = std::any_of(
            awaiting_services_.begin(), awaiting_services_.end(), [&](const std::string& name) {
                const auto* slot = find(name);
                return slot != nullptr && slot->cfg.sync_group == entry.first;
            });
        if (awaiting) {
            deferred_group_notify_.push_back(std::move(entry));
        } else if (ports_.transitions != nullptr) {
            ports_.transitions->on_group_transition(entry.first, entry.second);
        }
    }
}

void vrrp_router::services_ready() {
    if (awaiting_services_.empty()) {
        return;
    }
    const auto now = clock_();
    for (const auto& instance : std::exchange(awaiting_services_, {})) {
        if (auto* slot = find(instance); slot != nullptr && is_master(instance)) {
            // The burst that started with the transition went out before the VIPs existed
            // (or not at all): it starts again now that they do.
            execute(*slot, slot->fsm.restart_announcements(now));
        }
    }
    effects_.vips = true;
    commit(vip_cause::role);
}

vrrp_router::instance_slot* vrrp_router::find(const std::string& name) const {
    for (const auto& slot : slots_) {
        if (slot->cfg.name == name) {
            return slot.get();
        }
    }
    return nullptr;
}

bool vrrp_router::is_master(const std::string& name) const {
    return std::any_of(slots_.begin(), slots_.end(), [&](const auto& slot) {
        return slot->cfg.name == name && slot->fsm.current_state() == vrrp::state::master;
    });
}

std::set<vips::address> vrrp_router::desired_vips() const {
    std::set<vips::address> out;
    if (shutting_down_) {
        return out;
    }
    for (const auto& vip : static_vips_) {
        out.insert({*vip.device, vip.prefix});
    }
    for (const auto& slot : slots_) {
        if (slot->fsm.current_state() == vrrp::state::master &&
            awaiting_services_.count(slot->cfg.name) == 0) {
            for (const auto& vip : slot->cfg.vips) {
                out.insert({slot->cfg.device_of(vip), vip.prefix});
            }
        }
    }
    return out;
}

void vrrp_router::configure_vips(const config::daemon_config& config) {
    const auto configured = managed_vips(config);
    std::set<ip_address> sources_excluded;
    for (const auto& where : configured) {
        sources_excluded.insert(where.prefix.address);
    }
    ports_.links.exclude_sources(std::move(sources_excluded));
    vips_.set_configured(configured);
}

void vrrp_router::announce_added(const std::vector<vips::address>& added,
                                 const std::vector<std::string>& announced) {
    if (added.empty()) {
        return;
    }
    const std::set<vips::address> fresh(added.begin(), added.end());
    for (auto& slot : slots_) {
        if (slot->fsm.current_state() != vrrp::state::master ||
            std::find(announced.begin(), announced.end(), slot->cfg.name) != announced.end()) {
            continue;
        }
        std::vector<config::vip> vips;
        for (const auto& vip : slot->cfg.vips) {
            if (fresh.count({slot->cfg.device_of(vip), vip.prefix}) > 0) {
                vips.push_back(vip);
            }
        }
        if (!vips.empty()) {
            send_garp(*slot, vips);
        }
    }
}

void vrrp_router::queue_advert(instance_slot& slot, std::uint8_t priority) {
    const ip_address source = *slot.source();
    if (!slot.last_advert || slot.last_advert->priority != priority ||
        slot.last_advert->source != source) {
        vrrp::advert ad;
        ad.version = slot.cfg.version;
        ad.vrid = slot.cfg.vrid;
        ad.priority = priority;
        ad.interval = slot.cfg.advert_interval;
        ad.password = slot.cfg.auth_pass;
        for (const auto& vip : slot.cfg.vips) {
            ad.addresses.push_back(vip.prefix.address);
        }
        instance_slot::encoded_advert encoded{priority, source, {}};
        for (const auto& destination : slot.destinations()) {
            encoded.copies.push_back(
                {vrrp::encode(ad, source, destination, slot.cfg.v3_checksum), source, destination});
        }
        slot.last_advert = std::move(encoded);
    }
    // A VMAC's adverts leave from it, with the virtual router MAC (RFC 5798 §7.3); they are
    // still heard on the interface's channel.
    auto& pending = slot.vmac_sender ? slot.vmac_pending : slot.ch->pending;
    pending.insert(pending.end(), slot.last_advert->copies.begin(), slot.last_advert->copies.end());
}

void vrrp_router::flush_adverts() {
    for (auto& [key, ch] : channels_) {
        send_pending(*ch->socket, ch->pending, ch->interface);
    }
    for (auto& slot : slots_) {
        if (slot != nullptr) {  // a reload moves some out while it rebuilds
            flush_vmac_adverts(*slot);
        }
    }
}

void vrrp_router::flush_vmac_adverts(instance_slot& slot) {
    if (!slot.vmac_sender) {
        return;
    }
    // An IPv6 VMAC comes up before a new Master's first advert leaves from it, and goes down
    // only after a leaving Master's last one (its priority-0 advert on shutdown or demotion).
    const bool ipv6 = slot.cfg.family() == address_family::ipv6;
    const bool master = slot.fsm.current_state() == vrrp::state::master;
    if (ipv6 && master && !slot.vmac_active) {
        set_vmac_active(slot, true);
    }
    send_pending(*slot.vmac_sender, slot.vmac_pending, *slot.cfg.vmac);
    if (ipv6 && !master && slot.vmac_active) {
        set_vmac_active(slot, false);
    }
}

void vrrp_router::set_vmac_active(instance_slot& slot, bool active) {
    const auto& name = *slot.cfg.vmac;
    const auto source = slot.ch != nullptr ? slot.ch->source : std::nullopt;
    std::error_code error;
    if (active) {
        error = source ? ports_.vmacs->activate(name, *source)
                       : std::make_error_code(std::errc::address_not_available);
    } else {
        error = ports_.vmacs->deactivate(name);
    }
    if (error) {
        // Tried again at every commit (a Master's adverts, each packet heard): said once loudly.
        logs_.vrrp().log(slot.vmac_switch_failures == 0 ? spdlog::level::err : spdlog::level::debug,
                         "{}: cannot bring its VMAC {} {}: {}; retrying", slot.cfg.name, name,
                         active ? "up" : "down", error.message());
        ++slot.vmac_switch_failures;
        return;
    }
    slot.vmac_switch_failures = 0;
    slot.vmac_active = active;
}

void vrrp_router::send_pending(net::advert_channel& socket,
                               std::vector<net::outgoing_advert>& pending,
                               const std::string& interface) {
    if (pending.empty()) {
        return;
    }
    if (auto error = socket.send(pending)) {
        if (const auto verdict = send_log_limit_.admit(clock_()); verdict.allowed) {
            logs_.pkt().warn(
                "sending {} advert(s) on {} failed: {}{}", pending.size(), interface,
                error.message(),
                verdict.suppressed_before > 0
                    ? fmt::format(" ({} more failed sends not logged)", verdict.suppressed_before)
                    : std::string());
        }
    }
    pending.clear();
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

void vrrp_router::send_garp(instance_slot& slot) {
    send_garp(slot, slot.cfg.vips);
}

void vrrp_router::send_garp(instance_slot& slot, const std::vector<config::vip>& vips) {
    for (const auto& vip : vips) {
        const auto& link = announce_link(slot.cfg, vip);
        const auto& status = link == slot.cfg.interface ? slot.link : announce_links_[link];
        if (!status) {
            continue;  // not there (yet): its notification brings the MAC, the next burst uses it
        }
        const auto& address = vip.prefix.address;
        auto frame = address.is_v4() ? net::frames::gratuitous_arp(status->mac, address)
                                     : net::frames::unsolicited_na(status->mac, address,
                                                                   status->ipv6_forwarding);
        if (auto error = ports_.frames.send(link, frame)) {
            auto& logger = address.is_v4() ? logs_.arp() : logs_.ndisc();
            logger.warn("{}: announcing {} on {} failed: {}", slot.cfg.name, address.to_string(),
                        link, error.message());
        }
    }
}

void vrrp_router::log_rival(const instance_slot& slot, const vrrp::rival_master& rival) {
    const auto verdict = rival_log_limit_.admit(clock_());
    if (!verdict.allowed) {
        return;
    }
    logs_.vrrp().info(
        "{}: {} also advertises itself as Master, with priority {} (ours {}): "
        "answering with an advert so it yields{}{}",
        slot.cfg.name, rival.peer.to_string(), rival.priority, slot.fsm.priority(),
        rival.announced ? ", and announcing the VIPs again so the hosts' neighbour entries come "
                          "back to us"
                        : " (the VIPs were announced again less than a second ago)",
        verdict.suppressed_before > 0
            ? fmt::format(" ({} more not logged)", verdict.suppressed_before)
            : std::string());
}

void vrrp_router::log_group_transition(const group_view& group, const vrrp::state_changed& change) {
    // The members' states say why: the one in FAULT, or which are still BACKUP.
    std::string members;
    for (const auto& name : group.members) {
        if (const auto* slot = find(name); slot != nullptr) {
            members += fmt::format("{}{} {}", members.empty() ? "" : ", ", name,
                                   vrrp::to_string(slot->fsm.current_state()));
        }
    }
    const auto from = vrrp::to_string(change.from);
    const auto to = vrrp::to_string(change.to);
    logs_.emit(logs_.vrrp(), spdlog::level::info,
               fmt::format("sync group {}: {} -> {} ({})", group.name, from, to, members),
               {{"VIPD_SYNC_GROUP", group.name},
                {"VIPD_FROM", std::string(from)},
                {"VIPD_TO", std::string(to)}});
}

void vrrp_router::log_transition(const std::string& instance, const vrrp::state_changed& change) {
    const auto from = vrrp::to_string(change.from);
    const auto to = vrrp::to_string(change.to);
    const auto reason = std::string(vrrp::to_string(change.reason)) + peer_suffix(change);
    const auto message =
        fmt::format("{}: {} -> {} ({}; priority {})", instance, from, to, reason, change.priority);
    logs_.emit(logs_.vrrp(), spdlog::level::info, message,
               {{"VIPD_INSTANCE", instance},
                {"VIPD_FROM", std::string(from)},
                {"VIPD_TO", std::string(to)},
                {"VIPD_REASON", reason},
                {"VIPD_PRIORITY", std::to_string(change.priority)}});
}

}  // namespace vipd::daemon
