#pragma once
/// Reals taken out of rotation at run time (`vipctl drain`): desired state that desired_table
/// turns into weight 0, so the reconciler keeps them there through resyncs, `ipvsadm -C`, role
/// changes and reloads. Pure: deadlines are compared with a `now` the caller passes. A drain
/// lives in memory only; a restart of vipd forgets it, as it forgets a demote.

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "vipd/config/config.hpp"
#include "vipd/core/time.hpp"
#include "vipd/ipvs/model.hpp"

namespace vipd::policy {

/// One configured real of one virtual server, by the keys the kernel knows them by.
struct real_ref {
    ipvs::service_key service;
    ipvs::destination_key real;
    friend auto operator<=>(const real_ref&, const real_ref&) = default;
};

/// A real as people name it: the service's name (or its key) and "ADDR:PORT".
struct real_name {
    std::string service;
    std::string real;
};

/// The drained reals and when each drain ends by itself (nullopt: when undrained).
class drain_set {
  public:
    using deadline = std::optional<time_point>;

    /// Drains `real` until `until`; draining it again replaces the deadline. True when it was
    /// not drained before.
    bool drain(const real_ref& real, deadline until);
    /// Ends the drain of `real`; false when it was not drained.
    bool undrain(const real_ref& real);

    bool contains(const ipvs::service_key& service, const ipvs::destination_key& real) const;
    /// The drain of `real`, or nullptr when it is not drained.
    const deadline* find(const real_ref& real) const;

    /// Ends every drain whose deadline is at or before `now` and returns them.
    std::vector<real_ref> expire(time_point now);
    /// The earliest deadline, if any drain has one.
    std::optional<time_point> next_deadline() const;

    /// After a reload: keeps the drains of reals `config` still has and returns the others,
    /// which are dropped.
    std::vector<real_ref> retain_configured(const config::daemon_config& config);

    const std::map<real_ref, deadline>& entries() const noexcept { return drains_; }
    std::size_t size() const noexcept { return drains_.size(); }

  private:
    std::map<real_ref, deadline> drains_;
};

/// Finds the real `vipctl drain SERVICE REAL` means. `service`: a virtual server's name, or its
/// key as `vipctl ipvs` shows it ("tcp 10.0.0.1:80", "fwmark 10 (ipv4)"). `real`: "ADDR:PORT"
/// ("[2001:db8::1]:80" for IPv6), or ADDR alone when the real's port is the service's or the
/// service has one real at that address. The fallback server is not a real. On failure, the
/// error names what the configuration has instead.
std::variant<real_ref, std::string> find_real(const config::daemon_config& config,
                                              std::string_view service, std::string_view real);

/// How logs and views name `real`: its service's name (else key) and "ADDR:PORT". A real the
/// configuration lacks keeps its service's key.
real_name name_of(const config::daemon_config& config, const real_ref& real);

}  // namespace vipd::policy
