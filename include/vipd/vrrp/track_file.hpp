#pragma once
/// The content of a track file (track_files): one decimal integer, as keepalived's track_file
/// and the operators' `echo 50 > FILE` write it. Pure: the daemon reads the bytes.

#include <cstdint>
#include <optional>
#include <string_view>

namespace vipd::vrrp {

/// The number in `content`: optional blanks and newlines around an optional sign and decimal
/// digits. A number beyond ±254 counts as ±254 (keepalived clamps the same way; a huge one is
/// still "very sick", not garbage). Anything else (empty, words, "12abc", "0x10", two numbers)
/// is nullopt: the caller counts it as 0 and says so.
std::optional<std::int16_t> parse_track_value(std::string_view content) noexcept;

}  // namespace vipd::vrrp
