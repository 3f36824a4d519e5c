#pragma once
/// Opens the shared advert channel of an interface and family. The daemon's shell gives the
/// router a factory backed by raw sockets; tests give it one that hands out fakes.

#include <memory>
#include <string>
#include <system_error>

#include "vipd/core/address.hpp"
#include "vipd/net/ports.hpp"

namespace vipd::daemon {

class channel_factory {
  public:
    virtual ~channel_factory() = default;
    /// nullptr with `error` set when the interface is missing or the socket cannot be opened.
    virtual std::unique_ptr<net::advert_channel> open(const std::string& interface,
                                                      address_family family,
                                                      std::error_code& error) = 0;
};

}  // namespace vipd::daemon
