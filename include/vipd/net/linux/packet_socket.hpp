#pragma once
/// Raw Ethernet frames out of any interface, for gratuitous ARP and unsolicited NA.

#include <map>
#include <span>
#include <string>
#include <system_error>

#include "vipd/net/ports.hpp"

namespace vipd::net::linux {

/// frame_port over one AF_PACKET SOCK_RAW socket with protocol 0, so it is sent on but never
/// receives anything (no copies of every frame on the host). Frames are complete Ethernet frames,
/// as net::frames builds them; the destination MAC and ethertype are taken from the frame.
///
/// Errors: the constructor throws std::system_error if the socket cannot be opened (startup
/// path). send() returns errno values in std::system_category: ENODEV for an unknown interface,
/// EINVAL for a frame shorter than an Ethernet header, EAGAIN when the queue is full (the socket
/// is non-blocking so the event loop never stalls).
class packet_socket final : public frame_port {
  public:
    packet_socket();
    ~packet_socket() override;
    packet_socket(const packet_socket&) = delete;
    packet_socket& operator=(const packet_socket&) = delete;

    /// Sends `frame` on `interface`. The ifindex is looked up once per interface and cached;
    /// on ENXIO/ENODEV (the interface was re-created) it is looked up again and the send retried
    /// once.
    std::error_code send(const std::string& interface,
                         std::span<const std::uint8_t> frame) override;

  private:
    int fd_ = -1;
    std::map<std::string, int, std::less<>> ifindex_cache_;
};

}  // namespace vipd::net::linux
