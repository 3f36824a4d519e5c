#pragma once
/// Runs an instance's notify commands on its transitions (keepalived's notify, notify_master,
/// notify_backup, notify_fault), each in its own process with a timeout: a slow or hanging
/// script never holds up adverts, and one script never cancels another.

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <string>

#include "vipd/config/config.hpp"
#include "vipd/daemon/vrrp_router.hpp"
#include "vipd/health/checkers/process_runner.hpp"
#include "vipd/io/asio.hpp"
#include "vipd/logging/logging.hpp"
#include "vipd/vrrp/instance.hpp"

namespace vipd::daemon {

struct notify_stats {
    std::uint64_t started = 0;
    std::uint64_t failed = 0;  // non-zero exit, signal, timeout or spawn failure
};

class notify_hooks final : public transition_listener {
  public:
    notify_hooks(asio::io_context& io, const config::daemon_config& config,
                 const logging::log_set& logs);
    ~notify_hooks() override;
    notify_hooks(const notify_hooks&) = delete;
    notify_hooks& operator=(const notify_hooks&) = delete;

    /// A reload: later transitions run the new commands; commands already running finish.
    void reconfigure(const config::daemon_config& config);

    /// Starts the commands configured for `instance` entering `change.to`.
    void on_transition(const std::string& instance, const vrrp::state_changed& change) override;

    const notify_stats& stats() const noexcept { return stats_; }

  private:
    void launch(const std::string& instance, const std::vector<std::string>& argv,
                const config::notify_settings& settings, const vrrp::state_changed& change,
                bool with_arguments);

    asio::io_context& io_;
    std::map<std::string, config::notify_settings> settings_;  // by instance name
    const logging::log_set& logs_;
    std::list<std::unique_ptr<health::checkers::process_runner>> running_;
    notify_stats stats_;
};

}  // namespace vipd::daemon
