#include "vipd/net/linux/vrrp_socket.hpp"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <optional>
#include <utility>

namespace vipd::net::linux {

namespace {

// IANA protocol number for VRRP (RFC 5798 §5.1.1.4).
constexpr int k_ipproto_vrrp = 112;
// RFC 5798 §5.1.1.3 / §5.1.2.3: sent with TTL / hop limit 255; receivers drop anything else.
constexpr int k_ttl = 255;
// IPTOS_PREC_INTERNETCONTROL: adverts are network control traffic, like keepalived's and FRR's.
constexpr int k_traffic_class = 0xc0;
constexpr ip_address::v4_bytes k_group_v4{224, 0, 0, 18};
constexpr ip_address::v6_bytes k_group_v6{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12};
// Large enough for any IPv4 or IPv6 datagram, so nothing a peer sends is silently truncated.
constexpr std::size_t k_receive_buffer = 65536;
// Datagrams read per readiness notification before yielding to other handlers.
constexpr int k_max_reads_per_wakeup = 64;
// sendmmsg takes at most UIO_MAXIOV messages per call.
constexpr std::size_t k_max_batch = 1024;
constexpr std::size_t k_control_size = 128;
// Half the range of the kernel's 32-bit drop count: a smaller step is forward, a larger one
// backward (RFC 1982 serial number arithmetic).
constexpr std::uint32_t k_half_count_range = 1U << 31;

std::error_code last_error() {
    return {errno, std::system_category()};
}

[[noreturn]] void fail(const std::string& interface, address_family family, const char* step,
                       std::error_code error) {
    throw std::system_error(error, "vrrp socket on " + interface + " (" +
                                       std::string(to_string(family)) + "): " + step);
}

template <typename T>
void set_option(int fd, int level, int name, const T& value, const std::string& interface,
                address_family family, const char* step) {
    if (::setsockopt(fd, level, name, &value, sizeof value) != 0) {
        fail(interface, family, step, last_error());
    }
}

int open_raw_socket(const std::string& interface, address_family family) {
    const int domain = family == address_family::ipv4 ? AF_INET : AF_INET6;
    const int fd = ::socket(domain, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, k_ipproto_vrrp);
    if (fd < 0) {
        fail(interface, family, "socket(SOCK_RAW, 112)", last_error());
    }
    return fd;
}

int lookup_ifindex(const std::string& interface, address_family family) {
    if (interface.empty() || interface.size() >= IFNAMSIZ) {
        fail(interface, family, "interface name",
             std::make_error_code(std::errc::invalid_argument));
    }
    const unsigned index = ::if_nametoindex(interface.c_str());
    if (index == 0) {
        fail(interface, family, "if_nametoindex", last_error());
    }
    return static_cast<int>(index);
}

// An aligned buffer for ancillary data, as CMSG_* require.
struct alignas(cmsghdr) control_buffer {
    std::array<std::uint8_t, k_control_size> bytes{};
};

// The socket's drop count when this packet was queued (SO_RXQ_OVFL). The kernel attaches it
// only once something was dropped.
std::optional<std::uint32_t> kernel_drop_count(msghdr& header) {
    for (cmsghdr* c = CMSG_FIRSTHDR(&header); c != nullptr; c = CMSG_NXTHDR(&header, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL &&
            c->cmsg_len >= CMSG_LEN(sizeof(std::uint32_t))) {
            std::uint32_t count = 0;
            std::memcpy(&count, CMSG_DATA(c), sizeof count);
            return count;
        }
    }
    return std::nullopt;
}

}  // namespace

vrrp_socket::vrrp_socket(asio::io_context& io, std::string interface, address_family family,
                         bool joins_group)
    : interface_(std::move(interface)),
      family_(family),
      joins_group_(joins_group),
      ifindex_(lookup_ifindex(interface_, family_)),
      // The descriptor owns the fd from here on, so a failing setsockopt below closes it.
      descriptor_(io, open_raw_socket(interface_, family_)),
      buffer_(k_receive_buffer) {
    configure();
}

std::unique_ptr<vrrp_socket> vrrp_socket::open(asio::io_context& io, std::string interface,
                                               address_family family, std::error_code& error,
                                               bool joins_group) {
    try {
        auto socket = std::make_unique<vrrp_socket>(io, std::move(interface), family, joins_group);
        error.clear();
        return socket;
    } catch (const std::system_error& e) {
        error = e.code();
        return nullptr;
    }
}

vrrp_socket::~vrrp_socket() {
    *alive_ = false;
}

void vrrp_socket::configure() {
    const int fd = descriptor_.native_handle();
    const auto& name = interface_;
    const auto family = family_;

    // Only this interface's packets, and ours leave through it whatever the routing table says.
    if (::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name.c_str(),
                     static_cast<socklen_t>(name.size())) != 0) {
        fail(name, family, "setsockopt(SO_BINDTODEVICE)", last_error());
    }

    const int on = 1;
    const int off = 0;
    // A full receive queue drops packets silently; this makes each packet say how many so far.
    set_option(fd, SOL_SOCKET, SO_RXQ_OVFL, on, name, family, "setsockopt(SO_RXQ_OVFL)");
    if (family == address_family::ipv4) {
        if (joins_group_) {
            ip_mreqn membership{};
            std::memcpy(&membership.imr_multiaddr, k_group_v4.data(), k_group_v4.size());
            membership.imr_ifindex = ifindex_;
            set_option(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, membership, name, family,
                       "setsockopt(IP_ADD_MEMBERSHIP 224.0.0.18)");
        }
        ip_mreqn outgoing{};
        outgoing.imr_ifindex = ifindex_;
        set_option(fd, IPPROTO_IP, IP_MULTICAST_IF, outgoing, name, family,
                   "setsockopt(IP_MULTICAST_IF)");
        set_option(fd, IPPROTO_IP, IP_MULTICAST_TTL, k_ttl, name, family,
                   "setsockopt(IP_MULTICAST_TTL)");
        set_option(fd, IPPROTO_IP, IP_TTL, k_ttl, name, family, "setsockopt(IP_TTL)");
        set_option(fd, IPPROTO_IP, IP_MULTICAST_LOOP, off, name, family,
                   "setsockopt(IP_MULTICAST_LOOP)");
        set_option(fd, IPPROTO_IP, IP_TOS, k_traffic_class, name, family, "setsockopt(IP_TOS)");
        // The header gives TTL and destination; IP_PKTINFO adds the arrival interface.
        set_option(fd, IPPROTO_IP, IP_PKTINFO, on, name, family, "setsockopt(IP_PKTINFO)");
    } else {
        if (joins_group_) {
            ipv6_mreq membership{};
            std::memcpy(&membership.ipv6mr_multiaddr, k_group_v6.data(), k_group_v6.size());
            membership.ipv6mr_interface = static_cast<unsigned>(ifindex_);
            set_option(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, membership, name, family,
                       "setsockopt(IPV6_JOIN_GROUP ff02::12)");
        }
        set_option(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, ifindex_, name, family,
                   "setsockopt(IPV6_MULTICAST_IF)");
        set_option(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, k_ttl, name, family,
                   "setsockopt(IPV6_MULTICAST_HOPS)");
        set_option(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, k_ttl, name, family,
                   "setsockopt(IPV6_UNICAST_HOPS)");
        set_option(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, off, name, family,
                   "setsockopt(IPV6_MULTICAST_LOOP)");
        set_option(fd, IPPROTO_IPV6, IPV6_TCLASS, k_traffic_class, name, family,
                   "setsockopt(IPV6_TCLASS)");
        // Raw IPv6 sockets never see the IPv6 header: ask for hop limit and destination.
        set_option(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, on, name, family,
                   "setsockopt(IPV6_RECVHOPLIMIT)");
        set_option(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, on, name, family,
                   "setsockopt(IPV6_RECVPKTINFO)");
    }
}

namespace {

/// The destination and ancillary data (source, interface) of one outgoing advert.
struct addressing {
    sockaddr_storage destination{};
    socklen_t destination_length = 0;
    control_buffer control;
    std::size_t control_length = 0;
};

/// The one ancillary message of an outgoing advert: its source and interface.
template <typename Info>
void put_control(int level, int type, const Info& info, addressing& out) {
    out.control_length = CMSG_SPACE(sizeof info);
    auto* header = reinterpret_cast<cmsghdr*>(out.control.bytes.data());
    header->cmsg_level = level;
    header->cmsg_type = type;
    header->cmsg_len = CMSG_LEN(sizeof info);
    std::memcpy(CMSG_DATA(header), &info, sizeof info);
}

void address_v4(const outgoing_advert& advert, int ifindex, addressing& out) {
    auto& to = reinterpret_cast<sockaddr_in&>(out.destination);
    to.sin_family = AF_INET;
    std::memcpy(&to.sin_addr, advert.destination.bytes().data(), 4);
    out.destination_length = sizeof to;
    // Linux raw sockets take ipi_spec_dst as the source address of the datagram.
    in_pktinfo info{};
    info.ipi_ifindex = ifindex;
    std::memcpy(&info.ipi_spec_dst, advert.source.bytes().data(), 4);
    put_control(IPPROTO_IP, IP_PKTINFO, info, out);
}

void address_v6(const outgoing_advert& advert, int ifindex, addressing& out) {
    auto& to = reinterpret_cast<sockaddr_in6&>(out.destination);
    to.sin6_family = AF_INET6;
    std::memcpy(&to.sin6_addr, advert.destination.bytes().data(), 16);
    to.sin6_scope_id = static_cast<std::uint32_t>(ifindex);
    out.destination_length = sizeof to;
    in6_pktinfo info{};
    info.ipi6_ifindex = static_cast<unsigned>(ifindex);
    std::memcpy(&info.ipi6_addr, advert.source.bytes().data(), 16);
    put_control(IPPROTO_IPV6, IPV6_PKTINFO, info, out);
}

}  // namespace

std::error_code vrrp_socket::send(std::span<const outgoing_advert> adverts) {
    for (const auto& advert : adverts) {
        if (advert.source.family() != family_ || advert.destination.family() != family_) {
            return std::make_error_code(std::errc::address_family_not_supported);
        }
    }
    if (adverts.empty()) {
        return {};
    }
    const bool v4 = family_ == address_family::ipv4;
    std::vector<addressing> addresses(adverts.size());
    std::vector<iovec> vectors(adverts.size());
    std::vector<mmsghdr> headers(adverts.size());
    for (std::size_t i = 0; i < adverts.size(); ++i) {
        if (v4) {
            address_v4(adverts[i], ifindex_, addresses[i]);
        } else {
            address_v6(adverts[i], ifindex_, addresses[i]);
        }
        vectors[i].iov_base = const_cast<std::uint8_t*>(adverts[i].message.data());
        vectors[i].iov_len = adverts[i].message.size();
        msghdr& header = headers[i].msg_hdr;
        header.msg_name = &addresses[i].destination;
        header.msg_namelen = addresses[i].destination_length;
        header.msg_iov = &vectors[i];
        header.msg_iovlen = 1;
        header.msg_control = addresses[i].control.bytes.data();
        header.msg_controllen = addresses[i].control_length;
    }

    // sendmmsg stops at the first failing message and reports how many went; resume after them
    // so one call normally suffices and a partial send is still completed or reported.
    std::size_t sent = 0;
    while (sent < headers.size()) {
        const auto batch = static_cast<unsigned>(std::min(headers.size() - sent, k_max_batch));
        const int result =
            ::sendmmsg(descriptor_.native_handle(), headers.data() + sent, batch, MSG_DONTWAIT);
        if (result < 0) {
            if (errno == EINTR) {
                continue;
            }
            return last_error();
        }
        sent += static_cast<std::size_t>(result);
    }
    return {};
}

void vrrp_socket::on_receive(receive_handler handler) {
    handler_ = std::move(handler);
    start_wait();
}

void vrrp_socket::start_wait() {
    if (waiting_ || !handler_) {
        return;
    }
    waiting_ = true;
    descriptor_.async_wait(asio::posix::stream_descriptor::wait_read,
                           [this, alive = alive_](const boost::system::error_code& error) {
                               if (!*alive) {
                                   return;
                               }
                               waiting_ = false;
                               if (error) {
                                   // Cancelled or the descriptor is gone: stop receiving.
                                   return;
                               }
                               drain();
                           });
}

void vrrp_socket::drain() {
    const auto alive = alive_;
    for (int reads = 0; reads < k_max_reads_per_wakeup; ++reads) {
        sockaddr_in6 name{};  // large enough for either family
        control_buffer control;
        iovec vector{buffer_.data(), buffer_.size()};
        msghdr header{};
        header.msg_name = &name;
        header.msg_namelen = sizeof name;
        header.msg_iov = &vector;
        header.msg_iovlen = 1;
        header.msg_control = control.bytes.data();
        header.msg_controllen = control.bytes.size();

        const ssize_t length = ::recvmsg(descriptor_.native_handle(), &header, MSG_DONTWAIT);
        if (length < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                ++stats_.receive_errors;
            }
            break;
        }
        // Before any check: a packet dropped below still carries a valid count.
        if (const auto count = kernel_drop_count(header)) {
            count_kernel_drops(*count);
        }
        if ((header.msg_flags & MSG_TRUNC) != 0) {
            ++stats_.dropped_truncated;
            continue;
        }
        received_packet packet;
        if (!parse(static_cast<std::size_t>(length), &name, header.msg_control,
                   header.msg_controllen, packet)) {
            ++stats_.dropped_malformed;
            continue;
        }
        ++stats_.received;
        // Copy: the handler may replace itself through on_receive().
        const auto handler = handler_;
        handler(packet);
        if (!*alive) {
            return;  // the handler destroyed this socket
        }
    }
    start_wait();
}

void vrrp_socket::count_kernel_drops(std::uint32_t kernel_count) {
    // The kernel's count wraps at 2^32, and packets queued on different CPUs may carry it a
    // little out of order: only a step forward counts, so the total never goes back.
    const auto step = static_cast<std::uint32_t>(kernel_count - kernel_drops_seen_);
    if (step == 0 || step >= k_half_count_range) {
        return;
    }
    stats_.dropped_by_kernel += step;
    kernel_drops_seen_ = kernel_count;
}

bool vrrp_socket::parse(std::size_t length, const void* name, const void* control,
                        std::size_t control_length, received_packet& packet) {
    msghdr header{};
    header.msg_control = const_cast<void*>(control);
    header.msg_controllen = control_length;
    const std::span<const std::uint8_t> data(buffer_.data(), length);

    if (family_ == address_family::ipv4) {
        // RFC 791 header: version/IHL, ..., TTL at 8, source at 12, destination at 16.
        if (data.size() < 20 || (data[0] >> 4) != 4) {
            return false;
        }
        const std::size_t header_length = static_cast<std::size_t>(data[0] & 0x0f) * 4;
        if (header_length < 20 || header_length > data.size()) {
            return false;
        }
        packet.ttl = data[8];
        packet.source = *ip_address::from_bytes(data.subspan(12, 4));
        packet.destination = *ip_address::from_bytes(data.subspan(16, 4));
        packet.message = data.subspan(header_length);
        packet.interface_index = ifindex_;
        for (cmsghdr* c = CMSG_FIRSTHDR(&header); c != nullptr; c = CMSG_NXTHDR(&header, c)) {
            if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
                in_pktinfo info{};
                std::memcpy(&info, CMSG_DATA(c), sizeof info);
                packet.interface_index = info.ipi_ifindex;
            }
        }
        return true;
    }

    const auto* from = static_cast<const sockaddr_in6*>(name);
    if (from->sin6_family != AF_INET6) {
        return false;
    }
    ip_address::v6_bytes source{};
    std::memcpy(source.data(), &from->sin6_addr, source.size());
    packet.source = ip_address(source);
    packet.message = data;
    bool have_hop_limit = false;
    bool have_destination = false;
    for (cmsghdr* c = CMSG_FIRSTHDR(&header); c != nullptr; c = CMSG_NXTHDR(&header, c)) {
        if (c->cmsg_level != IPPROTO_IPV6) {
            continue;
        }
        if (c->cmsg_type == IPV6_HOPLIMIT) {
            int hop_limit = 0;
            std::memcpy(&hop_limit, CMSG_DATA(c), sizeof hop_limit);
            packet.ttl = static_cast<std::uint8_t>(hop_limit);
            have_hop_limit = hop_limit >= 0 && hop_limit <= 255;
        } else if (c->cmsg_type == IPV6_PKTINFO) {
            in6_pktinfo info{};
            std::memcpy(&info, CMSG_DATA(c), sizeof info);
            ip_address::v6_bytes destination{};
            std::memcpy(destination.data(), &info.ipi6_addr, destination.size());
            packet.destination = ip_address(destination);
            packet.interface_index = static_cast<int>(info.ipi6_ifindex);
            have_destination = true;
        }
    }
    // Without the hop limit the RFC 5798 §7.1 check cannot be made: drop rather than guess.
    return have_hop_limit && have_destination;
}

}  // namespace vipd::net::linux
