#include "vipd/routes/accept_linger.hpp"

#include <algorithm>

namespace vipd::routes {

std::set<route> accept_linger::routes_at(const std::set<ip_address>& announced,
                                         std::uint32_t metric, time_point now,
                                         microseconds linger) {
    linger_ = linger;
    for (const auto& address : announced_) {
        if (announced.count(address) == 0) {
            withdrawn_at_.emplace(address, now);
        }
    }
    announced_ = announced;
    // A linger that ran out, one made shorter by a reload, or a VIP announced again.
    std::erase_if(withdrawn_at_, [&](const auto& entry) {
        return entry.second + linger_ <= now || announced_.count(entry.first) > 0;
    });
    std::set<route> out;
    for (const auto& address : announced_) {
        out.insert({route_kind::accept, address, 0});
        out.insert({route_kind::announce, address, metric});
    }
    for (const auto& [address, since] : withdrawn_at_) {
        out.insert({route_kind::accept, address, 0});
    }
    return out;
}

namespace {

bool earlier(const std::pair<const ip_address, time_point>& a,
             const std::pair<const ip_address, time_point>& b) {
    return a.second < b.second;
}

}  // namespace

// Every linger is as long, so the first withdrawn is the first to go.
std::optional<time_point> accept_linger::next_deadline() const {
    if (withdrawn_at_.empty()) {
        return std::nullopt;
    }
    return std::min_element(withdrawn_at_.begin(), withdrawn_at_.end(), earlier)->second + linger_;
}

std::optional<time_point> accept_linger::last_deadline() const {
    if (withdrawn_at_.empty()) {
        return std::nullopt;
    }
    return std::max_element(withdrawn_at_.begin(), withdrawn_at_.end(), earlier)->second + linger_;
}

std::map<ip_address, time_point> accept_linger::lingering() const {
    std::map<ip_address, time_point> out;
    for (const auto& [address, since] : withdrawn_at_) {
        out.emplace(address, since + linger_);
    }
    return out;
}

}  // namespace vipd::routes
