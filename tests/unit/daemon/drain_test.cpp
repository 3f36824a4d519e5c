// vipctl drain and undrain through the control handler, on the runtime over fakes: what the
// kernel table holds afterwards, through a resync after `ipvsadm -C`, a reload and a `--for`
// running out, what status, ipvs and /metrics show, and the errors a bad request gets.
#include <gtest/gtest.h>

#include "control_handler.hpp"
#include "metrics_view.hpp"
#include "runtime_fixture.hpp"

namespace vipd::daemon {
namespace {

using namespace vipd::daemon::test;
using ipvs::test::real;

const auto k_service = tcp("10.0.0.100", 80);
const auto k_real = real("10.0.0.40", 80);

class DrainTest : public RuntimeTest {
  protected:
    void SetUp() override {
        RuntimeTest::SetUp();
        build(director_config(state_file_));
        runtime_->start();
        run_for(100ms);
        ASSERT_EQ(kernel_weight(), 1);
    }

    /// Asks the control handler as vipctl would, and waits for the answer.
    control::response ask(control::command cmd, std::string service, std::string real_text,
                          std::string for_duration = "") {
        control::request request;
        request.cmd = cmd;
        request.service = std::move(service);
        request.real = std::move(real_text);
        request.for_duration = std::move(for_duration);
        return ask(request);
    }
    control::response ask(const control::request& request) {
        std::optional<control::response> answered;
        answer(
            io_, *runtime_, request,
            [this]() -> const reload_outcome& { return runtime_->reload(); },
            [&answered](control::response r) { answered = std::move(r); });
        for (int turns = 0; !answered && turns < 100; ++turns) {
            run_for(1ms);
        }
        EXPECT_TRUE(answered) << "no answer";
        return answered.value_or(control::response{});
    }
    control::response drain(std::string for_duration = "") {
        return ask(control::command::drain, "tcp 10.0.0.100:80", "10.0.0.40",
                   std::move(for_duration));
    }

    /// The real's weight in the fake kernel; -1 when it is not there.
    int kernel_weight() const {
        const auto service = ipvs_.kernel.find(k_service);
        if (service == ipvs_.kernel.end()) {
            return -1;
        }
        const auto found = service->second.destinations.find(k_real);
        return found == service->second.destinations.end() ? -1
                                                           : static_cast<int>(found->second.weight);
    }
};

TEST_F(DrainTest, DrainSetsWeightZeroAtOnceAndUndrainPutsTheWeightBack) {
    const auto drained = drain();
    ASSERT_TRUE(drained.ok) << drained.error;
    EXPECT_EQ(drained.message,
              "tcp 10.0.0.100:80 10.0.0.40:80 drained: weight 0 until undrained or vipd restarts; "
              "established connections finish, health checks go on");
    EXPECT_EQ(kernel_weight(), 0) << journal_text();
    EXPECT_TRUE(any("ipvs edit tcp 10.0.0.100:80 -> 10.0.0.40:80")) << journal_text();

    const auto again = drain();
    EXPECT_TRUE(again.ok) << "idempotent: " << again.error;
    EXPECT_NE(again.message.find("still drained"), std::string::npos) << again.message;

    const auto undrained = ask(control::command::undrain, "tcp 10.0.0.100:80", "10.0.0.40:80");
    ASSERT_TRUE(undrained.ok) << undrained.error;
    EXPECT_EQ(undrained.message,
              "tcp 10.0.0.100:80 10.0.0.40:80 undrained: back to its configured weight");
    EXPECT_EQ(kernel_weight(), 1);
    const auto twice = ask(control::command::undrain, "tcp 10.0.0.100:80", "10.0.0.40:80");
    EXPECT_TRUE(twice.ok);
    EXPECT_EQ(twice.message, "tcp 10.0.0.100:80 10.0.0.40:80 was not drained");
}

TEST_F(DrainTest, TheResyncRepairsADrainedRealAtWeightZeroAfterAFlush) {
    ASSERT_TRUE(drain().ok);
    ipvs_.kernel.clear();  // ipvsadm -C
    run_for(300ms);        // resyncs every 100 ms
    EXPECT_EQ(kernel_weight(), 0) << journal_text();
}

TEST_F(DrainTest, AReloadKeepsADrainWhoseRealStaysAndDropsOneWhoseRealWent) {
    ASSERT_TRUE(drain().ok);
    const auto& unchanged = runtime_->reload();
    run_for(100ms);
    ASSERT_TRUE(unchanged.ok) << unchanged.message;
    EXPECT_EQ(kernel_weight(), 0) << journal_text();
    EXPECT_EQ(runtime_->drains().size(), 1U);

    // The real moves to another address: its drain does not follow, and would not come back.
    auto moved = director_config(state_file_);
    moved.replace(moved.find("10.0.0.40"), 9, "10.0.0.44");
    write_config(moved);
    ASSERT_TRUE(runtime_->reload().ok);
    run_for(100ms);
    EXPECT_EQ(runtime_->drains().size(), 0U);
    write_config(director_config(state_file_));
    ASSERT_TRUE(runtime_->reload().ok);
    run_for(100ms);
    EXPECT_EQ(kernel_weight(), 1) << journal_text();
}

TEST_F(DrainTest, ADrainForAWhileEndsByItself) {
    const auto drained = drain("200ms");
    ASSERT_TRUE(drained.ok) << drained.error;
    EXPECT_NE(drained.message.find("weight 0 for 200ms"), std::string::npos) << drained.message;
    run_for(50ms);
    EXPECT_EQ(kernel_weight(), 0);
    run_for(300ms);
    EXPECT_EQ(kernel_weight(), 1) << journal_text();
    EXPECT_EQ(runtime_->drains().size(), 0U);
}

TEST_F(DrainTest, StatusIpvsAndMetricsShowTheDrain) {
    ASSERT_TRUE(drain("10m").ok);
    const auto status = status_view_of(*runtime_);
    ASSERT_EQ(status.drained.size(), 1U);
    EXPECT_EQ(status.drained[0].service, "tcp 10.0.0.100:80");
    EXPECT_EQ(status.drained[0].real, "10.0.0.40:80");
    ASSERT_TRUE(status.drained[0].until_unix);
    const auto in_ten_minutes = std::chrono::duration_cast<std::chrono::seconds>(
                                    (std::chrono::system_clock::now() + 10min).time_since_epoch())
                                    .count();
    EXPECT_NEAR(static_cast<double>(*status.drained[0].until_unix),
                static_cast<double>(in_ten_minutes), 2.0);

    const auto services = ask(control::request{control::command::ipvs, ""});
    ASSERT_TRUE(services.services);
    const auto& shown = services.services->at(0).reals.at(0);
    EXPECT_TRUE(shown.drained);
    EXPECT_EQ(shown.drained_until_unix, status.drained[0].until_unix);
    EXPECT_EQ(shown.kernel_weight, 0);
    EXPECT_EQ(shown.weight, 1);

    const auto text = metrics_text(*runtime_, loop_lag(10ms));
    EXPECT_NE(text.find("vipd_real_drained{service=\"tcp 10.0.0.100:80\",real=\"10.0.0.40:80\"} 1"),
              std::string::npos)
        << text;
}

TEST_F(DrainTest, BadRequestsAreRefusedNamingWhatExistsAndChangeNothing) {
    struct row {
        const char* description;
        const char* service;
        const char* real;
        const char* for_duration;
        const char* error;
    };
    const row rows[] = {
        {"unknown service", "web", "10.0.0.40", "",
         "no virtual server \"web\"; configured: tcp 10.0.0.100:80"},
        {"unknown real", "tcp 10.0.0.100:80", "10.0.0.41", "",
         "tcp 10.0.0.100:80 has no real \"10.0.0.41\"; its reals: 10.0.0.40:80"},
        {"bad duration", "tcp 10.0.0.100:80", "10.0.0.40", "soon",
         "--for \"soon\" is not a duration greater than 0 (e.g. 30s, 10m, 2h)"},
        {"zero duration", "tcp 10.0.0.100:80", "10.0.0.40", "0s",
         "--for \"0s\" is not a duration greater than 0 (e.g. 30s, 10m, 2h)"},
    };
    for (const auto& r : rows) {
        const auto answer = ask(control::command::drain, r.service, r.real, r.for_duration);
        EXPECT_FALSE(answer.ok) << r.description;
        EXPECT_EQ(answer.error, r.error) << r.description;
    }
    const auto undrain = ask(control::command::undrain, "api", "10.0.0.40");
    EXPECT_FALSE(undrain.ok);
    EXPECT_EQ(undrain.error, "no virtual server \"api\"; configured: tcp 10.0.0.100:80");
    EXPECT_EQ(runtime_->drains().size(), 0U);
    EXPECT_EQ(kernel_weight(), 1);
}

}  // namespace
}  // namespace vipd::daemon
