#pragma once
/// Keeps the host's VIPs converged to what the VRRP roles call for, like ipvs_driver does for
/// services: dumps the addresses, asks the pure reconciler (vips/reconciler.hpp) for the fewest
/// changes and applies them through the address port. It remembers what it added and keeps
/// that in the state file, so ownership works on kernels that drop IFA_PROTO tags (< 5.18).

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "vipd/config/config.hpp"
#include "vipd/core/rate_limiter.hpp"
#include "vipd/core/time.hpp"
#include "vipd/logging/logging.hpp"
#include "vipd/net/ports.hpp"
#include "vipd/vips/reconciler.hpp"

namespace vipd::daemon {

/// Why the driver converges, which decides how loudly it reports what it did.
enum class vip_cause : std::uint8_t {
    start,     ///< leftovers of an earlier run come out (info)
    role,      ///< a role change or a reload: the expected adds and removals (debug)
    resync,    ///< the periodic pass: anything it changes is drift (warning)
    shutdown,  ///< everything of ours comes out (info)
};

/// What one convergence did.
struct vip_outcome {
    std::vector<vips::address> added;    ///< created by this pass
    std::vector<vips::address> removed;  ///< deleted by this pass
    std::size_t failed = 0;              ///< additions or removals the kernel refused
};

/// The VIPs `config` manages wherever they came from (vips::view::configured): static VIPs and
/// the VIPs of instances that do not own their addresses (an owner's are the router's own,
/// RFC 5798 §1).
std::set<vips::address> managed_vips(const config::daemon_config& config);

class vip_driver {
  public:
    /// Called with every address vipd owns whenever that set changes (before additions, so a
    /// crash in between leaves them recorded); the shell writes it to the state file.
    using record_function = std::function<void(const std::set<vips::address>&)>;

    vip_driver(net::address_port& port, const logging::log_set& logs,
               std::function<time_point()> clock, record_function record = {});

    /// The previous run's record: those addresses are ours until they are gone.
    void adopt_record(const std::set<vips::address>& recorded);
    /// The VIPs the configuration manages (vips::view::configured); replaced on reload.
    void set_configured(std::set<vips::address> configured) { configured_ = std::move(configured); }

    /// Converges the host to `desired`. A failed dump is logged (rate-limited) and the pass
    /// works from what it believes is there, so wanted VIPs still go up and ours still go.
    vip_outcome converge(const std::set<vips::address>& desired, vip_cause cause);

    /// Whether the kernel keeps IFA_PROTO: true once a dump showed one, false while dumps of a
    /// host with addresses showed none, nullopt before the first dump.
    std::optional<bool> tags_kept() const noexcept { return tags_kept_; }
    const std::set<vips::address>& owned() const noexcept { return owned_; }

  private:
    std::vector<vips::observed_address> observe();
    void record();
    bool add(const vips::address& where, vip_cause cause);
    bool remove(const vips::removal& removal, vip_cause cause);

    net::address_port& port_;
    const logging::log_set& logs_;
    std::function<time_point()> clock_;
    record_function record_;
    std::set<vips::address> configured_;
    std::set<vips::address> owned_;
    std::set<vips::address> warned_;  // taken over, reported once each
    std::optional<bool> tags_kept_;
    rate_limiter error_log_limit_{5, std::chrono::seconds(10)};
};

}  // namespace vipd::daemon
