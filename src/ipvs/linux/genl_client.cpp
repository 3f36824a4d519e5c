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

#include "genl_wire.hpp"
#include "vipd/core/kernel_deadline.hpp"
#include "vipd/ipvs/linux/genl_translate.hpp"

namespace vipd::ipvs::linux {

using namespace wire;  // this file is the wire's main user

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

struct nl_msg_deleter {
    void operator()(nl_msg* msg) const noexcept { nlmsg_free(msg); }
};
using nl_msg_ptr = std::unique_ptr<nl_msg, nl_msg_deleter>;

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

// Appends one operation as a request without NLM_F_ACK (the kernel then answers only a
// failure); false (nothing appended) when it cannot be built.
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
            out.start(family, command, 0);
            put_service(out, attrs, full);
        }
        void destination_request(std::uint8_t command, const service_key& key,
                                 const destination_attrs& attrs, bool full) const {
            out.start(family, command, 0);
            put_service(out, encode_service_key(key), false);
            put_destination(out, attrs, full);
        }
    };
    std::visit(builder{out, family}, op);
    return out.finish(seq, port);
}
// One request with NLM_F_ACK and its acknowledgement.
std::error_code request_ack(int fd, std::uint32_t port, std::uint32_t seq, nl_msg* msg) {
    nlmsghdr* header = nlmsg_hdr(msg);
    header->nlmsg_seq = seq;
    header->nlmsg_pid = port;
    const std::span<const std::byte> request(reinterpret_cast<const std::byte*>(header),
                                             header->nlmsg_len);
    std::vector<std::byte> buffer(k_receive_chunk);
    return exchange(fd, seq, request, buffer, [](const nlmsghdr&) { return true; });
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
    const timeval timeout = kernel_reply_timeval();
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
    std::vector<bool> failed;

    std::size_t next = 0;
    while (next < ops.size()) {
        batch.clear();
        index_of.clear();
        const std::uint32_t first_seq = next_seq_;
        std::size_t last_start = 0;
        request_writer writer(batch);
        while (next < ops.size() && index_of.size() < batch_limit_ &&
               batch.size() < k_max_batch_bytes) {
            // The sequence number is taken only by a request that is sent.
            const std::size_t start = batch.size();
            if (!append_operation(writer, family_, ops[next], next_seq_, port)) {
                results[next].error = genl_errc::invalid_operation;
                ++next;
                continue;
            }
            last_start = start;
            (void)next_seq();
            index_of.push_back(next);
            ++next;
        }
        if (index_of.empty()) {
            continue;
        }
        // Only failures are answered, and the batch's last request asks for an
        // acknowledgement: the kernel runs the messages in order, so once that one is in,
        // every failure before it is too. An acknowledgement per request cost the kernel an
        // skb each and most of the batch's receive time.
        const std::uint32_t last_seq = first_seq + static_cast<std::uint32_t>(index_of.size() - 1);
        nlmsghdr last{};
        std::memcpy(&last, batch.data() + last_start, sizeof last);
        last.nlmsg_flags |= NLM_F_ACK;
        std::memcpy(batch.data() + last_start, &last, sizeof last);
        if (const auto ec = send_bytes(fd, batch)) {
            for (const std::size_t i : index_of) {
                results[i].error = ec;
            }
            continue;
        }
        failed.assign(index_of.size(), false);
        bool finished = false;
        const auto on_answer = [&](const nlmsghdr& header) {
            if (header.nlmsg_type != NLMSG_ERROR) {
                return;
            }
            const std::uint32_t offset = header.nlmsg_seq - first_seq;
            if (offset >= index_of.size()) {
                return;
            }
            if (const int error = ack_error(header); error != 0 && !failed[offset]) {
                failed[offset] = true;
                results[index_of[offset]].error = errno_code(error);
            }
            finished = finished || header.nlmsg_seq == last_seq;
        };
        while (!finished) {
            if (const auto ec = receive_once(fd, buffer, on_answer)) {
                // An overrun may have lost a failure: the failures still queued are known, the
                // outcome of the rest is not.
                while (!finished && !receive_once(fd, buffer, on_answer, MSG_DONTWAIT)) {
                }
                for (std::size_t k = 0; k < index_of.size(); ++k) {
                    if (!failed[k]) {
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
