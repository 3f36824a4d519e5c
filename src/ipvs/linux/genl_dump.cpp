// Reading the kernel's IPVS table: the whole of it (start-up, vipctl ipvs), the service list
// alone, or a few services at a time (a resync slice, a health or role change); and the
// connection sync daemons it runs.

#include <cerrno>
#include <optional>
#include <utility>

#include <linux/ip_vs.h>
#include <netlink/socket.h>

#include "genl_wire.hpp"
#include "vipd/ipvs/linux/genl_client.hpp"
#include "vipd/ipvs/linux/genl_translate.hpp"

namespace vipd::ipvs::linux {
namespace {

/// One request and its replies at a time: the kernel answers EBUSY to a second dump on a
/// socket while one runs, so reads are sequential.
class table_reader {
  public:
    table_reader(nl_sock* sock, int family, std::uint32_t& next_seq)
        : fd_(nl_socket_get_fd(sock)),
          port_(nl_socket_get_local_port(sock)),
          family_(family),
          next_seq_(next_seq),
          buffer_(wire::k_receive_chunk) {}

    /// Every service, in the kernel's order; `traffic` gets their counters when not null.
    std::error_code services(std::vector<service_attrs>& out,
                             std::vector<traffic_counters>* traffic) {
        wire::request_writer& writer = start(IPVS_CMD_GET_SERVICE, NLM_F_DUMP);
        return run(writer, [&](const nlmsghdr& reply) {
            service_attrs attrs;
            traffic_counters counted;
            if (!wire::parse_service(reply, attrs, traffic != nullptr ? &counted : nullptr)) {
                return false;
            }
            out.push_back(std::move(attrs));
            if (traffic != nullptr) {
                traffic->push_back(counted);
            }
            return true;
        });
    }

    /// One service by key; nullopt when the kernel has no such service.
    std::error_code service(const service_key& key, std::optional<service_attrs>& out,
                            traffic_counters* traffic = nullptr) {
        out.reset();
        wire::request_writer& writer = start(IPVS_CMD_GET_SERVICE, NLM_F_ACK);
        wire::put_service(writer, encode_service_key(key), false);
        const auto ec = run(writer, [&](const nlmsghdr& reply) {
            service_attrs attrs;
            if (!wire::parse_service(reply, attrs, traffic)) {
                return false;
            }
            out = std::move(attrs);
            return true;
        });
        return gone(ec) ? std::error_code{} : ec;
    }

    /// The destinations of a service into `entry` (and `counted` when not null); false in
    /// `present` when the service went away meanwhile.
    std::error_code destinations(const service_attrs& attrs, address_family family,
                                 ipvs::service& entry, service_counters* counted, bool& present) {
        wire::request_writer& writer = start(IPVS_CMD_GET_DEST, NLM_F_DUMP);
        wire::put_service(writer, attrs, false);
        const auto ec = run(writer, [&](const nlmsghdr& reply) {
            destination_attrs dest;
            destination_counters dest_counters;
            if (!wire::parse_destination(reply, dest,
                                         counted != nullptr ? &dest_counters : nullptr)) {
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
        present = !gone(ec);
        return present ? ec : std::error_code{};
    }

    /// The connection sync daemons the kernel runs, one reply each (GET_DAEMON is dump-only).
    std::error_code daemons(std::vector<wire::daemon_attrs>& out) {
        wire::request_writer& writer = start(IPVS_CMD_GET_DAEMON, NLM_F_DUMP);
        return run(writer, [&](const nlmsghdr& reply) {
            wire::daemon_attrs attrs;
            if (!wire::parse_daemon(reply, attrs)) {
                return false;
            }
            out.push_back(std::move(attrs));
            return true;
        });
    }

  private:
    static bool gone(const std::error_code& ec) {
        return ec == std::errc::no_such_process || ec == std::errc::no_such_file_or_directory;
    }

    wire::request_writer& start(std::uint8_t command, int flags) {
        request_.clear();
        writer_.start(family_, command, flags);
        return writer_;
    }

    std::error_code run(wire::request_writer& writer,
                        const std::function<bool(const nlmsghdr&)>& on_entry) {
        const std::uint32_t seq = next_seq_++;
        if (!writer.finish(seq, port_)) {
            return genl_errc::invalid_operation;
        }
        return wire::exchange(fd_, seq, request_, buffer_, on_entry);
    }

    int fd_;
    std::uint32_t port_;
    int family_;
    std::uint32_t& next_seq_;
    std::vector<std::byte> buffer_;
    std::vector<std::byte> request_;
    wire::request_writer writer_{request_};  // builds one request at a time into request_
};

std::optional<sync_role> role_of_state(std::uint32_t state) {
    switch (state) {
        case IP_VS_STATE_MASTER:
            return sync_role::master;
        case IP_VS_STATE_BACKUP:
            return sync_role::backup;
        default:
            return std::nullopt;
    }
}

}  // namespace

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
    table_reader reader(sock_.get(), family_, next_seq_);
    std::vector<service_attrs> services;
    std::vector<traffic_counters> service_traffic;
    if (const auto ec =
            reader.services(services, counters != nullptr ? &service_traffic : nullptr)) {
        return ec;
    }
    for (std::size_t index = 0; index < services.size(); ++index) {
        const auto decoded = decode_service(services[index]);
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
        bool present = true;
        if (const auto ec =
                reader.destinations(services[index], family_of(key), entry, counted, present)) {
            return ec;
        }
        if (!present) {  // deleted between the two dumps: simply gone
            out.erase(key);
            if (counters != nullptr) {
                counters->erase(key);
            }
        }
    }
    return {};
}

std::error_code genl_client::list(std::set<service_key>& out) {
    out.clear();
    if (const auto ec = ensure_open()) {
        return ec;
    }
    table_reader reader(sock_.get(), family_, next_seq_);
    std::vector<service_attrs> services;
    if (const auto ec = reader.services(services, nullptr)) {
        return ec;
    }
    for (const auto& attrs : services) {
        if (const auto decoded = decode_service(attrs)) {
            out.insert(decoded->first);
        }
    }
    return {};
}

std::error_code genl_client::dump(std::span<const service_key> keys, table& out) {
    return dump_keys(keys, out, nullptr);
}

std::error_code genl_client::dump(std::span<const service_key> keys, table& out,
                                  counter_table& counters) {
    return dump_keys(keys, out, &counters);
}

std::error_code genl_client::dump_keys(std::span<const service_key> keys, table& out,
                                       counter_table* counters) {
    out.clear();
    if (counters != nullptr) {
        counters->clear();
    }
    if (const auto ec = ensure_open()) {
        return ec;
    }
    table_reader reader(sock_.get(), family_, next_seq_);
    for (const auto& wanted : keys) {
        std::optional<service_attrs> attrs;
        traffic_counters traffic;
        if (const auto ec =
                reader.service(wanted, attrs, counters != nullptr ? &traffic : nullptr)) {
            return ec;
        }
        const auto decoded = attrs ? decode_service(*attrs) : std::nullopt;
        if (!decoded) {
            continue;  // the kernel has no such service
        }
        service& entry = out[decoded->first];
        entry.settings = decoded->second;
        service_counters* counted = nullptr;
        if (counters != nullptr) {
            counted = &(*counters)[decoded->first];
            counted->traffic = traffic;
        }
        bool present = true;
        if (const auto ec =
                reader.destinations(*attrs, family_of(decoded->first), entry, counted, present)) {
            return ec;
        }
        if (!present) {
            out.erase(decoded->first);
            if (counters != nullptr) {
                counters->erase(decoded->first);
            }
        }
    }
    return {};
}

std::error_code genl_client::list_sync(sync_daemons_by_role& out) {
    out.clear();
    if (const auto ec = ensure_open()) {
        return ec;
    }
    table_reader reader(sock_.get(), family_, next_seq_);
    std::vector<wire::daemon_attrs> daemons;
    if (const auto ec = reader.daemons(daemons)) {
        return ec;
    }
    for (const auto& attrs : daemons) {
        // The kernel keeps the sync id in a byte; the attribute is wider.
        if (const auto role = role_of_state(attrs.state)) {
            out[*role] = sync_daemon{attrs.interface, static_cast<std::uint8_t>(attrs.sync_id)};
        }
    }
    return {};
}

}  // namespace vipd::ipvs::linux
