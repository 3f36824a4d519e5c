#pragma once
// Feeds http_response_reader from memory in reads of chosen sizes, as the probe feeds it from its
// socket, and collects where it ended: shared by its unit test and its fuzz target.

#include <algorithm>
#include <cstring>
#include <ostream>
#include <span>
#include <string>

#include "vipd/health/checkers/http_response.hpp"

namespace vipd::health::checkers::testing {

struct http_verdict {
    http_response_reader::state end = http_response_reader::state::need_more;
    unsigned status = 0;  // with complete
    std::string body;     // with complete
    bool truncated = false;
    std::string failure;   // with failed
    bool starved = false;  // the reader wanted more but offered no buffer (a bug)

    friend bool operator==(const http_verdict&, const http_verdict&) = default;
    friend std::ostream& operator<<(std::ostream& out, const http_verdict& v) {
        return out << "{state " << static_cast<int>(v.end) << ", status " << v.status << ", body \""
                   << v.body << "\", truncated " << v.truncated << ", failure \"" << v.failure
                   << "\", starved " << v.starved << "}";
    }
};

/// Feeds `bytes` in reads of at most `next_size()` bytes until the reader stops needing more,
/// then the end of the stream if `close` (and the reader still needs more).
template <class NextSize>
http_verdict feed_response(std::span<const char> bytes, bool head, std::size_t body_cap,
                           NextSize next_size, bool close = true) {
    using state = http_response_reader::state;
    http_response_reader reader(head, body_cap);
    http_verdict out;
    std::size_t at = 0;
    while (reader.current() == state::need_more && at < bytes.size()) {
        const auto space = reader.buffer();
        if (space.empty()) {
            out.starved = true;
            break;
        }
        const std::size_t size = std::min({next_size(), space.size(), bytes.size() - at});
        std::memcpy(space.data(), bytes.data() + at, size);
        at += size;
        reader.received(size);
    }
    if (close && !out.starved && reader.current() == state::need_more) {
        reader.closed();
    }
    out.end = reader.current();
    out.failure = reader.failure();
    if (out.end == state::complete) {
        out.status = reader.status();
        out.body = std::string(reader.body());
        out.truncated = reader.truncated();
    }
    return out;
}

}  // namespace vipd::health::checkers::testing
