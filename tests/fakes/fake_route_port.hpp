#pragma once
/// A recording fake of net::route_port: routes kept as the kernel would (any protocol and table,
/// so a test can plant somebody else's), every call noted, failures on request.

#include <algorithm>
#include <string>
#include <vector>

#include "fake_ports.hpp"
#include "vipd/net/route_port.hpp"

namespace vipd::fakes {

class fake_route_port : public net::route_port {
  public:
    static std::string text(const net::host_route& r) {
        return std::string(r.type == net::route_type::local ? "local " : "") +
               r.destination.to_string() + " table " + std::to_string(r.table) + " proto " +
               std::to_string(r.protocol) + " metric " + std::to_string(r.metric);
    }

    std::error_code add(const net::host_route& route) override {
        calls.push_back("route add " + text(route));
        if (fail_adds) {
            return std::make_error_code(std::errc::operation_not_permitted);
        }
        if (std::find(present.begin(), present.end(), route) != present.end()) {
            return std::make_error_code(std::errc::file_exists);
        }
        present.push_back(route);
        note(changes, calls.back());
        return {};
    }
    std::error_code remove(const net::host_route& route) override {
        calls.push_back("route remove " + text(route));
        if (const auto it = std::find(present.begin(), present.end(), route); it != present.end()) {
            present.erase(it);
            note(changes, calls.back());
        }
        return {};
    }
    std::error_code list(std::uint32_t table, std::uint8_t protocol,
                         std::vector<net::host_route>& out) override {
        out.clear();
        if (fail_list) {
            return std::make_error_code(std::errc::no_buffer_space);
        }
        std::copy_if(
            present.begin(), present.end(), std::back_inserter(out),
            [&](const net::host_route& r) { return r.table == table && r.protocol == protocol; });
        return {};
    }
    /// The routes present, as text, in the order they were made.
    std::vector<std::string> shown() const {
        std::vector<std::string> out;
        for (const auto& r : present) {
            out.push_back(text(r));
        }
        return out;
    }

    std::vector<net::host_route> present;
    std::vector<std::string> calls;
    journal* changes = nullptr;
    bool fail_adds = false;
    bool fail_list = false;
};

}  // namespace vipd::fakes
