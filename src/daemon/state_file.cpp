#include "vipd/daemon/state_file.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <sys/stat.h>
#include <unistd.h>

#include "vipd/ipvs/key_list.hpp"
#include "vipd/vips/record.hpp"

namespace vipd::daemon {

state_record read_state_file(const std::string& path, const logging::log_set& logs) {
    std::ifstream in(path);
    if (!in) {
        if (errno != ENOENT) {
            logs.daemon().warn("cannot read the state file {}: {}", path, std::strerror(errno));
        }
        return {};
    }
    std::ostringstream text;
    text << in.rdbuf();
    // VIP lines and service lines share the file; each parser reads only its own.
    std::string service_lines;
    std::istringstream lines(text.str());
    for (std::string line; std::getline(lines, line);) {
        if (!vips::is_record_line(line)) {
            service_lines += line + "\n";
        }
    }
    state_record record;
    std::size_t skipped_services = 0;
    std::size_t skipped_addresses = 0;
    record.services = ipvs::parse_key_list(service_lines, skipped_services);
    record.addresses = vips::parse_record(text.str(), skipped_addresses);
    if (skipped_services + skipped_addresses > 0) {
        logs.daemon().warn("state file {}: {} unreadable line(s) skipped", path,
                           skipped_services + skipped_addresses);
    }
    return record;
}

void write_state_file(const std::string& path, const state_record& record,
                      const logging::log_set& logs) {
    if (record.empty()) {
        if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
            logs.daemon().warn("cannot remove the state file {}: {}", path, std::strerror(errno));
        }
        return;
    }
    const auto slash = path.rfind('/');
    if (slash != std::string::npos && slash > 0) {
        const auto directory = path.substr(0, slash);
        if (::mkdir(directory.c_str(), 0755) != 0 && errno != EEXIST) {
            logs.daemon().warn("cannot create {} for the state file: {}", directory,
                               std::strerror(errno));
            return;
        }
    }
    const auto next = path + ".new";
    {
        std::ofstream out(next, std::ios::trunc);
        out << ipvs::format_key_list(record.services) << vips::format_record(record.addresses);
        out.flush();
        if (!out) {
            logs.daemon().warn("cannot write the state file {}: {}", next, std::strerror(errno));
            (void)::unlink(next.c_str());
            return;
        }
    }
    if (::rename(next.c_str(), path.c_str()) != 0) {
        logs.daemon().warn("cannot replace the state file {}: {}", path, std::strerror(errno));
        (void)::unlink(next.c_str());
    }
}

}  // namespace vipd::daemon
