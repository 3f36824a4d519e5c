#pragma once
/// Pieces every probe shares: endpoints from vipd addresses, short human texts for durations and
/// errors, and the attempt bookkeeping (one callback, a deadline timer, cancellation).

#include <string>
#include <system_error>

#include "vipd/core/address.hpp"
#include "vipd/core/time.hpp"
#include "vipd/health/checkers/make_probe.hpp"
#include "vipd/io/asio.hpp"

namespace vipd::health::checkers::detail {

/// "1s", "300ms", "1.5s", "250us".
std::string format_duration(microseconds duration);

/// "connection refused": an error's message with a lower-case first letter, to follow "connect: ".
std::string describe(const boost::system::error_code& error);

asio::ip::address to_asio(const ip_address& address);

/// State of one attempt, shared by the loop's handlers, so that a handler running after its probe
/// went away (or started over) touches only memory it co-owns. `finish` calls the callback at
/// most once; `cancel` makes sure it never is.
class attempt_base : public std::enable_shared_from_this<attempt_base> {
  public:
    attempt_base(asio::io_context& io, microseconds timeout, probe_callback done);
    virtual ~attempt_base() = default;
    attempt_base(const attempt_base&) = delete;
    attempt_base& operator=(const attempt_base&) = delete;

    /// Arms the deadline; at expiry the attempt fails with "timeout after <timeout> (<phase_>)".
    void arm_deadline();
    /// Reports the outcome (first call only) and releases the attempt's I/O.
    void finish(bool success, std::string detail);
    void fail(std::string detail) { finish(false, std::move(detail)); }
    /// Drops the callback and releases the I/O; pending handlers then see `done()`.
    void cancel();
    bool done() const noexcept { return finished_; }

  protected:
    /// Closes sockets (and whatever else) so pending operations complete with operation_aborted.
    virtual void close_io() = 0;
    /// What the attempt was doing, for the timeout message: "connecting", "waiting for a reply".
    std::string phase_ = "connecting";
    asio::io_context& io_;

  private:
    microseconds timeout_;
    probe_callback done_;
    asio::steady_timer deadline_;
    time_point started_;
    bool finished_ = false;
};

}  // namespace vipd::health::checkers::detail

namespace vipd::health::checkers::detail {

/// An attempt that knows how to begin. Subclasses capture `self<T>()` in their handlers.
class attempt : public attempt_base {
  public:
    using attempt_base::attempt_base;
    /// Starts the I/O; failures found on the spot are reported through the loop, not from here.
    virtual void begin() = 0;

  protected:
    template <typename T>
    std::shared_ptr<T> self() {
        return std::static_pointer_cast<T>(shared_from_this());
    }
    /// Fails from a fresh handler, so the callback never runs inside `probe::start`.
    void fail_soon(std::string detail);
};

/// A probe that runs each `start` as a fresh attempt made by `make_attempt`, and holds it only
/// until it reports.
class attempt_probe final : public probe {
  public:
    using factory = std::function<std::shared_ptr<attempt>(probe_callback)>;
    explicit attempt_probe(factory make_attempt) : make_attempt_(std::move(make_attempt)) {}
    ~attempt_probe() override;
    attempt_probe(const attempt_probe&) = delete;
    attempt_probe& operator=(const attempt_probe&) = delete;

    void start(probe_callback done) override;

  private:
    factory make_attempt_;
    std::shared_ptr<attempt> current_;
};

/// A probe whose every attempt fails with `detail` (a check that cannot be set up).
std::unique_ptr<probe> make_failing_probe(asio::io_context& io, std::string detail);
std::unique_ptr<probe> make_tcp_probe(asio::io_context& io, const check_timing& timing,
                                      const probe_target& target);
std::unique_ptr<probe> make_udp_probe(asio::io_context& io, const udp_check& check,
                                      const check_timing& timing, const probe_target& target);
std::unique_ptr<probe> make_dns_probe(asio::io_context& io, const dns_check& check,
                                      const check_timing& timing, const probe_target& target);
std::unique_ptr<probe> make_http_probe(asio::io_context& io, const http_check& check,
                                       const check_timing& timing, const probe_target& target);
std::unique_ptr<probe> make_script_probe(asio::io_context& io, const script_check& check,
                                         const check_timing& timing, const probe_target& target);

}  // namespace vipd::health::checkers::detail
