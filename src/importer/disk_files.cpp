#include <glob.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "vipd/importer/syntax.hpp"

namespace vipd::importer {
namespace {

std::vector<std::string> expand_on_disk(const std::string& pattern) {
    if (pattern.find_first_of("*?[") == std::string::npos) {
        return {pattern};
    }
    glob_t matches{};
    std::vector<std::string> out;
    // keepalived, like glob(3) without GLOB_NOCHECK, reads nothing for a pattern without matches.
    if (::glob(pattern.c_str(), 0, nullptr, &matches) == 0) {
        for (std::size_t i = 0; i < matches.gl_pathc; ++i) {
            if (!std::filesystem::is_directory(matches.gl_pathv[i])) {
                out.emplace_back(matches.gl_pathv[i]);
            }
        }
    }
    ::globfree(&matches);
    return out;
}

std::optional<std::string> read_from_disk(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
        return std::nullopt;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return std::nullopt;
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string identity_on_disk(const std::string& path) {
    std::error_code ec;
    const auto canonical = std::filesystem::weakly_canonical(path, ec);
    return ec ? std::filesystem::path(path).lexically_normal().string() : canonical.string();
}

}  // namespace

file_source disk_files() {
    return {expand_on_disk, read_from_disk, identity_on_disk};
}

}  // namespace vipd::importer
