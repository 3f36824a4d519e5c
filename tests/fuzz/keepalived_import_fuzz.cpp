// libFuzzer target for the keepalived importer: the parser and the converter on arbitrary
// text. Neither may throw or crash; problems come back as syntax errors or dropped keywords.
//
// No file is read: the input is the only file there is (an include of "keepalived.conf" runs
// into the cycle check, any other path cannot be read, a pattern matches nothing).
//
// Oracle: every syntax error and every dropped keyword names the input file at a real line and
// gives a reason; a parse without errors yields a document that starts with its comment.

#include <cstdint>
#include <string>
#include <string_view>

#include "oracle.hpp"
#include "vipd/importer/convert.hpp"
#include "vipd/importer/syntax.hpp"

namespace {

using vipd::fuzz::oracle_failed;

const std::string k_file = "/fuzz/keepalived.conf";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    vipd::importer::file_source files;
    files.expand = [](const std::string& pattern) {
        return pattern.find_first_of("*?[") == std::string::npos ? std::vector<std::string>{pattern}
                                                                 : std::vector<std::string>{};
    };
    files.read = [&text](const std::string& path) {
        return path == k_file ? std::optional<std::string>(text) : std::nullopt;
    };
    files.identity = [](const std::string& path) { return path; };

    const auto parsed = vipd::importer::parse(text, k_file, files);
    for (const auto& error : parsed.errors) {
        if (error.message.empty() || error.line == 0 || !error.file.starts_with("/fuzz")) {
            oracle_failed("a syntax error without a message or a position: " + error.to_string());
        }
    }
    if (!parsed.ok()) {
        return 0;
    }
    const auto converted = vipd::importer::convert(parsed.nodes);
    for (const auto& item : converted.dropped) {
        if (item.reason.empty() || item.line == 0 || !item.file.starts_with("/fuzz")) {
            oracle_failed("a dropped keyword without a reason or a position: " + item.to_string());
        }
    }
    if (!converted.toml.starts_with("# Converted from keepalived.conf")) {
        oracle_failed("a document without its heading");
    }
    return 0;
}
