#include "vipd/daemon/state_file.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <sys/stat.h>
#include <unistd.h>

#include "vipd/ipvs/key_list.hpp"

namespace vipd::daemon {

std::set<ipvs::service_key> read_state_file(const std::string& path, const logging::log_set& logs) {
    std::ifstream in(path);
    if (!in) {
        if (errno != ENOENT) {
            logs.ipvs().warn("cannot read the state file {}: {}", path, std::strerror(errno));
        }
        return {};
    }
    std::ostringstream text;
    text << in.rdbuf();
    std::size_t skipped = 0;
    auto keys = ipvs::parse_key_list(text.str(), skipped);
    if (skipped > 0) {
        logs.ipvs().warn("state file {}: {} unreadable line(s) skipped", path, skipped);
    }
    return keys;
}

void write_state_file(const std::string& path, const std::set<ipvs::service_key>& keys,
                      const logging::log_set& logs) {
    if (keys.empty()) {
        if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
            logs.ipvs().warn("cannot remove the state file {}: {}", path, std::strerror(errno));
        }
        return;
    }
    const auto slash = path.rfind('/');
    if (slash != std::string::npos && slash > 0) {
        const auto directory = path.substr(0, slash);
        if (::mkdir(directory.c_str(), 0755) != 0 && errno != EEXIST) {
            logs.ipvs().warn("cannot create {} for the state file: {}", directory,
                             std::strerror(errno));
            return;
        }
    }
    const auto next = path + ".new";
    {
        std::ofstream out(next, std::ios::trunc);
        out << ipvs::format_key_list(keys);
        out.flush();
        if (!out) {
            logs.ipvs().warn("cannot write the state file {}: {}", next, std::strerror(errno));
            (void)::unlink(next.c_str());
            return;
        }
    }
    if (::rename(next.c_str(), path.c_str()) != 0) {
        logs.ipvs().warn("cannot replace the state file {}: {}", path, std::strerror(errno));
        (void)::unlink(next.c_str());
    }
}

}  // namespace vipd::daemon
