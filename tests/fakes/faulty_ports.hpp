#pragma once
/// Fault injection: decorators of the kernel ports that fail the requests a test chooses (with
/// EEXIST, ENOENT, EBUSY, ENOBUFS, a timeout, a closed socket...) and pass the others to the
/// ports they wrap (the recording fakes, usually). Every request is named the same way in one
/// place, so a test says "fail every `ipvs apply` with EBUSY" without knowing a fake's knobs.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "vipd/ipvs/model.hpp"
#include "vipd/ipvs/port.hpp"
#include "vipd/net/ports.hpp"

namespace vipd::fakes {

/// The requests a fault plan can fail, one per kind of kernel request.
enum class request_kind {
    address_add,
    address_remove,
    address_list,
    link_status,
    advert_send,
    channel_open,
    frame_send,
    ipvs_apply,  // each operation of a batch on its own
    ipvs_read,   // dumps and lists
    ipvs_sync,   // sync daemon list, start, stop
};

/// Which requests fail and how: nullopt lets a request through. `failed` counts the failures.
struct fault_plan {
    std::function<std::optional<std::error_code>(request_kind)> decide;
    std::uint64_t failed = 0;

    std::error_code check(request_kind kind) {
        if (decide) {
            if (const auto error = decide(kind)) {
                ++failed;
                return *error;
            }
        }
        return {};
    }
    /// Every request of `kind` fails with `error` until `heal`.
    void fail(request_kind kind, std::error_code error) {
        decide = [kind, error](request_kind asked) -> std::optional<std::error_code> {
            return asked == kind ? std::optional(error) : std::nullopt;
        };
    }
    void heal() { decide = nullptr; }
};

class faulty_address_port final : public net::address_port {
  public:
    faulty_address_port(net::address_port& inner, fault_plan& plan) : inner_(inner), plan_(plan) {}
    std::error_code add(const std::string& interface, const ip_prefix& prefix) override {
        if (auto error = plan_.check(request_kind::address_add)) {
            return error;
        }
        return inner_.add(interface, prefix);
    }
    std::error_code remove(const std::string& interface, const ip_prefix& prefix) override {
        if (auto error = plan_.check(request_kind::address_remove)) {
            return error;
        }
        return inner_.remove(interface, prefix);
    }
    std::error_code list(std::vector<net::host_address>& out) override {
        if (auto error = plan_.check(request_kind::address_list)) {
            out.clear();
            return error;
        }
        return inner_.list(out);
    }
    std::error_code ensure_dummy(const std::string& interface) override {
        if (auto error = plan_.check(request_kind::address_add)) {
            return error;
        }
        return inner_.ensure_dummy(interface);
    }

  private:
    net::address_port& inner_;
    fault_plan& plan_;
};

class faulty_link_monitor final : public net::link_monitor {
  public:
    faulty_link_monitor(net::link_monitor& inner, fault_plan& plan) : inner_(inner), plan_(plan) {}
    /// A failed read looks like the adapter's: no status.
    std::optional<net::link_status> status(const std::string& interface) override {
        if (plan_.check(request_kind::link_status)) {
            return std::nullopt;
        }
        return inner_.status(interface);
    }
    void watch(const std::string& interface, handler on_change) override {
        inner_.watch(interface, std::move(on_change));
    }
    void exclude_sources(std::set<ip_address> vips) override {
        inner_.exclude_sources(std::move(vips));
    }
    std::uint64_t overruns() const override { return inner_.overruns(); }

  private:
    net::link_monitor& inner_;
    fault_plan& plan_;
};

class faulty_advert_channel final : public net::advert_channel {
  public:
    faulty_advert_channel(std::unique_ptr<net::advert_channel> inner, fault_plan& plan)
        : inner_(std::move(inner)), plan_(plan) {}
    std::error_code send(std::span<const net::outgoing_advert> adverts) override {
        if (auto error = plan_.check(request_kind::advert_send)) {
            return error;
        }
        return inner_->send(adverts);
    }
    void on_receive(receive_handler handler) override { inner_->on_receive(std::move(handler)); }
    std::uint64_t receive_drops() const override { return inner_->receive_drops(); }

  private:
    std::unique_ptr<net::advert_channel> inner_;
    fault_plan& plan_;
};

class faulty_channel_factory final : public net::channel_factory {
  public:
    faulty_channel_factory(net::channel_factory& inner, fault_plan& plan)
        : inner_(inner), plan_(plan) {}
    std::unique_ptr<net::advert_channel> open(const std::string& interface, address_family family,
                                              std::error_code& error) override {
        if ((error = plan_.check(request_kind::channel_open))) {
            return nullptr;
        }
        return wrap(inner_.open(interface, family, error));
    }
    std::unique_ptr<net::advert_channel> open_sender(const std::string& interface,
                                                     address_family family,
                                                     std::error_code& error) override {
        if ((error = plan_.check(request_kind::channel_open))) {
            return nullptr;
        }
        return wrap(inner_.open_sender(interface, family, error));
    }

  private:
    std::unique_ptr<net::advert_channel> wrap(std::unique_ptr<net::advert_channel> channel) {
        return channel ? std::make_unique<faulty_advert_channel>(std::move(channel), plan_)
                       : nullptr;
    }

    net::channel_factory& inner_;
    fault_plan& plan_;
};

class faulty_frame_port final : public net::frame_port {
  public:
    faulty_frame_port(net::frame_port& inner, fault_plan& plan) : inner_(inner), plan_(plan) {}
    std::error_code send(const std::string& interface,
                         std::span<const std::uint8_t> frame) override {
        if (auto error = plan_.check(request_kind::frame_send)) {
            return error;
        }
        return inner_.send(interface, frame);
    }

  private:
    net::frame_port& inner_;
    fault_plan& plan_;
};

class faulty_ipvs_port final : public ipvs::ipvs_port {
  public:
    faulty_ipvs_port(ipvs::ipvs_port& inner, fault_plan& plan) : inner_(inner), plan_(plan) {}
    bool available() override { return inner_.available(); }
    std::error_code dump(ipvs::table& out) override {
        return read([&] { return inner_.dump(out); }, out);
    }
    std::error_code dump(ipvs::table& out, ipvs::counter_table& counters) override {
        return read([&] { return inner_.dump(out, counters); }, out);
    }
    std::error_code list(std::set<ipvs::service_key>& out) override {
        if (auto error = plan_.check(request_kind::ipvs_read)) {
            out.clear();
            return error;
        }
        return inner_.list(out);
    }
    std::error_code dump(std::span<const ipvs::service_key> keys, ipvs::table& out) override {
        return read([&] { return inner_.dump(keys, out); }, out);
    }
    std::error_code dump(std::span<const ipvs::service_key> keys, ipvs::table& out,
                         ipvs::counter_table& counters) override {
        return read([&] { return inner_.dump(keys, out, counters); }, out);
    }
    /// The operations the plan fails get its error; the others go to the inner port, in order.
    std::vector<ipvs::operation_result> apply(std::span<const ipvs::operation> ops) override {
        std::vector<ipvs::operation_result> results;
        std::vector<ipvs::operation> passed;
        std::vector<std::size_t> passed_at;
        for (std::size_t i = 0; i < ops.size(); ++i) {
            results.push_back({ops[i], plan_.check(request_kind::ipvs_apply)});
            if (!results.back().error) {
                passed.push_back(ops[i]);
                passed_at.push_back(i);
            }
        }
        const auto done = inner_.apply(passed);
        for (std::size_t i = 0; i < done.size(); ++i) {
            results[passed_at[i]].error = done[i].error;
        }
        return results;
    }
    std::error_code list_sync(ipvs::sync_daemons_by_role& out) override {
        if (auto error = plan_.check(request_kind::ipvs_sync)) {
            return error;
        }
        return inner_.list_sync(out);
    }
    std::error_code start_sync(ipvs::sync_role role, const std::string& interface,
                               std::uint8_t sync_id) override {
        if (auto error = plan_.check(request_kind::ipvs_sync)) {
            return error;
        }
        return inner_.start_sync(role, interface, sync_id);
    }
    std::error_code stop_sync(ipvs::sync_role role) override {
        if (auto error = plan_.check(request_kind::ipvs_sync)) {
            return error;
        }
        return inner_.stop_sync(role);
    }

  private:
    template <class Read>
    std::error_code read(Read&& inner_read, ipvs::table& out) {
        if (auto error = plan_.check(request_kind::ipvs_read)) {
            out.clear();
            return error;
        }
        return inner_read();
    }

    ipvs::ipvs_port& inner_;
    fault_plan& plan_;
};

}  // namespace vipd::fakes
