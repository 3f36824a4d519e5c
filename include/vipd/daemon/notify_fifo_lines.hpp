#pragma once
/// The lines of keepalived's notify FIFO, so the readers written for keepalived (its
/// sample_notify_fifo.sh and the scripts built on it) read vipd's FIFO unchanged. Pure: the
/// FIFO itself is notify_fifo's business.
///
///     INSTANCE "web" MASTER 150
///     GROUP "nat" BACKUP 0
///     VS [10.0.0.10]:tcp:80 UP
///     RS [10.0.1.1]:tcp:80 [10.0.0.10]:tcp:80 DOWN

#include <cstdint>
#include <string>
#include <string_view>

#include "vipd/daemon/notify_scheduler.hpp"
#include "vipd/ipvs/model.hpp"
#include "vipd/vrrp/instance.hpp"

namespace vipd::daemon {

/// `INSTANCE "web" MASTER 150\n`, or `GROUP "nat" MASTER 0\n` for a sync group.
std::string vrrp_fifo_line(notify_subject subject, std::string_view name, std::string_view state,
                           std::uint8_t priority);

/// keepalived's text for a service: `[10.0.0.10]:tcp:80`, `[2001:db8::10]:udp:53`, or
/// `FWM 12` for a firewall-mark service.
std::string keepalived_service_text(const ipvs::service_key& service);

/// keepalived's text for a real of `service`: `[10.0.1.1]:tcp:80`. A firewall-mark service
/// has no protocol; keepalived's default one, tcp, stands in for it.
std::string keepalived_real_text(const ipvs::service_key& service,
                                 const ipvs::destination_key& real);

/// `VS <service> UP\n` when the service gains its quorum, `... DOWN\n` when it loses it.
std::string service_fifo_line(const ipvs::service_key& service, bool up);

/// `RS <real> <service> UP\n` or `... DOWN\n` when the real's health changes.
std::string real_fifo_line(const ipvs::service_key& service, const ipvs::destination_key& real,
                           bool up);

}  // namespace vipd::daemon
