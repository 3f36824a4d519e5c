#pragma once
/// The one place vipd includes Boost.Asio. Debian 12's Boost 1.74 Asio uses std::exchange in
/// awaitable.hpp without including <utility>, which g++ 12 rejects under -std=c++20.

#include <utility>

#include <boost/asio.hpp>

namespace vipd {
namespace asio = boost::asio;
}
