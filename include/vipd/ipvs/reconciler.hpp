#pragma once
/// The reconciler: the minimal list of IPVS operations that turns the kernel's table (observed,
/// from a dump) into vipd's desired one, without flushing anything. Pure: it computes the diff
/// as data; the caller applies it through ipvs_port and logs each op with to_string.
///
/// Contract with the caller (the Linux adapter and the daemon):
/// - `observed` must already be in model terms. The kernel reports some settings differently
///   from how they were set, and the adapter translates them back before the reconciler sees
///   them: the IPv4 persistence netmask is a mask (255.255.255.0), the model's is a prefix
///   length (24); IPv6 is already a prefix length. The kernel's flags include
///   IP_VS_SVC_F_HASHED (always) and IP_VS_SVC_F_PERSISTENT (implied by a non-zero timeout):
///   neither appears in service_flags. The timeout comes back in seconds.
/// - Values that make no difference to the kernel's behaviour are ignored when comparing (see
///   normalize below), so a dump that differs only in those produces no operation.
/// - Keys are compared exactly, so `desired` must use the keys a dump will report. In
///   particular a destination's port is part of its key: whoever builds the desired table
///   decides it once (ipvsadm, for instance, gives DR/TUN reals the service's port), or the
///   reconciler would add a second destination on every pass instead of matching the first.

#include <set>
#include <vector>

#include "vipd/ipvs/model.hpp"

namespace vipd::ipvs {

/// Service settings with the values that do not matter replaced by canonical ones, so that
/// `normalize(a, f) == normalize(b, f)` exactly when the kernel would behave the same:
/// - not persistent (timeout 0): the persistence prefix is irrelevant, set to the full width;
/// - a prefix wider than the family (e.g. 64 for IPv4) is clamped to the family's width.
service_settings normalize(service_settings settings, address_family family);

/// Destination settings with the tunnel parameters cleared unless they take effect: all of them
/// outside tunnel forwarding, the port outside GUE, the checksum flag with plain IPIP.
destination_settings normalize(destination_settings settings);

/// A service with its settings and every destination normalized.
service normalize(const service& svc, address_family family);

/// A whole table normalized service by service (family from each key).
table normalize(const table& tbl);

/// Computes the operations that make `observed` match `desired` for the services vipd manages.
///
/// `managed` lists every service key vipd is responsible for: the desired ones plus those it
/// programmed before and must now remove (after a reload dropped them, or when this director
/// leaves MASTER and its desired table for them is empty). Keys of `desired` count as managed
/// even if `managed` omits them. Rules:
/// - A service in `observed` that is not managed is never touched (another tool's, or another
///   director's in "always" mode is not our business).
/// - Managed and observed but not desired: one delete_service (the kernel drops its
///   destinations with it, so no per-destination deletes).
/// - Desired but not observed: add_service, then add_destination for each of its reals.
/// - Desired and observed with different settings: edit_service, never delete + add, which
///   would drop every connection of the service.
/// - Within a managed service vipd owns every destination: missing ones are added, changed
///   ones (weight, thresholds, forwarding, tunnel) edited, extra ones deleted; an unchanged
///   destination produces no operation, so its connections are untouched.
///
/// Order: services in key order (the map's), and for each one its service operation first,
/// then adds, edits, then deletes of destinations, each in destination key order. Adding
/// before deleting means a service whose reals are swapped never has zero destinations, even
/// for the few microseconds between two messages of a batch.
///
/// Settings are compared after normalize(); the operations carry the desired values as given.
std::vector<operation> reconcile(const table& desired, const table& observed,
                                 const std::set<service_key>& managed);

/// The services whose wanted state differs between two desired tables: added, removed, or
/// with other settings or destinations. A role or health change needs to read back and
/// converge only these, not the whole kernel table.
std::set<service_key> changed_services(const table& before, const table& after);

}  // namespace vipd::ipvs
