// Kernel faults injected into every port while a director starts: each kind of request fails
// with each error a kernel or a socket gives (EEXIST, ENOENT, EBUSY, ENOBUFS, a timeout, a
// closed socket). vipd must neither throw nor stop, and once the fault clears it must converge:
// the VIP up, the service with its real in the table and in the state file, adverts going out.

#include <gtest/gtest.h>

#include <cerrno>
#include <string>
#include <tuple>

#include "runtime_fixture.hpp"

namespace vipd::daemon {
namespace {

using namespace vipd::daemon::test;
using fakes::request_kind;

std::string kind_name(request_kind kind) {
    switch (kind) {
        case request_kind::address_add:
            return "AddressAdd";
        case request_kind::address_remove:
            return "AddressRemove";
        case request_kind::address_list:
            return "AddressList";
        case request_kind::link_status:
            return "LinkStatus";
        case request_kind::advert_send:
            return "AdvertSend";
        case request_kind::channel_open:
            return "ChannelOpen";
        case request_kind::frame_send:
            return "FrameSend";
        case request_kind::ipvs_apply:
            return "IpvsApply";
        case request_kind::ipvs_read:
            return "IpvsRead";
        case request_kind::ipvs_sync:
            return "IpvsSync";
    }
    return "Unknown";
}

std::string errno_name(int error) {
    switch (error) {
        case EEXIST:
            return "Eexist";
        case ENOENT:
            return "Enoent";
        case EBUSY:
            return "Ebusy";
        case ENOBUFS:
            return "Enobufs";
        case ETIMEDOUT:
            return "Etimedout";
        case EBADF:
            return "ClosedSocket";
    }
    return "Errno" + std::to_string(error);
}

std::string case_name(const ::testing::TestParamInfo<std::tuple<request_kind, int>>& fault) {
    return kind_name(std::get<0>(fault.param)) + errno_name(std::get<1>(fault.param));
}

class FaultInjection : public RuntimeTest,
                       public ::testing::WithParamInterface<std::tuple<request_kind, int>> {
  protected:
    /// Whether the director reached what it wants: its VIP, its service and real, the record.
    bool converged() const {
        const auto service = ipvs_.kernel.find(tcp("10.0.0.100", 80));
        return addresses_.has("eth0", "10.0.0.100/24") && !addresses_.has("eth0", "10.0.0.99/24") &&
               service != ipvs_.kernel.end() && service->second.destinations.size() == 1 &&
               !ipvs_.kernel.contains(tcp("10.0.0.99", 80)) &&
               state_text().find("tcp 10.0.0.100 80") != std::string::npos &&
               state_text().find("10.0.0.99") == std::string::npos;
    }
};

TEST_P(FaultInjection, TheDirectorSurvivesTheFaultAndConvergesOnceItClears) {
    const auto [kind, error] = GetParam();
    // A crashed run's leftovers, so that removals and reads are exercised as well as additions.
    std::ofstream(state_file_) << "tcp 10.0.0.99 80\nvip eth0 10.0.0.99/24\n";
    ipvs_.kernel[tcp("10.0.0.99", 80)].settings.scheduler = "rr";
    addresses_.present.insert({"eth0", *ip_prefix::parse("10.0.0.99/24"), false});
    build(director_config(state_file_));
    faults_.fail(kind, std::error_code(error, std::generic_category()));
    ASSERT_NO_THROW({
        runtime_->start();
        run_for(300ms);
    });
    EXPECT_GT(faults_.failed, 0U) << "the scenario never made a " << kind_name(kind)
                                  << " request: the fault was not exercised";
    faults_.heal();
    journal_.clear();
    for (int waited = 0; waited < 30 && !converged(); ++waited) {
        ASSERT_NO_THROW(run_for(100ms));
    }
    EXPECT_TRUE(converged()) << "not converged 3 s after the fault cleared; kernel changes:\n"
                             << journal_text() << "state file:\n"
                             << state_text();
    run_for(50ms);
    EXPECT_TRUE(any("advert vrid 51 priority 255")) << "adverts stopped";
}

INSTANTIATE_TEST_SUITE_P(
    EveryPortEveryError, FaultInjection,
    ::testing::Combine(::testing::Values(request_kind::address_add, request_kind::address_remove,
                                         request_kind::address_list, request_kind::link_status,
                                         request_kind::advert_send, request_kind::channel_open,
                                         request_kind::frame_send, request_kind::ipvs_apply,
                                         request_kind::ipvs_read),
                       ::testing::Values(EEXIST, ENOENT, EBUSY, ENOBUFS, ETIMEDOUT, EBADF)),
    case_name);

}  // namespace
}  // namespace vipd::daemon
