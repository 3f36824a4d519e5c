#pragma once
/// A recording fake of ipvs::ipvs_port: an in-memory IPVS table that applies operations with
/// the kernel's rules and errno values (net/netfilter/ipvs/ip_vs_ctl.c, ip_vs_genl_set_cmd and
/// the add/edit/del helpers it calls), and counts what it was asked to do.
///
/// Kernel behaviour it mirrors:
/// - NEW_SERVICE on an existing service: EEXIST. Any other command naming a missing service:
///   ESRCH (checked before the destination is looked at).
/// - NEW_DEST on an existing destination: EEXIST; SET_DEST / DEL_DEST on a missing one: ENOENT.
/// - NEW/SET_DEST with lower threshold > upper threshold: ERANGE (the kernel compares them
///   as given, even when upper is 0).
/// - NEW/SET_SERVICE with a scheduler whose module does not exist: ENOENT; an IPv6 netmask
///   outside 1..128: EINVAL (an IPv4 prefix above 32 cannot be expressed as a mask: EINVAL).
/// - DEL_SERVICE removes the service's destinations with it.
/// - Starting a sync daemon role that runs: EEXIST (whatever its settings); stopping one that
///   does not: ESRCH. One daemon per role, listed with the settings it was started with.
/// Not mirrored: the kernel reports settings in its own terms (masks, HASHED flag); this fake
/// stores and dumps model values, i.e. what the adapter returns after translating.

#include <cerrno>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "vipd/ipvs/port.hpp"

namespace vipd::fakes {

class fake_ipvs_port : public ipvs::ipvs_port {
  public:
    using sync_daemon = ipvs::sync_daemon;

    // ---- state, readable and writable by tests ----
    ipvs::table kernel;    ///< the "kernel" table, all services (not only vipd's)
    bool has_ipvs = true;  ///< false: no IPVS family; every call fails with ENOENT
    std::set<std::string> schedulers{"rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh",
                                     "sh", "sed", "nq", "fo",  "ovf",  "mh",    "twos"};
    ipvs::sync_daemons_by_role sync_daemons;  ///< the daemons the "kernel" runs

    /// When set and it returns an error for an operation, that operation fails with it and is
    /// not applied (a transient kernel failure, ENOMEM, EPERM...).
    std::function<std::error_code(const ipvs::operation&)> inject;
    /// The connection sync daemon calls, for `inject_sync`.
    enum class sync_call { list, start, stop };
    /// When set, runs before each sync daemon call: an error it returns is that call's result
    /// (nothing done); it may also change `sync_daemons` first, as an ipvsadm racing vipd would.
    std::function<std::error_code(sync_call)> inject_sync;

    // ---- records ----
    int dump_calls = 0;         ///< whole-table dumps
    int counted_slices = 0;     ///< dumps of some keys with their counters
    int list_calls = 0;         ///< service lists
    std::size_t keys_read = 0;  ///< services read by key (dump(keys, out))
    int apply_calls = 0;
    std::vector<ipvs::operation> applied;  ///< every op passed to apply(), failed ones too
    std::vector<std::error_code> errors;   ///< the result of each op in `applied`
    /// When set, one line per operation applied ("ipvs " + to_string(op)), shared with other
    /// fakes to read the order of kernel changes (fake_ports.hpp's journal).
    std::vector<std::string>* changes = nullptr;

    bool available() override { return has_ipvs; }

    std::error_code dump(ipvs::table& out) override {
        ++dump_calls;
        if (!has_ipvs) {
            return errno_code(ENOENT);
        }
        out = kernel;
        return {};
    }

    /// The table with zeroed counters: no traffic passes through a fake.
    std::error_code dump(ipvs::table& out, ipvs::counter_table& counters) override {
        counters.clear();
        if (auto error = dump(out)) {
            return error;
        }
        for (const auto& [key, service] : out) {
            counters[key] = {};
        }
        return {};
    }

    std::error_code list(std::set<ipvs::service_key>& out) override {
        ++list_calls;
        out.clear();
        if (!has_ipvs) {
            return errno_code(ENOENT);
        }
        for (const auto& [key, svc] : kernel) {
            out.insert(key);
        }
        return {};
    }

    std::error_code dump(std::span<const ipvs::service_key> keys, ipvs::table& out) override {
        keys_read += keys.size();
        out.clear();
        if (!has_ipvs) {
            return errno_code(ENOENT);
        }
        for (const auto& key : keys) {
            if (const auto found = kernel.find(key); found != kernel.end()) {
                out.insert(*found);
            }
        }
        return {};
    }

    std::error_code dump(std::span<const ipvs::service_key> keys, ipvs::table& out,
                         ipvs::counter_table& counters) override {
        counters.clear();
        ++counted_slices;
        if (auto error = dump(keys, out)) {
            return error;
        }
        for (const auto& [key, service] : out) {
            counters[key] = {};
        }
        return {};
    }

    std::vector<ipvs::operation_result> apply(std::span<const ipvs::operation> ops) override {
        ++apply_calls;
        std::vector<ipvs::operation_result> results;
        results.reserve(ops.size());
        for (const auto& op : ops) {
            std::error_code error;
            if (!has_ipvs) {
                error = errno_code(ENOENT);
            } else if (inject) {
                error = inject(op);
            }
            if (!error) {
                error = std::visit([this](const auto& o) { return apply_one(o); }, op);
            }
            applied.push_back(op);
            errors.push_back(error);
            if (!error && changes != nullptr) {
                changes->push_back("ipvs " + ipvs::to_string(op));
            }
            results.push_back(ipvs::operation_result{op, error});
        }
        return results;
    }

    std::error_code list_sync(ipvs::sync_daemons_by_role& out) override {
        out.clear();
        if (auto error = injected(sync_call::list)) {
            return error;
        }
        out = sync_daemons;
        return {};
    }

    std::error_code start_sync(ipvs::sync_role role, const std::string& interface,
                               std::uint8_t sync_id) override {
        if (auto error = injected(sync_call::start)) {
            return error;
        }
        if (sync_daemons.contains(role)) {
            return errno_code(EEXIST);
        }
        sync_daemons[role] = sync_daemon{interface, sync_id};
        return {};
    }

    std::error_code stop_sync(ipvs::sync_role role) override {
        if (auto error = injected(sync_call::stop)) {
            return error;
        }
        if (sync_daemons.erase(role) == 0) {
            return errno_code(ESRCH);
        }
        return {};
    }

    /// Number of operations of one kind in `applied`, e.g. count<ipvs::add_destination>().
    template <typename Op>
    std::size_t count() const {
        std::size_t n = 0;
        for (const auto& op : applied) {
            n += std::holds_alternative<Op>(op) ? 1U : 0U;
        }
        return n;
    }

    /// Number of operations in `applied` that failed.
    std::size_t failures() const {
        std::size_t n = 0;
        for (const auto& error : errors) {
            n += error ? 1U : 0U;
        }
        return n;
    }

  private:
    static std::error_code errno_code(int value) {
        return std::error_code(value, std::generic_category());
    }

    std::error_code injected(sync_call call) const {
        if (!has_ipvs) {
            return errno_code(ENOENT);
        }
        return inject_sync ? inject_sync(call) : std::error_code{};
    }

    std::error_code check_service(const ipvs::service_key& key,
                                  const ipvs::service_settings& settings) const {
        if (!schedulers.contains(settings.scheduler)) {
            return errno_code(ENOENT);  // "Scheduler module ip_vs_%s not found"
        }
        const bool v6 = ipvs::family_of(key) == address_family::ipv6;
        const auto prefix = settings.persistence_prefix;
        if (v6 ? (prefix < 1 || prefix > 128) : prefix > 32) {
            return errno_code(EINVAL);
        }
        return {};
    }

    static std::error_code check_destination(const ipvs::destination_settings& settings) {
        if (settings.lower_threshold > settings.upper_threshold) {
            return errno_code(ERANGE);
        }
        return {};
    }

    std::error_code apply_one(const ipvs::add_service& op) {
        if (kernel.contains(op.key)) {
            return errno_code(EEXIST);
        }
        if (auto error = check_service(op.key, op.settings)) {
            return error;
        }
        kernel[op.key].settings = op.settings;
        return {};
    }

    std::error_code apply_one(const ipvs::edit_service& op) {
        auto found = kernel.find(op.key);
        if (found == kernel.end()) {
            return errno_code(ESRCH);
        }
        if (auto error = check_service(op.key, op.settings)) {
            return error;
        }
        found->second.settings = op.settings;  // destinations stay: SET_SERVICE keeps them
        return {};
    }

    std::error_code apply_one(const ipvs::delete_service& op) {
        if (kernel.erase(op.key) == 0) {
            return errno_code(ESRCH);
        }
        return {};
    }

    std::error_code apply_one(const ipvs::add_destination& op) {
        auto found = kernel.find(op.service);
        if (found == kernel.end()) {
            return errno_code(ESRCH);
        }
        if (auto error = check_destination(op.settings)) {
            return error;
        }
        if (!found->second.destinations.emplace(op.destination, op.settings).second) {
            return errno_code(EEXIST);
        }
        return {};
    }

    std::error_code apply_one(const ipvs::edit_destination& op) {
        auto found = kernel.find(op.service);
        if (found == kernel.end()) {
            return errno_code(ESRCH);
        }
        if (auto error = check_destination(op.settings)) {
            return error;
        }
        auto dest = found->second.destinations.find(op.destination);
        if (dest == found->second.destinations.end()) {
            return errno_code(ENOENT);
        }
        dest->second = op.settings;
        return {};
    }

    std::error_code apply_one(const ipvs::delete_destination& op) {
        auto found = kernel.find(op.service);
        if (found == kernel.end()) {
            return errno_code(ESRCH);
        }
        if (found->second.destinations.erase(op.destination) == 0) {
            return errno_code(ENOENT);
        }
        return {};
    }
};

}  // namespace vipd::fakes
