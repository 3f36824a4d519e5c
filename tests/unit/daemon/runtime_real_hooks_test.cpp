#include <chrono>

#include "runtime_fixture.hpp"

// A real's notify_down and its service's quorum_down, on the fakes and real processes: a
// failed check runs both, with the service and the real in the environment and no arguments,
// a reload that keeps the quorum lost runs neither again, and one that gives the quorum back
// runs the quorum_up it brings.

namespace vipd::daemon::test {
namespace {

class RuntimeRealHooksTest : public RuntimeTest {
  protected:
    /// A hook appending "WHO $VIPD_SERVICE $VIPD_REAL $VIPD_STATE $#" to ran_.
    std::string hook(const std::string& who) const {
        return "[\"/bin/sh\", \"-c\", \"echo " + who +
               " $VIPD_SERVICE $VIPD_REAL $VIPD_STATE $# >> " + ran_ + "\"]";
    }
    /// director_config with web's service checked every 50 ms, its quorum_down and its real's
    /// notify_down, and `service_lines` in the service's table.
    std::string with_hooks(const std::string& service_lines = "") {
        auto text = director_config(state_file_);
        const std::string service = "forwarding = \"dr\"\n";
        text.insert(text.find(service) + service.size(),
                    service_lines + "quorum_down = " + hook("quorum") +
                        "\ncheck = { type = \"tcp\", interval = \"50ms\", timeout = \"10ms\" }\n");
        const std::string real = "address = \"10.0.0.40\"\n";
        text.insert(text.find(real) + real.size(), "notify_down = " + hook("real") + "\n");
        return text;
    }
    std::vector<std::string> ran() const {
        std::ifstream in(ran_);
        std::vector<std::string> out;
        for (std::string line; std::getline(in, line);) {
            out.push_back(line);
        }
        return out;
    }
    /// Runs the loop until ran_ has `count` lines, for at most 5 s.
    void run_until_ran(std::size_t count) {
        const auto begin = std::chrono::steady_clock::now();
        while (ran().size() < count && std::chrono::steady_clock::now() - begin < 5s) {
            run_for(20ms);
        }
    }

    std::string ran_ = dir_.file("ran");
};

TEST_F(RuntimeRealHooksTest, AFailedRealRunsItsNotifyDownAndTheQuorumDown) {
    build(with_hooks());
    runtime_->start();
    run_for(100ms);
    ASSERT_TRUE(fakes::fake_probes::answer(probes_.at("10.0.0.40"), false, "refused"));
    run_until_ran(2);
    const auto lines = ran();
    ASSERT_EQ(lines.size(), 2u);
    // Two lanes: either may finish first.
    EXPECT_NE(std::find(lines.begin(), lines.end(), "real tcp 10.0.0.100:80 10.0.0.40:80 DOWN 0"),
              lines.end());
    EXPECT_NE(std::find(lines.begin(), lines.end(), "quorum tcp 10.0.0.100:80 DOWN 0"),
              lines.end());

    // The same file again: the quorum is still lost, which is no news.
    const auto& outcome = runtime_->reload();
    EXPECT_TRUE(outcome.ok) << outcome.message;
    run_for(300ms);
    EXPECT_EQ(ran().size(), 2u) << "a hook ran again after the reload";

    // A reload that lowers the quorum to 0 gives it back, and runs the quorum_up it adds.
    write_config(with_hooks("quorum = 0\nquorum_up = " + hook("quorum") + "\n"));
    EXPECT_TRUE(runtime_->reload().ok);
    run_until_ran(3);
    ASSERT_EQ(ran().size(), 3u);
    EXPECT_EQ(ran().back(), "quorum tcp 10.0.0.100:80 UP 0");
}

}  // namespace
}  // namespace vipd::daemon::test
