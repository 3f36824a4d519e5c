// vrrp_socket and packet_socket against the real kernel, on a veth pair between two private network
// namespaces. Each TEST runs in its own process under ctest (gtest_discover_tests), so each gets
// fresh namespaces that disappear with the process: no cleanup, and never the host's interfaces.

#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <fcntl.h>

#include <chrono>
#include <memory>
#include <optional>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "support/addresses.hpp"
#include "vipd/net/frames/garp.hpp"
#include "vipd/net/linux/packet_socket.hpp"
#include "vipd/net/linux/vrrp_socket.hpp"

namespace vipd::net::linux {
namespace {

using support::addr;

using namespace std::chrono_literals;
using bytes = std::vector<std::uint8_t>;

// Names of every interface visible to this process.
std::vector<std::string> interface_names() {
    std::vector<std::string> names;
    if (struct if_nameindex* list = ::if_nameindex()) {
        for (auto* entry = list; entry->if_index != 0; ++entry) {
            names.emplace_back(entry->if_name);
        }
        ::if_freenameindex(list);
    }
    return names;
}

bool is_running(const char* name) {
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ifreq request{};
    std::strncpy(request.ifr_name, name, IFNAMSIZ - 1);
    const bool running = fd >= 0 && ::ioctl(fd, SIOCGIFFLAGS, &request) == 0 &&
                         (request.ifr_flags & IFF_RUNNING) != 0;
    ::close(fd);
    return running;
}

// The kernel's own drop count (the "drops" column of /proc/net/raw or raw6), summed over the
// raw sockets of the calling thread's namespace.
std::uint64_t kernel_raw_drops(address_family family) {
    std::ifstream table(family == address_family::ipv4 ? "/proc/thread-self/net/raw"
                                                       : "/proc/thread-self/net/raw6");
    std::string line;
    std::getline(table, line);  // the header
    std::uint64_t drops = 0;
    while (std::getline(table, line)) {
        drops += std::stoull(line.substr(line.find_last_of(' ') + 1));
    }
    return drops;
}

struct received {
    bytes message;
    ip_address source;
    ip_address destination;
    std::uint8_t ttl;
    int interface_index;
};

// Runs `io` until `done()` or the deadline, so a broken test fails instead of hanging.
template <typename Predicate>
bool run_until(asio::io_context& io, Predicate done, std::chrono::milliseconds limit = 3s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
        io.restart();
        io.run_for(10ms);
    }
    return done();
}

// Two private namespaces joined by a veth pair: veth0 in "left" (where the test thread lives),
// veth1 in "right". Two, not one, because IPv4 drops a packet whose source is an address of the
// receiving host as a martian (accept_local=0), which would hide every IPv4 advert if both ends
// shared a namespace; peers on separate hosts is also what the daemon sees in production.
class SocketsTest : public ::testing::Test {
  protected:
    void SetUp() override {
        if (::geteuid() != 0) {
            GTEST_SKIP() << "needs root for a private network namespace";
        }
        // Network safety: everything below sends packets, so it must happen in namespaces of
        // our own. If unshare fails we skip; we never fall back to the host namespace.
        if (::unshare(CLONE_NEWNET) != 0) {
            GTEST_SKIP() << "unshare(CLONE_NEWNET): " << std::strerror(errno);
        }
        // A fresh namespace holds only lo; anything else means we are not where we think.
        ASSERT_EQ(interface_names(), std::vector<std::string>{"lo"});
        left_ = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        ASSERT_GE(left_, 0);
        ASSERT_EQ(::unshare(CLONE_NEWNET), 0) << std::strerror(errno);
        ASSERT_EQ(interface_names(), std::vector<std::string>{"lo"});
        right_ = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        ASSERT_GE(right_, 0);
        ASSERT_EQ(::setns(left_, CLONE_NEWNET), 0) << std::strerror(errno);
        // Children of system() inherit the left namespace; nsenter reaches the right one through
        // our descriptor.
        right_path_ = "/proc/" + std::to_string(::getpid()) + "/fd/" + std::to_string(right_);
        create_veth_pair();
    }

    void TearDown() override {
        if (right_ >= 0) {
            ::close(right_);
        }
        if (left_ >= 0) {
            ::close(left_);
        }
    }

    static void run(const std::string& command) {
        ASSERT_EQ(std::system((command + " >/dev/null 2>&1").c_str()), 0) << command;
    }
    void run_right(const std::string& command) const {
        run("nsenter --net=" + right_path_ + " " + command);
    }

    // Runs `body` with the calling thread in the right namespace: sockets keep the namespace
    // they were created in.
    template <typename Body>
    void in_right(Body body) const {
        ASSERT_EQ(::setns(right_, CLONE_NEWNET), 0) << std::strerror(errno);
        body();
        ASSERT_EQ(::setns(left_, CLONE_NEWNET), 0) << std::strerror(errno);
    }

    void create_veth_pair() const {
        run("ip link set lo up");
        run("ip link add veth0 address 02:00:00:00:00:01 type veth peer name veth1 address "
            "02:00:00:00:00:02 netns " +
            right_path_);
        run("ip link set veth0 up");
        run_right("ip link set veth1 up");
        run("ip addr add 10.0.0.1/24 dev veth0");
        run_right("ip addr add 10.0.0.2/24 dev veth1");
        // nodad: usable at once as a source (a tentative address is refused).
        run("ip addr add fe80::1/64 dev veth0 nodad");
        run_right("ip addr add fe80::2/64 dev veth1 nodad");
        const auto deadline = std::chrono::steady_clock::now() + 3s;
        bool up = false;
        while (!up && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(10ms);
            bool right_up = false;
            in_right([&] { right_up = is_running("veth1"); });
            up = right_up && is_running("veth0");
        }
        ASSERT_TRUE(up) << "veth pair never came up";
    }

    // Sends two messages from veth0 in one call and expects both on veth1 with the header facts.
    /// The same source and destination for every message.
    static std::vector<outgoing_advert> adverts(const std::vector<bytes>& messages,
                                                const char* source, const char* destination) {
        std::vector<outgoing_advert> out;
        for (const auto& message : messages) {
            out.push_back({message, addr(source), addr(destination)});
        }
        return out;
    }

    void exchange(address_family family, const char* source, const char* group) {
        vrrp_socket sender(io_, "veth0", family);
        std::unique_ptr<vrrp_socket> receiver_socket;
        int veth1_index = 0;
        in_right([&] {
            receiver_socket = std::make_unique<vrrp_socket>(io_, "veth1", family);
            veth1_index = static_cast<int>(::if_nametoindex("veth1"));
        });
        ASSERT_TRUE(receiver_socket);
        vrrp_socket& receiver = *receiver_socket;
        std::vector<received> at_receiver;
        std::vector<received> at_sender;
        auto record = [](std::vector<received>& into) {
            return [&into](const received_packet& p) {
                into.push_back({bytes(p.message.begin(), p.message.end()), p.source, p.destination,
                                p.ttl, p.interface_index});
            };
        };
        receiver.on_receive(record(at_receiver));
        sender.on_receive(record(at_sender));

        const std::vector<bytes> messages{
            {0x31, 0x07, 0x64, 0x01, 0x00, 0x64, 0x12, 0x34, 10, 0, 0, 9},
            {0x31, 0x08, 0xc8, 0x00, 0x00, 0x0a, 0xab, 0xcd}};
        ASSERT_FALSE(sender.send(adverts(messages, source, group)));
        ASSERT_TRUE(run_until(io_, [&] { return at_receiver.size() >= 2; }))
            << "received " << at_receiver.size() << " of 2";
        // Give a looped-back copy (the thing IP_MULTICAST_LOOP 0 prevents) time to show up.
        run_until(
            io_, [] { return false; }, 100ms);

        ASSERT_EQ(at_receiver.size(), 2u);
        for (std::size_t i = 0; i < 2; ++i) {
            SCOPED_TRACE(i);
            EXPECT_EQ(at_receiver[i].message, messages[i]);
            EXPECT_EQ(at_receiver[i].source, addr(source));
            EXPECT_EQ(at_receiver[i].destination, addr(group));
            EXPECT_EQ(at_receiver[i].ttl, 255);
            EXPECT_EQ(at_receiver[i].interface_index, veth1_index);
        }
        EXPECT_TRUE(at_sender.empty()) << "own adverts were looped back";
        EXPECT_EQ(receiver.stats().received, 2u);
    }

    // Floods a receiver that nobody reads until its queue overflows, reads what was queued, then
    // one more packet: that one carries the drop count (SO_RXQ_OVFL), which must be the kernel's.
    void overflow(address_family family, const char* source, const char* group) {
        vrrp_socket sender(io_, "veth0", family);
        std::unique_ptr<vrrp_socket> receiver;
        in_right([&] { receiver = std::make_unique<vrrp_socket>(io_, "veth1", family); });
        ASSERT_TRUE(receiver);
        std::size_t received = 0;
        receiver->on_receive([&received](const received_packet&) { ++received; });

        // The loop does not run while this sends, so the queue only fills: send until the
        // kernel says it dropped some, whatever the host's default receive buffer.
        const auto batch =
            adverts(std::vector<bytes>(200, bytes{0x31, 0x07, 0x64, 0x01, 0x00, 0x64, 0x12, 0x34}),
                    source, group);
        std::uint64_t kernel_drops = 0;
        for (int round = 0; round < 200 && kernel_drops == 0; ++round) {
            ASSERT_FALSE(sender.send(batch));
            in_right([&] { kernel_drops = kernel_raw_drops(family); });
        }
        ASSERT_GT(kernel_drops, 0u) << "the flood never filled the receive queue";

        ASSERT_TRUE(run_until(io_, [&] { return received > 0; }));
        run_until(
            io_, [] { return false; }, 100ms);  // the rest of the queue
        EXPECT_EQ(receiver->receive_drops(), 0u) << "packets queued before any drop carry none";

        const std::size_t queued = received;
        ASSERT_FALSE(sender.send(std::span(batch).first(1)));
        ASSERT_TRUE(run_until(io_, [&] { return received > queued; }));
        in_right([&] { kernel_drops = kernel_raw_drops(family); });
        EXPECT_GT(receiver->receive_drops(), 0u);
        EXPECT_EQ(receiver->receive_drops(), kernel_drops);
        EXPECT_EQ(receiver->stats().dropped_by_kernel, kernel_drops);
    }

    asio::io_context io_;
    int left_ = -1;
    int right_ = -1;
    std::string right_path_;
};

TEST_F(SocketsTest, Ipv4TwoAdvertsInOneSendArriveWithTtl255) {
    exchange(address_family::ipv4, "10.0.0.1", "224.0.0.18");
}

TEST_F(SocketsTest, Ipv6TwoAdvertsInOneSendArriveWithHopLimit255) {
    exchange(address_family::ipv6, "fe80::1", "ff02::12");
}

TEST_F(SocketsTest, Ipv4UnicastAdvertsReachThePeerWithTtl255) {
    // unicast_peers: the same socket sends to a peer's address; one sendmmsg may mix peers.
    exchange(address_family::ipv4, "10.0.0.1", "10.0.0.2");
}

TEST_F(SocketsTest, Ipv4QueueOverflowIsCountedFromTheNextPacket) {
    overflow(address_family::ipv4, "10.0.0.1", "224.0.0.18");
}

TEST_F(SocketsTest, Ipv6QueueOverflowIsCountedFromTheNextPacket) {
    overflow(address_family::ipv6, "fe80::1", "ff02::12");
}

TEST_F(SocketsTest, SendRejectsWrongFamilyAndForeignSource) {
    vrrp_socket v4(io_, "veth0", address_family::ipv4);
    vrrp_socket v6(io_, "veth0", address_family::ipv6);
    const std::vector<bytes> messages{{1, 2, 3, 4}};
    EXPECT_EQ(v4.send(adverts(messages, "fe80::1", "224.0.0.18")),
              std::errc::address_family_not_supported);
    EXPECT_EQ(v4.send(adverts(messages, "10.0.0.1", "ff02::12")),
              std::errc::address_family_not_supported);
    EXPECT_EQ(v6.send(adverts(messages, "10.0.0.1", "ff02::12")),
              std::errc::address_family_not_supported);
    // Not an address of this host: the kernel refuses to forge it.
    EXPECT_TRUE(v4.send(adverts(messages, "192.0.2.77", "224.0.0.18")));
    EXPECT_TRUE(v6.send(adverts(messages, "fe80::99", "ff02::12")));
    EXPECT_FALSE(v4.send({}));
}

TEST_F(SocketsTest, OpeningOnAMissingInterfaceFails) {
    EXPECT_THROW(vrrp_socket(io_, "nosuch0", address_family::ipv4), std::system_error);
    std::error_code error;
    EXPECT_EQ(vrrp_socket::open(io_, "nosuch0", address_family::ipv6, error), nullptr);
    EXPECT_EQ(error, std::errc::no_such_device);
    EXPECT_NE(vrrp_socket::open(io_, "veth0", address_family::ipv6, error), nullptr);
    EXPECT_FALSE(error);
}

// An AF_PACKET listener on veth1 that collects every frame of one ethertype.
class frame_listener {
  public:
    explicit frame_listener(std::uint16_t ethertype) {
        fd_ = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ethertype));
        EXPECT_GE(fd_, 0) << std::strerror(errno);
        sockaddr_ll where{};
        where.sll_family = AF_PACKET;
        where.sll_protocol = htons(ethertype);
        where.sll_ifindex = static_cast<int>(::if_nametoindex("veth1"));
        EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&where), sizeof where), 0);
    }
    ~frame_listener() { ::close(fd_); }

    // True once `expected` arrives byte for byte within the time limit.
    bool wait_for(const bytes& expected, std::chrono::milliseconds limit = 3s) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (std::chrono::steady_clock::now() < deadline) {
            pollfd ready{fd_, POLLIN, 0};
            if (::poll(&ready, 1, 50) <= 0) {
                continue;
            }
            bytes frame(2048);
            const ssize_t length = ::recv(fd_, frame.data(), frame.size(), 0);
            if (length < 0) {
                continue;
            }
            frame.resize(static_cast<std::size_t>(length));
            seen_.push_back(frame);
            if (frame == expected) {
                return true;
            }
        }
        return false;
    }
    std::size_t seen() const { return seen_.size(); }

  private:
    int fd_ = -1;
    std::vector<bytes> seen_;
};

constexpr mac_address k_veth0_mac{0x02, 0, 0, 0, 0, 0x01};

TEST_F(SocketsTest, PacketSocketSendsGarpByteForByte) {
    std::optional<frame_listener> listener;
    in_right([&] { listener.emplace(ETH_P_ARP); });
    packet_socket port;
    const auto frame = frames::gratuitous_arp(k_veth0_mac, addr("10.0.0.100"));
    ASSERT_FALSE(port.send("veth0", frame));
    EXPECT_TRUE(listener->wait_for(frame)) << listener->seen() << " ARP frames seen, none equal";
}

TEST_F(SocketsTest, PacketSocketSendsUnsolicitedNaByteForByte) {
    std::optional<frame_listener> listener;
    in_right([&] { listener.emplace(ETH_P_IPV6); });
    packet_socket port;
    const auto frame = frames::unsolicited_na(k_veth0_mac, addr("2001:db8::100"));
    ASSERT_FALSE(port.send("veth0", frame));
    EXPECT_TRUE(listener->wait_for(frame)) << listener->seen() << " IPv6 frames seen, none equal";
}

TEST_F(SocketsTest, PacketSocketReportsBadInput) {
    packet_socket port;
    const auto frame = frames::gratuitous_arp(k_veth0_mac, addr("10.0.0.100"));
    EXPECT_EQ(port.send("nosuch0", frame), std::errc::no_such_device);
    EXPECT_EQ(port.send("veth0", std::span(frame).first(13)), std::errc::invalid_argument);
}

// The cached ifindex goes stale when the interface is re-created; the send must still work.
TEST_F(SocketsTest, PacketSocketFollowsARecreatedInterface) {
    packet_socket port;
    const auto frame = frames::gratuitous_arp(k_veth0_mac, addr("10.0.0.100"));
    ASSERT_FALSE(port.send("veth0", frame));
    const int old_index = static_cast<int>(::if_nametoindex("veth0"));
    run("ip link del veth0");
    create_veth_pair();
    ASSERT_NE(static_cast<int>(::if_nametoindex("veth0")), old_index);
    std::optional<frame_listener> listener;
    in_right([&] { listener.emplace(ETH_P_ARP); });
    ASSERT_FALSE(port.send("veth0", frame));
    EXPECT_TRUE(listener->wait_for(frame));
}

}  // namespace
}  // namespace vipd::net::linux
