#pragma once
/// Address literals for tests. A malformed literal throws, and gtest fails the test that wrote
/// it, instead of turning into a default address that a test could pass with for the wrong
/// reason.

#include <stdexcept>
#include <string>
#include <string_view>

#include "vipd/core/address.hpp"

namespace vipd::support {

inline ip_address addr(std::string_view text) {
    auto parsed = ip_address::parse(text);
    if (!parsed) {
        throw std::invalid_argument("not an address in a test: " + std::string(text));
    }
    return *parsed;
}

inline ip_prefix prefix(std::string_view text) {
    auto parsed = ip_prefix::parse(text);
    if (!parsed) {
        throw std::invalid_argument("not a prefix in a test: " + std::string(text));
    }
    return *parsed;
}

}  // namespace vipd::support
