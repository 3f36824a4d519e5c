#pragma once
/// The VIPs vipd added, as lines of the state file ([global] state_file), so that a start after
/// a crash removes them on any kernel (IFA_PROTO tags survive only from Linux 5.18 on). Pure:
/// the daemon reads and writes the file, which also holds IPVS service keys (ipvs/key_list.hpp).
///
/// One address a line: "vip eth1 172.28.128.210/24".

#include <cstddef>
#include <set>
#include <string>
#include <string_view>

#include "vipd/vips/reconciler.hpp"

namespace vipd::vips {

/// The word every VIP line starts with; lines without it belong to someone else (IPVS keys).
inline constexpr std::string_view k_record_word = "vip";

std::string format_record(const std::set<address>& addresses);

/// Whether `line` is a VIP line (starts with k_record_word and a blank).
bool is_record_line(std::string_view line) noexcept;

/// Every VIP line of `text` that parses; other VIP lines (a truncated last line, a hand edit)
/// are counted in `skipped`. Lines that are not VIP lines are ignored, not counted.
std::set<address> parse_record(std::string_view text, std::size_t& skipped);

}  // namespace vipd::vips
