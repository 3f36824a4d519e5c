#include "vipd/daemon/notify_fifo_lines.hpp"

#include <fmt/format.h>

namespace vipd::daemon {
namespace {

std::string trio(const ip_address& address, ipvs::protocol protocol, std::uint16_t port) {
    return fmt::format("[{}]:{}:{}", address.to_string(), ipvs::to_string(protocol), port);
}

std::string_view up_down(bool up) {
    return up ? "UP" : "DOWN";
}

}  // namespace

std::string vrrp_fifo_line(notify_subject subject, std::string_view name, std::string_view state,
                           std::uint8_t priority) {
    return fmt::format("{} \"{}\" {} {}\n", subject == notify_subject::group ? "GROUP" : "INSTANCE",
                       name, state, priority);
}

std::string keepalived_service_text(const ipvs::service_key& service) {
    if (const auto* endpoint = std::get_if<ipvs::endpoint_key>(&service)) {
        return trio(endpoint->address, endpoint->protocol, endpoint->port);
    }
    return fmt::format("FWM {}", std::get<ipvs::fwmark_key>(service).mark);
}

std::string keepalived_real_text(const ipvs::service_key& service,
                                 const ipvs::destination_key& real) {
    const auto* endpoint = std::get_if<ipvs::endpoint_key>(&service);
    return trio(real.address, endpoint != nullptr ? endpoint->protocol : ipvs::protocol::tcp,
                real.port);
}

std::string service_fifo_line(const ipvs::service_key& service, bool up) {
    return fmt::format("VS {} {}\n", keepalived_service_text(service), up_down(up));
}

std::string real_fifo_line(const ipvs::service_key& service, const ipvs::destination_key& real,
                           bool up) {
    return fmt::format("RS {} {} {}\n", keepalived_real_text(service, real),
                       keepalived_service_text(service), up_down(up));
}

}  // namespace vipd::daemon
