#pragma once
/// An aligned text table for render.cpp: widths come from the cells' plain text, so colour codes
/// never shift a column.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace vipd::control::detail {

/// One cell: its text and the SGR code that colours it (empty: plain).
struct cell {
    std::string text;
    std::string_view sgr = {};
};

inline constexpr std::string_view k_bold = "\x1b[1m";
inline constexpr std::string_view k_green = "\x1b[32m";
inline constexpr std::string_view k_red = "\x1b[31m";
inline constexpr std::string_view k_yellow = "\x1b[33m";
inline constexpr std::string_view k_reset = "\x1b[0m";

class table {
  public:
    /// `indent` is written before the row and does not count towards the columns' widths.
    explicit table(std::string indent = {}) : indent_(std::move(indent)) {}

    void add(std::vector<cell> row) { rows_.push_back(std::move(row)); }
    std::size_t size() const noexcept { return rows_.size(); }

    /// Every row, columns separated by two blanks and padded to the widest cell of their
    /// column; the last cell is not padded (no trailing blanks). Each ends with '\n'.
    std::vector<std::string> lines(bool colour) const;

  private:
    std::vector<std::size_t> widths() const;
    std::string line(const std::vector<cell>& row, const std::vector<std::size_t>& width,
                     bool colour) const;

    std::string indent_;
    std::vector<std::vector<cell>> rows_;
};

/// `text` wrapped in `sgr` ... reset when `colour` and `sgr` is not empty.
std::string paint(std::string_view text, std::string_view sgr, bool colour);

}  // namespace vipd::control::detail
