#pragma once
/// Narrow interfaces between the daemon and the kernel. Linux adapters (net/linux/) implement
/// them; tests use recording fakes (tests/fakes/). No Asio, no libnl, no socket headers here.

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include "vipd/core/address.hpp"
#include "vipd/core/time.hpp"

namespace vipd::net {

using mac_address = std::array<std::uint8_t, 6>;

/// What the daemon needs to know about one interface.
struct link_status {
    std::string name;
    int index = 0;
    bool up = false;  // administratively up and carrier (IFF_UP && IFF_RUNNING)
    mac_address mac{};
    std::optional<ip_address> primary_v4;     // first non-VIP IPv4 address
    std::optional<ip_address> link_local_v6;  // fe80::/10, for VRRPv3 over IPv6
    /// net.ipv6.conf.IF.forwarding, as of the last link message or read (a sysctl change alone
    /// sends none): unsolicited NAs then carry the Router flag.
    bool ipv6_forwarding = false;
    friend bool operator==(const link_status&, const link_status&) = default;
};

/// What the kernel said about an address's protocol tag (IFA_PROTO).
enum class address_tag : std::uint8_t {
    not_reported,  ///< no IFA_PROTO attribute: every address on kernels before 5.18
    other,         ///< another protocol (the kernel's own for lo, link-locals, RAs; 0)
    vipd,          ///< vipd's tag: added by a vipd run
};

/// One address on the host, as the kernel reports it.
struct host_address {
    std::string interface;
    ip_prefix prefix;
    address_tag tag = address_tag::not_reported;
    friend bool operator==(const host_address&, const host_address&) = default;
};

/// Adds and removes VIPs. Which addresses are vipd's is decided by the caller
/// (vips/reconciler.hpp), not by the tag: only kernels from 5.18 on keep it.
class address_port {
  public:
    virtual ~address_port() = default;
    /// Adds `prefix` to `interface` with vipd's tag; IPv6 without DAD. When that exact address
    /// is already there it is left untouched (with its owner's tag) and the answer is
    /// std::errc::file_exists.
    virtual std::error_code add(const std::string& interface, const ip_prefix& prefix) = 0;
    /// Removes the address with exactly this prefix from `interface`, whoever added it; an
    /// absent address or interface counts as success.
    virtual std::error_code remove(const std::string& interface, const ip_prefix& prefix) = 0;
    /// Every address on the host, with its interface's name, into `out` (replaced).
    virtual std::error_code list(std::vector<host_address>& out) = 0;
    /// Creates `interface` as a dummy link (up) if it does not exist.
    virtual std::error_code ensure_dummy(const std::string& interface) = 0;
};

/// A virtual MAC interface for one VRRP instance (RFC 5798 §7.3, keepalived's use_vmac): a
/// macvlan on the instance's interface carrying the virtual router MAC, on which the VIPs live
/// and from which adverts and gratuitous ARP leave, so hosts keep one MAC for the VIPs across a
/// failover.
struct vmac_spec {
    std::string name;    // e.g. "vrrp.51"
    std::string parent;  // the instance's interface
    mac_address mac{};   // 00:00:5e:00:01:VRID (IPv4) or 00:00:5e:00:02:VRID (IPv6)
    address_family family = address_family::ipv4;  // the instance's
    friend bool operator==(const vmac_spec&, const vmac_spec&) = default;
};

/// Creates and removes virtual MAC interfaces.
class vmac_port {
  public:
    virtual ~vmac_port() = default;
    /// Makes `spec.name` a macvlan on `spec.parent` in bridge mode with `spec.mac`, without
    /// IPv6 address generation (a Backup's VMAC must send nothing: no MLD, no DAD), up, with
    /// arp_ignore=1, accept_local=1 and rp_filter=0 on it, and arp_ignore=1, arp_filter=1 and
    /// arp_announce=2 on the parent (which must not answer ARP for the VIPs with its own MAC, nor
    /// send ARP requests that name a VIP as sender). An existing
    /// macvlan of that name on that parent with that MAC (a crashed run's) is taken over as it
    /// is and set up again; any other link of that name is left alone and the answer is
    /// std::errc::file_exists. The parent's earlier ARP settings are remembered the first time
    /// for `release_parent`.
    ///
    /// An IPv6 VMAC is different: it is left down, and its parent's ARP settings are left alone.
    /// Any IPv6 address on it joins a multicast group, and a Backup's membership reports would
    /// carry the virtual MAC; down, it sends nothing. `activate` brings it up for a Master.
    virtual std::error_code ensure(const vmac_spec& spec) = 0;
    /// An IPv6 Master's VMAC: up, with `link_local` (the parent's, so peers see one source
    /// whatever the state; RFC 5798 §5.1.2.1 wants a link-local on the sending interface) added
    /// without DAD. Idempotent.
    virtual std::error_code activate(const std::string& name, const ip_address& link_local) = 0;
    /// Down again: the kernel drops its IPv6 addresses without a word on the wire.
    virtual std::error_code deactivate(const std::string& name) = 0;
    /// Deletes the macvlan `name`; an absent one counts as success.
    virtual std::error_code remove(const std::string& name) = 0;
    /// The last VMAC on `parent` is gone: its ARP settings go back to what they were before
    /// the first `ensure` on it (nothing when none was made).
    virtual std::error_code release_parent(const std::string& parent) = 0;
};

/// Reports interface changes pushed by the kernel (no polling).
class link_monitor {
  public:
    using handler = std::function<void(const link_status&)>;
    virtual ~link_monitor() = default;
    /// The current status of `interface`, or nullopt if it does not exist.
    virtual std::optional<link_status> status(const std::string& interface) = 0;
    /// `on_change` runs on the event loop whenever a watched interface's status changes.
    virtual void watch(const std::string& interface, handler on_change) = 0;
    /// Addresses that are never an advert source (primary_v4, link_local_v6): the VIPs of
    /// instances that do not own them. Kernels before 5.18 drop the tag that otherwise tells a
    /// VIP from the interface's own address. Takes effect from the next status read.
    virtual void exclude_sources(std::set<ip_address> vips) = 0;
    /// How often the kernel dropped notifications (its queue overran) since the monitor opened:
    /// each cost a full re-read, and a count that keeps growing means a host changing links or
    /// addresses faster than vipd reads.
    virtual std::uint64_t overruns() const = 0;
};

/// A received VRRP message with the IP header facts the codec needs.
struct received_packet {
    std::span<const std::uint8_t> message;  // the VRRP message, IP header stripped
    ip_address source;
    ip_address destination;
    std::uint8_t ttl = 0;  // hop limit for IPv6
    int interface_index = 0;
};

/// One advert on its way out: the VRRP message (its checksum made for this source and
/// destination), the address it leaves from, and where it goes: the VRRP group, or a unicast
/// peer.
struct outgoing_advert {
    std::vector<std::uint8_t> message;
    ip_address source;
    ip_address destination;
};

/// One raw protocol-112 socket per interface and family, shared by all instances on it.
class advert_channel {
  public:
    using receive_handler = std::function<void(const received_packet&)>;
    virtual ~advert_channel() = default;
    /// Sends each advert with TTL / hop limit 255, all in one system call when there are
    /// several (sendmmsg).
    virtual std::error_code send(std::span<const outgoing_advert> adverts) = 0;
    /// Called for every received message (own packets are not looped back).
    virtual void on_receive(receive_handler handler) = 0;
    /// Packets the kernel dropped before they could be read (a full receive queue: a flood, a
    /// stalled loop) since the channel opened. Learnt from the packets that do get through, so
    /// drops show once the next packet is read.
    virtual std::uint64_t receive_drops() const = 0;
};

/// Opens the shared advert channel of an interface and family: raw sockets in the daemon,
/// recording fakes in tests.
class channel_factory {
  public:
    virtual ~channel_factory() = default;
    /// nullptr with `error` set when the interface is missing or the socket cannot be opened.
    virtual std::unique_ptr<advert_channel> open(const std::string& interface,
                                                 address_family family, std::error_code& error) = 0;
    /// A socket that only sends, from a VMAC: it joins no group, since a membership report
    /// would leave a Backup's VMAC with the virtual MAC and draw the VIPs' traffic to it. Its
    /// receive handler is never called.
    virtual std::unique_ptr<advert_channel> open_sender(const std::string& interface,
                                                        address_family family,
                                                        std::error_code& error) = 0;
};

/// Sends raw Ethernet frames on one interface (AF_PACKET), for GARP and unsolicited NA.
class frame_port {
  public:
    virtual ~frame_port() = default;
    virtual std::error_code send(const std::string& interface,
                                 std::span<const std::uint8_t> frame) = 0;
};

}  // namespace vipd::net
