#include "vipd/daemon/linux_ports.hpp"

#include <stdexcept>
#include <string>

#include "vipd/health/checkers/make_probe.hpp"
#include "vipd/net/linux/vrrp_socket.hpp"

namespace vipd::daemon {

class linux_ports::vrrp_sockets final : public net::channel_factory {
  public:
    explicit vrrp_sockets(asio::io_context& io) : io_(io) {}
    std::unique_ptr<net::advert_channel> open(const std::string& interface, address_family family,
                                              std::error_code& error) override {
        return net::linux::vrrp_socket::open(io_, interface, family, error);
    }
    std::unique_ptr<net::advert_channel> open_sender(const std::string& interface,
                                                     address_family family,
                                                     std::error_code& error) override {
        return net::linux::vrrp_socket::open(io_, interface, family, error, false);
    }

  private:
    asio::io_context& io_;
};

linux_ports::linux_ports(asio::io_context& io) : io_(io) {
    try {
        addresses_ = std::make_unique<net::linux::rtnl_addresses>();
        vmacs_ = std::make_unique<net::linux::rtnl_vmacs>();
        links_ = std::make_unique<net::linux::rtnl_link_monitor>(io);
        routes_ = std::make_unique<net::linux::rtnl_routes>();
        frames_ = std::make_unique<net::linux::packet_socket>();
    } catch (const std::exception& error) {
        throw std::runtime_error(std::string("cannot open kernel interfaces: ") + error.what());
    }
    channels_ = std::make_unique<vrrp_sockets>(io);
}

linux_ports::~linux_ports() = default;

runtime_ports linux_ports::ports() {
    return runtime_ports{
        *addresses_,
        *links_,
        *frames_,
        *channels_,
        ipvs_,
        [this](const health::check_spec& spec, const health::probe_target& target) {
            return health::checkers::make_probe(io_, spec, target);
        },
        users_,
        tracks_,
        vmacs_.get(),
        routes_.get()};
}

}  // namespace vipd::daemon
