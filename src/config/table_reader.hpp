#pragma once
/// Internal to the config module: typed, self-reporting access to the keys of one TOML table.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include <toml++/toml.h>

#include "diagnostics.hpp"
#include "vipd/core/time.hpp"

namespace vipd::config::detail {

enum class presence : std::uint8_t { optional, required };

/// A key users coming from another tool are likely to write, and what to say instead.
struct foreign_key_hint {
    std::string_view key;   // e.g. keepalived's "virtual_router_id"
    std::string_view hint;  // e.g. "vipd calls it vrid"
};

/// Reads one table whose allowed keys are known up front. Every getter reports its own problems
/// (wrong type, out of range, required but missing) and then returns nullopt, so callers handle
/// only good values and every problem is reported exactly once. Keys nobody asked for are
/// reported by `report_unknown_keys()`.
class table_reader {
  public:
    /// `path` is the table's dotted key ("vrrp[0]", "vrrp[0].garp"; "" for the root).
    table_reader(const toml::table& table, std::string path,
                 std::span<const std::string_view> allowed, diagnostics& diag,
                 std::span<const foreign_key_hint> hints = {});

    const toml::table& table() const noexcept { return table_; }
    diagnostics& diag() const noexcept { return diag_; }
    /// "vrrp[0].vrid"
    std::string key_path(std::string_view key) const;
    /// The table's own position: where a missing key is reported.
    source_position position() const { return diag_.position_of(table_.source()); }

    const toml::node* find(std::string_view key) const { return table_.get(key); }
    bool has(std::string_view key) const { return find(key) != nullptr; }
    /// Reports a problem with `key`'s value, at the value.
    void report(std::string_view key, std::string message) const;
    /// Reports `key` missing, at the table; `what` says what it should be ("an integer 1..255").
    void report_missing(std::string_view key, std::string_view what) const;

    std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max,
                                        presence p = presence::optional) const;
    std::optional<bool> boolean(std::string_view key) const;
    /// `what` describes an acceptable value for the messages ("a name such as \"web\"").
    std::optional<std::string> string(std::string_view key, std::string_view what,
                                      presence p = presence::optional) const;
    /// A duration string ("100ms") within [min, max]; a bare number is an error asking for a unit.
    std::optional<microseconds> duration(std::string_view key, microseconds min,
                                         microseconds max) const;

    void report_unknown_keys() const;

  private:
    const toml::table& table_;
    std::string path_;
    std::span<const std::string_view> allowed_;
    diagnostics& diag_;
    std::span<const foreign_key_hint> hints_;
};

/// Calls `read(table, index)` for each table of the array of tables `key` of `root` ([[key]]),
/// in order; a `key` that is no array, or an element that is no table, is reported instead.
/// `each` names an entry in the message ("instance": "write each instance under [[vrrp]]").
template <typename Read>
void for_each_table(const toml::table& root, std::string_view key, std::string_view each,
                    diagnostics& diag, Read read) {
    const toml::node* node = root.get(key);
    if (node == nullptr) {
        return;
    }
    const std::string name(key);
    const auto* array = node->as_array();
    if (array == nullptr) {
        diag.report(node->source(), name,
                    name + " must be an array of tables: write each " + std::string(each) +
                        " under [[" + name + "]] (double brackets), got " +
                        std::string(describe(node->type())));
        return;
    }
    for (std::size_t i = 0; i < array->size(); ++i) {
        const toml::node& element = *array->get(i);
        if (const auto* table = element.as_table()) {
            read(*table, i);
        } else {
            diag.report(element.source(), name + "[" + std::to_string(i) + "]",
                        "each " + name + " entry must be a table (write [[" + name + "]]), got " +
                            std::string(describe(element.type())));
        }
    }
}

/// Text for a duration in messages: "40.95s", "10ms", "1000s".
std::string format_duration(microseconds d);

/// The allowed key closest to `key` when it is a likely typo, else empty.
std::string_view closest_match(std::string_view key, std::span<const std::string_view> allowed);

}  // namespace vipd::config::detail
