#pragma once
/// Track files and processes held in memory, for the track poller and the runtime without a
/// file system or /proc.

#include <map>
#include <string>
#include <vector>

#include "vipd/daemon/track_poller.hpp"

namespace vipd::fakes {

class fake_track_host final : public daemon::track_host {
  public:
    file_reading read_file(const std::string& path) override {
        ++reads[path];
        const auto found = files.find(path);
        if (found == files.end()) {
            return {{}, "No such file or directory"};
        }
        return {found->second, {}};
    }
    std::string create_file(const std::string& path, std::string_view content) override {
        files.emplace(path, std::string(content));
        return {};
    }
    std::vector<vrrp::process_entry> processes() override {
        ++scans;
        return table;
    }

    std::map<std::string, std::string> files;  // path -> content
    std::map<std::string, int> reads;
    std::vector<vrrp::process_entry> table;
    int scans = 0;
};

}  // namespace vipd::fakes
