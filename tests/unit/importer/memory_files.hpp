#pragma once
// An in-memory file system for the importer's tests: paths to texts, glob patterns matched
// with fnmatch(3) against the stored paths.

#include <fnmatch.h>

#include <map>
#include <string>

#include "vipd/importer/syntax.hpp"

namespace vipd::importer::testing {

inline file_source memory_files(const std::map<std::string, std::string>& files) {
    file_source source;
    source.expand = [files](const std::string& pattern) {
        if (pattern.find_first_of("*?[") == std::string::npos) {
            return std::vector<std::string>{pattern};
        }
        std::vector<std::string> matches;  // std::map keeps them sorted, as glob(3) does
        for (const auto& [path, text] : files) {
            if (::fnmatch(pattern.c_str(), path.c_str(), FNM_PATHNAME) == 0) {
                matches.push_back(path);
            }
        }
        return matches;
    };
    source.read = [files](const std::string& path) -> std::optional<std::string> {
        const auto it = files.find(path);
        return it == files.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
    source.identity = [](const std::string& path) { return path; };
    return source;
}

}  // namespace vipd::importer::testing
