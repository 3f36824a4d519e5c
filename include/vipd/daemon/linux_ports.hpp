#pragma once
/// The Linux adapters behind runtime_ports, opened in the calling thread's network namespace:
/// rtnetlink addresses, virtual MAC interfaces and links, an AF_PACKET socket for GARP /
/// unsolicited NA, raw VRRP sockets, the IPVS generic-netlink client, the Asio health probes and
/// the host's users.

#include <memory>

#include "vipd/daemon/host_users.hpp"
#include "vipd/daemon/linux_track_host.hpp"
#include "vipd/daemon/runtime_ports.hpp"
#include "vipd/io/asio.hpp"
#include "vipd/ipvs/linux/genl_client.hpp"
#include "vipd/net/linux/packet_socket.hpp"
#include "vipd/net/linux/rtnl_addresses.hpp"
#include "vipd/net/linux/rtnl_link_monitor.hpp"
#include "vipd/net/linux/rtnl_routes.hpp"
#include "vipd/net/linux/rtnl_vmacs.hpp"

namespace vipd::daemon {

class linux_ports {
  public:
    /// Opens the netlink and packet sockets; throws std::runtime_error naming what could not be
    /// opened. A kernel without IPVS is no error (the IPVS driver reports it).
    explicit linux_ports(asio::io_context& io);
    ~linux_ports();
    linux_ports(const linux_ports&) = delete;
    linux_ports& operator=(const linux_ports&) = delete;

    runtime_ports ports();

  private:
    class vrrp_sockets;

    asio::io_context& io_;
    std::unique_ptr<net::linux::rtnl_addresses> addresses_;
    std::unique_ptr<net::linux::rtnl_vmacs> vmacs_;
    std::unique_ptr<net::linux::rtnl_link_monitor> links_;
    std::unique_ptr<net::linux::rtnl_routes> routes_;
    std::unique_ptr<net::linux::packet_socket> frames_;
    std::unique_ptr<vrrp_sockets> channels_;
    ipvs::linux::genl_client ipvs_;
    host_users users_;
    linux_track_host tracks_;
};

}  // namespace vipd::daemon
