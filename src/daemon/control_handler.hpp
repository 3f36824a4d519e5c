#pragma once
/// vipctl's requests answered from the running daemon: status and IPVS views, reload,
/// maintenance overrides and GARP. Runs on the event loop, between other events.

#include <functional>
#include <vector>

#include "vipd/control/protocol.hpp"
#include "vipd/daemon/runtime.hpp"

namespace vipd::daemon {

/// How the shell reloads (with its systemd notifications around `runtime::reload`).
using reload_function = std::function<const reload_outcome&()>;

/// The answer to one control request. Errors (an unknown instance, a refused reload) are
/// answers with `ok == false`, never exceptions.
control::response answer(runtime& daemon, const control::request& request,
                         const reload_function& reload);

/// What `vipctl status` shows.
control::status_view status_view_of(const runtime& daemon);

/// What `vipctl ipvs` shows: every configured virtual server with its reals' health and what
/// the kernel table holds now (one dump).
std::vector<control::service_view> service_views_of(runtime& daemon);

}  // namespace vipd::daemon
