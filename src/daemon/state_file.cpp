#include "vipd/daemon/state_file.hpp"

#include <cerrno>
#include <cstring>
#include <sstream>
#include <string_view>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vipd/ipvs/key_list.hpp"
#include "vipd/vips/record.hpp"

namespace vipd::daemon {
namespace {

std::error_code last_error() {
    return {errno, std::generic_category()};
}

/// The record's text in `text`. Refuses a symbolic link (whoever can plant one in the directory
/// could otherwise make vipd read, and remove at start, whatever they name) and anything but a
/// regular file (a FIFO would block the start). False when there is no record to read.
bool read_record_text(const std::string& path, std::string& text, const logging::log_set& logs) {
    // O_NONBLOCK: opening a FIFO for reading would wait for a writer; a regular file ignores it.
    const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ELOOP) {
            logs.daemon().warn("the state file {} is a symbolic link: not followed, ignored", path);
        } else if (errno != ENOENT) {
            logs.daemon().warn("cannot read the state file {}: {}", path, std::strerror(errno));
        }
        return false;
    }
    struct stat info {};
    std::error_code error;
    if (::fstat(fd, &info) != 0) {
        error = last_error();
    } else if (!S_ISREG(info.st_mode)) {
        logs.daemon().warn("the state file {} is not a regular file: ignored", path);
        ::close(fd);
        return false;
    }
    char buffer[4096];
    while (!error) {
        const auto n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            error = last_error();
        } else if (n == 0) {
            break;
        } else {
            text.append(buffer, static_cast<std::size_t>(n));
        }
    }
    ::close(fd);
    if (error) {
        logs.daemon().warn("cannot read the state file {}: {}", path, error.message());
        return false;
    }
    return true;
}

std::error_code write_all(int fd, std::string_view text) {
    while (!text.empty()) {
        const auto n = ::write(fd, text.data(), text.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return last_error();
        }
        text.remove_prefix(static_cast<std::size_t>(n));
    }
    return {};
}

/// Creates `next` afresh with `text`, on the disk before this returns. Whatever is at `next`
/// goes first: unlink removes a planted link itself, not its target, and O_EXCL | O_NOFOLLOW
/// refuse one planted again in between instead of writing through it.
std::error_code write_new_file(const std::string& next, std::string_view text) {
    if (::unlink(next.c_str()) != 0 && errno != ENOENT) {
        return last_error();
    }
    const int fd = ::open(next.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        return last_error();
    }
    auto error = write_all(fd, text);
    if (!error && ::fsync(fd) != 0) {
        error = last_error();
    }
    if (::close(fd) != 0 && !error) {
        error = last_error();
    }
    return error;
}

/// The rename is on the disk only once the directory is: until then a power cut can bring back
/// the old record, or none.
std::error_code sync_directory(const std::string& directory) {
    const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return last_error();
    }
    std::error_code error;
    if (::fsync(fd) != 0) {
        error = last_error();
    }
    ::close(fd);
    return error;
}

}  // namespace

state_record read_state_file(const std::string& path, const logging::log_set& logs) {
    std::string text;
    if (!read_record_text(path, text, logs)) {
        return {};
    }
    // VIP lines and service lines share the file; each parser reads only its own.
    std::string service_lines;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        if (!vips::is_record_line(line)) {
            service_lines += line + "\n";
        }
    }
    state_record record;
    std::size_t skipped_services = 0;
    std::size_t skipped_addresses = 0;
    record.services = ipvs::parse_key_list(service_lines, skipped_services);
    record.addresses = vips::parse_record(text, skipped_addresses);
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
    const std::string directory = slash == std::string::npos ? "."
                                  : slash == 0               ? "/"
                                                             : path.substr(0, slash);
    if (slash != std::string::npos && slash > 0 && ::mkdir(directory.c_str(), 0755) != 0 &&
        errno != EEXIST) {
        logs.daemon().warn("cannot create {} for the state file: {}", directory,
                           std::strerror(errno));
        return;
    }
    const auto next = path + ".new";
    const auto text =
        ipvs::format_key_list(record.services) + vips::format_record(record.addresses);
    if (const auto error = write_new_file(next, text)) {
        logs.daemon().warn("cannot write the state file {}: {}", next, error.message());
        (void)::unlink(next.c_str());
        return;
    }
    // rename replaces a link at `path` itself, never its target.
    if (::rename(next.c_str(), path.c_str()) != 0) {
        logs.daemon().warn("cannot replace the state file {}: {}", path, std::strerror(errno));
        (void)::unlink(next.c_str());
        return;
    }
    if (const auto error = sync_directory(directory)) {
        logs.daemon().warn("cannot flush {} after replacing the state file: {}", directory,
                           error.message());
    }
}

}  // namespace vipd::daemon
