#include "vipd/logging/logging.hpp"

#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/systemd_sink.h>
#define SD_JOURNAL_SUPPRESS_LOCATION  // the call site inside this file would mislead readers
#include <systemd/sd-journal.h>

namespace vipd::logging {
namespace {

int syslog_priority(spdlog::level::level_enum level) {
    switch (level) {
        case spdlog::level::trace:
        case spdlog::level::debug:
            return LOG_DEBUG;
        case spdlog::level::info:
            return LOG_INFO;
        case spdlog::level::warn:
            return LOG_WARNING;
        case spdlog::level::err:
            return LOG_ERR;
        case spdlog::level::critical:
            return LOG_CRIT;
        default:
            return LOG_INFO;
    }
}

}  // namespace

std::vector<std::string> journal_entries(std::string_view subsystem,
                                         spdlog::level::level_enum level, std::string_view message,
                                         const std::vector<field>& fields) {
    std::vector<std::string> entries;
    entries.reserve(fields.size() + 4);
    entries.push_back("MESSAGE=" + std::string(message));
    entries.push_back("PRIORITY=" + std::to_string(syslog_priority(level)));
    entries.push_back("SYSLOG_IDENTIFIER=vipd");
    entries.push_back("VIPD_SUBSYSTEM=" + std::string(subsystem));
    for (const auto& [name, value] : fields) {
        entries.push_back(name + "=" + value);
    }
    return entries;
}

target detect_target() {
    // systemd sets JOURNAL_STREAM=DEV:INODE for the stream it connected to stdout/stderr.
    const char* stream = std::getenv("JOURNAL_STREAM");
    if (stream == nullptr) {
        return target::stderr_stream;
    }
    struct stat st {};
    if (fstat(STDERR_FILENO, &st) != 0) {
        return target::stderr_stream;
    }
    const std::string expected = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
    return expected == stream ? target::journal : target::stderr_stream;
}

log_set::log_set(target where, spdlog::level::level_enum level) : where_(where) {
    spdlog::sink_ptr sink;
    if (where == target::journal) {
        sink = std::make_shared<spdlog::sinks::systemd_sink_st>("vipd");
    } else {
        sink = std::make_shared<spdlog::sinks::stderr_color_sink_st>();
    }
    auto make = [&](const char* name) {
        auto logger = std::make_shared<spdlog::logger>(name, sink);
        logger->set_level(level);
        // Timestamps with milliseconds: failover analysis reads them.
        logger->set_pattern(where == target::journal ? "%v"
                                                     : "%Y-%m-%d %H:%M:%S.%e %^%l%$ [%n] %v");
        logger->flush_on(spdlog::level::trace);
        return logger;
    };
    daemon_ = make("daemon");
    vrrp_ = make("vrrp");
    pkt_ = make("pkt");
    arp_ = make("arp");
    ndisc_ = make("ndisc");
    netlink_ = make("netlink");
    ipvs_ = make("ipvs");
    health_ = make("health");
    ctl_ = make("ctl");
}

void log_set::emit(spdlog::logger& logger, spdlog::level::level_enum level,
                   std::string_view message, const std::vector<field>& fields) const {
    if (!logger.should_log(level)) {
        return;
    }
    if (where_ != target::journal) {
        logger.log(level, "{}", message);
        return;
    }
    // sd_journal_sendv takes "NAME=value" iovecs; one call keeps the entry atomic.
    auto entries = journal_entries(logger.name(), level, message, fields);
    std::vector<iovec> iov;
    iov.reserve(entries.size());
    for (auto& entry : entries) {
        iov.push_back(iovec{entry.data(), entry.size()});
    }
    sd_journal_sendv(iov.data(), static_cast<int>(iov.size()));
}

}  // namespace vipd::logging
