#include "vipd/vrrp/track_process.hpp"

#include <algorithm>
#include <utility>

namespace vipd::vrrp {
namespace {

/// The first NUL-terminated argument of a cmdline, and what follows it.
std::pair<std::string_view, std::string_view> split_first(std::string_view cmdline) noexcept {
    const auto end = cmdline.find('\0');
    if (end == std::string_view::npos) {
        return {cmdline, {}};
    }
    return {cmdline.substr(0, end), cmdline.substr(end + 1)};
}

std::string_view file_name(std::string_view path) noexcept {
    const auto slash = path.rfind('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

/// The arguments after argv[0] joined by spaces: the form `args` is written in.
std::string joined_args(std::string_view rest) {
    if (!rest.empty() && rest.back() == '\0') {
        rest.remove_suffix(1);
    }
    std::string out(rest);
    std::replace(out.begin(), out.end(), '\0', ' ');
    return out;
}

}  // namespace

bool matches(const process_pattern& pattern, const process_entry& process) {
    const auto [argv0, rest] = split_first(process.cmdline);
    if (process.comm != pattern.name && file_name(argv0) != pattern.name) {
        return false;
    }
    return !pattern.args || joined_args(rest) == *pattern.args;
}

std::size_t count_matching(const process_pattern& pattern,
                           std::span<const process_entry> processes) {
    return static_cast<std::size_t>(
        std::count_if(processes.begin(), processes.end(),
                      [&pattern](const process_entry& p) { return matches(pattern, p); }));
}

bool quorum_watch::observe(std::size_t count, time_point now) noexcept {
    const bool first = !observed_;
    observed_ = true;
    if (count >= quorum_) {
        short_since_.reset();
        down_ = false;
        return down_;
    }
    if (!short_since_) {
        short_since_ = now;
    }
    down_ = first || now - *short_since_ >= delay_;
    return down_;
}

}  // namespace vipd::vrrp
