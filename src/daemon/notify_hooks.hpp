#pragma once
/// Runs an instance's notify commands on its transitions (keepalived's notify, notify_master,
/// notify_backup, notify_fault), and the reals' notify_up / notify_down and the services'
/// quorum_up / quorum_down on health changes, each in its own process with a timeout: a slow or
/// hanging script never holds up adverts. Which command runs when (one at a time per instance, in
/// transition order, a flapping instance coalesced to its latest state, at most
/// k_max_running_hooks at once) is notify_scheduler's business; this starts the processes.
/// It also writes every transition to [global] notify_fifo, in keepalived's line format, as it
/// happens: the FIFO is neither coalesced nor capped.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "vipd/config/config.hpp"
#include "notify_fifo.hpp"
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

    /// A real of `service` passed or failed its check (rise/fall reached): the FIFO's RS line
    /// and the real's notify_up or notify_down.
    void on_real(const ipvs::service_key& service, const ipvs::destination_key& real, bool up);
    /// `service` gained or lost its quorum: the FIFO's VS line and its quorum_up or quorum_down.
    void on_quorum(const ipvs::service_key& service, bool up);

    /// vipd stops: call before the instances stop, so that their INIT runs notify_stop and the
    /// generic `notify` with STOP (and the FIFO says STOP).
    void stopping();
    /// After the instances stopped: the sync groups' notify_stop.
    void groups_stopped();
    /// Calls `done` (from the loop) once no hook runs or waits; hooks still running after
    /// `bound` are killed, as a hook past its timeout is, and `done` is called then.
    void when_idle(microseconds bound, std::function<void()> done);

    notify_stats stats() const noexcept;

  private:
    void start(const std::vector<notify_job>& jobs);
    void start(const notify_job& job);
    void finished(const std::string& instance, notify_subject subject);
    void write_vrrp_line(notify_subject subject, const std::string& name,
                         const vrrp::state_changed& change);
    void open_fifo(const config::daemon_config& config);
    void call_idle_if_done();

    asio::io_context& io_;
    const logging::log_set& logs_;
    notify_scheduler scheduler_;
    // By instance or group: the scheduler runs at most one hook of each at a time.
    std::map<std::pair<notify_subject, std::string>,
             std::unique_ptr<health::checkers::process_runner>>
        runners_;
    std::unique_ptr<notify_fifo> fifo_;  // [global] notify_fifo; null = none
    std::function<void()> idle_;         // when_idle's `done`, until called
    asio::steady_timer idle_bound_;
    std::uint64_t started_ = 0;
    std::uint64_t failed_ = 0;
};

}  // namespace vipd::daemon
