#pragma once
// One netlink message built around a fuzzer's bytes, for the netlink reply parsers: nlmsghdr with
// nlmsg_len = the whole message, a family header (genlmsghdr) or none, then the fuzzer's bytes
// (which, for rtnetlink, begin with ifinfomsg / ifaddrmsg). The attributes are parsed by libnl,
// which is not instrumented, so ASan cannot see it (or our code, through nla_get_*) read past an
// attribute: the message ends exactly where a PROT_NONE guard page begins, and any read beyond
// its end faults.

#include <sys/mman.h>
#include <unistd.h>

#include <linux/netlink.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>

namespace vipd::fuzz {

class guarded_message {
  public:
    /// `head` (the family header, may be empty) and `body` go after the nlmsghdr; the body is cut
    /// to a multiple of 4 bytes, since the message must start 4-byte aligned and end at the page.
    guarded_message(std::uint16_t type, std::span<const std::uint8_t> head,
                    std::span<const std::uint8_t> body) {
        const std::size_t body_size = body.size() / NLMSG_ALIGNTO * NLMSG_ALIGNTO;
        const std::size_t size = NLMSG_HDRLEN + NLMSG_ALIGN(head.size()) + body_size;
        const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
        const std::size_t data_pages = (size + page - 1) / page;
        mapped_size_ = (data_pages + 1) * page;
        void* mapped = ::mmap(nullptr, mapped_size_, PROT_READ | PROT_WRITE,
                              MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (mapped == MAP_FAILED) {
            std::abort();
        }
        mapped_ = static_cast<std::uint8_t*>(mapped);
        std::uint8_t* guard = mapped_ + data_pages * page;
        if (::mprotect(guard, page, PROT_NONE) != 0) {
            std::abort();
        }
        auto* at = guard - size;
        nlmsghdr header{};
        header.nlmsg_len = static_cast<std::uint32_t>(size);
        header.nlmsg_type = type;
        header.nlmsg_seq = 1;
        std::memcpy(at, &header, sizeof header);
        if (!head.empty()) {
            std::memcpy(at + NLMSG_HDRLEN, head.data(), head.size());
        }
        if (body_size != 0) {
            std::memcpy(at + NLMSG_HDRLEN + NLMSG_ALIGN(head.size()), body.data(), body_size);
        }
        header_ = reinterpret_cast<const nlmsghdr*>(at);
    }
    ~guarded_message() { ::munmap(mapped_, mapped_size_); }
    guarded_message(const guarded_message&) = delete;
    guarded_message& operator=(const guarded_message&) = delete;

    const nlmsghdr& header() const noexcept { return *header_; }

  private:
    std::uint8_t* mapped_ = nullptr;
    std::size_t mapped_size_ = 0;
    const nlmsghdr* header_ = nullptr;
};

}  // namespace vipd::fuzz
