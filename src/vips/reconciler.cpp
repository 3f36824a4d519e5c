#include "vipd/vips/reconciler.hpp"

#include <algorithm>

namespace vipd::vips {

std::string address::to_string() const {
    return prefix.to_string() + " on " + device;
}

std::string_view to_string(removal_reason reason) noexcept {
    switch (reason) {
        case removal_reason::not_master:
            return "not MASTER";
        case removal_reason::leftover:
            return "no longer configured";
    }
    return "unknown";
}

plan reconcile(const view& wanted, const std::vector<observed_address>& host) {
    plan out;
    std::set<address> present;
    for (const auto& observed : host) {
        const auto& where = observed.where;
        if (!present.insert(where).second) {
            continue;  // a dump lists each address once; a repeat changes nothing
        }
        const bool configured = wanted.configured.count(where) > 0;
        const bool owned = wanted.owned.count(where) > 0;
        const bool tagged = wanted.tags_kept && observed.tagged;
        if (configured && !owned && !tagged) {
            out.adopted.push_back(where);
        }
        if (wanted.desired.count(where) > 0) {
            continue;
        }
        if (configured) {
            out.remove.push_back({where, removal_reason::not_master});
        } else if (owned || tagged) {
            out.remove.push_back({where, removal_reason::leftover});
        }
    }
    for (const auto& where : wanted.desired) {
        if (present.count(where) == 0) {
            out.add.push_back(where);
        }
    }
    for (const auto& where : wanted.owned) {
        if (present.count(where) == 0 && wanted.desired.count(where) == 0) {
            out.forgotten.push_back(where);
        }
    }
    auto by_address = [](const auto& a, const auto& b) { return a < b; };
    std::sort(out.adopted.begin(), out.adopted.end(), by_address);
    std::sort(out.remove.begin(), out.remove.end(),
              [](const removal& a, const removal& b) { return a.where < b.where; });
    return out;
}

}  // namespace vipd::vips
