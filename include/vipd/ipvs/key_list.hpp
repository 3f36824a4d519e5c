#pragma once
/// The service keys vipd may have put in the kernel, as text: the record a start after a crash
/// reads to remove services the configuration no longer names (IPVS has no field to tag a
/// service as vipd's). Pure: the daemon reads and writes the file.
///
/// One key a line: "tcp 172.28.128.210 80", "udp 2001:db8::53 53", "sctp ...", "fwmark 10 ipv4".

#include <cstddef>
#include <set>
#include <string>
#include <string_view>

#include "vipd/ipvs/model.hpp"

namespace vipd::ipvs {

std::string format_key_list(const std::set<service_key>& keys);

/// Every line that parses; the others (a truncated last line, a hand edit) are skipped and
/// counted in `skipped`, since a record that is partly unreadable still names the rest.
std::set<service_key> parse_key_list(std::string_view text, std::size_t& skipped);

}  // namespace vipd::ipvs
