#pragma once
// An ordered TOML document under construction (private to the importer). toml++'s tables sort
// their keys; here keys stay in the order a reader expects (name, interface, vrid, ...), which
// is the table's order, not the keepalived file's.

#include <string>
#include <string_view>
#include <vector>

namespace vipd::importer::detail {

/// One key: a rendered scalar, or the rendered items of an array.
struct toml_key {
    std::string name;
    std::vector<std::string> items;
    bool is_array = false;
};

struct toml_section {
    std::string header;  // "[[vrrp]]", "[global]"; empty for an inline table
    std::vector<toml_key> keys;
    std::vector<toml_section> children;

    /// Sets a scalar key, replacing an earlier value in place.
    void set(std::string_view name, std::string rendered);
    /// Appends to an array key.
    void append(std::string_view name, std::string rendered);
    const toml_key* find(std::string_view name) const;
    void erase(std::string_view name);
    /// The first child with this header, made when there is none.
    toml_section& child(std::string_view child_header);

    /// The section as TOML text: header, keys in order (names starting with `_` are the
    /// converter's notes and are left out; names starting with `#` are comment lines), a blank
    /// line, then the children.
    std::string render() const;
    /// `{ a = 1, b = "x" }`.
    std::string render_inline() const;
};

/// A TOML basic string: quotes, backslashes and control characters escaped.
std::string quoted(std::string_view text);

}  // namespace vipd::importer::detail
