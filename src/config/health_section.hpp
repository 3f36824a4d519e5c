#pragma once
/// Internal to the config module: health checks ([virtual_server.check],
/// [virtual_server.real.check]) and the VRRP trackers that reuse their timing and scripts.

#include <optional>

#include "table_reader.hpp"
#include "vipd/config/config.hpp"
#include "vipd/health/check.hpp"

namespace vipd::config::detail {

/// The `check` sub-table of `parent` (a virtual server or one of its reals). A real's check
/// starts from `base`, the service's default: it inherits every key it does not set, and only
/// the timing and port when it names another type. nullopt when absent or invalid.
std::optional<health::check_spec> read_check(const table_reader& parent,
                                             const std::optional<health::check_spec>& base);

/// interval, timeout, rise, fall and initial into `timing` (whatever is absent keeps its value).
/// A timeout left out shrinks to the interval when the interval is shorter.
void read_timing(const table_reader& reader, health::check_timing& timing);

/// command (an argv array, absolute program path) and user of a script.
std::optional<health::script_check> read_script(const table_reader& reader);

}  // namespace vipd::config::detail
