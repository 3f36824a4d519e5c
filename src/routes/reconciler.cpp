#include "vipd/routes/reconciler.hpp"

#include <algorithm>

namespace vipd::routes {

std::string_view to_string(route_kind kind) noexcept {
    switch (kind) {
        case route_kind::accept:
            return "accept";
        case route_kind::announce:
            return "announce";
    }
    return "unknown";
}

std::string route::to_string() const {
    const std::uint8_t length = address.is_v4() ? 32 : 128;
    std::string out =
        std::string(routes::to_string(kind)) + " " + ip_prefix{address, length}.to_string();
    if (kind == route_kind::announce) {
        out += " metric " + std::to_string(metric);
    }
    return out;
}

std::vector<step> reconcile(const std::set<route>& desired, const std::vector<route>& observed) {
    const std::set<route> present(observed.begin(), observed.end());
    std::vector<step> out;
    auto add_missing = [&](route_kind kind) {
        for (const auto& wanted : desired) {
            if (wanted.kind == kind && present.count(wanted) == 0) {
                out.push_back({operation::add, wanted});
            }
        }
    };
    auto remove_unwanted = [&](route_kind kind) {
        for (const auto& found : present) {
            if (found.kind == kind && desired.count(found) == 0) {
                out.push_back({operation::remove, found});
            }
        }
    };
    add_missing(route_kind::accept);
    add_missing(route_kind::announce);
    remove_unwanted(route_kind::announce);
    remove_unwanted(route_kind::accept);
    return out;
}

}  // namespace vipd::routes
