#include "vipd/control/server.hpp"

#include <sys/stat.h>
#include <sys/wait.h>

#include <atomic>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "samples.hpp"
#include "socket_fixture.hpp"
#include "vipd/control/client.hpp"

namespace vipd::control {
namespace {

using namespace std::chrono_literals;
using testing::connect_raw;
using testing::exchange_raw;

class ControlServer : public testing::socket_test {
  protected:
    std::variant<response, call_error> call_status() {
        return with_client([this] { return call(path_, request{command::status, ""}, 5s); });
    }
};

const response& answer_of(const std::variant<response, call_error>& result) {
    if (const auto* error = std::get_if<call_error>(&result)) {
        ADD_FAILURE() << "call failed: " << error->message;
        static const response none{false, "call failed", {}, {}, {}};
        return none;
    }
    return std::get<response>(result);
}

std::string error_in(const std::string& line) {
    auto decoded = decode_response(line);
    if (auto* r = std::get_if<response>(&decoded)) {
        return r->ok ? "(ok)" : r->error;
    }
    return "(undecodable: " + line + ")";
}

TEST_F(ControlServer, AnswersAStatusRequestThroughTheHandler) {
    response answer;
    answer.status = testing::sample_status();
    server srv(io_, path_, recording(answer), logs_);
    ASSERT_FALSE(srv.open());

    const auto result = call_status();
    EXPECT_EQ(answer_of(result), answer);
    ASSERT_EQ(seen().size(), 1U);
    EXPECT_EQ(seen()[0], (request{command::status, ""}));

    // One request per connection, any number of connections.
    const auto again = with_client([this] {
        return call(path_, request{command::demote, "web"}, 5s);
    });
    EXPECT_EQ(answer_of(again), answer);
    ASSERT_EQ(seen().size(), 2U);
    EXPECT_EQ(seen()[1], (request{command::demote, "web"}));
}

TEST_F(ControlServer, RefusesADemoteWithoutInstanceBeforeTheHandler) {
    server srv(io_, path_, recording(response{}), logs_);
    ASSERT_FALSE(srv.open());
    const std::string answer =
        with_client([this] { return exchange_raw(path_, "{\"command\":\"demote\"}\n"); });
    EXPECT_EQ(error_in(answer), "request.instance: missing: demote needs an instance name");
    EXPECT_EQ(answer.back(), '\n');
    EXPECT_TRUE(seen().empty());
}

TEST_F(ControlServer, AnswersBadJsonAndALineWithoutNewlineAtEof) {
    server srv(io_, path_, recording(response{}), logs_);
    ASSERT_FALSE(srv.open());
    EXPECT_EQ(error_in(with_client([this] { return exchange_raw(path_, "status\n"); })),
              "not valid JSON");
    // `printf '{"command":"ipvs"}' | nc -U`: the client half-closes instead of a newline.
    const std::string answer = with_client([this] {
        const int fd = connect_raw(path_);
        const std::string line = R"({"command":"ipvs"})";
        EXPECT_EQ(::send(fd, line.data(), line.size(), MSG_NOSIGNAL),
                  static_cast<ssize_t>(line.size()));
        ::shutdown(fd, SHUT_WR);
        char buffer[256] = {};
        const ssize_t n = ::recv(fd, buffer, sizeof buffer - 1, MSG_WAITALL);
        ::close(fd);
        return std::string(buffer, n > 0 ? static_cast<std::size_t>(n) : 0);
    });
    EXPECT_EQ(answer, "{\"ok\":true}\n");
    ASSERT_EQ(seen().size(), 1U);
    EXPECT_EQ(seen()[0].cmd, command::ipvs);
}

TEST_F(ControlServer, RefusesALineLongerThanTheLimitAndAcceptsOneAtIt) {
    server srv(io_, path_, recording(response{}), logs_);
    ASSERT_FALSE(srv.open());
    const std::string too_long(k_max_request_bytes + 1, 'x');
    EXPECT_EQ(error_in(with_client([&] { return exchange_raw(path_, too_long + "\n"); })),
              "request longer than 4096 bytes");
    EXPECT_TRUE(seen().empty());

    std::string at_limit = R"({"command":"reload"})";
    at_limit.resize(k_max_request_bytes, ' ');  // JSON allows trailing blanks
    EXPECT_EQ(error_in(with_client([&] { return exchange_raw(path_, at_limit + "\n"); })), "(ok)");
    ASSERT_EQ(seen().size(), 1U);
    EXPECT_EQ(seen()[0].cmd, command::reload);
}

TEST_F(ControlServer, SecondServerOnALivePathFailsWithAddressInUse) {
    server first(io_, path_, recording(response{true, {}, "first", {}, {}}), logs_);
    ASSERT_FALSE(first.open());
    {
        server second(io_, path_, recording(response{true, {}, "second", {}, {}}), logs_);
        EXPECT_EQ(second.open(), std::errc::address_in_use);
    }
    // The loser must not have removed the winner's socket.
    EXPECT_EQ(answer_of(call_status()).message, "first");
}

TEST_F(ControlServer, ReplacesAStaleSocketFile) {
    {
        // A vipd that died without cleaning up: a socket file nobody listens on.
        const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::strncpy(address.sun_path, path_.c_str(), sizeof address.sun_path - 1);
        ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
        ::close(fd);
    }
    ASSERT_TRUE(std::filesystem::is_socket(path_));
    server srv(io_, path_, recording(response{true, {}, "fresh", {}, {}}), logs_);
    ASSERT_FALSE(srv.open());
    EXPECT_EQ(answer_of(call_status()).message, "fresh");
}

TEST_F(ControlServer, LeavesAnythingButASocketAlone) {
    std::ofstream(path_) << "not a socket";
    server srv(io_, path_, recording(response{}), logs_);
    EXPECT_EQ(srv.open(), std::errc::file_exists);
    EXPECT_TRUE(std::filesystem::is_regular_file(path_));
}

TEST_F(ControlServer, CreatesItsDirectoryAndAnOwnerOnlySocketAndRemovesItAtTheEnd) {
    const std::string nested = dir_ + "/run-vipd/vipd.sock";
    {
        server srv(io_, nested, recording(response{}), logs_);
        ASSERT_FALSE(srv.open());
        struct stat st {};
        ASSERT_EQ(::lstat(nested.c_str(), &st), 0);
        EXPECT_TRUE(S_ISSOCK(st.st_mode));
        EXPECT_EQ(st.st_mode & 07777, 0600U);
        ASSERT_EQ(::stat((dir_ + "/run-vipd").c_str(), &st), 0);
        EXPECT_EQ(st.st_mode & 0022, 0U) << "the directory must not be group/world writable";
        EXPECT_EQ(st.st_mode & 0700, 0700U);
    }
    EXPECT_FALSE(std::filesystem::exists(nested));
}

TEST_F(ControlServer, DoesNotRemoveASocketFileItDidNotCreate) {
    auto srv = std::make_unique<server>(io_, path_, recording(response{}), logs_);
    ASSERT_FALSE(srv->open());
    // Someone replaced the file (another vipd after removing ours): not ours to delete.
    ASSERT_EQ(::unlink(path_.c_str()), 0);
    std::ofstream(path_) << "other";
    srv.reset();
    EXPECT_TRUE(std::filesystem::exists(path_));
}

TEST_F(ControlServer, RejectsPathsThatDoNotFitSockaddrUn) {
    server srv(io_, dir_ + "/" + std::string(120, 'p'), recording(response{}), logs_);
    EXPECT_EQ(srv.open(), std::errc::filename_too_long);
    server empty(io_, "", recording(response{}), logs_);
    EXPECT_EQ(empty.open(), std::errc::filename_too_long);
}

TEST_F(ControlServer, AHandlerExceptionBecomesAnErrorAnswerAndTheServerGoesOn) {
    int calls = 0;
    server srv(
        io_, path_,
        [&calls](const request&, const server::reply& reply) {
            if (++calls == 1) {
                throw std::runtime_error("boom");
            }
            reply(response{true, {}, "fine", {}, {}});
        },
        logs_);
    ASSERT_FALSE(srv.open());
    const auto first = answer_of(call_status());
    EXPECT_FALSE(first.ok);
    EXPECT_EQ(first.error, "internal error: boom");
    EXPECT_EQ(answer_of(call_status()).message, "fine");
}

// vipctl ipvs over a big table answers a slice per loop turn: the reply comes from a later
// handler, and only the first reply counts.
TEST_F(ControlServer, AHandlerMayAnswerLaterFromTheLoop) {
    asio::steady_timer later(io_);
    server srv(
        io_, path_,
        [&later](const request&, const server::reply& reply) {
            later.expires_after(std::chrono::milliseconds(50));
            later.async_wait([reply](const boost::system::error_code&) {
                reply(response{true, {}, "later", {}, {}});
                reply(response{true, {}, "twice", {}, {}});
            });
        },
        logs_);
    ASSERT_FALSE(srv.open());
    EXPECT_EQ(answer_of(call_status()).message, "later");
}

TEST_F(ControlServer, AReplyAfterTheServerIsGoneDoesNothing) {
    server::reply kept;
    std::atomic<bool> asked{false};
    auto srv = std::make_unique<server>(
        io_, path_,
        [&kept, &asked](const request&, const server::reply& reply) {
            kept = reply;
            asked = true;
        },
        logs_);
    ASSERT_FALSE(srv->open());
    const auto answer = with_client([this, &asked] {
        const int fd = connect_raw(path_);
        const std::string line = "{\"command\":\"status\"}\n";
        [[maybe_unused]] const auto sent = ::send(fd, line.data(), line.size(), MSG_NOSIGNAL);
        while (!asked) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        return fd;
    });
    srv.reset();  // a reload moving the socket, with the answer still being built
    kept(response{true, {}, "too late", {}, {}});
    io_.run_for(std::chrono::milliseconds(50));
    char byte = 0;
    EXPECT_EQ(::recv(answer, &byte, 1, MSG_DONTWAIT), 0) << "closed without an answer";
    ::close(answer);
}

TEST_F(ControlServer, DropsAClientThatSendsNothingAfterTheTimeout) {
    server srv(io_, path_, recording(response{}), logs_);
    ASSERT_FALSE(srv.open());
    const auto waited = with_client([this] {
        const int fd = connect_raw(path_);
        const auto start = std::chrono::steady_clock::now();
        char byte = 0;
        const ssize_t n = ::recv(fd, &byte, 1, 0);  // blocks until the server closes
        const auto elapsed = std::chrono::steady_clock::now() - start;
        ::close(fd);
        EXPECT_EQ(n, 0);
        return elapsed;
    });
    EXPECT_GE(waited, k_client_timeout - 500ms);
    EXPECT_LT(waited, k_client_timeout + 10s);
    EXPECT_TRUE(seen().empty());
}

TEST_F(ControlServer, ClosesConnectionsInProgressWhenDestroyedWithoutCallingTheHandler) {
    auto srv = std::make_unique<server>(io_, path_, recording(response{}), logs_);
    ASSERT_FALSE(srv->open());
    const int fd = connect_raw(path_);
    ASSERT_GE(fd, 0);
    io_.run_for(50ms);  // accepted, waiting for the line
    srv.reset();
    const std::string line = "{\"command\":\"reload\"}\n";
    ::send(fd, line.data(), line.size(), MSG_NOSIGNAL);
    io_.run_for(50ms);
    char byte = 0;
    EXPECT_LE(::recv(fd, &byte, 1, MSG_DONTWAIT), 0);
    ::close(fd);
    EXPECT_TRUE(seen().empty());
}

TEST_F(ControlServer, RefusesAnotherUserEvenWhenTheModeLetsThemIn) {
    if (::geteuid() != 0) {
        GTEST_SKIP() << "needs root to act as another user";
    }
    server srv(io_, path_, recording(response{}), logs_);
    ASSERT_FALSE(srv.open());
    // Open the door the mode normally keeps shut, to reach the SO_PEERCRED check.
    ASSERT_EQ(::chmod(dir_.c_str(), 0755), 0);
    ASSERT_EQ(::chmod(path_.c_str(), 0666), 0);
    const int status = with_client([this] {
        const pid_t child = ::fork();
        if (child == 0) {
            // Only system calls between fork and _exit: the parent has other threads.
            if (::setgid(65534) != 0 || ::setuid(65534) != 0) {
                ::_exit(10);
            }
            const int fd = connect_raw(path_);
            if (fd < 0) {
                ::_exit(11);
            }
            // The answer may come (and the socket close) before the request is sent.
            static const char line[] = "{\"command\":\"status\"}\n";
            ::send(fd, line, sizeof line - 1, MSG_NOSIGNAL);
            static char buffer[512];
            std::size_t got = 0;
            for (ssize_t n = 1; n > 0 && got < sizeof buffer - 1;
                 got += static_cast<std::size_t>(n)) {
                n = ::recv(fd, buffer + got, sizeof buffer - 1 - got, 0);
                if (n <= 0) {
                    break;
                }
            }
            static const char expected[] = "{\"error\":\"permission denied\",\"ok\":false}\n";
            ::_exit(got == sizeof expected - 1 && std::memcmp(buffer, expected, got) == 0 ? 0 : 13);
        }
        int wstatus = 0;
        ::waitpid(child, &wstatus, 0);
        return wstatus;
    });
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "10 setuid, 11 connect, 13 wrong answer";
    EXPECT_TRUE(seen().empty());
}

TEST(ControlClient, ConnectErrorsSayWhetherVipdRuns) {
    const auto missing = call("/nonexistent/vipd.sock", request{}, 1s);
    ASSERT_TRUE(std::holds_alternative<call_error>(missing));
    const auto& error = std::get<call_error>(missing);
    EXPECT_EQ(error.where, call_error::stage::connect);
    EXPECT_EQ(error.code, std::errc::no_such_file_or_directory);
    EXPECT_EQ(error.message,
              "cannot connect to /nonexistent/vipd.sock: no such file (is vipd running?)");
}

TEST_F(ControlServer, ClientReportsAStaleSocketAsVipdNotRunning) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path_.c_str(), sizeof address.sun_path - 1);
    ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
    ::close(fd);
    const auto result = call(path_, request{}, 1s);
    ASSERT_TRUE(std::holds_alternative<call_error>(result));
    EXPECT_EQ(std::get<call_error>(result).message,
              "cannot connect to " + path_ +
                  ": connection refused (vipd is not running; the socket file is stale)");
}

TEST_F(ControlServer, ClientReportsAnAnswerItCannotDecode) {
    // A listener that answers garbage, served by hand.
    asio::local::stream_protocol::acceptor acceptor(io_,
                                                    asio::local::stream_protocol::endpoint(path_));
    acceptor.async_accept(
        [](const boost::system::error_code& ec, asio::local::stream_protocol::socket socket) {
            if (!ec) {
                static const std::string reply = "{\"ok\":\"yes\"}\n";
                asio::write(socket, asio::buffer(reply));
            }
        });
    const auto result = with_client([this] { return call(path_, request{}, 5s); });
    ASSERT_TRUE(std::holds_alternative<call_error>(result));
    EXPECT_EQ(std::get<call_error>(result).where, call_error::stage::answer);
    EXPECT_EQ(std::get<call_error>(result).message,
              "vipd at " + path_ +
                  " sent an answer vipctl does not understand: response.ok: must be a boolean, "
                  "got a string");
}

}  // namespace
}  // namespace vipd::control
