#pragma once
/// sockaddr_un for a filesystem path, shared by the server's stale-socket probe and the client.

#include <sys/un.h>

#include <algorithm>
#include <cstring>
#include <string>

namespace vipd::control::detail {

/// Whether `path` fits sockaddr_un (with its terminating NUL).
inline bool fits_unix_address(const std::string& path) {
    return !path.empty() && path.size() < sizeof(sockaddr_un{}.sun_path);
}

/// The address of `path`; callers check fits_unix_address() first (a longer path is cut, and
/// would name another file).
inline sockaddr_un unix_address(const std::string& path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, path.data(), std::min(path.size(), sizeof address.sun_path - 1));
    return address;
}

}  // namespace vipd::control::detail
