#include "table.hpp"

#include <algorithm>

namespace vipd::control::detail {

std::string paint(std::string_view text, std::string_view sgr, bool colour) {
    if (!colour || sgr.empty()) {
        return std::string(text);
    }
    std::string out;
    out.reserve(text.size() + sgr.size() + k_reset.size());
    out.append(sgr).append(text).append(k_reset);
    return out;
}

std::vector<std::size_t> table::widths() const {
    std::vector<std::size_t> out;
    for (const auto& row : rows_) {
        out.resize(std::max(out.size(), row.size()), 0);
        for (std::size_t c = 0; c < row.size(); ++c) {
            // Byte length: our cells are ASCII except names and details, which are rare enough
            // not to justify a UTF-8 width table.
            out[c] = std::max(out[c], row[c].text.size());
        }
    }
    return out;
}

std::vector<std::string> table::lines(bool colour) const {
    // Widths once per table: `vipctl ipvs` may list thousands of reals.
    const auto width = widths();
    std::vector<std::string> out;
    out.reserve(rows_.size());
    for (const auto& row : rows_) {
        out.push_back(line(row, width, colour));
    }
    return out;
}

std::string table::line(const std::vector<cell>& row, const std::vector<std::size_t>& width,
                        bool colour) const {
    // The last non-empty cell ends the line, so trailing empty cells add no blanks.
    std::size_t last = row.size();
    while (last > 0 && row[last - 1].text.empty()) {
        --last;
    }
    std::string out = indent_;
    for (std::size_t c = 0; c < last; ++c) {
        out += paint(row[c].text, row[c].sgr, colour);
        if (c + 1 < last) {
            out.append(width[c] - row[c].text.size() + 2, ' ');
        }
    }
    out += '\n';
    return out;
}

}  // namespace vipd::control::detail
