#pragma once
/// The Linux ipvs_port: the kernel's IPVS table over generic netlink (family "IPVS") with
/// libnl-genl-3. One long-lived socket; apply() batches many requests per sendmsg and matches
/// the kernel's answers (failures, one acknowledgement per batch) by sequence number, instead
/// of one blocking round trip per object.
///
/// libnl stays out of this header: only the socket type is forward-declared.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <system_error>
#include <type_traits>
#include <vector>

#include "vipd/ipvs/port.hpp"

struct nl_sock;

namespace vipd::ipvs::linux {

/// Errors of the adapter itself; the kernel's own refusals arrive as errno values
/// (system_category), e.g. EEXIST for a duplicate service, ESRCH for a missing one.
enum class genl_errc {
    /// The "IPVS" family is not registered: ip_vs is not loaded or not built.
    family_not_found = 1,
    /// The kernel dropped replies (receive buffer overrun); the operation's outcome is unknown.
    replies_lost,
    /// A reply that does not parse as the UAPI header describes.
    malformed_reply,
    /// A request could not be built (libnl out of memory or an oversized attribute).
    invalid_operation,
};
const std::error_category& genl_category() noexcept;
std::error_code make_error_code(genl_errc e) noexcept;

namespace detail {
struct nl_sock_deleter {
    void operator()(nl_sock* sock) const noexcept;
};
using nl_sock_ptr = std::unique_ptr<nl_sock, nl_sock_deleter>;
}  // namespace detail

class genl_client final : public ipvs_port {
  public:
    /// Opens the socket in the calling thread's network namespace (IPVS tables are per netns)
    /// and resolves the family. Never throws for a missing kernel feature: available() is then
    /// false and open_error() says why.
    genl_client();
    ~genl_client() override;
    genl_client(const genl_client&) = delete;
    genl_client& operator=(const genl_client&) = delete;

    /// True when the family resolves; retries the resolution while it does not (a later
    /// `modprobe ip_vs` is picked up).
    bool available() override;
    /// Why the last open failed (genl_errc::family_not_found when ip_vs is missing); empty once
    /// available.
    std::error_code open_error() const noexcept { return open_error_; }

    /// GET_SERVICE dump, then one GET_DEST dump per service. Services the model cannot
    /// represent (unknown protocol, non-contiguous netmask) are skipped; `out` is replaced.
    std::error_code dump(table& out) override;
    /// The same dump, also collecting every service's and real's traffic counters (for
    /// vipctl ipvs; the reconciler never needs them).
    std::error_code dump(table& out, counter_table& counters) override;
    /// The GET_SERVICE dump alone: one request however many destinations there are.
    std::error_code list(std::set<service_key>& out) override;
    /// Per key, a GET_SERVICE request (ESRCH: the kernel lacks it) and one GET_DEST dump.
    std::error_code dump(std::span<const service_key> keys, table& out) override;
    /// The same, with the traffic counters of those services and their reals.
    std::error_code dump(std::span<const service_key> keys, table& out,
                         counter_table& counters) override;
    /// Sends the operations in batches of at most batch_limit() messages per sendmsg. The
    /// kernel answers a failure by sequence number, and only the batch's last request asks for
    /// an acknowledgement (NLM_F_ACK), which closes the batch. One result per operation, in
    /// order; a refused operation does not stop the others (the kernel processes every message
    /// of a batch).
    std::vector<operation_result> apply(std::span<const operation> ops) override;
    /// The GET_DAEMON dump: one reply per running daemon with its role, interface and sync id.
    std::error_code list_sync(sync_daemons_by_role& out) override;
    std::error_code start_sync(sync_role role, const std::string& interface,
                               std::uint8_t sync_id) override;
    std::error_code stop_sync(sync_role role) override;

    /// Messages per sendmsg. Every answer of a batch (each failure, and the closing
    /// acknowledgement) must fit in the socket's receive buffer at once (the kernel answers
    /// while still inside sendmsg), which bounds it.
    void set_batch_limit(std::size_t limit) noexcept { batch_limit_ = limit == 0 ? 1 : limit; }
    std::size_t batch_limit() const noexcept { return batch_limit_; }

  private:
    std::error_code dump_into(table& out, counter_table* counters);
    std::error_code dump_keys(std::span<const service_key> keys, table& out,
                              counter_table* counters);
    std::error_code open();
    std::error_code ensure_open();
    std::uint32_t next_seq() noexcept { return next_seq_++; }

    detail::nl_sock_ptr sock_;
    int family_ = -1;
    std::uint32_t next_seq_ = 1;
    std::size_t batch_limit_ = 256;
    std::error_code open_error_;
};

}  // namespace vipd::ipvs::linux

template <>
struct std::is_error_code_enum<vipd::ipvs::linux::genl_errc> : std::true_type {};
