#pragma once
/// The raw VRRP socket: IP protocol 112 on one interface and one address family, multicast to
/// 224.0.0.18 (RFC 3768 §5.2.2 / RFC 5798 §5.1.1.2) or ff02::12 (RFC 5798 §5.1.2.2), shared by
/// every VRRP instance on that interface.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include "vipd/core/address.hpp"
#include "vipd/io/asio.hpp"
#include "vipd/net/ports.hpp"

namespace vipd::net::linux {

/// Why received datagrams were dropped before reaching the handler (the codec counts the rest).
struct vrrp_socket_stats {
    std::uint64_t received = 0;           // handed to the receive handler
    std::uint64_t dropped_truncated = 0;  // larger than the receive buffer
    std::uint64_t dropped_malformed = 0;  // no usable IP header or ancillary data
    std::uint64_t receive_errors = 0;     // recvmsg failed with something other than EAGAIN
    std::uint64_t dropped_by_kernel = 0;  // never queued: the receive queue was full
};

/// advert_channel over a Linux raw socket.
///
/// Setup: bound to the interface (SO_BINDTODEVICE), member of the VRRP group on its ifindex,
/// multicast and unicast TTL / hop limit 255 (RFC 5798 §5.1.1.3, §5.1.2.3), multicast loopback
/// off so that no socket in this network namespace sees our own adverts, traffic class 0xc0
/// (network control, as keepalived and FRR). IPv4 packets arrive with their header, which is
/// stripped by its IHL and gives TTL and destination; IPv6 packets arrive without it, so the hop
/// limit and the destination come from IPV6_RECVHOPLIMIT / IPV6_RECVPKTINFO. The kernel neither
/// computes nor checks the VRRP checksum (no IPV6_CHECKSUM): the codec owns it. SO_RXQ_OVFL makes
/// every packet carry the socket's drop count so far, from which receive_drops() is kept.
///
/// Errors: opening throws std::system_error (startup path) whose message names the interface
/// and the failed step; `open()` is the non-throwing form. send() returns errno values in
/// std::system_category.
///
/// Limits: the ifindex is resolved once; if the interface is deleted and re-created the socket
/// must be re-opened (the caller watches links anyway). Handlers run on the io_context.
class vrrp_socket final : public advert_channel {
  public:
    /// Opens and configures the socket on `interface` for `family`. Throws std::system_error.
    /// `joins_group` false: a sender only (channel_factory::open_sender), no group membership.
    vrrp_socket(asio::io_context& io, std::string interface, address_family family,
                bool joins_group = true);

    /// The same without exceptions: nullptr with `error` set when any step fails.
    static std::unique_ptr<vrrp_socket> open(asio::io_context& io, std::string interface,
                                             address_family family, std::error_code& error,
                                             bool joins_group = true);

    ~vrrp_socket() override;
    vrrp_socket(const vrrp_socket&) = delete;
    vrrp_socket& operator=(const vrrp_socket&) = delete;

    /// Sends every advert to its destination (the VRRP group or a unicast peer) with its
    /// source as the IP source (IP_PKTINFO / IPV6_PKTINFO; it must be an address of this
    /// interface, not tentative), all in one sendmmsg() when the kernel takes them at once.
    /// Validates that every address has the socket's family (else EAFNOSUPPORT). Never blocks:
    /// a full send buffer is reported as EAGAIN.
    std::error_code send(std::span<const outgoing_advert> adverts) override;

    /// Installs the handler (replacing any earlier one) and starts receiving. The packet's
    /// message span is valid only during the call.
    void on_receive(receive_handler handler) override;

    /// stats().dropped_by_kernel, as the last packet read reported it.
    std::uint64_t receive_drops() const override { return stats_.dropped_by_kernel; }

    const std::string& interface() const noexcept { return interface_; }
    int interface_index() const noexcept { return ifindex_; }
    address_family family() const noexcept { return family_; }
    const vrrp_socket_stats& stats() const noexcept { return stats_; }

  private:
    void configure();
    void start_wait();
    void drain();
    bool parse(std::size_t length, const void* name, const void* control,
               std::size_t control_length, received_packet& packet);
    /// Takes the kernel's cumulative drop count carried by a packet (SO_RXQ_OVFL).
    void count_kernel_drops(std::uint32_t kernel_count);

    std::string interface_;
    address_family family_;
    bool joins_group_;
    int ifindex_ = 0;
    asio::posix::stream_descriptor descriptor_;
    receive_handler handler_;
    bool waiting_ = false;
    std::vector<std::uint8_t> buffer_;
    vrrp_socket_stats stats_;
    std::uint32_t kernel_drops_seen_ = 0;  // the kernel's own 32-bit count, last reported
    // Completion handlers may already be queued when the socket is destroyed; they check this
    // flag before touching `this`.
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace vipd::net::linux
