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
    explicit diagnostics(std::string file) : file_(std::move(file)) {}

    const std::string& file() const noexcept { return file_; }
    source_position position_of(const toml::source_region& region) const;

    void report(const source_position& where, std::string key, std::string message);
    void report(const toml::source_region& where, std::string key, std::string message) {
        report(position_of(where), std::move(key), std::move(message));
    }

    bool empty() const noexcept { return errors_.empty(); }
    std::size_t count() const noexcept { return errors_.size(); }
    /// The errors in file order (line, then column), which is how a user fixes them.
    std::vector<config_error> take();

  private:
    std::string file_;
    std::vector<config_error> errors_;
};

/// "a string", "an integer", ... for "must be X, got Y" messages.
std::string_view describe(toml::node_type type) noexcept;

/// How a value looks in a message: strings quoted, numbers as written.
std::string show(const toml::node& node);

}  // namespace vipd::config::detail
