#pragma once
/// The kernel as the runtime sees it: addresses, links, frames, advert sockets, IPVS, the
/// health probes, the user database, and the files and processes trackers watch. The shell builds
/// them from the Linux adapters (linux_ports.hpp); unit tests build them from recording fakes, so
/// start-up and reload ordering run without root.

#include "vipd/daemon/health_driver.hpp"
#include "vipd/daemon/track_poller.hpp"
#include "vipd/daemon/user_binding.hpp"
#include "vipd/ipvs/port.hpp"
#include "vipd/net/ports.hpp"
#include "vipd/net/route_port.hpp"

namespace vipd::daemon {

/// Non-owning: whoever builds them keeps them alive for as long as the runtime runs.
struct runtime_ports {
    net::address_port& addresses;
    net::link_monitor& links;
    net::frame_port& frames;
    net::channel_factory& channels;
    ipvs::ipvs_port& ipvs;
    /// Makes one health probe; the probes run on the runtime's event loop.
    probe_factory probes;
    /// Binds a reloaded configuration's users (user_binding.hpp).
    const user_database& users;
    /// Track files and the process table (track_files, track_processes).
    track_host& tracks;
    /// Virtual MAC interfaces (use_vmac); null: none can be made.
    net::vmac_port* vmacs = nullptr;
    /// Routes of announced VIPs ([[bgp_vip]]); null: none are made.
    net::route_port* routes = nullptr;
};

}  // namespace vipd::daemon
