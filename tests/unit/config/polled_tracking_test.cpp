// track_files and track_processes as the loader reads them, and one row per rule they break
// ("FILE:LINE:COLUMN: KEY: MESSAGE"). `vipd --check` goes through the same loader.
#include <gtest/gtest.h>

#include "error_row.hpp"
#include "support/config_results.hpp"
#include "vipd/config/loader.hpp"

namespace vipd::config {
namespace {

using namespace std::chrono_literals;
using support::load_ok;
using testing::error_row;

TEST(PolledTrackingConfig, FilesAndProcessesOfAnInstance) {
    const auto config = load_ok(R"(
[global]
track_interval = "500ms"
[[vrrp]]
name = "web"
interface = "eth1"
vrid = 51
vips = ["172.28.128.210/24"]
track_files = [{ name = "maint", path = "/run/vipd/web.weight", weight = -1, init = 0 }, { path = "/run/vipd/drain" }]
track_processes = [{ process = "nginx", weight = -20, quorum = 2, delay = "3s" }, { name = "ha", process = "haproxy", args = "-f /etc/haproxy/haproxy.cfg" }]
)");
    EXPECT_EQ(config.global.track_interval, 500ms);
    const auto& instance = config.vrrp.at(0);
    ASSERT_EQ(instance.track_files.size(), 2U);
    EXPECT_EQ(instance.track_files[0],
              (tracked_file{"maint", "/run/vipd/web.weight", -1, std::int16_t{0}}));
    // Defaults: the file's name, weight 1 (keepalived's), no init.
    EXPECT_EQ(instance.track_files[1], (tracked_file{"drain", "/run/vipd/drain", 1, std::nullopt}));
    ASSERT_EQ(instance.track_processes.size(), 2U);
    EXPECT_EQ(instance.track_processes[0],
              (tracked_process{"nginx", "nginx", std::nullopt, 2, 3s, -20}));
    EXPECT_EQ(instance.track_processes[1],
              (tracked_process{"ha", "haproxy", "-f /etc/haproxy/haproxy.cfg", 1, 0s, 0}));
}

TEST(PolledTrackingConfig, TheTrackIntervalDefaultsToOneSecond) {
    const auto config = load_ok(R"(
[[vrrp]]
name = "db"
interface = "eth2"
track_processes = [{ process = "postgres" }]
vrid = 52
vips = ["172.28.128.211/24"]
)");
    EXPECT_EQ(config.global.track_interval, 1s);
    // Defaults: named after the process, quorum 1, no delay, weight 0 (Fault).
    EXPECT_EQ(config.vrrp.at(0).track_processes.at(0),
              (tracked_process{"postgres", "postgres", std::nullopt, 1, 0s, 0}));
}

class PolledTrackingErrorTest : public ::testing::TestWithParam<error_row> {};

TEST_P(PolledTrackingErrorTest, ReportsExactlyOneErrorWithPositionAndKey) {
    testing::expect_single_error(GetParam());
}

// Rows start with a valid instance on lines 1-5.
INSTANTIATE_TEST_SUITE_P(
    Rows, PolledTrackingErrorTest,
    ::testing::Values(
        error_row{"track file without path", R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
track_files = [{ name = "maint", weight = -1 }]
)",
                  "t.toml:6:16: vrrp[0].track_files[0].path: path is required"},
        error_row{"track file relative path", R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
track_files = [{ path = "web.weight" }]
)",
                  "t.toml:6:25: vrrp[0].track_files[0].path: path must be an absolute file "
                  "path"},
        error_row{"track file weight beyond 254", R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
track_files = [{ path = "/run/vipd/w", weight = 255 }]
)",
                  "t.toml:6:49: vrrp[0].track_files[0].weight: weight must be -254..254"},
        error_row{"track file init not a number", R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
track_files = [{ path = "/run/vipd/w", init = "0" }]
)",
                  "t.toml:6:47: vrrp[0].track_files[0].init: init must be an integer -254..254"},
        error_row{"two track files with one name", R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
track_files = [{ path = "/run/a/w" }, { path = "/run/b/w" }]
)",
                  "vrrp[0].track_files[1].path: a track file named \"w\" already exists"},
        error_row{"track file unknown key", R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
track_files = [{ path = "/run/vipd/w", reverse = true }]
)",
                  "vrrp[0].track_files[0].reverse: unknown key"},
        error_row{"track process without process", R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
track_processes = [{ name = "nginx", weight = -20 }]
)",
                  "t.toml:6:20: vrrp[0].track_processes[0].process: process is required"},
        error_row{"track process given as a path", R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
track_processes = [{ process = "/usr/sbin/nginx" }]
)",
                  "t.toml:6:32: vrrp[0].track_processes[0].process: process must be a process "
                  "name"},
        error_row{"track process positive weight", R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
track_processes = [{ process = "nginx", weight = 20 }]
)",
                  "t.toml:6:50: vrrp[0].track_processes[0].weight: weight must be -254..0"},
        error_row{"track process quorum 0", R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
track_processes = [{ process = "nginx", quorum = 0 }]
)",
                  "vrrp[0].track_processes[0].quorum: quorum must be 1..65535"},
        error_row{"track process delay without unit", R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
track_processes = [{ process = "nginx", delay = 2 }]
)",
                  "vrrp[0].track_processes[0].delay: delay needs a unit"},
        error_row{"two track processes with one name", R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
track_processes = [{ process = "nginx" }, { process = "nginx", args = "-t" }]
)",
                  "vrrp[0].track_processes[1].process: a track process named \"nginx\" already "
                  "exists"},
        error_row{"track_processes not a list of tables", R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
track_processes = ["nginx"]
)",
                  "vrrp[0].track_processes[0]: each entry of track_processes must be a table"},
        error_row{"keepalived's track_process", R"([[vrrp]]
name = "web"
interface = "eth1"
vrid = 1
vips = ["10.0.0.1/24"]
track_process = ["nginx"]
)",
                  "vrrp[0].track_process: unknown key \"track_process\" (keepalived's "
                  "track_process is track_processes here"},
        error_row{"track_interval too short", R"([global]
track_interval = "10ms"
)",
                  "t.toml:2:18: global.track_interval: track_interval must be 100ms..60s"}));

}  // namespace
}  // namespace vipd::config
