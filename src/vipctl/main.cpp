// vipctl: one request to vipd's control socket, its answer printed for people or as JSON.
// Exit status: 0 done; 1 vipd answered with an error; 2 usage error or no answer from vipd.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "options.hpp"
#include "vipd/control/client.hpp"
#include "vipd/control/render.hpp"

namespace {

using namespace vipd;

constexpr int k_exit_refused = 1;
constexpr int k_exit_usage = 2;
/// A reload of a large configuration runs inside this wait; a hung daemon does not hang scripts.
constexpr std::chrono::seconds k_timeout{30};

/// Colours only for a person at a terminal; NO_COLOR (https://no-color.org) set to anything
/// but the empty string turns them off.
bool use_colour() {
    const char* no_colour = std::getenv("NO_COLOR");
    return isatty(STDOUT_FILENO) == 1 && (no_colour == nullptr || *no_colour == '\0');
}

int fail(const std::string& message, int code) {
    std::fprintf(stderr, "vipctl: %s\n", message.c_str());
    return code;
}

void print(const std::string& text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
}

int show(const vipctl::options& opts, const control::response& answer) {
    const bool colour = use_colour();
    switch (opts.req.cmd) {
        case control::command::status:
            if (!answer.status) {
                return fail("vipd's answer has no status", k_exit_refused);
            }
            print(opts.json ? control::to_json_text(*answer.status, 2) + "\n"
                            : control::render_status(*answer.status, std::time(nullptr), colour));
            return 0;
        case control::command::ipvs:
            if (!answer.services) {
                return fail("vipd's answer has no services", k_exit_refused);
            }
            print(opts.json ? control::to_json_text(*answer.services, 2) + "\n"
                            : control::render_services(*answer.services, colour));
            return 0;
        default:
            if (!answer.message.empty()) {
                print(answer.message + "\n");
            }
            return 0;
    }
}

}  // namespace

int main(int argc, char** argv) {
    const std::vector<std::string> arguments(argv + 1, argv + argc);
    auto outcome = vipctl::parse_options(arguments, std::getenv("VIPD_SOCKET"));
    if (!outcome.opts) {
        std::fputs(outcome.message.c_str(), outcome.exit_code == 0 ? stdout : stderr);
        return outcome.exit_code;
    }
    const auto& opts = *outcome.opts;
    if (opts.show_version) {
        std::printf("vipctl %s\n", VIPD_VERSION);
        return 0;
    }
    auto result = control::call(opts.socket_path, opts.req, k_timeout);
    if (auto* error = std::get_if<control::call_error>(&result)) {
        return fail(error->message, k_exit_usage);
    }
    const auto& answer = std::get<control::response>(result);
    if (!answer.ok) {
        return fail(answer.error, k_exit_refused);
    }
    const int code = show(opts, answer);
    // A full disk or a closed pipe must not look like success to a script.
    if (std::fflush(stdout) != 0) {
        return fail("cannot write the output", k_exit_usage);
    }
    return code;
}
