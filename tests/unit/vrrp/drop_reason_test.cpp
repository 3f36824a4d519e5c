#include "vipd/vrrp/drop_reason.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <set>
#include <string>

namespace vipd::vrrp {
namespace {

drop_reason nth_reason(std::size_t index) {
    return static_cast<drop_reason>(index);
}

TEST(DropReason, NamesAreShortDistinctSnakeCase) {
    std::set<std::string_view> names;
    for (std::size_t i = 0; i < k_drop_reason_count; ++i) {
        const auto name = to_string(nth_reason(i));
        SCOPED_TRACE(std::string(name));
        EXPECT_FALSE(name.empty());
        EXPECT_LE(name.size(), 20u);
        EXPECT_NE(name, "unknown");
        for (char c : name) {
            EXPECT_TRUE(std::islower(static_cast<unsigned char>(c)) || c == '_');
        }
        names.insert(name);
    }
    EXPECT_EQ(names.size(), k_drop_reason_count);
}

TEST(DropReason, NamesMatchTheEnumerators) {
    const std::pair<drop_reason, std::string_view> expected[] = {
        {drop_reason::too_short, "too_short"},
        {drop_reason::bad_ttl, "bad_ttl"},
        {drop_reason::bad_version, "bad_version"},
        {drop_reason::bad_type, "bad_type"},
        {drop_reason::bad_length, "bad_length"},
        {drop_reason::bad_checksum, "bad_checksum"},
        {drop_reason::bad_auth_type, "bad_auth_type"},
        {drop_reason::wrong_family, "wrong_family"},
        {drop_reason::unknown_vrid, "unknown_vrid"},
        {drop_reason::version_mismatch, "version_mismatch"},
        {drop_reason::auth_mismatch, "auth_mismatch"},
        {drop_reason::interval_mismatch, "interval_mismatch"},
        {drop_reason::own_packet, "own_packet"},
        {drop_reason::not_a_peer, "not_a_peer"},
        {drop_reason::resign_flood, "resign_flood"},
    };
    static_assert(std::size(expected) == k_drop_reason_count);
    for (const auto& [reason, name] : expected) {
        EXPECT_EQ(to_string(reason), name);
    }
}

TEST(DropReason, OutOfRangeValueHasAName) {
    EXPECT_EQ(to_string(nth_reason(k_drop_reason_count)), "unknown");
}

TEST(DropCounters, CountsPerReasonAndInTotal) {
    drop_counters counters;
    EXPECT_EQ(counters.total(), 0u);
    counters.count(drop_reason::bad_checksum);
    counters.count(drop_reason::bad_checksum);
    counters.count(drop_reason::own_packet);
    EXPECT_EQ(counters[drop_reason::bad_checksum], 2u);
    EXPECT_EQ(counters[drop_reason::own_packet], 1u);
    EXPECT_EQ(counters[drop_reason::too_short], 0u);
    EXPECT_EQ(counters.total(), 3u);
}

}  // namespace
}  // namespace vipd::vrrp
