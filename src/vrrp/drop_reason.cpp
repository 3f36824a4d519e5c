#include "vipd/vrrp/drop_reason.hpp"

namespace vipd::vrrp {

std::string_view to_string(drop_reason reason) noexcept {
    switch (reason) {
        case drop_reason::too_short:
            return "too_short";
        case drop_reason::bad_ttl:
            return "bad_ttl";
        case drop_reason::bad_version:
            return "bad_version";
        case drop_reason::bad_type:
            return "bad_type";
        case drop_reason::bad_length:
            return "bad_length";
        case drop_reason::bad_checksum:
            return "bad_checksum";
        case drop_reason::bad_auth_type:
            return "bad_auth_type";
        case drop_reason::wrong_family:
            return "wrong_family";
        case drop_reason::unknown_vrid:
            return "unknown_vrid";
        case drop_reason::version_mismatch:
            return "version_mismatch";
        case drop_reason::auth_mismatch:
            return "auth_mismatch";
        case drop_reason::interval_mismatch:
            return "interval_mismatch";
        case drop_reason::own_packet:
            return "own_packet";
        case drop_reason::not_a_peer:
            return "not_a_peer";
        case drop_reason::resign_flood:
            return "resign_flood";
    }
    // Only reachable through a cast from an out-of-range integer.
    return "unknown";
}

}  // namespace vipd::vrrp
