// Reaction benchmark: from the master down timer's expiry to "VIP installed, advert sent, first
// GARP sent", through the real router and the real kernel adapters (rtnetlink, raw VRRP socket,
// AF_PACKET) in a private network namespace. It times the router's on_timer() call that performs
// the Backup -> Master transition; the Asio timer's own wake-up latency is not included.
// Needs root (unshare(CLONE_NEWNET)); never touches the host's namespace.

#include <sched.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

#include <benchmark/benchmark.h>

#include "vipd/daemon/linux_ports.hpp"
#include "vipd/daemon/vrrp_router.hpp"
#include "vipd/io/asio.hpp"

namespace {

using namespace vipd;

bool setup_namespace() {
    if (geteuid() != 0 || unshare(CLONE_NEWNET) != 0) {
        return false;
    }
    return std::system(
               "ip link add bench0 type veth peer name bench1 && ip link set bench0 up && "
               "ip link set bench1 up && ip link set lo up && "
               "ip addr add 10.98.0.1/24 dev bench0") == 0;
}

config::daemon_config one_instance() {
    config::vrrp_instance instance;
    instance.name = "bench";
    instance.interface = "bench0";
    instance.vrid = 7;
    instance.priority = 100;
    instance.advert_interval = centiseconds(1);
    instance.vips.push_back({*ip_prefix::parse("10.98.0.100/24"), std::nullopt});
    config::daemon_config config;
    config.vrrp.push_back(instance);
    return config;
}

void BM_BackupToMasterReaction(benchmark::State& state) {
    static const bool ready = setup_namespace();
    if (!ready) {
        state.SkipWithError("needs root to create a private network namespace");
        return;
    }
    asio::io_context io;
    daemon::linux_ports kernel(io);  // the daemon's own adapters
    const auto ports = kernel.ports();
    logging::log_set logs(logging::target::stderr_stream, spdlog::level::off);
    const auto config = one_instance();
    for (auto _ : state) {
        state.PauseTiming();
        time_point now = steady_clock::now();
        daemon::vrrp_router router(
            config, {ports.addresses, ports.frames, ports.links, ports.channels}, logs,
            [&] { return now; }, [] {});
        router.start();
        now = *router.next_deadline();  // the master down timer
        state.ResumeTiming();
        router.on_timer(now);
        state.PauseTiming();
        if (router.status().front().state != vrrp::state::master) {
            state.SkipWithError("the instance did not become Master");
            return;
        }
        router.shutdown();
        state.ResumeTiming();
    }
}
BENCHMARK(BM_BackupToMasterReaction)
    ->Unit(benchmark::kMicrosecond)
    ->Repetitions(5)
    ->ReportAggregatesOnly(true);

}  // namespace

BENCHMARK_MAIN();
