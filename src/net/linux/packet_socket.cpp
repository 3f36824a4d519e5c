#include "vipd/net/linux/packet_socket.hpp"

#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vipd::net::linux {

namespace {

constexpr std::size_t k_ethernet_header_size = 14;

std::error_code last_error() {
    return {errno, std::system_category()};
}

}  // namespace

packet_socket::packet_socket() {
    // Protocol 0: the kernel delivers no incoming frames to this socket; it only sends.
    fd_ = ::socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
        throw std::system_error(last_error(), "packet socket: socket(AF_PACKET, SOCK_RAW, 0)");
    }
}

packet_socket::~packet_socket() {
    ::close(fd_);
}

std::error_code packet_socket::send(const std::string& interface,
                                    std::span<const std::uint8_t> frame) {
    if (frame.size() < k_ethernet_header_size) {
        return std::make_error_code(std::errc::invalid_argument);
    }
    for (int attempt = 0; attempt < 2; ++attempt) {
        auto cached = ifindex_cache_.find(interface);
        if (cached == ifindex_cache_.end()) {
            const unsigned index = ::if_nametoindex(interface.c_str());
            if (index == 0) {
                return std::make_error_code(std::errc::no_such_device);
            }
            cached = ifindex_cache_.emplace(interface, static_cast<int>(index)).first;
        }

        sockaddr_ll address{};
        address.sll_family = AF_PACKET;
        address.sll_ifindex = cached->second;
        address.sll_halen = 6;
        std::memcpy(address.sll_addr, frame.data(), 6);
        // skb->protocol comes from here; take it from the frame's ethertype (network order).
        std::memcpy(&address.sll_protocol, frame.data() + 12, 2);

        const ssize_t sent = ::sendto(fd_, frame.data(), frame.size(), MSG_DONTWAIT,
                                      reinterpret_cast<const sockaddr*>(&address), sizeof address);
        if (sent >= 0) {
            return {};
        }
        const int error = errno;
        if (error == EINTR) {
            --attempt;
            continue;
        }
        if (error != ENXIO && error != ENODEV) {
            return {error, std::system_category()};
        }
        // The interface went away, perhaps re-created under a new index: look it up again.
        ifindex_cache_.erase(cached);
    }
    return std::make_error_code(std::errc::no_such_device);
}

}  // namespace vipd::net::linux
