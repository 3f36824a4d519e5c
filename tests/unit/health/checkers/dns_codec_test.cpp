#include "vipd/health/checkers/dns_codec.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vipd::health::checkers::dns {
namespace {

using bytes = std::vector<std::uint8_t>;

// RFC 1035 §4.1: id 0x1234, RD, one question example.com A IN.
const bytes k_query_example_a{0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
                              0x00, 0x00, 0x00,  // header
                              0x07, 'e',  'x',  'a',  'm',  'p',  'l',  'e',  0x03,
                              'c',  'o',  'm',  0x00, 0x00, 0x01, 0x00, 0x01};

TEST(DnsCodec, EncodesAStandardQuery) {
    EXPECT_EQ(encode_query(0x1234, "example.com", k_type_a), k_query_example_a);
    EXPECT_EQ(encode_query(0x1234, "example.com.", k_type_a), k_query_example_a);
}

TEST(DnsCodec, EncodesTheAskedTypeAndId) {
    const auto query = encode_query(0xbeef, "a.b", k_type_aaaa);
    const bytes expected{0xbe, 0xef, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
                         0x00, 0x01, 'a',  0x01, 'b',  0x00, 0x00, 0x1c, 0x00, 0x01};
    EXPECT_EQ(query, expected);
}

TEST(DnsCodec, RejectsNamesThatCannotBeEncoded) {
    EXPECT_FALSE(encode_query(1, "", k_type_a));
    EXPECT_FALSE(encode_query(1, ".", k_type_a));
    EXPECT_FALSE(encode_query(1, "a..b", k_type_a));
    EXPECT_FALSE(encode_query(1, ".a", k_type_a));
    EXPECT_FALSE(encode_query(1, std::string(64, 'x') + ".com", k_type_a));
    EXPECT_TRUE(encode_query(1, std::string(63, 'x') + ".com", k_type_a));
    // 4 labels of 63 bytes encode to 4 * 64 + 1 = 257 bytes > 255.
    const std::string label(63, 'x');
    EXPECT_FALSE(encode_query(1, label + "." + label + "." + label + "." + label, k_type_a));
    // 3 * 64 + 62 + 1 = 255: the longest legal name.
    EXPECT_TRUE(
        encode_query(1, label + "." + label + "." + label + "." + std::string(61, 'x'), k_type_a));
}

/// A reply to k_query_example_a: header, the question echoed, then `answers` as given.
bytes reply(std::uint16_t id, std::uint16_t flags, std::uint16_t ancount, const bytes& answers) {
    bytes out{static_cast<std::uint8_t>(id >> 8),
              static_cast<std::uint8_t>(id),
              static_cast<std::uint8_t>(flags >> 8),
              static_cast<std::uint8_t>(flags),
              0x00,
              0x01,
              static_cast<std::uint8_t>(ancount >> 8),
              static_cast<std::uint8_t>(ancount),
              0x00,
              0x00,
              0x00,
              0x00};
    out.insert(out.end(), k_query_example_a.begin() + 12, k_query_example_a.end());
    out.insert(out.end(), answers.begin(), answers.end());
    return out;
}

// example.com A 93.184.216.34, the name as a pointer to the question (offset 12).
const bytes k_answer_a_compressed{0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00,
                                  0x0e, 0x10, 0x00, 0x04, 93,   184,  216,  34};
// www.example.com CNAME example.com: "www" then a pointer, rdata a bare pointer.
const bytes k_answer_cname{0x03, 'w',  'w',  'w',  0xc0, 0x0c, 0x00, 0x05, 0x00,
                           0x01, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x02, 0xc0, 0x0c};
// The same A record with its owner name spelt out, no compression.
const bytes k_answer_a_plain{0x07, 'e',  'x',  'a',  'm',  'p',  'l',  'e',  0x03,
                             'c',  'o',  'm',  0x00, 0x00, 0x01, 0x00, 0x01, 0x00,
                             0x00, 0x00, 0x3c, 0x00, 0x04, 10,   0,    0,    1};

bytes concat(const bytes& a, const bytes& b) {
    bytes out = a;
    out.insert(out.end(), b.begin(), b.end());
    return out;
}

struct reply_row {
    const char* description;
    bytes reply;
    std::uint16_t qtype;
    reply_verdict verdict;
    std::string detail;
};

TEST(DnsCodec, JudgesReplies) {
    const std::vector<reply_row> rows{
        {"A answer, compressed name", reply(0x1234, 0x8180, 1, k_answer_a_compressed), k_type_a,
         reply_verdict::answered, ""},
        {"A answer, plain name", reply(0x1234, 0x8180, 1, k_answer_a_plain), k_type_a,
         reply_verdict::answered, ""},
        {"CNAME first, then the A record",
         reply(0x1234, 0x8180, 2, concat(k_answer_cname, k_answer_a_compressed)), k_type_a,
         reply_verdict::answered, ""},
        {"authoritative answer flag changes nothing",
         reply(0x1234, 0x8580, 1, k_answer_a_compressed), k_type_a, reply_verdict::answered, ""},
        {"another query's id", reply(0x1235, 0x8180, 1, k_answer_a_compressed), k_type_a,
         reply_verdict::ignore, ""},
        {"a query, not a response", reply(0x1234, 0x0100, 1, k_answer_a_compressed), k_type_a,
         reply_verdict::ignore, ""},
        {"too short for an id", bytes{0x12}, k_type_a, reply_verdict::ignore, ""},
        {"NXDOMAIN", reply(0x1234, 0x8183, 0, {}), k_type_a, reply_verdict::failed,
         "rcode NXDOMAIN"},
        {"SERVFAIL", reply(0x1234, 0x8182, 0, {}), k_type_a, reply_verdict::failed,
         "rcode SERVFAIL"},
        {"NOERROR, no data", reply(0x1234, 0x8180, 0, {}), k_type_a, reply_verdict::failed,
         "no answer (NOERROR, 0 records)"},
        {"only a CNAME", reply(0x1234, 0x8180, 1, k_answer_cname), k_type_a, reply_verdict::failed,
         "no A record among 1 answers"},
        {"A record when AAAA was asked", reply(0x1234, 0x8180, 1, k_answer_a_compressed),
         k_type_aaaa, reply_verdict::failed, "no AAAA record among 1 answers"},
        {"truncated, no records", reply(0x1234, 0x8380, 0, {}), k_type_a, reply_verdict::failed,
         "truncated reply without A record"},
        {"header cut short", bytes{0x12, 0x34, 0x81, 0x80, 0x00, 0x01}, k_type_a,
         reply_verdict::failed, "malformed reply: short header"},
        {"answer count beyond the data", reply(0x1234, 0x8180, 2, k_answer_cname), k_type_a,
         reply_verdict::failed, "malformed reply: answer section"},
        {"rdata cut short",
         reply(0x1234, 0x8180, 1,
               bytes(k_answer_a_compressed.begin(), k_answer_a_compressed.end() - 1)),
         k_type_a, reply_verdict::failed, "malformed reply: answer section"},
        {"reserved label type 0x40", reply(0x1234, 0x8180, 1, bytes{0x41, 'x', 0x00}), k_type_a,
         reply_verdict::failed, "malformed reply: answer section"},
        {"pointer cut in half", reply(0x1234, 0x8180, 1, bytes{0xc0}), k_type_a,
         reply_verdict::failed, "malformed reply: answer section"},
        {"opcode STATUS", reply(0x1234, 0x9180, 1, k_answer_a_compressed), k_type_a,
         reply_verdict::failed, "malformed reply: opcode 2"},
    };
    for (const auto& row : rows) {
        SCOPED_TRACE(row.description);
        const auto got = check_reply(row.reply, 0x1234, row.qtype);
        EXPECT_EQ(got.verdict, row.verdict);
        EXPECT_EQ(got.detail, row.detail);
    }
}

TEST(DnsCodec, QuestionSectionCutShortIsMalformed) {
    bytes cut = reply(0x1234, 0x8180, 0, {});
    cut.resize(cut.size() - 3);
    const auto got = check_reply(cut, 0x1234, k_type_a);
    EXPECT_EQ(got.verdict, reply_verdict::failed);
    EXPECT_EQ(got.detail, "malformed reply: question section");
}

TEST(DnsCodec, NamesRcodesAndTypes) {
    EXPECT_EQ(rcode_name(3), "NXDOMAIN");
    EXPECT_EQ(rcode_name(5), "REFUSED");
    EXPECT_EQ(rcode_name(11), "11");
    EXPECT_EQ(type_name(28), "AAAA");
    EXPECT_EQ(type_name(99), "type 99");
}

}  // namespace
}  // namespace vipd::health::checkers::dns
