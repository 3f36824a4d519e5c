#pragma once
// A probe factory whose probes wait for the test to answer them: the test decides each
// attempt's outcome and when it arrives.

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "vipd/health/probe.hpp"

namespace vipd::fakes {

class fake_probes {
  public:
    struct record {
        health::check_spec spec;
        health::probe_target target;
        health::probe_callback pending;  // set while an attempt is in flight
        int started = 0;
        bool alive = true;
    };

    class probe final : public health::probe {
      public:
        explicit probe(std::shared_ptr<record> r) : record_(std::move(r)) {}
        ~probe() override { record_->alive = false; }
        void start(health::probe_callback done) override {
            ++record_->started;
            record_->pending = std::move(done);
        }

      private:
        std::shared_ptr<record> record_;
    };

    /// The factory to hand to the driver.
    auto factory() {
        return [this](const health::check_spec& spec, const health::probe_target& t) {
            auto r = std::make_shared<record>(record{spec, t, {}, 0, true});
            made.push_back(r);
            return std::make_unique<probe>(r);
        };
    }

    /// The probe aimed at `address` (and `port` when not 0).
    record& at(const std::string& address, std::uint16_t port = 0) {
        for (auto& r : made) {
            if (r->target.address.to_string() == address && (port == 0 || r->target.port == port)) {
                return *r;
            }
        }
        throw std::out_of_range("no probe for " + address);
    }

    /// Completes the pending attempt of `r`; false when none is in flight.
    static bool answer(record& r, bool success, std::string detail = {}) {
        if (!r.pending) {
            return false;
        }
        auto done = std::move(r.pending);
        r.pending = nullptr;
        done({success, microseconds{1000}, success ? std::string{} : std::move(detail)});
        return true;
    }

    std::vector<std::shared_ptr<record>> made;
};

}  // namespace vipd::fakes
