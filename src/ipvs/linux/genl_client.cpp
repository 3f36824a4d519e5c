#include "vipd/ipvs/linux/genl_client.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <functional>
#include <utility>
#include <variant>

#include <linux/ip_vs.h>
#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "vipd/ipvs/linux/genl_translate.hpp"

namespace vipd::ipvs::linux {

namespace {

class genl_category_impl final : public std::error_category {
  public:
    const char* name() const noexcept override { return "ipvs.genl"; }
    std::string message(int value) const override {
        switch (static_cast<genl_errc>(value)) {
            case genl_errc::family_not_found:
                return "the IPVS generic netlink family is not registered: the ip_vs kernel "
                       "module is not loaded (try `modprobe ip_vs`) or this kernel has no IPVS";
            case genl_errc::replies_lost:
                return "IPVS netlink replies were lost (receive buffer overrun or timeout); "
                       "the outcome is unknown";
            case genl_errc::malformed_reply:
                return "malformed IPVS netlink reply";
            case genl_errc::invalid_operation:
                return "the IPVS request could not be built";
        }
        return "unknown IPVS netlink error";
    }
};

// Generous enough that a batch's acknowledgements (about 1 KiB of skb each) never overrun it;
// SO_RCVBUFFORCE needs CAP_NET_ADMIN, which every IPVS command needs anyway.
constexpr int k_receive_buffer = 4 * 1024 * 1024;
// Below the default send buffer (net.core.wmem_default, 208 KiB): netlink refuses a sendmsg
// larger than the socket's send buffer.
constexpr std::size_t k_max_batch_bytes = 64 * 1024;
// A netlink dump skb is at most 32 KiB; twice that leaves room.
constexpr std::size_t k_receive_chunk = 64 * 1024;
// The kernel answers inside sendmsg, so a missing reply is a lost one, not a slow one.
constexpr int k_receive_timeout_seconds = 10;

struct nl_msg_deleter {
    void operator()(nl_msg* msg) const noexcept { nlmsg_free(msg); }
};
using nl_msg_ptr = std::unique_ptr<nl_msg, nl_msg_deleter>;

std::error_code errno_code(int value) {
    return {value, std::system_category()};
}

// libnl folds errno values into its own codes where it did the I/O itself (connect, resolve).
std::error_code from_libnl(int libnl_error) {
    switch (libnl_error < 0 ? -libnl_error : libnl_error) {
        case NLE_PERM:
            return errno_code(EPERM);
        case NLE_NOACCESS:
            return errno_code(EACCES);
        case NLE_NOMEM:
            return errno_code(ENOMEM);
        case NLE_OBJ_NOTFOUND:
            return genl_errc::family_not_found;
        case NLE_AF_NOSUPPORT:
        case NLE_PROTO_MISMATCH:
            return errno_code(EPROTONOSUPPORT);
        default:
            return errno_code(EIO);
    }
}

// ---- building requests ----

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

// The request header alone (sync daemon commands, which stay on libnl's builder).
nl_msg_ptr new_request(int family, std::uint8_t command, int flags) {
    nl_msg_ptr msg{nlmsg_alloc_size(k_max_request_bytes)};
    if (!msg) {
        return nullptr;
    }
    if (genlmsg_put(msg.get(), NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, NLM_F_REQUEST | flags, command,
                    IPVS_GENL_VERSION) == nullptr) {
        return nullptr;
    }
    return msg;
}

void put_service(request_writer& out, const service_attrs& attrs, bool full_entry) {
    const std::size_t nest = out.nest_start(IPVS_CMD_ATTR_SERVICE);
    out.put_value<std::uint16_t>(IPVS_SVC_ATTR_AF, attrs.af);
    if (attrs.fwmark != 0) {
        out.put_value<std::uint32_t>(IPVS_SVC_ATTR_FWMARK, attrs.fwmark);
    } else {
        const auto family = family_from_af(attrs.af);
        const std::size_t address_size = family == address_family::ipv4 ? 4 : 16;
        out.put_value<std::uint16_t>(IPVS_SVC_ATTR_PROTOCOL, attrs.protocol);
        out.put(IPVS_SVC_ATTR_ADDR, attrs.address.data(), address_size);
        out.put_value<std::uint16_t>(IPVS_SVC_ATTR_PORT, attrs.port);
    }
    if (full_entry) {
        const ip_vs_flags flags{attrs.flags, attrs.flags_mask};
        out.put_string(IPVS_SVC_ATTR_SCHED_NAME, attrs.scheduler);
        out.put(IPVS_SVC_ATTR_FLAGS, &flags, sizeof flags);
        out.put_value<std::uint32_t>(IPVS_SVC_ATTR_TIMEOUT, attrs.timeout);
        out.put_value<std::uint32_t>(IPVS_SVC_ATTR_NETMASK, attrs.netmask);
    }
    out.nest_end(nest);
}

void put_destination(request_writer& out, const destination_attrs& attrs, bool full_entry) {
    const std::size_t nest = out.nest_start(IPVS_CMD_ATTR_DEST);
    const std::size_t address_size = family_from_af(attrs.af) == address_family::ipv4 ? 4 : 16;
    out.put_value<std::uint16_t>(IPVS_DEST_ATTR_ADDR_FAMILY, attrs.af);
    out.put(IPVS_DEST_ATTR_ADDR, attrs.address.data(), address_size);
    out.put_value<std::uint16_t>(IPVS_DEST_ATTR_PORT, attrs.port);
    if (full_entry) {
        out.put_value<std::uint32_t>(IPVS_DEST_ATTR_FWD_METHOD, attrs.fwd_method);
        out.put_value<std::uint32_t>(IPVS_DEST_ATTR_WEIGHT, attrs.weight);
        out.put_value<std::uint32_t>(IPVS_DEST_ATTR_U_THRESH, attrs.upper_threshold);
        out.put_value<std::uint32_t>(IPVS_DEST_ATTR_L_THRESH, attrs.lower_threshold);
        out.put_value<std::uint8_t>(IPVS_DEST_ATTR_TUN_TYPE, attrs.tunnel_type);
        out.put_value<std::uint16_t>(IPVS_DEST_ATTR_TUN_PORT, attrs.tunnel_port);
        out.put_value<std::uint16_t>(IPVS_DEST_ATTR_TUN_FLAGS, attrs.tunnel_flags);
    }
    out.nest_end(nest);
}

// Appends one operation as a request with NLM_F_ACK; false (nothing appended) when it cannot
// be built.
bool append_operation(request_writer& out, int family, const operation& op, std::uint32_t seq,
                      std::uint32_t port) {
    struct builder {
        request_writer& out;
        int family;
        void operator()(const add_service& o) const {
            service_request(IPVS_CMD_NEW_SERVICE, encode_service(o.key, o.settings), true);
        }
        void operator()(const edit_service& o) const {
            service_request(IPVS_CMD_SET_SERVICE, encode_service(o.key, o.settings), true);
        }
        void operator()(const delete_service& o) const {
            service_request(IPVS_CMD_DEL_SERVICE, encode_service_key(o.key), false);
        }
        void operator()(const add_destination& o) const {
            destination_request(IPVS_CMD_NEW_DEST, o.service,
                                encode_destination(o.destination, o.settings), true);
        }
        void operator()(const edit_destination& o) const {
            destination_request(IPVS_CMD_SET_DEST, o.service,
                                encode_destination(o.destination, o.settings), true);
        }
        void operator()(const delete_destination& o) const {
            destination_request(IPVS_CMD_DEL_DEST, o.service, encode_destination(o.destination, {}),
                                false);
        }

        void service_request(std::uint8_t command, const service_attrs& attrs, bool full) const {
            out.start(family, command, NLM_F_ACK);
            put_service(out, attrs, full);
        }
        void destination_request(std::uint8_t command, const service_key& key,
                                 const destination_attrs& attrs, bool full) const {
            out.start(family, command, NLM_F_ACK);
            put_service(out, encode_service_key(key), false);
            put_destination(out, attrs, full);
        }
    };
    std::visit(builder{out, family}, op);
    return out.finish(seq, port);
}

// ---- parsing replies ----

// libnl policies: they check each attribute's minimum length before we read it.
struct policies {
    std::array<nla_policy, IPVS_CMD_ATTR_MAX + 1> command{};
    std::array<nla_policy, IPVS_SVC_ATTR_MAX + 1> service{};
    std::array<nla_policy, IPVS_DEST_ATTR_MAX + 1> destination{};

    policies() {
        command[IPVS_CMD_ATTR_SERVICE].type = NLA_NESTED;
        command[IPVS_CMD_ATTR_DEST].type = NLA_NESTED;
        service[IPVS_SVC_ATTR_AF].type = NLA_U16;
        service[IPVS_SVC_ATTR_PROTOCOL].type = NLA_U16;
        service[IPVS_SVC_ATTR_ADDR].minlen = 4;
        service[IPVS_SVC_ATTR_PORT].type = NLA_U16;
        service[IPVS_SVC_ATTR_FWMARK].type = NLA_U32;
        service[IPVS_SVC_ATTR_SCHED_NAME].type = NLA_STRING;
        service[IPVS_SVC_ATTR_FLAGS].minlen = sizeof(ip_vs_flags);
        service[IPVS_SVC_ATTR_TIMEOUT].type = NLA_U32;
        service[IPVS_SVC_ATTR_NETMASK].type = NLA_U32;
        destination[IPVS_DEST_ATTR_ADDR].minlen = 4;
        destination[IPVS_DEST_ATTR_PORT].type = NLA_U16;
        destination[IPVS_DEST_ATTR_FWD_METHOD].type = NLA_U32;
        destination[IPVS_DEST_ATTR_WEIGHT].type = NLA_U32;
        destination[IPVS_DEST_ATTR_U_THRESH].type = NLA_U32;
        destination[IPVS_DEST_ATTR_L_THRESH].type = NLA_U32;
        destination[IPVS_DEST_ATTR_ADDR_FAMILY].type = NLA_U16;
        destination[IPVS_DEST_ATTR_TUN_TYPE].type = NLA_U8;
        destination[IPVS_DEST_ATTR_TUN_PORT].type = NLA_U16;
        destination[IPVS_DEST_ATTR_TUN_FLAGS].type = NLA_U16;
        destination[IPVS_DEST_ATTR_ACTIVE_CONNS].type = NLA_U32;
        destination[IPVS_DEST_ATTR_INACT_CONNS].type = NLA_U32;
        service[IPVS_SVC_ATTR_STATS64].type = NLA_NESTED;
        destination[IPVS_DEST_ATTR_STATS64].type = NLA_NESTED;
        for (auto& entry : stats) {
            entry.type = NLA_U64;
        }
    }
    std::array<nla_policy, IPVS_STATS_ATTR_MAX + 1> stats{};
};

const policies& policy_tables() {
    static const policies tables;
    return tables;
}

void copy_address(const nlattr* attr, std::array<std::uint8_t, 16>& out) {
    const auto size = std::min<std::size_t>(static_cast<std::size_t>(nla_len(attr)), out.size());
    std::memcpy(out.data(), nla_data(attr), size);
}

// The top-level attribute `type` of a generic netlink message, or null.
nlattr* command_attribute(const nlmsghdr& header, int type) {
    auto* mutable_header = const_cast<nlmsghdr*>(&header);  // libnl's API is not const-correct
    std::array<nlattr*, IPVS_CMD_ATTR_MAX + 1> tb{};
    if (genlmsg_parse(mutable_header, 0, tb.data(), IPVS_CMD_ATTR_MAX,
                      const_cast<nla_policy*>(policy_tables().command.data())) < 0) {
        return nullptr;
    }
    return tb[static_cast<std::size_t>(type)];
}

/// The 64-bit counters nested in a STATS64 attribute; absent ones stay zero.
void read_stats(nlattr* nested, traffic_counters& out) {
    std::array<nlattr*, IPVS_STATS_ATTR_MAX + 1> tb{};
    if (nested == nullptr ||
        nla_parse_nested(tb.data(), IPVS_STATS_ATTR_MAX, nested,
                         const_cast<nla_policy*>(policy_tables().stats.data())) < 0) {
        return;
    }
    auto get = [&tb](int type) -> std::uint64_t {
        const auto* attr = tb[static_cast<std::size_t>(type)];
        return attr == nullptr ? 0 : nla_get_u64(const_cast<nlattr*>(attr));
    };
    out.connections = get(IPVS_STATS_ATTR_CONNS);
    out.packets_in = get(IPVS_STATS_ATTR_INPKTS);
    out.packets_out = get(IPVS_STATS_ATTR_OUTPKTS);
    out.bytes_in = get(IPVS_STATS_ATTR_INBYTES);
    out.bytes_out = get(IPVS_STATS_ATTR_OUTBYTES);
}

bool parse_service(const nlmsghdr& header, service_attrs& out,
                   traffic_counters* counters = nullptr) {
    nlattr* nested = command_attribute(header, IPVS_CMD_ATTR_SERVICE);
    std::array<nlattr*, IPVS_SVC_ATTR_MAX + 1> tb{};
    if (nested == nullptr ||
        nla_parse_nested(tb.data(), IPVS_SVC_ATTR_MAX, nested,
                         const_cast<nla_policy*>(policy_tables().service.data())) < 0) {
        return false;
    }
    if (tb[IPVS_SVC_ATTR_AF] == nullptr || tb[IPVS_SVC_ATTR_SCHED_NAME] == nullptr ||
        tb[IPVS_SVC_ATTR_FLAGS] == nullptr || tb[IPVS_SVC_ATTR_TIMEOUT] == nullptr ||
        tb[IPVS_SVC_ATTR_NETMASK] == nullptr) {
        return false;
    }
    out = {};
    out.af = nla_get_u16(tb[IPVS_SVC_ATTR_AF]);
    if (tb[IPVS_SVC_ATTR_FWMARK] != nullptr) {
        out.fwmark = nla_get_u32(tb[IPVS_SVC_ATTR_FWMARK]);
    }
    if (out.fwmark == 0) {
        if (tb[IPVS_SVC_ATTR_PROTOCOL] == nullptr || tb[IPVS_SVC_ATTR_ADDR] == nullptr ||
            tb[IPVS_SVC_ATTR_PORT] == nullptr) {
            return false;
        }
        out.protocol = nla_get_u16(tb[IPVS_SVC_ATTR_PROTOCOL]);
        copy_address(tb[IPVS_SVC_ATTR_ADDR], out.address);
        out.port = nla_get_u16(tb[IPVS_SVC_ATTR_PORT]);
    }
    const char* name = nla_get_string(tb[IPVS_SVC_ATTR_SCHED_NAME]);
    out.scheduler.assign(name, strnlen(name, IP_VS_SCHEDNAME_MAXLEN));
    ip_vs_flags flags{};
    std::memcpy(&flags, nla_data(tb[IPVS_SVC_ATTR_FLAGS]), sizeof flags);
    out.flags = flags.flags;
    out.flags_mask = flags.mask;
    out.timeout = nla_get_u32(tb[IPVS_SVC_ATTR_TIMEOUT]);
    out.netmask = nla_get_u32(tb[IPVS_SVC_ATTR_NETMASK]);
    if (counters != nullptr) {
        read_stats(tb[IPVS_SVC_ATTR_STATS64], *counters);
    }
    return true;
}

bool parse_destination(const nlmsghdr& header, destination_attrs& out,
                       destination_counters* counters = nullptr) {
    nlattr* nested = command_attribute(header, IPVS_CMD_ATTR_DEST);
    std::array<nlattr*, IPVS_DEST_ATTR_MAX + 1> tb{};
    if (nested == nullptr ||
        nla_parse_nested(tb.data(), IPVS_DEST_ATTR_MAX, nested,
                         const_cast<nla_policy*>(policy_tables().destination.data())) < 0) {
        return false;
    }
    if (tb[IPVS_DEST_ATTR_ADDR] == nullptr || tb[IPVS_DEST_ATTR_PORT] == nullptr ||
        tb[IPVS_DEST_ATTR_FWD_METHOD] == nullptr || tb[IPVS_DEST_ATTR_WEIGHT] == nullptr ||
        tb[IPVS_DEST_ATTR_U_THRESH] == nullptr || tb[IPVS_DEST_ATTR_L_THRESH] == nullptr) {
        return false;
    }
    out = {};
    copy_address(tb[IPVS_DEST_ATTR_ADDR], out.address);
    out.port = nla_get_u16(tb[IPVS_DEST_ATTR_PORT]);
    out.fwd_method = nla_get_u32(tb[IPVS_DEST_ATTR_FWD_METHOD]);
    out.weight = nla_get_u32(tb[IPVS_DEST_ATTR_WEIGHT]);
    out.upper_threshold = nla_get_u32(tb[IPVS_DEST_ATTR_U_THRESH]);
    out.lower_threshold = nla_get_u32(tb[IPVS_DEST_ATTR_L_THRESH]);
    // Absent before Linux 4.2 (family) and 5.2 / 5.3 (tunnel fields): zero means "default".
    if (tb[IPVS_DEST_ATTR_ADDR_FAMILY] != nullptr) {
        out.af = nla_get_u16(tb[IPVS_DEST_ATTR_ADDR_FAMILY]);
    }
    if (tb[IPVS_DEST_ATTR_TUN_TYPE] != nullptr) {
        out.tunnel_type = nla_get_u8(tb[IPVS_DEST_ATTR_TUN_TYPE]);
    }
    if (tb[IPVS_DEST_ATTR_TUN_PORT] != nullptr) {
        out.tunnel_port = nla_get_u16(tb[IPVS_DEST_ATTR_TUN_PORT]);
    }
    if (tb[IPVS_DEST_ATTR_TUN_FLAGS] != nullptr) {
        out.tunnel_flags = nla_get_u16(tb[IPVS_DEST_ATTR_TUN_FLAGS]);
    }
    if (counters != nullptr) {
        *counters = {};
        if (tb[IPVS_DEST_ATTR_ACTIVE_CONNS] != nullptr) {
            counters->active_connections = nla_get_u32(tb[IPVS_DEST_ATTR_ACTIVE_CONNS]);
        }
        if (tb[IPVS_DEST_ATTR_INACT_CONNS] != nullptr) {
            counters->inactive_connections = nla_get_u32(tb[IPVS_DEST_ATTR_INACT_CONNS]);
        }
        read_stats(tb[IPVS_DEST_ATTR_STATS64], counters->traffic);
    }
    return true;
}

// ---- the socket's I/O, below libnl: batches need several messages per sendmsg ----

std::error_code send_bytes(int fd, const std::vector<std::byte>& bytes) {
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    for (;;) {
        const ssize_t sent = ::sendto(fd, bytes.data(), bytes.size(), 0,
                                      reinterpret_cast<const sockaddr*>(&kernel), sizeof kernel);
        if (sent >= 0) {
            return {};
        }
        if (errno != EINTR) {
            return errno_code(errno);
        }
    }
}

// Reads one datagram and hands every netlink message in it to `on_message`.
// With MSG_DONTWAIT, an empty queue reads as replies_lost too.
std::error_code receive_once(int fd, std::vector<std::byte>& buffer,
                             const std::function<void(const nlmsghdr&)>& on_message,
                             int flags = 0) {
    ssize_t received = -1;
    for (;;) {
        received = ::recv(fd, buffer.data(), buffer.size(), flags);
        if (received >= 0) {
            break;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
            return genl_errc::replies_lost;
        }
        if (errno != EINTR) {
            return errno_code(errno);
        }
    }
    auto remaining = static_cast<int>(received);
    for (auto* header = reinterpret_cast<const nlmsghdr*>(buffer.data());
         NLMSG_OK(header, remaining); header = NLMSG_NEXT(header, remaining)) {
        on_message(*header);
    }
    return {};
}

// Drops whatever is still queued after a failed exchange, so the next one starts clean.
void drain(int fd, std::vector<std::byte>& buffer) {
    while (::recv(fd, buffer.data(), buffer.size(), MSG_DONTWAIT) > 0) {
    }
}

int ack_error(const nlmsghdr& header) {
    if (header.nlmsg_len < NLMSG_LENGTH(sizeof(nlmsgerr))) {
        return EBADMSG;
    }
    const auto* err = static_cast<const nlmsgerr*>(NLMSG_DATA(&header));
    return -err->error;
}

// One request with NLM_F_ACK and its acknowledgement.
std::error_code request_ack(int fd, std::uint32_t port, std::uint32_t seq, nl_msg* msg) {
    nlmsghdr* header = nlmsg_hdr(msg);
    header->nlmsg_seq = seq;
    header->nlmsg_pid = port;
    const auto* bytes = reinterpret_cast<const std::byte*>(header);
    const std::vector<std::byte> request(bytes, bytes + header->nlmsg_len);
    if (const auto ec = send_bytes(fd, request)) {
        return ec;
    }
    std::vector<std::byte> buffer(k_receive_chunk);
    bool answered = false;
    std::error_code result;
    while (!answered) {
        const auto ec = receive_once(fd, buffer, [&](const nlmsghdr& reply) {
            if (reply.nlmsg_type == NLMSG_ERROR && reply.nlmsg_seq == seq && !answered) {
                answered = true;
                if (const int error = ack_error(reply); error != 0) {
                    result = errno_code(error);
                }
            }
        });
        if (ec) {
            drain(fd, buffer);
            return ec;
        }
    }
    return result;
}

}  // namespace

const std::error_category& genl_category() noexcept {
    static const genl_category_impl category;
    return category;
}

std::error_code make_error_code(genl_errc e) noexcept {
    return {static_cast<int>(e), genl_category()};
}

namespace detail {
void nl_sock_deleter::operator()(nl_sock* sock) const noexcept {
    nl_socket_free(sock);
}
}  // namespace detail

genl_client::genl_client() {
    open_error_ = open();
}

genl_client::~genl_client() = default;

std::error_code genl_client::open() {
    family_ = -1;
    sock_.reset(nl_socket_alloc());
    if (!sock_) {
        return errno_code(ENOMEM);
    }
    // Sequence numbers are ours (apply matches them); libnl's check would reject a batch.
    nl_socket_disable_seq_check(sock_.get());
    if (const int err = genl_connect(sock_.get()); err < 0) {
        sock_.reset();
        return from_libnl(err);
    }
    const int fd = nl_socket_get_fd(sock_.get());
    // Error ACKs carry only the header, not the whole request back: smaller replies per batch.
    const int one = 1;
    (void)::setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
    if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &k_receive_buffer, sizeof k_receive_buffer) <
        0) {
        (void)::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &k_receive_buffer, sizeof k_receive_buffer);
    }
    const timeval timeout{k_receive_timeout_seconds, 0};
    (void)::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);

    const int family = genl_ctrl_resolve(sock_.get(), IPVS_GENL_NAME);
    if (family < 0) {
        return from_libnl(family);
    }
    family_ = family;
    return {};
}

std::error_code genl_client::ensure_open() {
    if (sock_ && family_ >= 0) {
        return {};
    }
    open_error_ = open();
    return open_error_;
}

bool genl_client::available() {
    return !ensure_open();
}

std::vector<operation_result> genl_client::apply(std::span<const operation> ops) {
    std::vector<operation_result> results;
    results.reserve(ops.size());
    for (const auto& op : ops) {
        results.push_back({op, {}});
    }
    if (const auto ec = ensure_open()) {
        for (auto& result : results) {
            result.error = ec;
        }
        return results;
    }
    const int fd = nl_socket_get_fd(sock_.get());
    const std::uint32_t port = nl_socket_get_local_port(sock_.get());
    std::vector<std::byte> batch;
    batch.reserve(k_max_batch_bytes + 4096);
    std::vector<std::byte> buffer(k_receive_chunk);
    std::vector<std::size_t> index_of;  // sequence - first_seq -> operation index
    std::vector<bool> answered;

    std::size_t next = 0;
    while (next < ops.size()) {
        batch.clear();
        index_of.clear();
        const std::uint32_t first_seq = next_seq_;
        request_writer writer(batch);
        while (next < ops.size() && index_of.size() < batch_limit_ &&
               batch.size() < k_max_batch_bytes) {
            // The sequence number is taken only by a request that is sent.
            if (!append_operation(writer, family_, ops[next], next_seq_, port)) {
                results[next].error = genl_errc::invalid_operation;
                ++next;
                continue;
            }
            (void)next_seq();
            index_of.push_back(next);
            ++next;
        }
        if (index_of.empty()) {
            continue;
        }
        // The kernel runs every message of the datagram before sendmsg returns, acknowledging
        // each one (NLM_F_ACK) and going on after a failure.
        if (const auto ec = send_bytes(fd, batch)) {
            for (const std::size_t i : index_of) {
                results[i].error = ec;
            }
            continue;
        }
        answered.assign(index_of.size(), false);
        std::size_t pending = index_of.size();
        const auto on_ack = [&](const nlmsghdr& header) {
            if (header.nlmsg_type != NLMSG_ERROR) {
                return;
            }
            const std::uint32_t offset = header.nlmsg_seq - first_seq;
            if (offset >= index_of.size() || answered[offset]) {
                return;
            }
            answered[offset] = true;
            --pending;
            if (const int error = ack_error(header); error != 0) {
                results[index_of[offset]].error = errno_code(error);
            }
        };
        while (pending > 0) {
            const auto ec = receive_once(fd, buffer, on_ack);
            if (ec) {
                // An overrun loses some acknowledgements, not the ones queued after it: take
                // those, and only the rest is unknown.
                while (pending > 0 && !receive_once(fd, buffer, on_ack, MSG_DONTWAIT)) {
                }
                for (std::size_t k = 0; k < index_of.size(); ++k) {
                    if (!answered[k]) {
                        results[index_of[k]].error = ec;
                    }
                }
                drain(fd, buffer);
                break;
            }
        }
    }
    return results;
}

std::error_code genl_client::dump(table& out) {
    return dump_into(out, nullptr);
}

std::error_code genl_client::dump(table& out, counter_table& counters) {
    counters.clear();
    return dump_into(out, &counters);
}

std::error_code genl_client::dump_into(table& out, counter_table* counters) {
    out.clear();
    if (const auto ec = ensure_open()) {
        return ec;
    }
    const int fd = nl_socket_get_fd(sock_.get());
    const std::uint32_t port = nl_socket_get_local_port(sock_.get());
    std::vector<std::byte> buffer(k_receive_chunk);
    std::vector<std::byte> request;

    // One dump at a time per socket (the kernel answers EBUSY to a second one), so this is a
    // request and then every reply until NLMSG_DONE.
    // `request` holds one request, built by `writer` but for its sequence number and port.
    request_writer writer(request);
    auto run_dump = [&](const std::function<bool(const nlmsghdr&)>& on_entry) {
        const std::uint32_t seq = next_seq();
        if (!writer.finish(seq, port)) {
            return std::error_code(genl_errc::invalid_operation);
        }
        if (const auto ec = send_bytes(fd, request)) {
            return ec;
        }
        bool done = false;
        std::error_code result;
        while (!done) {
            const auto ec = receive_once(fd, buffer, [&](const nlmsghdr& reply) {
                if (reply.nlmsg_seq != seq || done) {
                    return;
                }
                if (reply.nlmsg_type == NLMSG_DONE) {
                    done = true;
                } else if (reply.nlmsg_type == NLMSG_ERROR) {
                    done = true;
                    if (const int error = ack_error(reply); error != 0) {
                        result = errno_code(error);
                    }
                } else if (!result && !on_entry(reply)) {
                    result = genl_errc::malformed_reply;
                }
            });
            if (ec) {
                drain(fd, buffer);
                return ec;
            }
        }
        return result;
    };

    std::vector<service_attrs> services;
    std::vector<traffic_counters> service_traffic;
    writer.start(family_, IPVS_CMD_GET_SERVICE, NLM_F_DUMP);
    if (const auto ec = run_dump([&](const nlmsghdr& reply) {
            service_attrs attrs;
            traffic_counters traffic;
            if (!parse_service(reply, attrs, counters != nullptr ? &traffic : nullptr)) {
                return false;
            }
            services.push_back(std::move(attrs));
            service_traffic.push_back(traffic);
            return true;
        })) {
        return ec;
    }

    for (std::size_t index = 0; index < services.size(); ++index) {
        const auto& attrs = services[index];
        const auto decoded = decode_service(attrs);
        if (!decoded) {
            continue;  // not representable in the model, hence never vipd's
        }
        const auto& [key, settings] = *decoded;
        service& entry = out[key];
        entry.settings = settings;
        service_counters* counted = nullptr;
        if (counters != nullptr) {
            counted = &(*counters)[key];
            counted->traffic = service_traffic[index];
        }
        request.clear();
        writer.start(family_, IPVS_CMD_GET_DEST, NLM_F_DUMP);
        put_service(writer, attrs, false);
        const address_family family = family_of(key);
        const auto ec = run_dump([&](const nlmsghdr& reply) {
            destination_attrs dest;
            destination_counters dest_counters;
            if (!parse_destination(reply, dest, counted != nullptr ? &dest_counters : nullptr)) {
                return false;
            }
            if (const auto real = decode_destination(dest, family)) {
                entry.destinations.insert_or_assign(real->first, real->second);
                if (counted != nullptr) {
                    counted->destinations.insert_or_assign(real->first, dest_counters);
                }
            }
            return true;
        });
        // A service deleted between the two dumps is simply gone.
        if (ec == std::errc::no_such_process || ec == std::errc::no_such_file_or_directory) {
            out.erase(key);
            if (counters != nullptr) {
                counters->erase(key);
            }
            continue;
        }
        if (ec) {
            return ec;
        }
    }
    return {};
}

std::error_code genl_client::start_sync(sync_role role, const std::string& interface,
                                        std::uint8_t sync_id) {
    if (const auto ec = ensure_open()) {
        return ec;
    }
    nl_msg_ptr msg = new_request(family_, IPVS_CMD_NEW_DAEMON, NLM_F_ACK);
    if (!msg) {
        return genl_errc::invalid_operation;
    }
    nlattr* nest = nla_nest_start(msg.get(), IPVS_CMD_ATTR_DAEMON);
    const std::uint32_t state = role == sync_role::master ? IP_VS_STATE_MASTER : IP_VS_STATE_BACKUP;
    if (nest == nullptr || nla_put_u32(msg.get(), IPVS_DAEMON_ATTR_STATE, state) < 0 ||
        nla_put_string(msg.get(), IPVS_DAEMON_ATTR_MCAST_IFN, interface.c_str()) < 0 ||
        nla_put_u32(msg.get(), IPVS_DAEMON_ATTR_SYNC_ID, sync_id) < 0 ||
        nla_nest_end(msg.get(), nest) < 0) {
        return genl_errc::invalid_operation;
    }
    return request_ack(nl_socket_get_fd(sock_.get()), nl_socket_get_local_port(sock_.get()),
                       next_seq(), msg.get());
}

std::error_code genl_client::stop_sync(sync_role role) {
    if (const auto ec = ensure_open()) {
        return ec;
    }
    nl_msg_ptr msg = new_request(family_, IPVS_CMD_DEL_DAEMON, NLM_F_ACK);
    if (!msg) {
        return genl_errc::invalid_operation;
    }
    nlattr* nest = nla_nest_start(msg.get(), IPVS_CMD_ATTR_DAEMON);
    const std::uint32_t state = role == sync_role::master ? IP_VS_STATE_MASTER : IP_VS_STATE_BACKUP;
    if (nest == nullptr || nla_put_u32(msg.get(), IPVS_DAEMON_ATTR_STATE, state) < 0 ||
        nla_nest_end(msg.get(), nest) < 0) {
        return genl_errc::invalid_operation;
    }
    return request_ack(nl_socket_get_fd(sock_.get()), nl_socket_get_local_port(sock_.get()),
                       next_seq(), msg.get());
}

}  // namespace vipd::ipvs::linux
