#pragma once
/// DNS wire format for the dns check (RFC 1035 §4): one standard query out, the verdict on one
/// reply in. Pure: no sockets, no clock, no randomness (the caller picks the query id).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vipd::health::checkers::dns {

/// RFC 1035 §4.1.1: QTYPE A, AAAA; QCLASS IN.
inline constexpr std::uint16_t k_type_a = 1;
inline constexpr std::uint16_t k_type_aaaa = 28;
inline constexpr std::uint16_t k_class_in = 1;

/// A standard query (opcode QUERY, RD set) with one question `name` / `qtype` / IN. `name` is
/// dotted text; a trailing dot is allowed. nullopt when a label is empty or longer than 63 bytes,
/// or the encoded name exceeds 255 bytes.
std::optional<std::vector<std::uint8_t>> encode_query(std::uint16_t id, std::string_view name,
                                                      std::uint16_t qtype);

enum class reply_verdict : std::uint8_t {
    answered,  // NOERROR with at least one answer record of the asked type
    ignore,    // not a reply to our query (wrong id, not a response): keep waiting
    failed,    // a reply to our query that says no; `detail` says why
};

struct reply_check {
    reply_verdict verdict = reply_verdict::failed;
    std::string detail;  // empty when answered
};

/// Judges `reply` against the query `id` / `qtype`. Validates the header, skips the question
/// section and walks every answer record, following the rules for compressed names (a pointer
/// ends a name). A malformed reply with our id fails with "malformed reply".
reply_check check_reply(std::span<const std::uint8_t> reply, std::uint16_t id, std::uint16_t qtype);

/// "NXDOMAIN", "SERVFAIL", ... or the number for codes without a name.
std::string rcode_name(unsigned rcode);
/// "A", "AAAA", ... or "type N".
std::string type_name(std::uint16_t type);

}  // namespace vipd::health::checkers::dns
