#include "vipd/vrrp/instance.hpp"

#include <algorithm>
#include <utility>

#include "vipd/vrrp/timers.hpp"

namespace vipd::vrrp {

namespace {
// A rival Master that cannot hear us sends an advert every interval; a burst per second of them
// is enough to keep the hosts' neighbour entries on us.
constexpr microseconds k_rival_announce_spacing = std::chrono::seconds(1);
}  // namespace

std::string_view to_string(state s) noexcept {
    switch (s) {
        case state::initialize:
            return "INIT";
        case state::backup:
            return "BACKUP";
        case state::master:
            return "MASTER";
        case state::fault:
            return "FAULT";
    }
    return "UNKNOWN";
}

std::string_view to_string(transition_reason reason) noexcept {
    switch (reason) {
        case transition_reason::startup:
            return "startup";
        case transition_reason::address_owner:
            return "address owner";
        case transition_reason::master_down_timer:
            return "master down timer expired";
        case transition_reason::higher_priority_advert:
            return "higher priority advert";
        case transition_reason::interface_down:
            return "interface down";
        case transition_reason::interface_up:
            return "interface up";
        case transition_reason::shutdown:
            return "shutdown";
        case transition_reason::sync_group:
            return "sync group";
    }
    return "unknown";
}

instance::instance(instance_config config)
    : config_(std::move(config)),
      priority_(config_.priority),
      master_adver_interval_(config_.advert_interval) {}

void instance::set_primary_address(const ip_address& address) {
    primary_ = address;
}

// ---- events ----

actions instance::start(time_point now, bool interface_usable, transition_reason why) {
    actions out;
    if (state_ != state::initialize) {
        return out;  // already running: a second start is a no-op
    }
    if (!interface_usable) {
        change_state(now, state::fault, why, out);
        return out;
    }
    // RFC 5798 §6.4.1: the address owner goes straight to Master, everyone else to Backup.
    if (priority_ == k_owner_priority) {
        become_master(now, transition_reason::address_owner, out);
    } else {
        become_backup(now, transition_reason::startup, out);
    }
    return out;
}

actions instance::on_advert(time_point now, const advert& ad, const ip_address& source) {
    actions out;
    // Initialize and Fault do not listen (RFC 5798 §6.4.1; Fault is Initialize with a reason).
    if (state_ != state::backup && state_ != state::master) {
        return out;
    }
    if (auto reason = receive_check(ad, source)) {
        out.push_back(advert_dropped{*reason});
        return out;
    }
    if (state_ == state::backup) {
        backup_on_advert(now, ad, source, out);
    } else {
        master_on_advert(now, ad, source, out);
    }
    return out;
}

actions instance::on_timer(time_point now) {
    actions out;
    // Only one state's timers are ever armed; a call before anything is due does nothing.
    if (state_ == state::backup && master_down_timer_ && *master_down_timer_ <= now) {
        // RFC 5798 §6.4.2: Master_Down_Timer fired. A sync group member asks its group first;
        // its timer runs again so that it keeps wanting while no Master is heard.
        if (config_.group_member) {
            wants_master_ = true;
            arm_master_down(now, false);
        } else {
            become_master(now, transition_reason::master_down_timer, out);
        }
    }
    if (state_ == state::master) {
        if (adver_timer_ && *adver_timer_ <= now) {
            fire_adver(now, out);
        }
        if (garp_timer_ && *garp_timer_ <= now) {
            fire_garp(now, out);
        }
    }
    return out;
}

actions instance::on_interface(time_point now, bool usable) {
    return on_interface(
        now, usable, usable ? transition_reason::interface_up : transition_reason::interface_down);
}

actions instance::on_interface(time_point now, bool usable, transition_reason why) {
    actions out;
    if (!usable) {
        if (state_ == state::backup || state_ == state::master) {
            const bool was_master = state_ == state::master;
            change_state(now, state::fault, why, out);
            if (was_master) {
                if (why == transition_reason::sync_group) {
                    out.push_back(send_advert{k_resign_priority});
                }
                out.push_back(remove_vips{});
            }
        }
        return out;
    }
    if (state_ == state::fault) {
        // Leaving Fault is leaving Initialize again (RFC 5798 §6.4.1).
        if (priority_ == k_owner_priority) {
            become_master(now, transition_reason::address_owner, out);
        } else {
            become_backup(now, why, out);
        }
    }
    return out;
}

actions instance::join_group_master(time_point now) {
    actions out;
    if (state_ == state::backup && wants_master_) {
        become_master(now, transition_reason::master_down_timer, out);
    }
    return out;
}

actions instance::leave_master_with_group(time_point now) {
    actions out;
    if (state_ == state::master) {
        out.push_back(send_advert{k_resign_priority});
        become_backup(now, transition_reason::sync_group, out);
    }
    return out;
}

actions instance::set_priority(time_point now, std::uint8_t priority) {
    actions out;
    // Owning the addresses is a configuration fact: tracking neither demotes an owner nor
    // promotes anyone to owner. 0 is reserved for resigning (RFC 5798 §5.2.4).
    if (config_.priority == k_owner_priority) {
        return out;
    }
    priority = std::clamp<std::uint8_t>(priority, 1, k_owner_priority - 1);
    if (priority == priority_) {
        return out;
    }
    const bool lowering = priority < priority_;
    priority_ = priority;
    if (state_ == state::master && lowering) {
        // Tell the backups now so one with preemption can take over without waiting for the
        // next scheduled advert.
        out.push_back(send_advert{priority_});
        adver_timer_ = now + config_.advert_interval;
    } else if (state_ == state::backup && master_down_timer_) {
        // Skew_Time depends on our priority (RFC 5798 §6.1): re-derive the running timer.
        arm_master_down(master_down_armed_at_, master_down_skew_only_);
    }
    return out;
}

actions instance::reconfigure(time_point now, instance_config next) {
    actions out;
    const bool adverts_change =
        next.vips != config_.vips || next.advert_interval != config_.advert_interval;
    const bool interval_changed = next.advert_interval != config_.advert_interval;
    config_ = std::move(next);
    switch (state_) {
        case state::master:
            master_adver_interval_ = config_.advert_interval;
            if (adverts_change) {
                out.push_back(send_advert{priority_});
                adver_timer_ = now + config_.advert_interval;
            }
            break;
        case state::backup:
            // v2 peers must all use the configured interval (RFC 3768 §7.1); a v3 backup keeps
            // the interval it learned from the master until the master's next advert.
            if (config_.version == version::v2 && interval_changed) {
                master_adver_interval_ = config_.advert_interval;
                if (master_down_timer_) {
                    arm_master_down(master_down_armed_at_, master_down_skew_only_);
                }
            }
            if (!config_.preempt || config_.preempt_delay == microseconds::zero()) {
                preempt_hold_until_.reset();
            }
            break;
        case state::initialize:
        case state::fault:
            master_adver_interval_ = config_.advert_interval;
            break;
    }
    return out;
}

actions instance::restart_announcements(time_point now) {
    actions out;
    if (state_ != state::master) {
        return out;
    }
    arm_garp(now);
    if (garp_timer_ && *garp_timer_ <= now) {
        fire_garp(now, out);
    }
    return out;
}

actions instance::shutdown(time_point now) {
    actions out;
    switch (state_) {
        case state::initialize:
            break;
        case state::master:
            // RFC 5798 §6.4.3 Shutdown: advertise priority 0 so a backup takes over after its
            // Skew_Time instead of a full Master_Down_Interval.
            change_state(now, state::initialize, transition_reason::shutdown, out);
            out.push_back(send_advert{k_resign_priority});
            out.push_back(remove_vips{});
            break;
        case state::backup:
        case state::fault:
            change_state(now, state::initialize, transition_reason::shutdown, out);
            break;
    }
    return out;
}

std::optional<time_point> instance::next_deadline() const noexcept {
    std::optional<time_point> earliest;
    for (const auto& timer : {adver_timer_, master_down_timer_, garp_timer_}) {
        if (timer && (!earliest || *timer < *earliest)) {
            earliest = timer;
        }
    }
    return earliest;
}

// ---- state changes ----

void instance::change_state(time_point now, state to, transition_reason reason, actions& out,
                            const ip_address* peer, std::optional<std::uint8_t> peer_priority) {
    state_changed change{state_, to, reason, priority_, std::nullopt, peer_priority};
    if (peer != nullptr) {
        change.peer = *peer;
    }
    out.push_back(std::move(change));
    state_ = to;
    since_ = now;
    ++transitions_;
    wants_master_ = false;
    // Every state arms its own timers on entry; nothing survives a transition.
    cancel_timers();
    master_.reset();
}

void instance::become_master(time_point now, transition_reason reason, actions& out,
                             const ip_address* peer, std::optional<std::uint8_t> peer_priority) {
    change_state(now, state::master, reason, out, peer, peer_priority);
    master_adver_interval_ = config_.advert_interval;
    preempt_hold_until_.reset();
    // The Master we preempt yields with one last advert: no rival, and our burst is fresh.
    rival_answered_ = now;
    rival_announced_ = now;
    // RFC 5798 §6.4.1 / §6.4.2: send an advert, announce the addresses, set Adver_Timer. The
    // driver sends the advert before any kernel work (vrrp_router::commit), whatever the
    // order here: a slow IPVS table must not let a third router's timer expire.
    out.push_back(add_vips{});
    out.push_back(send_advert{priority_});
    adver_timer_ = now + config_.advert_interval;
    arm_garp(now);
    if (garp_timer_ && *garp_timer_ <= now) {
        fire_garp(now, out);
    }
}

void instance::become_backup(time_point now, transition_reason reason, actions& out,
                             const ip_address* peer, std::optional<std::uint8_t> peer_priority) {
    const bool was_master = state_ == state::master;
    change_state(now, state::backup, reason, out, peer, peer_priority);
    if (was_master) {
        out.push_back(remove_vips{});
    }
    if (peer != nullptr) {
        master_ = *peer;
    } else {
        // Fresh start (or back from Fault), RFC 5798 §6.4.1: Master_Adver_Interval =
        // Advertisement_Interval; keepalived also starts the preempt delay here.
        master_adver_interval_ = config_.advert_interval;
        if (config_.preempt_delay > microseconds::zero()) {
            preempt_hold_until_ = now + config_.preempt_delay;
        }
    }
    arm_master_down(now, false);
}

void instance::cancel_timers() noexcept {
    adver_timer_.reset();
    master_down_timer_.reset();
    garp_timer_.reset();
    garp_rounds_left_ = 0;
    second_burst_.reset();
}

// ---- timers ----

void instance::arm_master_down(time_point now, bool skew_only) {
    master_down_armed_at_ = now;
    master_down_skew_only_ = skew_only;
    const auto wait =
        skew_only ? skew_time(config_.version, priority_, master_adver_interval_)
                  : master_down_interval(config_.version, priority_, master_adver_interval_);
    master_down_timer_ = now + wait;
}

void instance::fire_adver(time_point now, actions& out) {
    // RFC 5798 §6.4.3: Adver_Timer fired. The next one keeps the cadence of the schedule, not of
    // the (possibly late) call, but never tries to catch up on missed adverts in a burst.
    out.push_back(send_advert{priority_});
    const microseconds period{config_.advert_interval};
    auto next = *adver_timer_ + period;
    if (next <= now) {
        next = now + period;
    }
    adver_timer_ = next;
}

void instance::arm_garp(time_point now) {
    const auto& garp = config_.garp;
    garp_rounds_left_ = garp.repeat;
    second_burst_.reset();
    if (garp.second_delay > microseconds::zero() && garp.second_repeat > 0) {
        second_burst_ = now + garp.second_delay;
    }
    if (garp.repeat > 0) {
        garp_timer_ = now + garp.delay;
    } else if (second_burst_) {
        garp_timer_ = second_burst_;
    } else if (garp.refresh > microseconds::zero()) {
        garp_timer_ = now + garp.delay + garp.refresh;
    } else {
        garp_timer_.reset();
    }
}

void instance::fire_garp(time_point now, actions& out) {
    const auto& garp = config_.garp;
    const auto due = *garp_timer_;
    if (garp_rounds_left_ == 0 && second_burst_ && due >= *second_burst_) {
        garp_rounds_left_ = garp.second_repeat;
        second_burst_.reset();
    }
    out.push_back(send_garp{});
    if (garp_rounds_left_ > 0) {
        --garp_rounds_left_;
    }
    // A zero spacing means "all at once": send the rest of the burst now rather than arming a
    // timer that is already due and making the driver spin.
    while (garp_rounds_left_ > 0 && garp.interval <= microseconds::zero()) {
        out.push_back(send_garp{});
        --garp_rounds_left_;
    }
    microseconds period{};
    if (garp_rounds_left_ > 0) {
        period = garp.interval;
    } else if (second_burst_) {
        // Not before its time, and not before the first burst's spacing has passed.
        garp_timer_ = std::max({*second_burst_, due + garp.interval, now});
        return;
    } else if (garp.refresh > microseconds::zero()) {
        period = garp.refresh;
    } else {
        garp_timer_.reset();
        return;
    }
    auto next = due + period;
    if (next <= now) {
        next = now + period;
    }
    garp_timer_ = next;
}

// ---- adverts ----

std::optional<drop_reason> instance::receive_check(const advert& ad,
                                                   const ip_address& source) const {
    // Our own multicast looped back (or a peer misconfigured with our address): never let it
    // count as a master.
    if (primary_ && source == *primary_) {
        return drop_reason::own_packet;
    }
    if (ad.version != config_.version) {
        return drop_reason::version_mismatch;
    }
    // The driver demultiplexes by VRID; this only guards against a driver bug.
    if (ad.vrid != config_.vrid) {
        return drop_reason::unknown_vrid;
    }
    if (config_.version == version::v2) {
        // RFC 2338 §5.3.6.1: auth type and password must both match ours.
        if (ad.password != config_.password) {
            return drop_reason::auth_mismatch;
        }
        // RFC 3768 §7.1: Adver Interval must match the locally configured one.
        if (ad.interval != config_.advert_interval) {
            return drop_reason::interval_mismatch;
        }
    }
    // A differing address list is accepted: RFC 5798 §7.1 only says the router MAY log it.
    return std::nullopt;
}

void instance::learn_interval(const advert& ad) noexcept {
    // RFC 5798 §6.4.2/§6.4.3: a v3 backup adopts the master's interval. v2 has no such field
    // semantics (RFC 3768 requires equal intervals). A zero interval would make the down timer
    // zero and every backup a master, so it is not learned.
    if (config_.version == version::v3 && ad.interval > centiseconds::zero()) {
        master_adver_interval_ = ad.interval;
    }
}

void instance::backup_on_advert(time_point now, const advert& ad, const ip_address& source,
                                actions& /*out*/) {
    // RFC 5798 §6.4.2: the master resigned; take over after Skew_Time so the best backup wins.
    if (ad.priority == k_resign_priority) {
        master_.reset();
        arm_master_down(now, true);
        return;
    }
    bool accept = false;
    if (ad.priority >= priority_) {
        accept = true;
        // A master at least as good as us ends any preempt delay in progress (keepalived).
        preempt_hold_until_.reset();
    } else if (!config_.preempt) {
        accept = true;
    } else if (config_.preempt_delay > microseconds::zero()) {
        // keepalived's preempt_delay: tolerate a lower-priority master until the delay, counted
        // from start or from first seeing such a master, has run out.
        if (!preempt_hold_until_) {
            preempt_hold_until_ = now + config_.preempt_delay;
        }
        accept = now < *preempt_hold_until_;
    }
    // Discarded or not, this is who is master on the wire.
    master_ = source;
    if (accept) {
        learn_interval(ad);
        arm_master_down(now, false);
        wants_master_ = false;
    }
    // Otherwise discard (RFC 5798 §6.4.2): our Master_Down_Timer runs out and we preempt.
}

void instance::master_on_advert(time_point now, const advert& ad, const ip_address& source,
                                actions& out) {
    // RFC 5798 §6.4.3: a priority-0 advert means a master is leaving; answer at once so backups
    // do not take over. Once per advert interval: the answer already told every backup, and a
    // flood of them (spoofed) must not be reflected one for one.
    if (ad.priority == k_resign_priority) {
        if (resign_answered_ && now - *resign_answered_ < config_.advert_interval) {
            out.push_back(advert_dropped{drop_reason::resign_flood});
            return;
        }
        resign_answered_ = now;
        out.push_back(send_advert{priority_});
        adver_timer_ = now + config_.advert_interval;
        return;
    }
    // RFC 5798 §6.4.3: yield to a higher priority, or to an equal one from a higher primary
    // address. Without a known primary address of our own we cannot win a tie, so we yield.
    const bool better =
        ad.priority > priority_ || (ad.priority == priority_ && (!primary_ || *primary_ < source));
    if (!better) {
        answer_rival(now, ad, source, out);
        return;
    }
    learn_interval(ad);
    // Not in RFC 5798: one last advert at our priority as we yield. After a partition heals,
    // the better Master may be heard first, and it would never learn that we were Master for
    // the hosts meanwhile; this advert makes it a rival it answers with a GARP burst. Any
    // receiver already copes with it: an advert in flight as we yield looks the same.
    out.push_back(send_advert{priority_});
    become_backup(now, transition_reason::higher_priority_advert, out, &source, ad.priority);
}

void instance::answer_rival(time_point now, const advert& ad, const ip_address& source,
                            actions& out) {
    // RFC 5798 §6.4.3 only discards this advert, and the rival yields at our next one. But the
    // hosts on the link learnt the VIPs at the rival while it was cut off (or we were stopped),
    // and nothing else moves their neighbour entries back before they expire (30 s and more):
    // like keepalived (garp_lower_prio_repeat), answer with an advert now and announce the
    // VIPs again. Once per advert interval, and a burst at most once a second, so a rival that
    // cannot hear us (a one-way link) is not answered in a storm.
    if (rival_answered_ && now - *rival_answered_ < config_.advert_interval) {
        return;
    }
    rival_answered_ = now;
    const bool announce = !rival_announced_ || now - *rival_announced_ >= k_rival_announce_spacing;
    out.push_back(rival_master{source, ad.priority, announce});
    out.push_back(send_advert{priority_});
    adver_timer_ = now + config_.advert_interval;
    if (!announce) {
        return;
    }
    rival_announced_ = now;
    arm_garp(now);
    if (garp_timer_ && *garp_timer_ <= now) {
        fire_garp(now, out);
    }
}

}  // namespace vipd::vrrp
