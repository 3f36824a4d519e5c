#include "vipd/net/linux/rtnl_link_monitor.hpp"

#include <cerrno>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "rtnl_netlink.hpp"
#include "vipd/net/linux/rtnl_addresses.hpp"

namespace vipd::net::linux {

namespace {

// Large enough for any single rtnetlink notification (one link or address per datagram).
constexpr std::size_t k_receive_buffer = 64 * 1024;
// Kernel-side queue for notification bursts (e.g. hundreds of VIPs added at once); an overrun
// is survivable (full re-read) but costs a dump.
constexpr int k_socket_buffer = 1024 * 1024;

/// How long after a failed re-read (ENOBUFS, ENOMEM) the monitor tries again by itself.
constexpr std::chrono::milliseconds k_refresh_retry{500};

link_status compute_status(const detail::link_record& link,
                           const std::vector<detail::address_record>& addresses,
                           const std::set<ip_address>& excluded) {
    link_status status;
    status.name = link.name;
    status.index = link.index;
    status.up = (link.flags & IFF_UP) != 0U && (link.flags & IFF_RUNNING) != 0U;
    status.mac = link.mac;
    status.ipv6_forwarding = link.ipv6_forwarding;
    std::optional<ip_address> first_secondary_v4;
    for (const auto& record : addresses) {
        if (record.index != link.index || record.protocol == k_vipd_address_protocol ||
            excluded.count(record.address) > 0) {
            continue;
        }
        if (record.address.is_v4()) {
            if ((record.flags & IFA_F_SECONDARY) == 0U) {
                if (!status.primary_v4) {
                    status.primary_v4 = record.address;
                }
            } else if (!first_secondary_v4) {
                first_secondary_v4 = record.address;
            }
        } else if (record.address.is_link_local_v6() && !status.link_local_v6 &&
                   (record.flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED)) == 0U) {
            status.link_local_v6 = record.address;
        }
    }
    if (!status.primary_v4) {
        status.primary_v4 = first_secondary_v4;
    }
    return status;
}

void throw_if(const std::error_code& error, const char* what) {
    if (error) {
        throw std::system_error(error, what);
    }
}

std::error_code libnl_error(int code) {
    return {detail::errno_from_libnl(code), std::system_category()};
}

/// The notification socket: subscribed before anything is read, so no change between the
/// baseline query and the first notification can be missed.
detail::nl_sock_ptr open_event_socket() {
    detail::nl_sock_ptr sock(nl_socket_alloc());
    if (!sock) {
        throw std::system_error(ENOMEM, std::system_category(), "rtnl_link_monitor: socket");
    }
    // Notifications carry sequence number 0; libnl's strict check would reject them.
    nl_socket_disable_seq_check(sock.get());
    int rc = nl_connect(sock.get(), NETLINK_ROUTE);
    if (rc >= 0) {
        rc = nl_socket_add_memberships(sock.get(), RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR,
                                       RTNLGRP_IPV6_IFADDR, 0);
    }
    if (rc >= 0) {
        rc = nl_socket_set_nonblocking(sock.get());
    }
    if (rc >= 0) {
        rc = nl_socket_set_buffer_size(sock.get(), k_socket_buffer, 0);
    }
    throw_if(rc < 0 ? libnl_error(rc) : std::error_code{},
             "rtnl_link_monitor: cannot subscribe to rtnetlink notifications");
    return sock;
}

int duplicate_fd(nl_sock* sock) {
    // Asio closes the descriptor it owns and libnl closes its own: each gets its own fd.
    const int fd = fcntl(nl_socket_get_fd(sock), F_DUPFD_CLOEXEC, 0);
    if (fd < 0) {
        throw std::system_error(errno, std::system_category(), "rtnl_link_monitor: dup");
    }
    return fd;
}

}  // namespace

rtnl_link_monitor::rtnl_link_monitor(asio::io_context& io)
    : events_(open_event_socket()),
      descriptor_(io, duplicate_fd(events_.get())),
      buffer_(k_receive_buffer),
      retry_timer_(io) {
    throw_if(detail::open_request_socket(requests_),
             "rtnl_link_monitor: cannot open a NETLINK_ROUTE socket");
    arm();
}

rtnl_link_monitor::~rtnl_link_monitor() {
    alive_.reset();
    retry_timer_.cancel();
    boost::system::error_code ignored;
    descriptor_.close(ignored);
}

std::optional<link_status> rtnl_link_monitor::status(const std::string& interface) {
    detail::link_record link;
    if (detail::get_link(requests_.get(), interface, link)) {
        return std::nullopt;
    }
    std::vector<detail::address_record> addresses;
    if (detail::dump_addresses(requests_.get(), addresses)) {
        return std::nullopt;
    }
    if (watched_.contains(interface)) {
        // Fresher than what the notifications built so far, which go on from here.
        std::erase_if(addresses, [&](const auto& a) { return a.index != link.index; });
        known_[link.index] = known_link{link, addresses};
    }
    return compute_status(link, addresses, excluded_);
}

void rtnl_link_monitor::watch(const std::string& interface, handler on_change) {
    auto [entry, inserted] = watched_.try_emplace(interface);
    if (inserted) {
        entry->second.last = status(interface);  // also what the notifications start from
    }
    entry->second.handlers.push_back(std::move(on_change));
}

void rtnl_link_monitor::arm() {
    std::weak_ptr<int> alive = alive_;
    descriptor_.async_wait(asio::posix::stream_descriptor::wait_read,
                           [this, alive](const boost::system::error_code& error) {
                               // Aborted (closed) or destroyed: `this` may be gone.
                               if (error || alive.expired()) {
                                   return;
                               }
                               if (drain() || refresh_pending_) {
                                   refresh();
                               }
                               if (!alive.expired()) {
                                   arm();
                               }
                           });
}

bool rtnl_link_monitor::drain() {
    bool reread = false;
    std::set<std::string> changed;
    for (;;) {
        sockaddr_nl sender{};
        socklen_t sender_size = sizeof(sender);
        const ssize_t received =
            recvfrom(descriptor_.native_handle(), buffer_.data(), buffer_.size(), MSG_DONTWAIT,
                     reinterpret_cast<sockaddr*>(&sender), &sender_size);
        if (received < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == ENOBUFS) {
                // The kernel dropped notifications: what changed is unknown, re-read it all.
                ++overruns_;
                reread = true;
                continue;
            }
            break;  // EAGAIN: drained
        }
        if (sender.nl_pid != 0) {
            continue;  // only the kernel speaks on these groups
        }
        auto remaining = static_cast<int>(received);
        for (auto* header = reinterpret_cast<nlmsghdr*>(buffer_.data());
             remaining > 0 && NLMSG_OK(header, static_cast<unsigned>(remaining));
             header = NLMSG_NEXT(header, remaining)) {
            reread = apply(header, changed) || reread;
        }
    }
    if (!reread) {
        report(changed);
    }
    return reread;
}

bool rtnl_link_monitor::apply(const nlmsghdr* header, std::set<std::string>& changed) {
    switch (header->nlmsg_type) {
        case RTM_NEWLINK: {
            detail::link_record link;
            if (!detail::parse_link(header, link)) {
                return false;
            }
            const auto known = known_.find(link.index);
            if (known != known_.end()) {
                // Its state, or its name: a rename away stops what this index tells us.
                changed.insert(known->second.link.name);
                changed.insert(link.name);
                if (watched_.contains(link.name)) {
                    known->second.link = link;
                } else {
                    known_.erase(known);
                }
                return false;
            }
            // A watched name on a link not known yet (created, or renamed to it): the addresses
            // it may already carry are unknown.
            return watched_.contains(link.name);
        }
        case RTM_DELLINK: {
            if (header->nlmsg_len < NLMSG_LENGTH(sizeof(ifinfomsg))) {
                return false;
            }
            const auto* info = static_cast<const ifinfomsg*>(NLMSG_DATA(header));
            if (const auto known = known_.find(info->ifi_index); known != known_.end()) {
                changed.insert(known->second.link.name);
                known_.erase(known);
            }
            return false;
        }
        case RTM_NEWADDR:
        case RTM_DELADDR: {
            detail::address_record address;
            if (!detail::parse_address(header, address)) {
                return false;
            }
            const auto known = known_.find(address.index);
            if (known == known_.end()) {
                return false;  // another interface's address: nothing to do
            }
            auto& addresses = known->second.addresses;
            std::erase_if(addresses, [&](const detail::address_record& a) {
                return a.address == address.address && a.prefix_length == address.prefix_length;
            });
            if (header->nlmsg_type == RTM_NEWADDR) {
                addresses.push_back(address);
            }
            changed.insert(known->second.link.name);
            return false;
        }
        default:
            return false;
    }
}

void rtnl_link_monitor::refresh() {
    ++full_reads_;
    std::vector<detail::link_record> links;
    std::vector<detail::address_record> addresses;
    if (detail::dump_links(requests_.get(), links) ||
        detail::dump_addresses(requests_.get(), addresses)) {
        // Rather than report a half-read state, try again on the next notification or the
        // retry timer, whichever comes first.
        refresh_pending_ = true;
        retry_refresh_later();
        return;
    }
    refresh_pending_ = false;
    known_.clear();
    for (const auto& link : links) {
        if (watched_.contains(link.name)) {
            known_[link.index].link = link;
        }
    }
    for (const auto& address : addresses) {
        if (const auto known = known_.find(address.index); known != known_.end()) {
            known->second.addresses.push_back(address);
        }
    }
    std::set<std::string> every;
    for (const auto& [name, entry] : watched_) {
        every.insert(name);
    }
    report(every);
}

void rtnl_link_monitor::report(const std::set<std::string>& names) {
    std::vector<std::pair<link_status, std::vector<handler>>> changes;
    for (const auto& name : names) {
        const auto entry = watched_.find(name);
        if (entry == watched_.end()) {
            continue;
        }
        std::optional<link_status> now;
        for (const auto& [index, known] : known_) {
            if (known.link.name == name) {
                now = compute_status(known.link, known.addresses, excluded_);
                break;
            }
        }
        if (now == entry->second.last) {
            continue;
        }
        entry->second.last = now;
        // Disappearance is reported as a down link with no index.
        link_status reported;
        if (now) {
            reported = *now;
        } else {
            reported.name = name;
        }
        changes.emplace_back(std::move(reported), entry->second.handlers);
    }
    // Handlers may call watch(), which changes watched_: call them from copies.
    std::weak_ptr<int> alive = alive_;
    for (const auto& [status, handlers] : changes) {
        for (const auto& on_change : handlers) {
            if (alive.expired()) {
                return;
            }
            on_change(status);
        }
    }
}

void rtnl_link_monitor::retry_refresh_later() {
    std::weak_ptr<int> alive = alive_;
    retry_timer_.expires_after(k_refresh_retry);
    retry_timer_.async_wait([this, alive](const boost::system::error_code& error) {
        if (!error && !alive.expired() && refresh_pending_) {
            refresh();
        }
    });
}

}  // namespace vipd::net::linux
