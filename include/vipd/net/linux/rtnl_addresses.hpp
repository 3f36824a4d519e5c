#pragma once
/// address_port on rtnetlink: adds, removes and lists addresses with synchronous requests on a
/// dedicated NETLINK_ROUTE socket.

#include <cstdint>
#include <string>
#include <system_error>
#include <vector>

#include "vipd/net/linux/rtnl_socket.hpp"
#include "vipd/net/ports.hpp"

namespace vipd::net::linux {

/// The IFA_PROTO value on every address vipd adds. Values 0-3 are the kernel's (IFAPROT_UNSPEC,
/// KERNEL_LO, KERNEL_RA, KERNEL_LL) and iproute2's rt_addrprotos registers nothing else, so 0x56
/// (ASCII 'V', for VIP) is free; it is deliberately far from the low range the kernel may grow
/// into. Kept by Linux >= 5.18 only: older kernels accept the attribute and drop it (their
/// address dumps carry no IFA_PROTO at all), so vipd never relies on it alone.
inline constexpr std::uint8_t k_vipd_address_protocol = 0x56;

/// Talks to the kernel of the network namespace the constructing thread is in. Not thread-safe:
/// one owner (the daemon's event loop) calls it. Every call is a blocking netlink round trip of
/// a few microseconds.
class rtnl_addresses final : public address_port {
  public:
    /// Opens the netlink socket; throws std::system_error if it cannot (startup only).
    rtnl_addresses();

    /// IPv4: IFA_LOCAL = IFA_ADDRESS = the address with the prefix length, so the kernel adds
    /// the subnet route exactly as `ip addr add` does. IPv6: IFA_F_NODAD so the address is usable
    /// at once (a VIP is expected to be duplicated on the peer routers while they are backups).
    /// EEXIST (std::errc::file_exists) leaves the existing address and its tag untouched. ENODEV
    /// when `interface` does not exist.
    std::error_code add(const std::string& interface, const ip_prefix& prefix) override;
    /// Removes the address with this exact address and prefix length from `interface`, tagged or
    /// not (one request, no dump); an absent address or interface counts as success.
    std::error_code remove(const std::string& interface, const ip_prefix& prefix) override;
    /// Dumps every link and address in the namespace (two requests).
    std::error_code list(std::vector<host_address>& out) override;
    /// Creates `interface` as a dummy link, up, unless a link of that name already exists (which
    /// is then left as it is, whatever its type). Fails with the kernel's errno, EOPNOTSUPP when
    /// the dummy driver is not available.
    std::error_code ensure_dummy(const std::string& interface) override;

  private:
    detail::nl_sock_ptr sock_;
};

}  // namespace vipd::net::linux
