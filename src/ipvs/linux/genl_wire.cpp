#include "genl_wire.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <linux/ip_vs.h>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <sys/socket.h>

#include "vipd/ipvs/linux/genl_client.hpp"

namespace vipd::ipvs::linux::wire {
namespace {

// ---- parsing replies ----

// libnl policies: they check each attribute's minimum length before we read it.
struct policies {
    std::array<nla_policy, IPVS_CMD_ATTR_MAX + 1> command{};
    std::array<nla_policy, IPVS_SVC_ATTR_MAX + 1> service{};
    std::array<nla_policy, IPVS_DEST_ATTR_MAX + 1> destination{};
    std::array<nla_policy, IPVS_DAEMON_ATTR_MAX + 1> daemon{};

    policies() {
        command[IPVS_CMD_ATTR_SERVICE].type = NLA_NESTED;
        command[IPVS_CMD_ATTR_DEST].type = NLA_NESTED;
        command[IPVS_CMD_ATTR_DAEMON].type = NLA_NESTED;
        daemon[IPVS_DAEMON_ATTR_STATE].type = NLA_U32;
        daemon[IPVS_DAEMON_ATTR_MCAST_IFN].type = NLA_STRING;
        daemon[IPVS_DAEMON_ATTR_SYNC_ID].type = NLA_U32;
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

/// The attributes nested in the message's top-level attribute `type`, checked against
/// `policy`; false when it is missing or malformed.
template <std::size_t Size>
bool nested_attributes(const nlmsghdr& header, int type, const std::array<nla_policy, Size>& policy,
                       std::array<nlattr*, Size>& tb) {
    nlattr* nested = command_attribute(header, type);
    return nested != nullptr && nla_parse_nested(tb.data(), static_cast<int>(Size - 1), nested,
                                                 const_cast<nla_policy*>(policy.data())) >= 0;
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

}  // namespace

std::error_code errno_code(int value) {
    return {value, std::system_category()};
}

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

bool parse_service(const nlmsghdr& header, service_attrs& out, traffic_counters* counters) {
    std::array<nlattr*, IPVS_SVC_ATTR_MAX + 1> tb{};
    if (!nested_attributes(header, IPVS_CMD_ATTR_SERVICE, policy_tables().service, tb)) {
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
                       destination_counters* counters) {
    std::array<nlattr*, IPVS_DEST_ATTR_MAX + 1> tb{};
    if (!nested_attributes(header, IPVS_CMD_ATTR_DEST, policy_tables().destination, tb)) {
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

bool parse_daemon(const nlmsghdr& header, daemon_attrs& out) {
    std::array<nlattr*, IPVS_DAEMON_ATTR_MAX + 1> tb{};
    if (!nested_attributes(header, IPVS_CMD_ATTR_DAEMON, policy_tables().daemon, tb)) {
        return false;
    }
    if (tb[IPVS_DAEMON_ATTR_STATE] == nullptr || tb[IPVS_DAEMON_ATTR_MCAST_IFN] == nullptr ||
        tb[IPVS_DAEMON_ATTR_SYNC_ID] == nullptr) {
        return false;
    }
    out = {};
    out.state = nla_get_u32(tb[IPVS_DAEMON_ATTR_STATE]);
    const char* name = nla_get_string(tb[IPVS_DAEMON_ATTR_MCAST_IFN]);
    out.interface.assign(name, strnlen(name, IP_VS_IFNAME_MAXLEN));
    out.sync_id = nla_get_u32(tb[IPVS_DAEMON_ATTR_SYNC_ID]);
    return true;
}

// ---- the socket's I/O, below libnl: batches need several messages per sendmsg ----

std::error_code send_bytes(int fd, std::span<const std::byte> bytes) {
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

std::error_code receive_once(int fd, std::vector<std::byte>& buffer,
                             const std::function<void(const nlmsghdr&)>& on_message, int flags) {
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
         remaining > 0 && NLMSG_OK(header, static_cast<unsigned>(remaining));
         header = NLMSG_NEXT(header, remaining)) {
        on_message(*header);
    }
    return {};
}

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

std::error_code exchange(int fd, std::uint32_t seq, std::span<const std::byte> request,
                         std::vector<std::byte>& buffer,
                         const std::function<bool(const nlmsghdr&)>& on_entry) {
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
}

}  // namespace vipd::ipvs::linux::wire
