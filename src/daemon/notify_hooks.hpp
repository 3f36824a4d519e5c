#pragma once
/// Runs an instance's notify commands on its transitions (keepalived's notify, notify_master,
/// notify_backup, notify_fault), each in its own process with a timeout: a slow or hanging
/// script never holds up adverts. Which command runs when (one at a time per instance, in
/// transition order, a flapping instance coalesced to its latest state, at most
/// k_max_running_hooks at once) is notify_scheduler's business; this starts the processes.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "vipd/config/config.hpp"
#include "vipd/daemon/notify_scheduler.hpp"
#include "vipd/daemon/vrrp_router.hpp"
#include "vipd/health/checkers/process_runner.hpp"
#include "vipd/io/asio.hpp"
#include "vipd/logging/logging.hpp"
#include "vipd/vrrp/instance.hpp"

namespace vipd::daemon {

struct notify_stats {
    std::uint64_t started = 0;
    std::uint64_t failed = 0;     // non-zero exit, signal, timeout or spawn failure
    std::uint64_t coalesced = 0;  // transitions replaced by a later one before their hooks ran
};

class notify_hooks final : public transition_listener {
  public:
    notify_hooks(asio::io_context& io, const config::daemon_config& config,
                 const logging::log_set& logs);
    ~notify_hooks() override;
    notify_hooks(const notify_hooks&) = delete;
    notify_hooks& operator=(const notify_hooks&) = delete;

    /// A reload: transitions that start later run the new commands; commands already running
    /// finish, and so does the rest of a transition that has started.
    void reconfigure(const config::daemon_config& config);

    /// Queues the commands configured for `instance` entering `change.to`.
    void on_transition(const std::string& instance, const vrrp::state_changed& change) override;
    /// Queues the commands of sync group `group` entering `change.to`.
    void on_group_transition(const std::string& group, const vrrp::state_changed& change) override;

    notify_stats stats() const noexcept;

  private:
    void start(const std::vector<notify_job>& jobs);
    void start(const notify_job& job);
    void finished(const std::string& instance, notify_subject subject);

    asio::io_context& io_;
    const logging::log_set& logs_;
    notify_scheduler scheduler_;
    // By instance or group: the scheduler runs at most one hook of each at a time.
    std::map<std::pair<notify_subject, std::string>,
             std::unique_ptr<health::checkers::process_runner>>
        runners_;
    std::uint64_t started_ = 0;
    std::uint64_t failed_ = 0;
};

}  // namespace vipd::daemon
