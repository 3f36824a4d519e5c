#pragma once
// The runtime on fakes and a real io_context, for the tests of start-up, reload, shutdown and
// kernel faults: every port is a recording fake behind a fault-injecting decorator (which lets
// everything through until a test gives it a fault plan).

#include "vipd/daemon/runtime.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "fakes/fake_ipvs_port.hpp"
#include "fakes/fake_ports.hpp"
#include "fakes/fake_probe.hpp"
#include "fakes/fake_route_port.hpp"
#include "fakes/fake_track_host.hpp"
#include "fakes/fake_users.hpp"
#include "fakes/faulty_ports.hpp"
#include "support/ipvs_literals.hpp"
#include "support/temp_dir.hpp"
#include "vipd/config/loader.hpp"

namespace vipd::daemon::test {

using ipvs::test::tcp;

using namespace std::chrono_literals;

/// An address owner (priority 255, so Master at once; 10 ms adverts) with one VIP and one DR
/// service on it.
inline std::string owner_with_service(const std::string& name, int vrid, const std::string& vip,
                                      const std::string& real) {
    return "\n[[vrrp]]\nname = \"" + name +
           "\"\ninterface = \"eth0\"\nvrid = " + std::to_string(vrid) +
           "\npriority = 255\nadvert_interval = \"10ms\"\nvips = [\"" + vip +
           "/24\"]\n\n[[virtual_server]]\naddress = \"" + vip +
           "\"\nport = 80\nscheduler = \"rr\"\nforwarding = \"dr\"\n"
           "  [[virtual_server.real]]\n  address = \"" +
           real + "\"\n";
}

inline const std::string k_web = owner_with_service("web", 51, "10.0.0.100", "10.0.0.40");
inline const std::string k_api = owner_with_service("api", 52, "10.0.0.200", "10.0.0.41");

/// A director's configuration: `web` (unless left out) plus whatever `extra` adds, with the
/// state file at `state_file` and 100 ms resyncs.
inline std::string director_config(const std::string& state_file, const std::string& extra = "",
                                   bool with_web = true) {
    return "[global]\nrouter_id = \"dir1\"\ncontrol_socket = \"\"\n"
           "vip_resync_interval = \"100ms\"\nstate_file = \"" +
           state_file + "\"\n\n[ipvs]\nresync_interval = \"100ms\"\n" + (with_web ? k_web : "") +
           extra;
}

using fakes::eth0_up;

class RuntimeTest : public ::testing::Test {
  protected:
    void SetUp() override {
        config_file_ = dir_.file("vipd.toml");
        state_file_ = dir_.file("state");
        links_.links["eth0"] = eth0_up();
        addresses_.changes = &journal_;
        frames_.changes = &journal_;
        channels_.changes = &journal_;
        routes_.changes = &journal_;
        ipvs_.changes = &journal_;
    }
    void write_config(const std::string& text) { std::ofstream(config_file_) << text; }

    /// Loads the file and builds the runtime on the fakes (not started).
    void build(const std::string& text) {
        write_config(text);
        auto loaded = config::load_file(config_file_, "dir1");
        ASSERT_TRUE(loaded.ok()) << loaded.errors.front().to_string();
        runtime_ = std::make_unique<runtime>(
            io_, std::move(*loaded.config), config_file_, "dir1", logs_,
            runtime_ports{faulty_addresses_, faulty_links_, faulty_frames_, faulty_channels_,
                          faulty_ipvs_, probes_.factory(), users_, tracks_, nullptr, &routes_});
    }

    void run_for(std::chrono::milliseconds how_long) {
        io_.restart();
        io_.run_for(how_long);
    }

    /// Starts the director of director_config, then reloads it with `from` replaced by `to`;
    /// the journal holds what the reload did.
    const reload_outcome& start_then_reload_with(const std::string& from, const std::string& to) {
        build(director_config(state_file_));
        runtime_->start();
        run_for(100ms);
        journal_.clear();
        auto text = director_config(state_file_);
        text.replace(text.find(from), from.size(), to);
        write_config(text);
        const auto& outcome = runtime_->reload();
        run_for(100ms);
        return outcome;
    }

    /// Index of the first journal line starting with `prefix` at or after `from`; fails the
    /// test when there is none.
    std::size_t first(const std::string& prefix, std::size_t from = 0) const {
        for (std::size_t i = from; i < journal_.size(); ++i) {
            if (journal_[i].rfind(prefix, 0) == 0) {
                return i;
            }
        }
        ADD_FAILURE() << "no \"" << prefix << "\" in the journal:\n" << journal_text();
        return journal_.size();
    }
    bool any(const std::string& prefix) const {
        return std::any_of(journal_.begin(), journal_.end(), [&prefix](const std::string& line) {
            return line.rfind(prefix, 0) == 0;
        });
    }
    /// The journal without adverts: what changed in the kernel.
    std::vector<std::string> kernel_changes() const {
        std::vector<std::string> out;
        for (const auto& line : journal_) {
            if (line.rfind("advert ", 0) != 0) {
                out.push_back(line);
            }
        }
        return out;
    }
    std::string journal_text() const {
        std::ostringstream text;
        for (const auto& line : journal_) {
            text << "  " << line << "\n";
        }
        return text.str();
    }
    /// Whether the state file says `text` anywhere.
    bool recorded(const std::string& text) const {
        return state_text().find(text) != std::string::npos;
    }
    /// The service on `vip` port 80 and the VIP `vip`/24 on eth0 cannot be removed.
    void refuse_removal(const std::string& vip) {
        addresses_.refuse_remove.insert("eth0 " + vip + "/24");
        const auto key = tcp(vip.c_str(), 80);
        ipvs_.inject = [key](const ipvs::operation& op) {
            const auto* remove = std::get_if<ipvs::delete_service>(&op);
            return remove != nullptr && remove->key == key
                       ? std::error_code(EPERM, std::generic_category())
                       : std::error_code();
        };
    }
    void allow_removals() {
        addresses_.refuse_remove.clear();
        ipvs_.inject = nullptr;
    }
    std::string state_text() const {
        std::ifstream in(state_file_);
        std::ostringstream text;
        text << in.rdbuf();
        return text.str();
    }

    support::temp_dir dir_{"vipd-runtime"};
    std::string config_file_;
    std::string state_file_;
    fakes::journal journal_;
    fakes::fake_address_port addresses_;
    fakes::fake_link_monitor links_;
    fakes::fake_frame_port frames_;
    fakes::fake_channel_factory channels_;
    fakes::fake_ipvs_port ipvs_;
    fakes::fake_probes probes_;
    fakes::fake_users users_;
    fakes::fake_track_host tracks_;
    fakes::fake_route_port routes_;
    /// What the fakes below are asked through; lets everything through until a test decides.
    fakes::fault_plan faults_;
    fakes::faulty_address_port faulty_addresses_{addresses_, faults_};
    fakes::faulty_link_monitor faulty_links_{links_, faults_};
    fakes::faulty_frame_port faulty_frames_{frames_, faults_};
    fakes::faulty_channel_factory faulty_channels_{channels_, faults_};
    fakes::faulty_ipvs_port faulty_ipvs_{ipvs_, faults_};
    logging::log_set logs_{logging::target::stderr_stream, spdlog::level::off};
    asio::io_context io_;
    std::unique_ptr<runtime> runtime_;
};

}  // namespace vipd::daemon::test
