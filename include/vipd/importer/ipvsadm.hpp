#pragma once
/// An `ipvsadm-save` rules file (`ipvsadm -S -n`) as keepalived statements, so that the
/// converter's table serves both: `-A -t VIP:PORT -s rr` becomes `virtual_server VIP PORT`
/// with `lb_algo rr`, and each `-a -t VIP:PORT -r RIP:PORT -g -w 1` a `real_server` in it, every
/// statement at its line of the rules file.

#include <string>

#include "vipd/importer/syntax.hpp"

namespace vipd::importer {

/// Reads -A (service) and -a (real) lines with -t, -u, --sctp-service or -f, and -s, -p, -M,
/// -o, -r, -g, -i, -m, -w, -x, -y. An option it does not know becomes a statement of its own
/// (named "ipvsadm OPTION") that the converter drops with its line; a real of a service not
/// added before it, or any other line, is a syntax error.
parse_result parse_ipvsadm_rules(const std::string& text, const std::string& file_name);

}  // namespace vipd::importer
