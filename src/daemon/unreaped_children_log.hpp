#pragma once
/// The journal's view of children that outlive their SIGKILL (health/checkers/process_runner.hpp):
/// a warning when a check's or hook lane's child is left unreaped or one of its runs is held
/// back, a note when such a child is reaped at last. A hung NFS mount makes every check that
/// touches it do this once per interval, so at most a few lines a minute, with the count of
/// those not logged.

#include <functional>

#include "vipd/core/rate_limiter.hpp"
#include "vipd/core/time.hpp"
#include "vipd/health/checkers/process_runner.hpp"
#include "vipd/logging/logging.hpp"

namespace vipd::daemon {

class unreaped_children_log {
  public:
    /// Observes `ledger` until destroyed; both must outlive it. `clock` paces the lines.
    unreaped_children_log(health::checkers::child_ledger& ledger, const logging::log_set& logs,
                          std::function<time_point()> clock);
    ~unreaped_children_log();
    unreaped_children_log(const unreaped_children_log&) = delete;
    unreaped_children_log& operator=(const unreaped_children_log&) = delete;

  private:
    void on_event(const health::checkers::unreaped_event& event);

    health::checkers::child_ledger& ledger_;
    const logging::log_set& logs_;
    std::function<time_point()> clock_;
    rate_limiter lines_;
};

}  // namespace vipd::daemon
