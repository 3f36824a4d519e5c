// libFuzzer target for the configuration loader (config::load_string) on arbitrary TOML text:
// it must never throw or crash, whatever the file says; problems come back as errors.
//
// No file is read. load_string reads the fragments a top-level `include` names, absolute paths
// as written and relative ones from the main file's directory; an input whose `include` names
// any path (a non-empty string) is therefore skipped after toml++ parses it here, exactly as
// load_string will. Entries that are not paths are kept: they are reported without a look at
// the disk. The main file sits in a directory that does not exist, as a second fence.
//
// Also skipped: text holding a code point that sends toml++ 3.3 (Debian 12's) into undefined
// behaviour, so that the fuzzer keeps looking for bugs of ours. Its generated
// is_non_ascii_horizontal_whitespace() reaches __builtin_unreachable() for the code points
// U+00A1..U+0499, U+2C5E..U+3057 (but U+3000) and U+FB26..U+FEFE whenever the parser asks whether
// one is whitespace: where whitespace may stand (a syntax error anyway) and at the start of a line
// continued by a backslash in a multi-line string (valid TOML). Upstream issues #190 and #295;
// g++ 12 -O2 happens to compile it into a plain "no".
//
// Oracle: a result has a config or errors, never both or neither; every error has a message
// and names the main file at a real line (line 0 is only for files that cannot be read).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "oracle.hpp"
#include "vipd/config/loader.hpp"

namespace {

using vipd::fuzz::oracle_failed;

const std::string k_file = "/nonexistent-vipd-fuzz/vipd.toml";

/// Whether load_string would look for files: `include` is an array with a non-empty string.
bool names_a_file(std::string_view text) {
    toml::table root;
    try {
        root = toml::parse(text);
    } catch (const toml::parse_error&) {
        return false;  // load_string stops at the syntax error too
    }
    const auto* include = root.get_as<toml::array>("include");
    if (include == nullptr) {
        return false;
    }
    for (const auto& entry : *include) {
        if (const auto* path = entry.as_string(); path != nullptr && !path->get().empty()) {
            return true;
        }
    }
    return false;
}

/// Mirrors toml++ 3.3's is_non_ascii_horizontal_whitespace() up to its unreachable default.
bool toml_whitespace_check_is_undefined(char32_t c) {
    if (c <= 0xa0 || c >= 0xfeff || c == 0x3000) {
        return false;
    }
    const auto block = (static_cast<std::uint64_t>(c) - 0xa0) / 0x3fa;
    return ((std::uint64_t{1} << block) & 0x7ffffffffffff75eULL) == 0 && block != 5 && block != 7;
}

/// Whether the UTF-8 in `text` holds such a code point (malformed sequences are toml++'s to
/// refuse, and are kept).
bool has_undefined_whitespace_check(std::string_view text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto lead = static_cast<unsigned char>(text[i]);
        if ((lead & 0xe0) != 0xc0 && (lead & 0xf0) != 0xe0) {
            continue;  // ASCII, a continuation byte, or beyond U+FFFF: never in those ranges
        }
        const std::size_t length = (lead & 0xe0) == 0xc0 ? 2 : 3;
        if (i + length > text.size()) {
            return false;
        }
        char32_t c = lead & (length == 2 ? 0x1f : 0x0f);
        for (std::size_t k = 1; k < length; ++k) {
            c = (c << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3f);
        }
        if (toml_whitespace_check_is_undefined(c)) {
            return true;
        }
    }
    return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    if (has_undefined_whitespace_check(text) || names_a_file(text)) {
        return 0;
    }
    const auto result = vipd::config::load_string(text, k_file, "fuzz");
    if (result.ok() == !result.errors.empty()) {
        oracle_failed("a result with both a config and errors, or neither");
    }
    for (const auto& error : result.errors) {
        if (error.message.empty() || error.position.file != k_file || error.position.line == 0) {
            oracle_failed("an error without a message or a position in the file: " +
                          error.to_string());
        }
    }
    if (result.ok() && result.config->files != std::vector<std::string>{k_file}) {
        oracle_failed("a config that names files it did not read");
    }
    return 0;
}
