#pragma once
/// keepalived's configuration tree (syntax.hpp) to vipd.toml text, driven by one table of
/// keywords. A keyword vipd has no equivalent for is never lost silently: it becomes a
/// `dropped_item` with its file, line and the reason.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "vipd/importer/syntax.hpp"

namespace vipd::importer {

struct dropped_item {
    std::string file;
    std::uint32_t line = 0;
    std::string keyword;
    std::string reason;
    /// "FILE:LINE: KEYWORD: dropped: REASON".
    std::string to_string() const;
    friend bool operator==(const dropped_item&, const dropped_item&) = default;
};

struct conversion {
    std::string toml;                   // a complete vipd.toml
    std::vector<dropped_item> dropped;  // in the order the keywords were read
};

/// Converts parsed statements. Never throws on odd input: whatever cannot be converted is
/// dropped with a reason (an instance without an interface, a malformed address, ...).
conversion convert(const std::vector<node>& nodes);

/// One row of the importer's table, for the documentation: where the keyword is written in
/// keepalived.conf, the vipd key it becomes, and a note (for a dropped keyword, the reason
/// the importer gives).
struct mapping_row {
    std::string_view block;  // "vrrp_instance", "virtual_server", "(top level)", ...
    std::string_view keyword;
    std::string_view vipd_key;  // what it becomes, when it is converted
    std::string_view note;
    bool dropped = false;  // never converted; `note` is the reason
};

/// Every row of the table, in its order.
std::vector<mapping_row> keyword_mapping();

/// The rows as a Markdown section, one table per block (docs/from-keepalived.md holds it).
std::string mapping_markdown();

}  // namespace vipd::importer
