#pragma once
/// link_monitor on rtnetlink multicast: the kernel pushes link and address changes, the monitor
/// re-reads the interfaces it watches and reports the ones whose status changed.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "vipd/io/asio.hpp"
#include "vipd/net/linux/rtnl_records.hpp"
#include "vipd/net/linux/rtnl_socket.hpp"
#include "vipd/net/ports.hpp"

struct nlmsghdr;

namespace vipd::net::linux {

/// Listens on RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR and RTNLGRP_IPV6_IFADDR in the network namespace
/// the constructing thread is in. Each notification about a watched interface (its link, or an
/// address on it) updates what the monitor knows of it; those about other interfaces cost a
/// parse and nothing else, so a host with thousands of links and addresses churning (containers,
/// VIPs coming and going) never costs a dump of its tables on the event loop. Only a lost
/// notification (socket overrun, ENOBUFS) or a watched name appearing on a link the monitor
/// knows nothing of costs a re-read: a link dump and an address dump.
///
/// The status it reports:
/// - up: IFF_UP && IFF_RUNNING. The kernel sets IFF_RUNNING when the operstate is UP or UNKNOWN
///   (lo, and drivers that report no operstate), which is the "can carry traffic" answer we want;
///   a veth is RUNNING only once its peer is up too.
/// - primary_v4: the first IPv4 address that is not a VIP (neither carrying
///   k_vipd_address_protocol nor named by exclude_sources) and is not IFA_F_SECONDARY. If every
///   such address is secondary (a VIP in the same subnet was added before the real address),
///   the first such secondary, so a VIP is never the source.
/// - link_local_v6: the first fe80::/10 address that is not a VIP (VRRPv3 IPv6 VIPs are often
///   link-local) nor tentative / dadfailed, i.e. one the kernel will let us send from.
///
/// A failed re-read is retried on a timer (k_refresh_retry), not only on the next notification,
/// which may never come.
///
/// Single-threaded: call it and run the io_context on one thread. Handlers run on that
/// io_context and may call watch() and status().
class rtnl_link_monitor final : public link_monitor {
  public:
    /// Opens the event and request sockets and starts waiting for notifications; throws
    /// std::system_error if a socket cannot be opened (startup only).
    explicit rtnl_link_monitor(asio::io_context& io);
    ~rtnl_link_monitor() override;
    rtnl_link_monitor(const rtnl_link_monitor&) = delete;
    rtnl_link_monitor& operator=(const rtnl_link_monitor&) = delete;

    /// Reads the interface now (two netlink requests); nullopt if it does not exist or the kernel
    /// could not be asked.
    std::optional<link_status> status(const std::string& interface) override;
    /// Takes the current status as the baseline and reports every later change, including the
    /// interface appearing (if absent now) and disappearing (reported with index 0 and up
    /// false). Several handlers may watch one interface.
    void watch(const std::string& interface, handler on_change) override;
    void exclude_sources(std::set<ip_address> vips) override { excluded_ = std::move(vips); }

    /// Notification overruns (ENOBUFS), each recovered by a full re-read.
    std::uint64_t overruns() const noexcept override { return overruns_; }
    /// Full re-reads (a link dump and an address dump) since construction, for tests.
    std::uint64_t full_reads() const noexcept { return full_reads_; }

  private:
    struct watched_interface {
        std::vector<handler> handlers;
        std::optional<link_status> last;
    };

    /// A watched interface as the notifications leave it: its link and the addresses on it.
    struct known_link {
        detail::link_record link;
        std::vector<detail::address_record> addresses;
    };

    void arm();
    /// Reads every queued notification and applies those about watched interfaces. True when
    /// what is known no longer suffices: a notification was lost, or a watched name appeared on
    /// a link whose addresses are unknown.
    bool drain();
    /// Applies one notification; adds the names it changed to `changed`.
    bool apply(const nlmsghdr* header, std::set<std::string>& changed);
    /// Re-reads all watched interfaces and calls the handlers of those that changed.
    void refresh();
    /// Calls the handlers of `names` whose status differs from the last one reported.
    void report(const std::set<std::string>& names);
    void retry_refresh_later();

    detail::nl_sock_ptr requests_;
    detail::nl_sock_ptr events_;
    asio::posix::stream_descriptor descriptor_;
    std::map<std::string, watched_interface> watched_;
    std::vector<std::uint8_t> buffer_;
    std::uint64_t overruns_ = 0;
    std::uint64_t full_reads_ = 0;
    std::map<int, known_link> known_;  // by ifindex: the watched interfaces that exist
    bool refresh_pending_ = false;
    asio::steady_timer retry_timer_;
    std::set<ip_address> excluded_;
    // Outlives nothing: a completion already queued when the monitor is destroyed sees it
    // expired and returns without touching the monitor.
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace vipd::net::linux
