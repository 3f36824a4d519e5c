#pragma once
/// The generic netlink wire of the IPVS client, below libnl: requests written straight into a
/// byte buffer (many per sendmsg), replies parsed into the translation layer's attribute values,
/// and the socket's send/receive loop. Private to ipvs/linux (genl_client.cpp applies and runs
/// the sync daemons, genl_dump.cpp reads the table and the sync daemons).

#include <linux/netlink.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include <linux/genetlink.h>
#include <linux/ip_vs.h>

#include "vipd/ipvs/linux/genl_translate.hpp"
#include "vipd/ipvs/model.hpp"

namespace vipd::ipvs::linux::wire {

// Generous enough that a batch's answers (a failure each, about 1 KiB of skb) and a dump's
// replies never overrun it; SO_RCVBUFFORCE needs CAP_NET_ADMIN, which IPVS needs anyway.
constexpr int k_receive_buffer = 4 * 1024 * 1024;
// Below the default send buffer (net.core.wmem_default, 208 KiB): netlink refuses a sendmsg
// larger than the socket's send buffer.
constexpr std::size_t k_max_batch_bytes = 64 * 1024;
// A netlink dump skb is at most 32 KiB; twice that leaves room.
constexpr std::size_t k_receive_chunk = 64 * 1024;

// The largest request libnl would build here (the nl_msg size every request used to get): a
// request that does not fit is refused as invalid_operation, as before.
constexpr std::size_t k_max_request_bytes = 1024;

/// Appends generic netlink requests to a byte buffer, byte for byte as libnl lays them out:
/// nlmsghdr, genlmsghdr, then attributes each padded with zeros to 4 bytes. Each request gets
/// libnl's fixed capacity up front (zero-filled, so padding costs nothing) and is trimmed when
/// finished; a request that does not fit fails as it did in libnl. This replaces an nl_msg per
/// request (two callocs, libnl's checks) copied into the batch afterwards.
class request_writer {
  public:
    explicit request_writer(std::vector<std::byte>& out) : out_(out) {}

    /// Starts a request at the end of the buffer.
    void start(int family, std::uint8_t command, int flags) {
        start_ = out_.size();
        out_.resize(start_ + k_max_request_bytes);
        pos_ = start_;
        overflow_ = false;
        nlmsghdr header{};
        header.nlmsg_type = static_cast<std::uint16_t>(family);
        header.nlmsg_flags = static_cast<std::uint16_t>(NLM_F_REQUEST | flags);
        write(header);
        genlmsghdr genl{};
        genl.cmd = command;
        genl.version = IPVS_GENL_VERSION;
        write(genl);
    }
    /// Fills in the request's length, sequence number and port and trims the buffer to it;
    /// false, and the request removed, when it did not fit.
    bool finish(std::uint32_t seq, std::uint32_t port) {
        if (overflow_) {
            out_.resize(start_);
            return false;
        }
        nlmsghdr header{};
        std::memcpy(&header, out_.data() + start_, sizeof header);
        header.nlmsg_len = static_cast<std::uint32_t>(pos_ - start_);
        header.nlmsg_seq = seq;
        header.nlmsg_pid = port;
        std::memcpy(out_.data() + start_, &header, sizeof header);
        out_.resize(pos_);
        return true;
    }

    /// Flagged NLA_F_NESTED, as libnl's nla_nest_start does.
    std::size_t nest_start(int type) {
        const std::size_t at = pos_;
        put(type | NLA_F_NESTED, nullptr, 0);
        return at;
    }
    void nest_end(std::size_t at) {
        if (!overflow_) {
            const auto length = static_cast<std::uint16_t>(pos_ - at);
            std::memcpy(out_.data() + at + offsetof(nlattr, nla_len), &length, sizeof length);
        }
    }
    void put(int type, const void* data, std::size_t size) {
        const std::size_t total = NLA_HDRLEN + NLA_ALIGN(size);
        if (overflow_ || pos_ + total > start_ + k_max_request_bytes) {
            overflow_ = true;
            return;
        }
        nlattr attr{};
        attr.nla_len = static_cast<std::uint16_t>(NLA_HDRLEN + size);
        attr.nla_type = static_cast<std::uint16_t>(type);
        std::memcpy(out_.data() + pos_, &attr, sizeof attr);
        if (size != 0) {
            std::memcpy(out_.data() + pos_ + NLA_HDRLEN, data, size);
        }
        pos_ += total;  // the padding is already zero
    }
    template <class T>
    void put_value(int type, T value) {
        put(type, &value, sizeof value);
    }
    /// With its terminating NUL, as nla_put_string sends it.
    void put_string(int type, const std::string& text) { put(type, text.c_str(), text.size() + 1); }

  private:
    template <class T>
    void write(const T& value) {
        std::memcpy(out_.data() + pos_, &value, sizeof value);
        pos_ += sizeof value;
    }

    std::vector<std::byte>& out_;
    std::size_t start_ = 0;
    std::size_t pos_ = 0;
    bool overflow_ = false;
};

std::error_code errno_code(int value);
/// libnl folds errno values into its own codes where it did the I/O itself (connect, resolve).
std::error_code from_libnl(int libnl_error);

/// IPVS_CMD_ATTR_SERVICE: the key, and with `full_entry` the settings too.
void put_service(request_writer& out, const service_attrs& attrs, bool full_entry);
/// IPVS_CMD_ATTR_DEST: the key, and with `full_entry` the settings too.
void put_destination(request_writer& out, const destination_attrs& attrs, bool full_entry);

/// A NEW_SERVICE reply (dump entry or GET_SERVICE answer); false when it does not parse.
/// `counters`, when given, receives the service's STATS64.
bool parse_service(const nlmsghdr& header, service_attrs& out,
                   traffic_counters* counters = nullptr);
/// A NEW_DEST dump entry; `counters` receives STATS64 and the connection counts.
bool parse_destination(const nlmsghdr& header, destination_attrs& out,
                       destination_counters* counters = nullptr);

/// The attribute values nested in IPVS_CMD_ATTR_DAEMON.
struct daemon_attrs {
    std::uint32_t state = 0;  // IP_VS_STATE_MASTER or IP_VS_STATE_BACKUP
    std::string interface;    // IPVS_DAEMON_ATTR_MCAST_IFN
    std::uint32_t sync_id = 0;
    friend bool operator==(const daemon_attrs&, const daemon_attrs&) = default;
};
/// A NEW_DAEMON reply (a GET_DAEMON dump entry, one per running daemon); false when it does not
/// parse or lacks the state, the interface or the sync id. The attributes kernels since 4.3 add
/// (message size, multicast group, port and TTL) are not read.
bool parse_daemon(const nlmsghdr& header, daemon_attrs& out);

std::error_code send_bytes(int fd, std::span<const std::byte> bytes);
/// Reads one datagram and hands every netlink message in it to `on_message`.
/// With MSG_DONTWAIT, an empty queue reads as replies_lost too.
std::error_code receive_once(int fd, std::vector<std::byte>& buffer,
                             const std::function<void(const nlmsghdr&)>& on_message, int flags = 0);
/// Drops whatever is still queued after a failed exchange, so the next one starts clean.
void drain(int fd, std::vector<std::byte>& buffer);
/// The errno of an NLMSG_ERROR (0 for an acknowledgement).
int ack_error(const nlmsghdr& header);
/// Sends one request and reads its replies until NLMSG_DONE (a dump) or NLMSG_ERROR (the
/// acknowledgement of NLM_F_ACK, or a refusal, returned as its errno). Each data message goes
/// to `on_entry`; false from it makes the result malformed_reply.
std::error_code exchange(int fd, std::uint32_t seq, std::span<const std::byte> request,
                         std::vector<std::byte>& buffer,
                         const std::function<bool(const nlmsghdr&)>& on_entry);

}  // namespace vipd::ipvs::linux::wire
