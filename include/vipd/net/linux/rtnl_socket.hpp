#pragma once
/// Ownership of a libnl socket, for the rtnetlink adapters' members. libnl stays out of the
/// public headers: only the type is forward-declared.

#include <memory>

struct nl_sock;

namespace vipd::net::linux::detail {

struct nl_sock_deleter {
    void operator()(nl_sock* sock) const noexcept;
};
using nl_sock_ptr = std::unique_ptr<nl_sock, nl_sock_deleter>;

}  // namespace vipd::net::linux::detail
