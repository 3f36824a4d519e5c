// The script probe: a process_runner run per attempt, the target in the environment.

#include "common.hpp"
#include "vipd/health/checkers/process_runner.hpp"

namespace vipd::health::checkers::detail {

namespace {

class script_attempt final : public attempt {
  public:
    script_attempt(asio::io_context& io, std::shared_ptr<const process_spec> spec,
                   const std::string& owner, probe_callback done)
        : attempt(io, spec->timeout, std::move(done)), runner_(io, owner), spec_(std::move(spec)) {}

    void begin() override {
        // No deadline of our own: the runner kills at the timeout and reports k_reap_grace
        // later at the latest, even for a child that SIGKILL cannot take down yet.
        phase_ = "running";
        runner_.run(*spec_, [weak = std::weak_ptr<script_attempt>(self<script_attempt>())](
                                const process_outcome& outcome) {
            if (const auto me = weak.lock(); me && !me->done()) {
                me->finish(outcome.success(), outcome.success() ? "" : outcome.describe());
            }
        });
    }

  private:
    void close_io() override { runner_.cancel(); }
    process_runner runner_;
    std::shared_ptr<const process_spec> spec_;  // shared by every attempt of the probe
};

}  // namespace

std::unique_ptr<probe> make_script_probe(asio::io_context& io, const script_check& check,
                                         const check_timing& timing, const probe_target& target) {
    auto spec = std::make_shared<process_spec>();
    spec->argv = check.command;
    spec->run_as = check.user.identity;
    spec->env = {{"VIPD_REAL_ADDRESS", target.address.to_string()},
                 {"VIPD_REAL_PORT", std::to_string(target.port)}};
    spec->timeout = timing.timeout;
    // Every attempt's runner answers for the same check in the ledger of unreaped children.
    std::string owner = "script " + (check.command.empty() ? "" : check.command.front());
    if (target.port != 0) {
        const auto address = target.address.to_string();
        owner += " for " + (target.address.is_v6() ? "[" + address + "]" : address) + ":" +
                 std::to_string(target.port);
    }
    return std::make_unique<attempt_probe>([&io, spec, owner](probe_callback done) {
        return std::make_shared<script_attempt>(io, spec, owner, std::move(done));
    });
}

}  // namespace vipd::health::checkers::detail
