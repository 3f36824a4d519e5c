#pragma once
/// Recording fakes of the kernel ports (include/vipd/net/ports.hpp) and the channel factory, so
/// daemon logic runs without root. They keep state like the kernel would and record every call.

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "vipd/net/ports.hpp"

namespace vipd::fakes {

/// One line per kernel change, shared by several fakes, so a test can read the order in which
/// addresses, frames, adverts and IPVS operations reached "the kernel".
using journal = std::vector<std::string>;

inline void note(journal* to, std::string line) {
    if (to != nullptr) {
        to->push_back(std::move(line));
    }
}

/// Addresses as the kernel keeps them. `keeps_tags` = false plays a kernel before 5.18: the tag
/// vipd asks for is dropped and dumps report no protocol at all.
class fake_address_port : public net::address_port {
  public:
    struct entry {
        std::string interface;
        ip_prefix prefix;
        bool tagged;
        auto operator<=>(const entry& other) const {
            return std::tie(interface, prefix.address, prefix.length) <=>
                   std::tie(other.interface, other.prefix.address, other.prefix.length);
        }
        bool operator==(const entry& other) const {
            return interface == other.interface && prefix == other.prefix;
        }
    };

    std::error_code add(const std::string& interface, const ip_prefix& prefix) override {
        calls.push_back("add " + interface + " " + prefix.to_string());
        if (fail_next_add || refuse_adds) {
            fail_next_add = false;
            return std::make_error_code(std::errc::operation_not_permitted);
        }
        if (!present.insert(entry{interface, prefix, keeps_tags}).second) {
            return std::make_error_code(std::errc::file_exists);
        }
        note(changes, calls.back());
        return {};
    }
    std::error_code remove(const std::string& interface, const ip_prefix& prefix) override {
        calls.push_back("remove " + interface + " " + prefix.to_string());
        if (refuse_remove.count(interface + " " + prefix.to_string()) > 0) {
            return std::make_error_code(std::errc::operation_not_permitted);
        }
        if (present.erase(entry{interface, prefix, false}) > 0) {
            note(changes, calls.back());
        }
        return {};
    }
    std::error_code list(std::vector<net::host_address>& out) override {
        out.clear();
        ++dumps;
        if (fail_list) {
            return std::make_error_code(std::errc::no_buffer_space);
        }
        for (const auto& e : present) {
            auto tag = net::address_tag::not_reported;
            if (keeps_tags) {
                tag = e.tagged ? net::address_tag::vipd : net::address_tag::other;
            }
            out.push_back({e.interface, e.prefix, tag});
        }
        return {};
    }
    std::error_code ensure_dummy(const std::string& interface) override {
        calls.push_back("ensure_dummy " + interface);
        return {};
    }
    bool has(const std::string& interface, const std::string& prefix) const {
        return present.count(entry{interface, *ip_prefix::parse(prefix), true}) > 0;
    }
    std::set<entry> present;
    std::vector<std::string> calls;
    bool fail_next_add = false;
    bool refuse_adds = false;             ///< every add fails (EPERM) until cleared
    std::set<std::string> refuse_remove;  ///< "eth0 10.0.0.99/24": its removal fails (EPERM)
    bool fail_list = false;
    bool keeps_tags = true;
    int dumps = 0;
    journal* changes = nullptr;  ///< addresses actually added or removed
};

/// The link most tests run on: eth0, up, index 2, MAC 02:00:00:00:00:01, primary 10.0.0.1.
inline net::link_status eth0_up() {
    net::link_status link;
    link.name = "eth0";
    link.index = 2;
    link.up = true;
    link.mac = {0x02, 0, 0, 0, 0, 0x01};
    link.primary_v4 = ip_address::parse("10.0.0.1");
    return link;
}

class fake_link_monitor : public net::link_monitor {
  public:
    std::optional<net::link_status> status(const std::string& interface) override {
        auto found = links.find(interface);
        if (found == links.end()) {
            return std::nullopt;
        }
        return found->second;
    }
    void watch(const std::string& interface, handler on_change) override {
        handlers[interface].push_back(std::move(on_change));
    }
    void exclude_sources(std::set<ip_address> vips) override { excluded = std::move(vips); }
    std::uint64_t overruns() const override { return overrun_count; }
    /// Changes a link as the kernel would and notifies every watcher of it.
    void set(const net::link_status& link) {
        links[link.name] = link;
        if (auto h = handlers.find(link.name); h != handlers.end()) {
            for (const auto& notify : h->second) {
                notify(link);
            }
        }
    }

    std::map<std::string, net::link_status> links;
    std::map<std::string, std::vector<handler>> handlers;
    std::set<ip_address> excluded;
    std::uint64_t overrun_count = 0;  ///< what overruns() reports
};

class fake_frame_port : public net::frame_port {
  public:
    std::error_code send(const std::string& interface,
                         std::span<const std::uint8_t> frame) override {
        sent.emplace_back(interface, std::vector<std::uint8_t>(frame.begin(), frame.end()));
        note(changes, "frame " + interface);
        return {};
    }
    std::vector<std::pair<std::string, std::vector<std::uint8_t>>> sent;
    journal* changes = nullptr;
};

class fake_advert_channel : public net::advert_channel {
  public:
    /// One send(): the messages, the first one's source, and each one's destination.
    struct batch {
        std::vector<std::vector<std::uint8_t>> messages;
        ip_address source;
        std::vector<ip_address> destinations;
        std::vector<ip_address> sources;
    };
    std::error_code send(std::span<const net::outgoing_advert> adverts) override {
        if (fail_with) {
            return fail_with;
        }
        batch sent;
        for (const auto& advert : adverts) {
            sent.messages.push_back(advert.message);
            sent.destinations.push_back(advert.destination);
            sent.sources.push_back(advert.source);
            // VRID and priority: bytes 1 and 2 of either version's header.
            note(changes, "advert vrid " + std::to_string(advert.message.at(1)) + " priority " +
                              std::to_string(advert.message.at(2)));
        }
        if (!adverts.empty()) {
            sent.source = adverts.front().source;
        }
        batches.push_back(std::move(sent));
        return {};
    }
    void on_receive(receive_handler handler) override { receive = std::move(handler); }
    /// Delivers a packet as if the kernel had received it.
    void deliver(const net::received_packet& packet) const { receive(packet); }
    std::uint64_t receive_drops() const override { return kernel_drops; }

    std::vector<batch> batches;
    receive_handler receive;
    journal* changes = nullptr;
    std::error_code fail_with;       ///< when set, every send fails with it and sends nothing
    std::uint64_t kernel_drops = 0;  ///< what receive_drops() reports
};

class fake_channel_factory : public net::channel_factory {
  public:
    std::unique_ptr<net::advert_channel> open(const std::string& interface, address_family family,
                                              std::error_code& error) override {
        if (refuse.count(interface) > 0) {
            error = std::make_error_code(std::errc::no_such_device);
            return nullptr;
        }
        auto channel = std::make_unique<fake_advert_channel>();
        channel->changes = changes;
        opened[{interface, family}] = channel.get();
        ++opens;
        return channel;
    }
    std::unique_ptr<net::advert_channel> open_sender(const std::string& interface,
                                                     address_family family,
                                                     std::error_code& error) override {
        senders.insert(interface);
        return open(interface, family, error);
    }
    std::set<std::string> senders;  // interfaces opened with open_sender (no group joined)
    std::map<std::pair<std::string, address_family>, fake_advert_channel*> opened;
    int opens = 0;  // sockets handed out (a freed one's address may be reused)
    std::set<std::string> refuse;
    journal* changes = nullptr;  ///< given to every channel opened from now on
};

/// Records the VMACs made and removed; `fail_with` makes every ensure fail.
class fake_vmac_port : public net::vmac_port {
  public:
    std::error_code ensure(const net::vmac_spec& spec) override {
        record("ensure " + spec.name + " on " + spec.parent);
        if (fail_with) {
            return fail_with;
        }
        present[spec.name] = spec;
        return {};
    }
    std::error_code remove(const std::string& name) override {
        record("remove " + name);
        present.erase(name);
        return {};
    }
    std::error_code release_parent(const std::string& parent) override {
        record("release " + parent);
        return {};
    }
    std::error_code activate(const std::string& name, const ip_address& link_local) override {
        record("activate " + name + " " + link_local.to_string());
        if (activate_fails_with) {
            return activate_fails_with;
        }
        active.insert(name);
        return {};
    }
    std::error_code deactivate(const std::string& name) override {
        record("deactivate " + name);
        active.erase(name);
        return {};
    }
    std::map<std::string, net::vmac_spec> present;
    std::set<std::string> active;  ///< IPv6 VMACs that are up
    std::error_code activate_fails_with;
    std::vector<std::string> calls;
    std::error_code fail_with;
    journal* changes = nullptr;  ///< every call, in order with the other fakes' changes

  private:
    void record(std::string call) {
        note(changes, "vmac " + call);
        calls.push_back(std::move(call));
    }
};

}  // namespace vipd::fakes
