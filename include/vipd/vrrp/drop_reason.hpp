#pragma once
/// Why a received VRRP packet was discarded. Every drop is counted by reason and logged with a
/// rate limit; none changes state.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace vipd::vrrp {

enum class drop_reason : std::uint8_t {
    // Form, found by the codec.
    too_short,
    bad_ttl,  // RFC 5798 §7.1: TTL / hop limit must be 255
    bad_version,
    bad_type,
    bad_length,  // not 16+4n (v2) / 8+4n, 8+16n (v3) for the address count
    bad_checksum,
    bad_auth_type,  // v2: only 0 (none) and 1 (simple text) are supported
    wrong_family,   // e.g. v2 over IPv6
    // Agreement with the receiving instance, found by the instance or its demultiplexer.
    unknown_vrid,
    version_mismatch,
    auth_mismatch,      // RFC 2338 §5.3.6.1: password differs or auth type differs
    interval_mismatch,  // RFC 3768 §7.1: v2 Adver Int must match ours
    own_packet,         // looped back or sent by ourselves
    not_a_peer,         // a unicast instance hears only its unicast_peers
    // Answered already: a Master answers one priority-0 advert per advert interval, so that a
    // (spoofed) flood of them is not reflected one for one.
    resign_flood,
};

inline constexpr std::size_t k_drop_reason_count =
    static_cast<std::size_t>(drop_reason::resign_flood) + 1;

std::string_view to_string(drop_reason reason) noexcept;

/// A counter per reason, for status and metrics.
class drop_counters {
  public:
    void count(drop_reason reason) noexcept { ++counts_[static_cast<std::size_t>(reason)]; }
    std::uint64_t operator[](drop_reason reason) const noexcept {
        return counts_[static_cast<std::size_t>(reason)];
    }
    std::uint64_t total() const noexcept {
        std::uint64_t sum = 0;
        for (auto value : counts_) {
            sum += value;
        }
        return sum;
    }

  private:
    std::array<std::uint64_t, k_drop_reason_count> counts_{};
};

}  // namespace vipd::vrrp
