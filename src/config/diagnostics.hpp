#pragma once
/// Internal to the config module: collects every problem found while loading, with its position.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "vipd/config/loader.hpp"

namespace vipd::config::detail {

/// Collects errors instead of stopping at the first, so one `vipd --check` run shows them all.
class diagnostics {
  public:
    explicit diagnostics(std::string file) : file_(std::move(file)), files_{file_} {}

    /// The file positions are taken in now: the main file, or the fragment being read.
    const std::string& file() const noexcept { return file_; }
    /// Positions from now on name `file` (an `include` fragment, or the main file again).
    void set_file(std::string file);
    source_position position_of(const toml::source_region& region) const;

    void report(const source_position& where, std::string key, std::string message);
    void report(const toml::source_region& where, std::string key, std::string message) {
        report(position_of(where), std::move(key), std::move(message));
    }

    bool empty() const noexcept { return errors_.empty(); }
    std::size_t count() const noexcept { return errors_.size(); }
    /// The errors in file order (the files in the order they were read, then line, then
    /// column), which is how a user fixes them.
    std::vector<config_error> take();

  private:
    std::string file_;
    std::vector<std::string> files_;  // every file named so far, main first: the sort order
    std::vector<config_error> errors_;
};

/// How a message points at another entry: "line 12" in the file being reported on, else
/// "conf.d/web.toml:12" (the entry is in another `include` fragment).
std::string line_reference(const source_position& at, const source_position& from);

/// "a string", "an integer", ... for "must be X, got Y" messages.
std::string_view describe(toml::node_type type) noexcept;

/// How a value looks in a message: strings quoted, numbers as written.
std::string show(const toml::node& node);

}  // namespace vipd::config::detail
