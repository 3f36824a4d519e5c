#pragma once
/// Splitting a line of a record file into words. Pure.

#include <string_view>
#include <vector>

namespace vipd {

/// The words of `line`, separated by spaces, tabs or carriage returns; views into `line`.
std::vector<std::string_view> words_of(std::string_view line);

}  // namespace vipd
