#pragma once
/// vmac_port on rtnetlink: creates, takes over and deletes the macvlans that carry a VRRP
/// instance's virtual MAC, and sets their sysctls and their parent's, with synchronous requests
/// on a dedicated NETLINK_ROUTE socket.

#include <cstdint>
#include <map>
#include <string>
#include <system_error>

#include "vipd/net/linux/rtnl_socket.hpp"
#include "vipd/net/ports.hpp"

namespace vipd::net::linux {

/// Talks to the kernel of the network namespace the constructing thread is in. Not thread-safe:
/// one owner (the daemon's event loop) calls it. Every call is a few blocking netlink round
/// trips, each bounded by k_kernel_reply_timeout.
///
/// Sysctls are written over rtnetlink (IFLA_AF_SPEC), never through /proc/sys, which the
/// systemd unit makes read-only.
class rtnl_vmacs final : public vmac_port {
  public:
    /// Opens the netlink socket; throws std::system_error if it cannot (startup only).
    rtnl_vmacs();

    /// EINVAL when `spec.name` or `spec.parent` is not a valid interface name (empty, 16
    /// characters or more, ".", "..", or with '/', ':' or white space); ENODEV when the parent
    /// does not exist; EEXIST (std::errc::file_exists), with nothing changed, when a link named
    /// `spec.name` exists but is not a macvlan on the parent with `spec.mac`. A new macvlan is
    /// created down, gets IPv6 address generation "none" and its sysctls, and only then comes
    /// up, so it never sends a DAD or MLD packet. A taken-over one gets the same settings; its
    /// macvlan mode and any address it already has are kept. An IPv6 VMAC ends down (a
    /// taken-over one that is up is set down) and its parent is not touched. Otherwise the
    /// kernel's errno.
    std::error_code ensure(const vmac_spec& spec) override;
    /// EINVAL for a bad name or an address that is not IPv6 link-local; ENODEV when `name` does
    /// not exist. Sets it up when it is down, then adds `link_local`/64 (IFA_F_NODAD, replacing
    /// one already there).
    std::error_code activate(const std::string& name, const ip_address& link_local) override;
    /// EINVAL for a bad name, ENODEV when absent; sets it down when it is up.
    std::error_code deactivate(const std::string& name) override;
    /// Deletes the link `name` (whatever its type: the caller only names its own VMACs); an
    /// absent one counts as success, an invalid name is EINVAL.
    std::error_code remove(const std::string& name) override;
    /// Writes back the arp_ignore, arp_filter and arp_announce remembered for `parent` and forgets
    /// them; a parent that is gone is forgotten without an error. Nothing remembered: nothing done.
    std::error_code release_parent(const std::string& parent) override;

  private:
    /// net.ipv4.conf.PARENT.{arp_ignore,arp_filter,arp_announce} before vipd's first change.
    struct arp_settings {
        std::uint32_t arp_ignore = 0;
        std::uint32_t arp_filter = 0;
        std::uint32_t arp_announce = 0;
    };

    detail::nl_sock_ptr sock_;
    std::map<std::string, arp_settings> earlier_;  // by parent name
};

}  // namespace vipd::net::linux
