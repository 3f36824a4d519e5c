// libFuzzer target for the state file's parsers: the IPVS service keys (ipvs::parse_key_list)
// and the VIP lines (vips::parse_record). A start after a crash reads the file, which may be
// truncated, hand-edited or left by another version.
//
// Input: the file's text, given to both parsers (the file holds both kinds of line).
//
// Oracle: what a parser accepts, formatted again, parses to the same set with no line skipped.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "oracle.hpp"
#include "vipd/ipvs/key_list.hpp"
#include "vipd/vips/record.hpp"

namespace {

using vipd::fuzz::oracle_failed;

template <class Format, class Parse>
void check_round_trip(std::string_view text, Format format, Parse parse, const char* what) {
    std::size_t skipped = 0;
    const auto first = parse(text, skipped);
    const auto formatted = format(first);
    std::size_t skipped_again = 0;
    const auto second = parse(formatted, skipped_again);
    if (skipped_again != 0) {
        oracle_failed(std::string("formatted ") + what + " lines were skipped:\n" + formatted);
    }
    if (second != first) {
        oracle_failed(std::string("formatted ") + what + " lines parse differently:\n" + formatted);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    check_round_trip(text, vipd::ipvs::format_key_list, vipd::ipvs::parse_key_list, "service key");
    check_round_trip(text, vipd::vips::format_record, vipd::vips::parse_record, "VIP");
    return 0;
}
