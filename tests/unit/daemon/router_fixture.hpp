#pragma once
// The vrrp_router on fakes with a hand-driven clock, shared by the router's test files.

#include <gtest/gtest.h>

#include <spdlog/sinks/ostream_sink.h>

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "fakes/fake_ports.hpp"
#include "vipd/daemon/vrrp_router.hpp"
#include "vipd/vrrp/packet.hpp"

namespace vipd::daemon::router_tests {

inline config::vrrp_instance make_instance(std::string name, std::uint8_t vrid,
                                           std::uint8_t priority, std::vector<std::string> vips) {
    config::vrrp_instance instance;
    instance.name = std::move(name);
    instance.interface = "eth0";
    instance.vrid = vrid;
    instance.priority = priority;
    instance.advert_interval = centiseconds(100);
    for (const auto& text : vips) {
        auto space = text.find(" dev ");
        config::vip vip{*ip_prefix::parse(text.substr(0, space)), std::nullopt};
        if (space != std::string::npos) {
            vip.device = text.substr(space + 5);
        }
        instance.vips.push_back(vip);
    }
    return instance;
}

/// A router on fakes with a hand-driven clock.
class RouterTest : public ::testing::Test {
  protected:
    void build(std::vector<config::vrrp_instance> instances) {
        config_.vrrp = std::move(instances);
        router_ = std::make_unique<vrrp_router>(
            config_,
            router_ports{addresses_, frames_, links_, channels_, nullptr, transitions_, {}, vmacs_},
            logs_, [this] { return now_; }, [this] { ++deadline_changes_; });
    }
    /// The pkt logger's warnings from now on (the drop and send-failure lines).
    const std::ostringstream& capture_pkt_warnings() {
        logs_.pkt().sinks().push_back(
            std::make_shared<spdlog::sinks::ostream_sink_st>(pkt_warnings_));
        logs_.pkt().set_level(spdlog::level::warn);
        return pkt_warnings_;
    }
    const std::ostringstream& capture_vrrp_log() {
        logs_.vrrp().sinks().push_back(std::make_shared<spdlog::sinks::ostream_sink_st>(vrrp_log_));
        logs_.vrrp().set_level(spdlog::level::info);
        return vrrp_log_;
    }
    fakes::fake_advert_channel& channel() {
        return *channels_.opened.at({"eth0", address_family::ipv4});
    }
    /// Runs the router's timers up to `until`, as the shell's timer would.
    void run_until(time_point until) {
        while (auto deadline = router_->next_deadline()) {
            if (*deadline > until) {
                break;
            }
            now_ = *deadline;
            router_->on_timer(now_);
        }
        now_ = until;
    }
    std::vector<std::uint8_t> advert_bytes(std::uint8_t vrid, std::uint8_t priority,
                                           const char* source, const char* vip,
                                           const char* destination = "224.0.0.18") {
        vrrp::advert ad;
        ad.vrid = vrid;
        ad.priority = priority;
        ad.interval = centiseconds(100);
        ad.addresses = {*ip_address::parse(vip)};
        return vrrp::encode(ad, *ip_address::parse(source), *ip_address::parse(destination));
    }
    void deliver(const std::vector<std::uint8_t>& bytes, const char* source, std::uint8_t ttl = 255,
                 const char* destination = "224.0.0.18") {
        channel().deliver(
            {bytes, *ip_address::parse(source), *ip_address::parse(destination), ttl, 2});
    }

    time_point now_{std::chrono::seconds(1000)};
    config::daemon_config config_;
    fakes::fake_address_port addresses_;
    fakes::fake_frame_port frames_;
    fakes::fake_link_monitor links_;
    fakes::fake_channel_factory channels_;
    std::ostringstream pkt_warnings_;  // declared before logs_: its sink writes here
    std::ostringstream vrrp_log_;
    logging::log_set logs_{logging::target::stderr_stream, spdlog::level::off};
    std::unique_ptr<vrrp_router> router_;
    int deadline_changes_ = 0;
    transition_listener* transitions_ = nullptr;  // set before build() to hear transitions
    net::vmac_port* vmacs_ = nullptr;             // set before build() to make VMACs
};

}  // namespace vipd::daemon::router_tests
