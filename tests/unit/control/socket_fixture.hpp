#pragma once
// A temporary directory, an io_context pumped on the test's own thread, and helpers to run a
// blocking client on another thread meanwhile: every Asio object lives and dies on one thread.

#include "vipd/io/asio.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <future>
#include <mutex>
#include <string>
#include <vector>

#include "vipd/control/server.hpp"
#include "vipd/logging/logging.hpp"

namespace vipd::control::testing {

class socket_test : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string pattern = "/tmp/vipd-ctl-XXXXXX";
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr) << std::strerror(errno);
        dir_ = pattern;
        path_ = dir_ + "/vipd.sock";
    }
    void TearDown() override {
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }

    /// Runs `client` on another thread while the io_context runs here; returns its result.
    template <class F>
    auto with_client(F client) -> decltype(client()) {
        auto result = std::async(std::launch::async, std::move(client));
        const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (result.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
            if (std::chrono::steady_clock::now() > give_up) {
                ADD_FAILURE() << "client did not finish in 30 s";
                break;
            }
            io_.run_for(std::chrono::milliseconds(5));
        }
        return result.get();
    }

    /// A handler that records requests and answers with `answer`.
    server::handler recording(response answer) {
        return [this, answer](const request& r, const server::reply& reply) {
            {
                const std::lock_guard lock(seen_mutex_);
                seen_.push_back(r);
            }
            reply(answer);
        };
    }
    std::vector<request> seen() {
        const std::lock_guard lock(seen_mutex_);
        return seen_;
    }

    std::string dir_;
    std::string path_;
    asio::io_context io_;
    logging::log_set logs_{logging::target::stderr_stream, spdlog::level::warn};

  private:
    std::mutex seen_mutex_;  // handlers run here, tests read from here too: kept simple
    std::vector<request> seen_;
};

/// Connects a raw client socket to `path`; -1 with errno on failure.
inline int connect_raw(const std::string& path) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        const int e = errno;
        ::close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

/// Sends `bytes` on a fresh connection and returns everything read until EOF.
inline std::string exchange_raw(const std::string& path, const std::string& bytes) {
    const int fd = connect_raw(path);
    if (fd < 0) {
        return "connect failed: " + std::string(std::strerror(errno));
    }
    for (std::size_t sent = 0; sent < bytes.size();) {
        const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) {
            break;  // the server may answer and close before reading everything
        }
        sent += static_cast<std::size_t>(n);
    }
    std::string answer;
    char chunk[4096];
    for (;;) {
        const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0) {
            break;
        }
        answer.append(chunk, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return answer;
}

}  // namespace vipd::control::testing
