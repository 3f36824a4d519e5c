#pragma once
/// Named loggers per subsystem and the journal's structured fields.
///
/// spdlog's systemd sink sends MESSAGE and PRIORITY only; events that users filter on
/// (transitions) carry VIPD_* fields, so they go through `event_log::emit`, which writes one
/// journal entry with every field when logging to the journal, or the same text through the
/// subsystem's spdlog logger otherwise.

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <spdlog/logger.h>

namespace vipd::logging {

enum class target { stderr_stream, journal };

/// "auto": the journal when systemd connected our stderr to it (JOURNAL_STREAM names our
/// stderr), else stderr.
target detect_target();

/// One journal field, e.g. {"VIPD_INSTANCE", "web"}.
using field = std::pair<std::string, std::string>;

/// The "NAME=value" entries of one journal record: MESSAGE, PRIORITY (syslog level),
/// SYSLOG_IDENTIFIER=vipd, VIPD_SUBSYSTEM, then `fields` in order.
std::vector<std::string> journal_entries(std::string_view subsystem,
                                         spdlog::level::level_enum level, std::string_view message,
                                         const std::vector<field>& fields);

/// The loggers of one daemon; built once at start and passed to components (no global registry).
class log_set {
  public:
    log_set(target where, spdlog::level::level_enum level);

    spdlog::logger& daemon() const { return *daemon_; }
    spdlog::logger& vrrp() const { return *vrrp_; }
    spdlog::logger& pkt() const { return *pkt_; }
    spdlog::logger& arp() const { return *arp_; }
    spdlog::logger& ndisc() const { return *ndisc_; }
    spdlog::logger& netlink() const { return *netlink_; }
    spdlog::logger& ipvs() const { return *ipvs_; }
    spdlog::logger& health() const { return *health_; }
    spdlog::logger& ctl() const { return *ctl_; }
    target where() const noexcept { return where_; }

    /// Logs `message` through `logger`; with the journal target, as one entry carrying `fields`
    /// plus VIPD_SUBSYSTEM.
    void emit(spdlog::logger& logger, spdlog::level::level_enum level, std::string_view message,
              const std::vector<field>& fields) const;

  private:
    target where_;
    std::shared_ptr<spdlog::logger> daemon_, vrrp_, pkt_, arp_, ndisc_, netlink_, ipvs_, health_,
        ctl_;
};

}  // namespace vipd::logging
