#pragma once
// A kernel whose SIGKILL does not take yet, as for a child in uninterruptible sleep (D state) on
// a hung NFS or FUSE mount: it records each kill and delivers nothing. The child really runs; a
// test ends it itself (the I/O returning) to see it reaped late. Installed in an io_context
// before its first runner: asio::make_service<child_ledger>(io, killer).

#include <sys/types.h>

#include <vector>

#include "vipd/health/checkers/process_runner.hpp"

namespace vipd::fakes {

class fake_child_killer final : public health::checkers::child_killer {
  public:
    void kill(pid_t group, int /*pidfd*/) noexcept override { groups.push_back(group); }

    /// The process groups the runners meant to kill, in order.
    std::vector<pid_t> groups;
};

}  // namespace vipd::fakes
