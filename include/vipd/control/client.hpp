#pragma once
/// The client side of the control socket, for vipctl: blocking, one request per call.

#include <chrono>
#include <string>
#include <system_error>
#include <variant>

#include "vipd/control/protocol.hpp"

namespace vipd::control {

/// Why a call produced no response.
struct call_error {
    enum class stage { connect, exchange, answer };
    stage where = stage::connect;
    std::error_code code;  ///< the system error, when there is one
    /// A sentence for people naming the socket and, for connect errors, the likely cause:
    /// "cannot connect to /run/vipd/vipd.sock: no such file (is vipd running?)".
    std::string message;
};

/// Connects to `path`, sends `r` as one line and returns the decoded answer. Each of connect,
/// send and the wait for the answer is bounded by `timeout`. An answer with `ok == false` is a
/// response, not a call_error: the daemon understood and refused.
std::variant<response, call_error> call(const std::string& path, const request& r,
                                        std::chrono::milliseconds timeout);

}  // namespace vipd::control
