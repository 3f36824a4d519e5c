// The vipctl binary against a server in the test: exit codes, output and what it asked for.
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "samples.hpp"
#include "socket_fixture.hpp"
#include "vipd/control/render.hpp"

namespace vipd::control {
namespace {

struct run_result {
    int exit_code = -1;
    std::string out;
    std::string err;
};

class Vipctl : public testing::socket_test {
  protected:
    /// Runs `vipctl ARGS` through the shell with `env` prepended (e.g. "NO_COLOR= "), serving
    /// the socket meanwhile. Standard output is a file, so vipctl must not colour it.
    run_result run(const std::string& args, const std::string& env = {}) {
        return run_shell(std::string(VIPCTL_PATH) + " " + args, env);
    }

    /// Runs the shell command `vipctl_command` (which runs vipctl) the same way.
    run_result run_shell(const std::string& vipctl_command, const std::string& env) {
        const std::string out = dir_ + "/out";
        const std::string err = dir_ + "/err";
        const std::string command = "env -u VIPD_SOCKET " + env + " " + vipctl_command + " >" +
                                    out + " 2>" + err + " </dev/null";
        const int status = with_client([&] { return std::system(command.c_str()); });
        run_result r;
        r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        r.out = slurp(out);
        r.err = slurp(err);
        return r;
    }

    static std::string slurp(const std::string& file) {
        std::ifstream in(file);
        std::ostringstream text;
        text << in.rdbuf();
        return text.str();
    }

    std::string socket_arg() const { return "--socket " + path_; }
};

TEST_F(Vipctl, StatusPrintsTheTableAndExits0) {
    response answer;
    answer.status = testing::sample_status();
    answer.status->instances.resize(1);
    answer.status->instances[0].since_unix = 0;  // "-": independent of the clock
    answer.status->started_unix = 0;
    answer.status->config_files.clear();
    server srv(io_, path_, recording(answer), logs_);
    ASSERT_FALSE(srv.open());

    const auto r = run(socket_arg() + " status");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out,
              "vipd router-id dir1\n"
              "INSTANCE  STATE   PRIO  MASTER        VIPS                                 SINCE\n"
              "web       MASTER  150   172.28.128.2  172.28.128.210/32,172.28.128.211/32  -\n");
    EXPECT_EQ(r.err, "");
    ASSERT_EQ(seen().size(), 1U);
    EXPECT_EQ(seen()[0], (request{command::status, ""}));
}

TEST_F(Vipctl, StatusShowsTheBgpVipsInTheTableAndTheJson) {
    response answer;
    answer.status = testing::sample_status();
    answer.status->instances.clear();
    answer.status->started_unix = 0;
    answer.status->config_files.clear();
    answer.status->bgp_vips = testing::sample_bgp_vips();
    server srv(io_, path_, recording(answer), logs_);
    ASSERT_FALSE(srv.open());

    auto r = run(socket_arg() + " status");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out,
              "vipd router-id dir1\n"
              "BGP VIP  ADDRESS       STATE      WHY\n"
              "anycast  192.0.2.10    announced  anycast-80 has its quorum\n"
              "edge     192.0.2.11    withdrawn  instance web is not MASTER\n"
              "api      2001:db8::53  withdrawn  demoted by vipctl\n");
    r = run(socket_arg() + " status --json");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("\"bgp_vips\": [\n    {\n      \"address\": \"192.0.2.10\",\n"
                         "      \"announced\": true,\n"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("\"demoted\": true,\n      \"name\": \"api\",\n"
                         "      \"reason\": \"demoted by vipctl\"\n"),
              std::string::npos)
        << r.out;
}

TEST_F(Vipctl, ColoursOnlyOnATerminalAndNotUnderNoColor) {
    if (std::system("command -v script >/dev/null 2>&1") != 0) {
        GTEST_SKIP() << "script(1) (util-linux) gives vipctl a terminal; not installed";
    }
    response answer;
    answer.status = testing::sample_status();
    server srv(io_, path_, recording(answer), logs_);
    ASSERT_FALSE(srv.open());
    // script(1) runs vipctl on a pseudo-terminal and copies what it wrote to our file.
    const std::string on_tty =
        "script -qec '" + std::string(VIPCTL_PATH) + " " + socket_arg() + " status' /dev/null";
    auto r = run_shell(on_tty, "NO_COLOR=");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("\x1b[32mMASTER\x1b[0m"), std::string::npos) << r.out;
    r = run_shell(on_tty, "NO_COLOR=1");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("MASTER"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find('\x1b'), std::string::npos) << r.out;
}

TEST_F(Vipctl, StatusJsonPrintsTheStatusObject) {
    response answer;
    answer.status = testing::sample_status();
    server srv(io_, path_, recording(answer), logs_);
    ASSERT_FALSE(srv.open());

    const auto r = run(socket_arg() + " status --json");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, to_json_text(*answer.status, 2) + "\n");
    EXPECT_NE(r.out.find("\"router_id\": \"dir1\""), std::string::npos) << r.out;
}

TEST_F(Vipctl, IpvsTableAndJson) {
    response answer;
    answer.services = testing::sample_services();
    server srv(io_, path_, recording(answer), logs_);
    ASSERT_FALSE(srv.open());

    auto r = run(socket_arg() + " ipvs");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, render_services(*answer.services, false));
    r = run(socket_arg() + " ipvs --json");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, to_json_text(*answer.services, 2) + "\n");
    ASSERT_EQ(seen().size(), 2U);
    EXPECT_EQ(seen()[1].cmd, command::ipvs);
}

TEST_F(Vipctl, ActionsPrintTheDaemonsMessage) {
    server srv(io_, path_, recording(response{true, {}, "web demoted to priority 1", {}, {}}),
               logs_);
    ASSERT_FALSE(srv.open());
    struct row {
        const char* args;
        request expected;
    };
    for (const auto& [args, expected] :
         {row{"demote web", {command::demote, "web"}},
          row{"promote web", {command::promote, "web"}}, row{"garp web", {command::garp, "web"}},
          row{"reload", {command::reload, ""}},
          row{"drain web-80 10.0.0.40:80 --for 10m",
              {command::drain, "", "web-80", "10.0.0.40:80", "10m"}},
          row{"drain 'tcp 10.0.0.1:80' 10.0.0.40",
              {command::drain, "", "tcp 10.0.0.1:80", "10.0.0.40", ""}},
          row{"undrain web-80 10.0.0.40:80", {command::undrain, "", "web-80", "10.0.0.40:80"}}}) {
        const auto r = run(socket_arg() + " " + args);
        EXPECT_EQ(r.exit_code, 0) << args << ": " << r.err;
        EXPECT_EQ(r.out, "web demoted to priority 1\n") << args;
        ASSERT_FALSE(seen().empty());
        EXPECT_EQ(seen().back(), expected) << args;
    }
}

TEST_F(Vipctl, AnErrorAnswerGoesToStderrWithExit1) {
    server srv(io_, path_, recording(response{false, "no instance named \"nosuch\"", {}, {}, {}}),
               logs_);
    ASSERT_FALSE(srv.open());
    const auto r = run(socket_arg() + " promote nosuch");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "vipctl: no instance named \"nosuch\"\n");
}

TEST_F(Vipctl, NoDaemonIsExit2NamingTheSocket) {
    const auto r = run(socket_arg() + " status");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.err, "vipctl: cannot connect to " + path_ + ": no such file (is vipd running?)\n");
}

TEST_F(Vipctl, UsageErrorsAreExit2) {
    for (const char* args : {"", "demote", "frobnicate", "status --bogus", "garp a b", "drain web",
                             "undrain web 10.0.0.1 --for 1m"}) {
        const auto r = run(socket_arg() + " " + args);
        EXPECT_EQ(r.exit_code, 2) << args;
        EXPECT_NE(r.err, "") << args;
        EXPECT_TRUE(seen().empty());
    }
    const auto help = run("--help");
    EXPECT_EQ(help.exit_code, 0);
    EXPECT_NE(help.out.find("demote"), std::string::npos);
}

TEST_F(Vipctl, DemoteAndPromoteHelpNameBothKindsOfTarget) {
    for (const char* sub : {"demote", "promote"}) {
        const auto help = run(std::string(sub) + " --help");
        EXPECT_EQ(help.exit_code, 0) << sub;
        EXPECT_NE(help.out.find("VRRP instance or bgp_vip"), std::string::npos)
            << sub << ": " << help.out;
    }
}

TEST_F(Vipctl, SocketComesFromTheEnvironmentUnlessGivenOnTheCommandLine) {
    server srv(io_, path_, recording(response{true, {}, "reloaded", {}, {}}), logs_);
    ASSERT_FALSE(srv.open());
    auto r = run("reload", "VIPD_SOCKET=" + path_);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "reloaded\n");
    r = run("--socket " + dir_ + "/other.sock reload", "VIPD_SOCKET=" + path_);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find(dir_ + "/other.sock"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace vipd::control
