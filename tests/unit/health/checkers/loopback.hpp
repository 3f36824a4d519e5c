#pragma once
// Test helpers for the probes: drive the io_context until a result arrives, make check specs,
// find a loopback port nobody listens on, tell whether a process is gone.

#include <signal.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <optional>
#include <string>

#include "vipd/health/checkers/make_probe.hpp"

namespace vipd::health::checkers::test {

using namespace std::chrono_literals;

/// Runs handlers until `done()` or `limit` passed; true when done.
inline bool run_until(asio::io_context& io, const std::function<bool()>& done,
                      std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    const auto deadline = steady_clock::now() + limit;
    while (!done() && steady_clock::now() < deadline) {
        if (io.stopped()) {
            io.restart();
        }
        io.run_one_for(10ms);
    }
    return done();
}

/// Runs handlers for `duration` (to let late handlers run, or to prove nothing arrives).
inline void run_for(asio::io_context& io, std::chrono::milliseconds duration) {
    run_until(
        io, [] { return false; }, duration);
}

struct timed_result {
    probe_result result;
    std::chrono::milliseconds elapsed{0};
    int calls = 0;
};

/// One attempt of `p`, run to its end (at most `limit`); also counts callbacks, which must be 1.
inline std::optional<timed_result> run_probe(asio::io_context& io, probe& p,
                                             std::chrono::milliseconds limit = 10s) {
    timed_result out;
    const auto started = steady_clock::now();
    p.start([&](const probe_result& result) {
        out.result = result;
        ++out.calls;
    });
    if (!run_until(
            io, [&] { return out.calls > 0; }, limit)) {
        return std::nullopt;
    }
    out.elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(steady_clock::now() - started);
    // A second callback would show up within a few more handler runs.
    run_for(io, 20ms);
    return out;
}

inline ip_address loopback_v4() {
    return *ip_address::parse("127.0.0.1");
}
inline ip_address loopback_v6() {
    return *ip_address::parse("::1");
}

inline check_spec spec_of(check_kind kind, microseconds timeout = microseconds{1'000'000}) {
    check_spec spec;
    spec.kind = std::move(kind);
    spec.timing.timeout = timeout;
    spec.timing.interval = timeout * 2;
    return spec;
}

/// A TCP or UDP port on 127.0.0.1 that was free a moment ago (bound, then closed).
template <typename Protocol>
std::uint16_t unused_port(asio::io_context& io) {
    typename Protocol::socket socket(
        io, typename Protocol::endpoint(asio::ip::address_v4::loopback(), 0));
    return socket.local_endpoint().port();
}

/// True when `pid` no longer runs: gone entirely, or a zombie waiting for a parent that is not
/// us (a reparented grandchild).
inline bool process_gone(int pid) {
    if (::kill(pid, 0) != 0) {
        return true;
    }
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(stat, line);
    const auto close = line.rfind(')');
    return close == std::string::npos || line.substr(close + 2, 1) == "Z";
}

}  // namespace vipd::health::checkers::test
