#include "rtnl_netlink.hpp"

#include <cerrno>
#include <cstring>
#include <functional>

#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/ipv6.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "vipd/core/kernel_deadline.hpp"

// Headers older than Linux 4.20 lack it; the value is the uapi's (include/uapi/linux/netlink.h).
#ifndef NETLINK_GET_STRICT_CHK
#define NETLINK_GET_STRICT_CHK 12
#endif

namespace vipd::net::linux::detail {

void nl_sock_deleter::operator()(nl_sock* sock) const noexcept {
    nl_socket_free(sock);
}

void nl_msg_deleter::operator()(nl_msg* msg) const noexcept {
    nlmsg_free(msg);
}

int errno_from_libnl(int libnl_error) noexcept {
    switch (libnl_error < 0 ? -libnl_error : libnl_error) {
        case NLE_SUCCESS:
            return 0;
        case NLE_INTR:
            return EINTR;
        case NLE_BAD_SOCK:
            return EBADF;
        case NLE_AGAIN:
            return EAGAIN;
        case NLE_NOMEM:
            return ENOBUFS;  // libnl folds ENOBUFS (socket overrun) into NLE_NOMEM
        case NLE_EXIST:
            return EEXIST;
        case NLE_INVAL:
            return EINVAL;
        case NLE_RANGE:
            return ERANGE;
        case NLE_MSGSIZE:
            return EMSGSIZE;
        case NLE_OPNOTSUPP:
            return EOPNOTSUPP;
        case NLE_AF_NOSUPPORT:
            return EAFNOSUPPORT;
        case NLE_OBJ_NOTFOUND:
            return ENOENT;
        case NLE_NOATTR:
            return ENOENT;
        case NLE_MISSING_ATTR:
            return EINVAL;
        case NLE_SEQ_MISMATCH:
            return EPROTO;
        case NLE_MSG_OVERFLOW:
            return EMSGSIZE;
        case NLE_MSG_TRUNC:
            return EMSGSIZE;
        case NLE_NOADDR:
            return EADDRNOTAVAIL;
        case NLE_SRCRT_NOSUPPORT:
            return EOPNOTSUPP;
        case NLE_MSG_TOOSHORT:
            return EBADMSG;
        case NLE_MSGTYPE_NOSUPPORT:
            return EOPNOTSUPP;
        case NLE_OBJ_MISMATCH:
            return EINVAL;
        case NLE_NOCACHE:
            return ENOENT;
        case NLE_BUSY:
            return EBUSY;
        case NLE_PROTO_MISMATCH:
            return EPROTONOSUPPORT;
        case NLE_NOACCESS:
            return EACCES;
        case NLE_PERM:
            return EPERM;
        case NLE_PKTLOC_FILE:
            return ENOENT;
        case NLE_PARSE_ERR:
            return EBADMSG;
        case NLE_NODEV:
            return ENODEV;
        case NLE_IMMUTABLE:
            return EPERM;
        case NLE_DUMP_INTR:
            return EINTR;
        case NLE_ATTRSIZE:
            return EINVAL;
        default:
            return EIO;
    }
}

namespace {

std::error_code from_errno(int value) {
    return {value, std::system_category()};
}

/// State of one request/response exchange. libnl's own callbacks would turn the kernel's errno
/// into an NLE_* code and lose it (EADDRNOTAVAIL and ENODEV both become NLE_NODEV-like codes),
/// so the error is captured here before libnl translates it.
struct exchange {
    std::uint32_t sequence = 0;
    int error = 0;
    bool done = false;
    std::function<void(const nlmsghdr*)> on_message;
};

int on_sequence_check(nl_msg* msg, void* arg) {
    // A reply left over from an earlier request that failed half-way is skipped, not fatal.
    auto* state = static_cast<exchange*>(arg);
    return nlmsg_hdr(msg)->nlmsg_seq == state->sequence ? NL_OK : NL_SKIP;
}

int on_valid(nl_msg* msg, void* arg) {
    auto* state = static_cast<exchange*>(arg);
    if (state->on_message) {
        state->on_message(nlmsg_hdr(msg));
    }
    return NL_OK;
}

int on_finished(nl_msg*, void* arg) {
    static_cast<exchange*>(arg)->done = true;
    return NL_STOP;
}

int on_dump_done(nl_msg* msg, void* arg) {
    // A dump that fails (at once, as a strict dump of a table that does not exist, or part-way)
    // still ends with NLMSG_DONE, its payload the negative errno (netlink_dump() in
    // net/netlink/af_netlink.c); libnl 3.7 reports it as a plain end.
    const nlmsghdr* header = nlmsg_hdr(msg);
    if (nlmsg_datalen(header) >= static_cast<int>(sizeof(int))) {
        int result = 0;
        std::memcpy(&result, nlmsg_data(header), sizeof result);
        if (result < 0) {
            static_cast<exchange*>(arg)->error = -result;
        }
    }
    return on_finished(msg, arg);
}

int on_error(sockaddr_nl*, nlmsgerr* error, void* arg) {
    auto* state = static_cast<exchange*>(arg);
    state->error = error->error < 0 ? -error->error : error->error;
    state->done = true;
    return NL_STOP;
}

/// Sends `msg` and receives until the kernel's ACK, NLMSG_DONE or NLMSG_ERROR; every other
/// reply with the request's sequence number goes to `on_message`.
std::error_code transact(nl_sock* sock, nl_msg* msg,
                         std::function<void(const nlmsghdr*)> on_message) {
    const int sent = nl_send_auto(sock, msg);
    if (sent < 0) {
        return from_errno(errno_from_libnl(sent));
    }
    exchange state;
    state.sequence = nlmsg_hdr(msg)->nlmsg_seq;
    state.on_message = std::move(on_message);

    nl_cb* callbacks = nl_cb_alloc(NL_CB_DEFAULT);
    if (callbacks == nullptr) {
        return from_errno(ENOMEM);
    }
    nl_cb_set(callbacks, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, on_sequence_check, &state);
    nl_cb_set(callbacks, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &state);
    nl_cb_set(callbacks, NL_CB_ACK, NL_CB_CUSTOM, on_finished, &state);
    nl_cb_set(callbacks, NL_CB_FINISH, NL_CB_CUSTOM, on_dump_done, &state);
    nl_cb_err(callbacks, NL_CB_CUSTOM, on_error, &state);

    int interrupted = 0;
    while (!state.done) {
        const int received = nl_recvmsgs(sock, callbacks);
        if (received == -NLE_DUMP_INTR) {
            // The dump completed but the kernel's tables changed under it; the caller retries.
            interrupted = EINTR;
            break;
        }
        if (received < 0 && !state.done) {
            nl_cb_put(callbacks);
            // NLE_AGAIN here is SO_RCVTIMEO expiring: the reply was lost.
            return from_errno(received == -NLE_AGAIN ? ETIMEDOUT : errno_from_libnl(received));
        }
    }
    nl_cb_put(callbacks);
    if (state.error != 0) {
        return from_errno(state.error);
    }
    return from_errno(interrupted);
}

/// Runs the dump `make_request` builds, retrying when the kernel flags it as interrupted
/// (NLM_F_DUMP_INTR) so callers always see a consistent table.
std::error_code dump(nl_sock* sock, const std::function<nl_msg_ptr()>& make_request,
                     const std::function<void()>& reset,
                     const std::function<void(const nlmsghdr*)>& on_message) {
    constexpr int k_attempts = 5;
    std::error_code result;
    for (int attempt = 0; attempt < k_attempts; ++attempt) {
        reset();
        const nl_msg_ptr msg = make_request();
        if (!msg) {
            return from_errno(ENOMEM);
        }
        result = transact(sock, msg.get(), on_message);
        if (result != std::error_code(EINTR, std::system_category())) {
            return result;
        }
    }
    return result;
}

/// A dump of `type` with a zeroed family header of `header_size` bytes.
std::error_code dump(nl_sock* sock, int type, std::size_t header_size,
                     const std::function<void()>& reset,
                     const std::function<void(const nlmsghdr*)>& on_message) {
    return dump(
        sock,
        [type, header_size] {
            nl_msg_ptr msg(nlmsg_alloc_simple(type, NLM_F_DUMP));
            // ifinfomsg and ifaddrmsg both start with the family byte; AF_UNSPEC asks for all.
            unsigned char header[sizeof(ifinfomsg) > sizeof(ifaddrmsg) ? sizeof(ifinfomsg)
                                                                       : sizeof(ifaddrmsg)]{};
            if (msg && nlmsg_append(msg.get(), header, header_size, NLMSG_ALIGNTO) < 0) {
                msg.reset();
            }
            return msg;
        },
        reset, on_message);
}

}  // namespace

std::error_code dump_request(nl_sock* sock, const std::function<nl_msg_ptr()>& make_request,
                             const std::function<void()>& reset,
                             const std::function<void(const nlmsghdr*)>& on_message) {
    return dump(sock, make_request, reset, on_message);
}

namespace {

std::error_code set_strict_dumps(nl_sock* sock, int on) {
    if (::setsockopt(nl_socket_get_fd(sock), SOL_NETLINK, NETLINK_GET_STRICT_CHK, &on, sizeof on) !=
        0) {
        return from_errno(errno);
    }
    return {};
}

}  // namespace

std::error_code enable_strict_dumps(nl_sock* sock) {
    return set_strict_dumps(sock, 1);
}

std::error_code disable_strict_dumps(nl_sock* sock) {
    return set_strict_dumps(sock, 0);
}

std::uint8_t rtm_table_of(std::uint32_t table) {
    return table < 256 ? static_cast<std::uint8_t>(table) : std::uint8_t{RT_TABLE_UNSPEC};
}

nl_msg_ptr route_dump_request(unsigned char family, std::uint32_t table, std::uint8_t protocol) {
    nl_msg_ptr msg(nlmsg_alloc_simple(RTM_GETROUTE, NLM_F_DUMP));
    if (!msg) {
        return msg;
    }
    rtmsg header{};
    header.rtm_family = family;
    header.rtm_table = rtm_table_of(table);
    header.rtm_protocol = protocol;
    if (nlmsg_append(msg.get(), &header, sizeof(header), NLMSG_ALIGNTO) < 0 ||
        nla_put_u32(msg.get(), RTA_TABLE, table) < 0) {
        msg.reset();
    }
    return msg;
}

std::error_code open_request_socket(nl_sock_ptr& out) {
    nl_sock_ptr sock(nl_socket_alloc());
    if (!sock) {
        return from_errno(ENOMEM);
    }
    const int connected = nl_connect(sock.get(), NETLINK_ROUTE);
    if (connected < 0) {
        return from_errno(errno_from_libnl(connected));
    }
    // Peek at each datagram's size first: a dump of many addresses must never be truncated.
    nl_socket_enable_msg_peek(sock.get());
    // A lost reply must not hold the event loop (and the adverts) beyond the deadline.
    const timeval timeout = kernel_reply_timeval();
    if (::setsockopt(nl_socket_get_fd(sock.get()), SOL_SOCKET, SO_RCVTIMEO, &timeout,
                     sizeof timeout) != 0) {
        return from_errno(errno);
    }
    out = std::move(sock);
    return {};
}

std::error_code request_ack(nl_sock* sock, nl_msg* msg) {
    return transact(sock, msg, {});
}

const nlattr* af_spec_find(const nlattr* af_spec, int family, int type) {
    // nla_for_each_nested stops at a truncated attribute; the caller checks lengths.
    const nlattr* nest = nullptr;
    int left = 0;
    nla_for_each_nested(nest, af_spec, left) {
        if (nla_type(nest) != family) {
            continue;
        }
        const nlattr* item = nullptr;
        int rest = 0;
        nla_for_each_nested(item, nest, rest) {
            if (nla_type(item) == type) {
                return item;
            }
        }
    }
    return nullptr;
}

std::optional<std::uint32_t> conf_entry(const nlattr* conf, std::size_t position) {
    const auto offset = sizeof(std::uint32_t) * position;
    if (conf == nullptr || nla_len(conf) < static_cast<int>(offset + sizeof(std::uint32_t))) {
        return std::nullopt;
    }
    std::uint32_t value = 0;
    std::memcpy(&value, static_cast<const char*>(nla_data(conf)) + offset, sizeof value);
    return value;
}

namespace {

/// The interface's net.ipv6.conf.IF.forwarding, from IFLA_AF_SPEC.
bool ipv6_forwarding_of(const nlattr* af_spec) {
    const auto forwarding =
        conf_entry(af_spec_find(af_spec, AF_INET6, IFLA_INET6_CONF), DEVCONF_FORWARDING);
    return forwarding.value_or(0) != 0;
}

}  // namespace

bool parse_link(const nlmsghdr* header, link_record& out) {
    if (header->nlmsg_type != RTM_NEWLINK) {
        return false;
    }
    auto* mutable_header = const_cast<nlmsghdr*>(header);
    nlattr* attributes[IFLA_MAX + 1]{};
    if (nlmsg_parse(mutable_header, sizeof(ifinfomsg), attributes, IFLA_MAX, nullptr) < 0) {
        return false;
    }
    const auto* info = static_cast<const ifinfomsg*>(nlmsg_data(header));
    out = link_record{};
    out.index = info->ifi_index;
    out.flags = info->ifi_flags;
    if (const nlattr* name = attributes[IFLA_IFNAME]; name != nullptr && nla_len(name) > 0) {
        // Not nla_get_string: nothing but the kernel's habit says the name ends in a NUL.
        const auto* text = static_cast<const char*>(nla_data(name));
        out.name.assign(text, ::strnlen(text, static_cast<std::size_t>(nla_len(name))));
    }
    if (attributes[IFLA_ADDRESS] != nullptr &&
        nla_len(attributes[IFLA_ADDRESS]) == static_cast<int>(out.mac.size())) {
        std::memcpy(out.mac.data(), nla_data(attributes[IFLA_ADDRESS]), out.mac.size());
    }
    if (attributes[IFLA_AF_SPEC] != nullptr) {
        out.ipv6_forwarding = ipv6_forwarding_of(attributes[IFLA_AF_SPEC]);
    }
    return !out.name.empty();
}

bool parse_address(const nlmsghdr* header, address_record& out) {
    if (header->nlmsg_type != RTM_NEWADDR && header->nlmsg_type != RTM_DELADDR) {
        return false;
    }
    auto* mutable_header = const_cast<nlmsghdr*>(header);
    nlattr* attributes[IFA_MAX + 1]{};
    if (nlmsg_parse(mutable_header, sizeof(ifaddrmsg), attributes, IFA_MAX, nullptr) < 0) {
        return false;
    }
    const auto* info = static_cast<const ifaddrmsg*>(nlmsg_data(header));
    if (info->ifa_family != AF_INET && info->ifa_family != AF_INET6) {
        return false;
    }
    // For IPv4, IFA_ADDRESS is the peer on point-to-point links; IFA_LOCAL is the address that
    // is ours. IPv6 sends IFA_ADDRESS only (plus IFA_LOCAL for peer addresses).
    nlattr* source =
        attributes[IFA_LOCAL] != nullptr ? attributes[IFA_LOCAL] : attributes[IFA_ADDRESS];
    if (source == nullptr) {
        return false;
    }
    const auto length = static_cast<std::size_t>(nla_len(source));
    const std::size_t expected = info->ifa_family == AF_INET ? 4 : 16;
    if (length != expected) {
        return false;
    }
    auto address = ip_address::from_bytes(
        std::span<const std::uint8_t>(static_cast<const std::uint8_t*>(nla_data(source)), length));
    if (!address) {
        return false;
    }
    out = address_record{};
    out.index = static_cast<int>(info->ifa_index);
    out.address = *address;
    out.prefix_length = info->ifa_prefixlen;
    // Attributes shorter than their type are ignored, never read past (nlmsg_parse checks
    // lengths only against a policy).
    const nlattr* flags = attributes[IFA_FLAGS];
    out.flags = flags != nullptr && nla_len(flags) >= static_cast<int>(sizeof(std::uint32_t))
                    ? nla_get_u32(flags)
                    : info->ifa_flags;
    if (const nlattr* protocol = attributes[IFA_PROTO];
        protocol != nullptr && nla_len(protocol) >= 1) {
        out.protocol = nla_get_u8(protocol);
    }
    return true;
}

std::error_code dump_links(nl_sock* sock, std::vector<link_record>& out) {
    return dump(
        sock, RTM_GETLINK, sizeof(ifinfomsg), [&out] { out.clear(); },
        [&out](const nlmsghdr* header) {
            link_record record;
            if (parse_link(header, record)) {
                out.push_back(std::move(record));
            }
        });
}

std::error_code dump_addresses(nl_sock* sock, std::vector<address_record>& out) {
    return dump(
        sock, RTM_GETADDR, sizeof(ifaddrmsg), [&out] { out.clear(); },
        [&out](const nlmsghdr* header) {
            address_record record;
            if (parse_address(header, record)) {
                out.push_back(record);
            }
        });
}

std::error_code get_link_reply(nl_sock* sock, const std::string& name,
                               const std::function<bool(const nlmsghdr*)>& on_reply) {
    if (name.empty() || name.size() >= IFNAMSIZ) {
        return from_errno(ENODEV);
    }
    nl_msg_ptr msg(nlmsg_alloc_simple(RTM_GETLINK, 0));
    if (!msg) {
        return from_errno(ENOMEM);
    }
    ifinfomsg header{};
    header.ifi_family = AF_UNSPEC;
    if (nlmsg_append(msg.get(), &header, sizeof(header), NLMSG_ALIGNTO) < 0 ||
        nla_put_string(msg.get(), IFLA_IFNAME, name.c_str()) < 0) {
        return from_errno(ENOMEM);
    }
    bool found = false;
    const auto result =
        transact(sock, msg.get(), [&](const nlmsghdr* reply) { found = on_reply(reply) || found; });
    if (result) {
        return result;
    }
    return found ? std::error_code{} : from_errno(ENODEV);
}

std::error_code get_link(nl_sock* sock, const std::string& name, link_record& out) {
    return get_link_reply(sock, name,
                          [&out](const nlmsghdr* reply) { return parse_link(reply, out); });
}

}  // namespace vipd::net::linux::detail
