#pragma once
/// A fresh directory for one test (or fixture), removed with everything in it when it goes out
/// of scope. A failure to create it throws, and gtest fails the test that needed it.

#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

namespace vipd::support {

class temp_dir {
  public:
    /// Under the system's temporary directory, named `tag`-XXXXXX. `for_anyone`: mode 0777, for
    /// scripts that run as nobody while the tests run as root.
    explicit temp_dir(std::string_view tag, bool for_anyone = false) {
        std::string pattern =
            (std::filesystem::temp_directory_path() / (std::string(tag) + "-XXXXXX")).string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("mkdtemp " + pattern + " failed");
        }
        path_ = pattern;
        if (for_anyone) {
            std::filesystem::permissions(path_, std::filesystem::perms::all);
        }
    }
    ~temp_dir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;

    const std::filesystem::path& path() const noexcept { return path_; }
    /// The path of `name` inside the directory.
    std::string file(std::string_view name) const { return (path_ / name).string(); }

  private:
    std::filesystem::path path_;
};

}  // namespace vipd::support
