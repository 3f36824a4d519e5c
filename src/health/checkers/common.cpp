#include "common.hpp"

#include <cctype>

namespace vipd::health::checkers::detail {

std::string format_duration(microseconds duration) {
    const auto us = duration.count();
    if (us % 1'000'000 == 0) {
        return std::to_string(us / 1'000'000) + "s";
    }
    if (us >= 1'000'000 && us % 100'000 == 0) {
        return std::to_string(us / 1'000'000) + "." + std::to_string(us % 1'000'000 / 100'000) +
               "s";
    }
    if (us % 1'000 == 0) {
        return std::to_string(us / 1'000) + "ms";
    }
    return std::to_string(us) + "us";
}

std::string describe(const boost::system::error_code& error) {
    std::string text = error.message();
    if (!text.empty() && text.size() > 1 && std::islower(static_cast<unsigned char>(text[1]))) {
        // "Connection refused" -> "connection refused", but leave acronyms ("SSL ...") alone.
        text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
    }
    return text;
}

asio::ip::address to_asio(const ip_address& address) {
    const auto bytes = address.bytes();
    if (address.is_v4()) {
        asio::ip::address_v4::bytes_type raw{};
        std::copy(bytes.begin(), bytes.end(), raw.begin());
        return asio::ip::address_v4(raw);
    }
    asio::ip::address_v6::bytes_type raw{};
    std::copy(bytes.begin(), bytes.end(), raw.begin());
    return asio::ip::address_v6(raw);
}

attempt_base::attempt_base(asio::io_context& io, microseconds timeout, probe_callback done)
    : io_(io),
      timeout_(timeout),
      done_(std::move(done)),
      deadline_(io),
      started_(steady_clock::now()) {}

void attempt_base::arm_deadline() {
    deadline_.expires_after(timeout_);
    deadline_.async_wait([self = shared_from_this()](const boost::system::error_code& error) {
        if (!error && !self->finished_) {
            self->fail("timeout after " + format_duration(self->timeout_) + " (" + self->phase_ +
                       ")");
        }
    });
}

void attempt_base::finish(bool success, std::string detail) {
    if (finished_) {
        return;
    }
    finished_ = true;
    deadline_.cancel();
    close_io();
    probe_result result;
    result.success = success;
    result.detail = std::move(detail);
    result.latency = std::chrono::duration_cast<microseconds>(steady_clock::now() - started_);
    // Moved out first: the callback may destroy the probe or start the next attempt.
    auto done = std::move(done_);
    done_ = nullptr;
    if (done) {
        done(result);
    }
}

void attempt_base::cancel() {
    if (finished_) {
        return;
    }
    finished_ = true;
    done_ = nullptr;
    deadline_.cancel();
    close_io();
}

}  // namespace vipd::health::checkers::detail

namespace vipd::health::checkers::detail {

void attempt::fail_soon(std::string detail) {
    asio::post(io_, [me = shared_from_this(), detail = std::move(detail)]() mutable {
        me->fail(std::move(detail));
    });
}

attempt_probe::~attempt_probe() {
    if (current_) {
        current_->cancel();
    }
}

void attempt_probe::start(probe_callback done) {
    if (current_) {
        current_->cancel();
    }
    // Let go of the attempt once it has reported, not at the next start: a finished attempt
    // still holds its buffers (an http response's body of up to 64 KiB, a TLS session), and
    // every real's probe would keep one for a whole interval. The callback comes from one of
    // the attempt's handlers, which owns the attempt until it returns; a cancelled attempt
    // (the probe destroyed, or started again) never calls it.
    current_ = make_attempt_([this, done = std::move(done)](const probe_result& result) {
        current_.reset();
        done(result);
    });
    current_->begin();
}

namespace {

class failing_attempt final : public attempt {
  public:
    failing_attempt(asio::io_context& io, std::string detail, probe_callback done)
        : attempt(io, microseconds{0}, std::move(done)), detail_(std::move(detail)) {}
    void begin() override { fail_soon(detail_); }

  private:
    void close_io() override {}
    std::string detail_;
};

}  // namespace

std::unique_ptr<probe> make_failing_probe(asio::io_context& io, std::string detail) {
    return std::make_unique<attempt_probe>([&io, detail](probe_callback done) {
        return std::make_shared<failing_attempt>(io, detail, std::move(done));
    });
}

}  // namespace vipd::health::checkers::detail
