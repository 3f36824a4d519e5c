#include "vipd/health/checkers/dns_codec.hpp"

#include "vipd/core/byte_reader.hpp"

namespace vipd::health::checkers::dns {

namespace {

constexpr std::size_t k_header_size = 12;
constexpr std::size_t k_max_label = 63;
constexpr std::size_t k_max_name = 255;  // RFC 1035 §2.3.4, wire form
// Header flag bits (RFC 1035 §4.1.1).
constexpr std::uint16_t k_flag_qr = 0x8000;
constexpr std::uint16_t k_flag_tc = 0x0200;
constexpr std::uint16_t k_flag_rd = 0x0100;
constexpr std::uint16_t k_rcode_mask = 0x000f;
constexpr std::uint16_t k_opcode_mask = 0x7800;

void put16(std::vector<std::uint8_t>& out, std::uint16_t value) {
    out.push_back(static_cast<std::uint8_t>(value >> 8));
    out.push_back(static_cast<std::uint8_t>(value & 0xff));
}

/// Steps over a possibly compressed name. A pointer (two top bits set) ends the name: we never
/// need the name's text, so pointers are not followed, which also rules out pointer loops.
bool skip_name(byte_reader& reader) {
    std::size_t length = 0;
    while (true) {
        const auto label = reader.u8();
        if (!label) {
            return false;
        }
        if (*label == 0) {
            return true;
        }
        if ((*label & 0xc0) == 0xc0) {
            return reader.u8().has_value();
        }
        if ((*label & 0xc0) != 0) {
            return false;  // 0x40 and 0x80 label types are obsolete or reserved (RFC 6891 §5)
        }
        length += 1U + *label;
        if (length > k_max_name || !reader.bytes(*label)) {
            return false;
        }
    }
}

reply_check failed(std::string detail) {
    return {reply_verdict::failed, std::move(detail)};
}

}  // namespace

std::optional<std::vector<std::uint8_t>> encode_query(std::uint16_t id, std::string_view name,
                                                      std::uint16_t qtype) {
    if (!name.empty() && name.back() == '.') {
        name.remove_suffix(1);
    }
    if (name.empty()) {
        return std::nullopt;  // the root alone is no useful health check
    }
    std::vector<std::uint8_t> out;
    out.reserve(k_header_size + name.size() + 6);
    put16(out, id);
    put16(out, k_flag_rd);    // QR=0 query, opcode 0 QUERY, recursion desired
    put16(out, 1);            // QDCOUNT
    put16(out, 0);            // ANCOUNT
    put16(out, 0);            // NSCOUNT
    put16(out, 0);            // ARCOUNT
    std::size_t encoded = 1;  // the final zero label
    while (true) {
        const auto dot = name.find('.');
        const auto label = name.substr(0, dot);
        if (label.empty() || label.size() > k_max_label) {
            return std::nullopt;
        }
        encoded += 1 + label.size();
        if (encoded > k_max_name) {
            return std::nullopt;
        }
        out.push_back(static_cast<std::uint8_t>(label.size()));
        out.insert(out.end(), label.begin(), label.end());
        if (dot == std::string_view::npos) {
            break;
        }
        name.remove_prefix(dot + 1);
    }
    out.push_back(0);
    put16(out, qtype);
    put16(out, k_class_in);
    return out;
}

reply_check check_reply(std::span<const std::uint8_t> reply, std::uint16_t id,
                        std::uint16_t qtype) {
    byte_reader reader(reply);
    const auto reply_id = reader.u16();
    const auto flags = reader.u16();
    if (!reply_id || !flags || *reply_id != id || (*flags & k_flag_qr) == 0) {
        // Too short to carry our id, another query's reply, or a query: not ours to judge.
        return {reply_verdict::ignore, {}};
    }
    const auto qdcount = reader.u16();
    const auto ancount = reader.u16();
    if (!qdcount || !ancount || !reader.u16() || !reader.u16()) {
        return failed("malformed reply: short header");
    }
    if ((*flags & k_opcode_mask) != 0) {
        return failed("malformed reply: opcode " + std::to_string((*flags & k_opcode_mask) >> 11));
    }
    if (const unsigned rcode = *flags & k_rcode_mask; rcode != 0) {
        return failed("rcode " + rcode_name(rcode));
    }
    for (unsigned i = 0; i < *qdcount; ++i) {
        if (!skip_name(reader) || !reader.bytes(4)) {
            return failed("malformed reply: question section");
        }
    }
    for (unsigned i = 0; i < *ancount; ++i) {
        std::optional<std::uint16_t> rdlength;
        std::optional<std::uint16_t> type;
        if (!skip_name(reader) || !(type = reader.u16()) || !reader.u16() || !reader.u32() ||
            !(rdlength = reader.u16()) || !reader.bytes(*rdlength)) {
            return failed("malformed reply: answer section");
        }
        if (*type == qtype) {
            return {reply_verdict::answered, {}};
        }
    }
    if ((*flags & k_flag_tc) != 0) {
        return failed("truncated reply without " + type_name(qtype) + " record");
    }
    if (*ancount == 0) {
        return failed("no answer (NOERROR, 0 records)");
    }
    return failed("no " + type_name(qtype) + " record among " + std::to_string(*ancount) +
                  " answers");
}

std::string rcode_name(unsigned rcode) {
    // RFC 1035 §4.1.1 and RFC 2136 §2.2.
    switch (rcode) {
        case 0:
            return "NOERROR";
        case 1:
            return "FORMERR";
        case 2:
            return "SERVFAIL";
        case 3:
            return "NXDOMAIN";
        case 4:
            return "NOTIMP";
        case 5:
            return "REFUSED";
        case 9:
            return "NOTAUTH";
        default:
            return std::to_string(rcode);
    }
}

std::string type_name(std::uint16_t type) {
    switch (type) {
        case 1:
            return "A";
        case 2:
            return "NS";
        case 5:
            return "CNAME";
        case 6:
            return "SOA";
        case 12:
            return "PTR";
        case 15:
            return "MX";
        case 16:
            return "TXT";
        case 28:
            return "AAAA";
        case 33:
            return "SRV";
        default:
            return "type " + std::to_string(type);
    }
}

}  // namespace vipd::health::checkers::dns
