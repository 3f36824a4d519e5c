#include "unreaped_children_log.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <sstream>

// The journal lines about children that outlived their SIGKILL: what each says, and at most 5 a
// minute, the next one telling how many were not logged.

namespace vipd::daemon {
namespace {

using namespace std::chrono_literals;
using health::checkers::child_ledger;

class UnreapedChildrenLogTest : public ::testing::Test {
  protected:
    UnreapedChildrenLogTest() {
        logs_.health().sinks().clear();  // this sink only, not stderr too
        logs_.health().sinks().push_back(std::make_shared<spdlog::sinks::ostream_sink_st>(text_));
        logs_.health().set_level(spdlog::level::info);
    }
    std::vector<std::string> lines() const {
        std::istringstream in(text_.str());
        std::vector<std::string> all;
        for (std::string line; std::getline(in, line);) {
            all.push_back(line);
        }
        return all;
    }

    logging::log_set logs_{logging::target::stderr_stream, spdlog::level::off};
    std::ostringstream text_;
    asio::io_context io_;
    child_ledger& ledger_ = asio::use_service<child_ledger>(io_);
    time_point now_{};
    unreaped_children_log log_{ledger_, logs_, [this] { return now_; }};
};

TEST_F(UnreapedChildrenLogTest, EachEventIsNamedWithItsOwnerAndCounts) {
    ledger_.left_unreaped("script /bin/check for 10.0.0.1:80", 4242);
    ledger_.reaped_late("script /bin/check for 10.0.0.1:80", 4242, 61'500ms);
    for (int pid = 1; pid <= 4; ++pid) {
        ledger_.left_unreaped("notify hooks of web", pid);
    }
    now_ += 61s;
    EXPECT_TRUE(ledger_.hold_back("notify hooks of web"));
    const auto got = lines();
    ASSERT_EQ(got.size(), 6U) << text_.str();
    EXPECT_NE(got[0].find("script /bin/check for 10.0.0.1:80: child 4242 still there 0.25s after "
                          "SIGKILL"),
              std::string::npos)
        << got[0];
    EXPECT_NE(got[0].find("1 of its children unreaped, at 4 its runs are held back"),
              std::string::npos)
        << got[0];
    EXPECT_NE(got[1].find("child 4242 reaped 61.50s after its SIGKILL (0 of its children still "
                          "unreaped)"),
              std::string::npos)
        << got[1];
    EXPECT_NE(got[5].find("notify hooks of web: run not started: 4 earlier children still not "
                          "reaped after SIGKILL"),
              std::string::npos)
        << got[5];
}

TEST_F(UnreapedChildrenLogTest, AtMostFiveLinesAMinuteThenTheCountOfTheOthers) {
    for (int pid = 1; pid <= 8; ++pid) {
        ledger_.left_unreaped("script /bin/check for 10.0.0.1:80", pid);
        now_ += 1s;
    }
    EXPECT_EQ(lines().size(), 5U) << text_.str();
    now_ += 60s;
    ledger_.left_unreaped("script /bin/check for 10.0.0.1:80", 9);
    const auto got = lines();
    ASSERT_EQ(got.size(), 6U) << text_.str();
    EXPECT_NE(got[5].find("(3 more line(s) about unreaped children not logged)"), std::string::npos)
        << got[5];
}

}  // namespace
}  // namespace vipd::daemon
