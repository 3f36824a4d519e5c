#pragma once
/// keepalived.conf's syntax as a tree: every statement is a keyword, its arguments, and the
/// statements of its `{ ... }` block, each with the file and line it was written at. `include`
/// statements are replaced by the statements of the files they name. Nothing here knows what a
/// keyword means (that is the converter's table).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace vipd::importer {

/// One statement: `keyword args... [{ children }]`.
struct node {
    std::string keyword;
    std::vector<std::string> args;  // quotes removed: `"a b"` is one argument
    std::vector<node> children;
    bool has_block = false;  // written with `{ ... }`, even an empty one
    /// keepalived's conditional prefix `@NAME` (or `@^NAME`), without the `@`; empty = none.
    std::string condition;
    std::string file;
    std::uint32_t line = 0;
};

struct syntax_error {
    std::string file;
    std::uint32_t line = 0;  // 0: the file itself (cannot be read)
    std::string message;
    /// "FILE:LINE: MESSAGE", or "FILE: MESSAGE" when line is 0.
    std::string to_string() const;
};

struct parse_result {
    std::vector<node> nodes;  // the top-level statements, includes spliced in
    std::vector<syntax_error> errors;
    bool ok() const noexcept { return errors.empty(); }
};

/// How includes reach files, injected so that tests and the fuzzer need no disk.
struct file_source {
    /// The files a pattern names, in order: a glob(7) pattern's matches (sorted; none is not an
    /// error), or the path itself when it has no wildcard.
    std::function<std::vector<std::string>(const std::string& pattern)> expand;
    /// A file's text; nullopt when it cannot be read.
    std::function<std::optional<std::string>(const std::string& path)> read;
    /// The same file however it is spelt, for cycle detection.
    std::function<std::string(const std::string& path)> identity;
};

/// The real file system.
file_source disk_files();

/// Includes nest at most this deep (keepalived's own limit is lower than any real use).
inline constexpr int k_max_include_depth = 8;

/// Parses `text` read from `file_name`. Comments start with `#` or `!` at the start of a word;
/// a word in double quotes may hold blanks; `{` and `}` are words of their own outside quotes.
/// `include PATTERN` takes PATTERN relative to the including file's directory; an include
/// cycle, a depth beyond k_max_include_depth, an unreadable file and an unbalanced brace are
/// errors with file:line.
parse_result parse(const std::string& text, const std::string& file_name, const file_source& files);

/// Reads `path` through `files` and parses it.
parse_result parse_file(const std::string& path, const file_source& files);

}  // namespace vipd::importer
