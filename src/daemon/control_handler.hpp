#pragma once
/// vipctl's requests answered from the running daemon: status and IPVS views, reload,
/// maintenance overrides (demote, drain) and GARP. Runs on the event loop, between other events.

#include <functional>
#include <map>
#include <utility>
#include <vector>

#include "vipd/control/protocol.hpp"
#include "vipd/control/server.hpp"
#include "vipd/daemon/runtime.hpp"
#include "vipd/io/asio.hpp"

namespace vipd::daemon {

/// How the shell reloads (with its systemd notifications around `runtime::reload`).
using reload_function = std::function<const reload_outcome&()>;

/// Answers one control request through `reply`: at once, or for `vipctl ipvs` once the
/// kernel's table has been read a slice per loop turn on `io`. Errors (an unknown instance, a
/// refused reload) are answers with `ok == false`, never exceptions.
void answer(asio::io_context& io, runtime& daemon, const control::request& request,
            const reload_function& reload, const control::server::reply& reply);

/// What `vipctl status` shows.
control::status_view status_view_of(const runtime& daemon);

/// The reals' health by service and real, pointing into the vector it was built from.
using health_index =
    std::map<std::pair<ipvs::service_key, ipvs::destination_key>, const real_status*>;
health_index index_health(const std::vector<real_status>& reals);

/// What `vipctl ipvs` shows of one configured virtual server: its reals' health and drains,
/// and what `kernel` (with `counters`) holds of it.
control::service_view service_view_of(const config::daemon_config& config,
                                      const config::virtual_server& server,
                                      const ipvs::table& kernel,
                                      const ipvs::counter_table& counters,
                                      const health_index& health, const policy::drain_set& drains);

}  // namespace vipd::daemon
