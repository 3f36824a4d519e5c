// The table as documentation: docs/from-keepalived.md's mapping section is this text.
#include "converter.hpp"

namespace vipd::importer {

std::vector<mapping_row> keyword_mapping() {
    std::vector<mapping_row> rows;
    for (const auto& row : detail::keyword_table()) {
        rows.push_back(mapping_row{detail::block_name(row.where), row.keyword, row.vipd_key,
                                   row.note, row.handle == nullptr});
    }
    return rows;
}

namespace {

/// A cell's text: a `|` would end the cell.
std::string cell(std::string_view text) {
    std::string out;
    for (const char c : text) {
        out += c == '|' ? std::string("\\|") : std::string(1, c);
    }
    return out;
}

std::string code(std::string_view text) {
    return "`" + cell(text) + "`";
}

std::string vipd_side(const mapping_row& row) {
    if (row.dropped) {
        return "dropped";
    }
    return row.vipd_key.empty() ? "(nothing to write)" : code(row.vipd_key);
}

}  // namespace

std::string mapping_markdown() {
    std::string out;
    std::string_view current;
    for (const auto& row : keyword_mapping()) {
        if (row.block != current) {
            current = row.block;
            out += (out.empty() ? "" : "\n") + std::string("### ") + code(row.block) +
                   "\n\n| keepalived | vipd | note |\n|---|---|---|\n";
        }
        out += "| " + code(row.keyword) + " | " + vipd_side(row) + " | " + cell(row.note) + " |\n";
    }
    return out;
}

}  // namespace vipd::importer
