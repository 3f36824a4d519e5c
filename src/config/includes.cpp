#include "includes.hpp"

#include <glob.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <string_view>

namespace vipd::config::detail {
namespace {

namespace fs = std::filesystem;

/// "a string \"x\"", "an integer 5", "a table": what was written instead, for messages.
std::string what_is(const toml::node& node) {
    const std::string type(describe(node.type()));
    return node.is_table() || node.is_array() ? type : type + " " + show(node);
}

bool has_wildcard(std::string_view pattern) {
    return pattern.find_first_of("*?[") != std::string_view::npos;
}

/// The same file however it is spelt ("conf.d/../conf.d/a.toml", a symlink), for de-duplication.
std::string identity_of(const fs::path& path) {
    std::error_code ec;
    auto canonical = fs::weakly_canonical(path, ec);
    return ec ? path.lexically_normal().string() : canonical.string();
}

/// glob(3) aborts on a directory it cannot read (no GLOB_ERR: that would abort on every error),
/// except one that does not exist: a wildcard under a missing conf.d matches nothing, like one
/// under an empty conf.d.
int glob_error(const char* /*path*/, int error) {
    return error == ENOENT || error == ENOTDIR ? 0 : 1;
}

class include_expander {
  public:
    explicit include_expander(diagnostics& diag)
        : diag_(diag), directory_(fs::path(diag.file()).parent_path()) {
        seen_.insert(identity_of(diag.file()));
    }

    void add_entry(const toml::node& element, const std::string& key) {
        const auto* text = element.as_string();
        if (text == nullptr || text->get().empty()) {
            diag_.report(element.source(), key,
                         "each include entry must be a path or glob pattern such as "
                         "\"/etc/vipd/conf.d/*.toml\", got " +
                             (text == nullptr ? what_is(element) : "\"\""));
            return;
        }
        const fs::path written(text->get());
        const fs::path pattern = written.is_absolute() ? written : directory_ / written;
        if (has_wildcard(text->get())) {
            add_matches(element, key, pattern.string());
        } else {
            add_literal(element, key, pattern);
        }
    }

    std::vector<std::string> take() { return std::move(files_); }

  private:
    void add_file(const std::string& path) {
        if (seen_.insert(identity_of(path)).second) {
            files_.push_back(path);
        }
    }

    void add_literal(const toml::node& element, const std::string& key, const fs::path& path) {
        std::error_code ec;
        const auto status = fs::status(path, ec);
        if (!fs::exists(status)) {
            diag_.report(
                element.source(), key,
                "cannot include " + path.string() + ": " +
                    (status.type() == fs::file_type::not_found ? std::string("no such file")
                                                               : ec.message()) +
                    " (only a pattern with wildcards such as \"conf.d/*.toml\" may "
                    "match nothing)");
            return;
        }
        if (fs::is_directory(status)) {
            diag_.report(element.source(), key,
                         "cannot include " + path.string() + ": it is a directory; write \"" +
                             (path / "*.toml").string() + "\" to include the files in it");
            return;
        }
        add_file(path.string());
    }

    void add_matches(const toml::node& element, const std::string& key,
                     const std::string& pattern) {
        glob_t matches{};
        // GLOB_MARK ends directory names with '/', so they can be skipped: "conf.d/*" should
        // not trip over a subdirectory.
        const int rc = ::glob(pattern.c_str(), GLOB_MARK, glob_error, &matches);
        if (rc == 0) {
            for (std::size_t i = 0; i < matches.gl_pathc; ++i) {
                const std::string_view path = matches.gl_pathv[i];
                if (!path.ends_with('/')) {
                    add_file(std::string(path));
                }
            }
        } else if (rc != GLOB_NOMATCH) {
            diag_.report(element.source(), key,
                         "cannot expand " + pattern +
                             (rc == GLOB_NOSPACE ? ": out of memory"
                                                 : ": a directory on its way cannot be read"));
        }
        ::globfree(&matches);
    }

    diagnostics& diag_;
    fs::path directory_;  // of the main file: where relative patterns start
    std::set<std::string> seen_;
    std::vector<std::string> files_;
};

}  // namespace

file_text read_text_file(const std::string& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        return {std::nullopt, "it is a directory"};
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return {std::nullopt, std::strerror(errno)};
    }
    // Read straight into one string sized from the file (a stringstream would grow and copy it
    // twice: 600 KB for 1,000 services, each copy new pages to fault in); a file that changes
    // size meanwhile is still read to its end.
    std::string text;
    if (const auto size = std::filesystem::file_size(path, ec); !ec) {
        text.reserve(static_cast<std::size_t>(size));
    }
    std::array<char, 65536> chunk{};
    while (in.read(chunk.data(), chunk.size()) || in.gcount() > 0) {
        text.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
    }
    if (in.bad()) {
        return {std::nullopt, std::strerror(errno)};
    }
    return {std::move(text), {}};
}

std::vector<std::string> expand_includes(const toml::table& root, diagnostics& diag) {
    const toml::node* node = root.get("include");
    if (node == nullptr) {
        return {};
    }
    const auto* array = node->as_array();
    if (array == nullptr) {
        diag.report(node->source(), "include",
                    "include must be an array of paths or glob patterns such as "
                    "[\"/etc/vipd/conf.d/*.toml\"], got " +
                        what_is(*node));
        return {};
    }
    include_expander expander(diag);
    for (std::size_t i = 0; i < array->size(); ++i) {
        expander.add_entry(*array->get(i), "include[" + std::to_string(i) + "]");
    }
    return expander.take();
}

}  // namespace vipd::config::detail
