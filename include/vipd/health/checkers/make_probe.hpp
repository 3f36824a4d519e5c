#pragma once
/// The Asio probes behind health::probe: tcp, http/https (Beast + OpenSSL), udp, dns and script.

#include <memory>

#include "vipd/health/check.hpp"
#include "vipd/health/probe.hpp"
#include "vipd/io/asio.hpp"

namespace vipd::health::checkers {

/// A probe for `spec` against `target`. `spec.timing.timeout` bounds each attempt. Does not
/// throw for a check that cannot work at run time (an unreadable CA file, an unencodable DNS
/// name): each attempt then fails with a detail saying why. The https probes of one io_context
/// share one TLS context per verification mode and CA file.
std::unique_ptr<probe> make_probe(asio::io_context& io, const check_spec& spec,
                                  const probe_target& target);

}  // namespace vipd::health::checkers
