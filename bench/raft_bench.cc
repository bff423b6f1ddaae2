// A 5-node Raft cluster under a steady proposal load, simulated as fast as the machine allows.
//
// Reported per run: simulated events per wall-clock second, and the time dilation (simulated
// seconds per wall-clock second; DESIGN.md target: at least 1000x). As a baseline measured in
// the same run, the bare event loop's rate on the same machine: the ratio says how much of the
// loop's speed the protocol, the network and the disks leave.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <string>

#include "bench/bare_loop.h"
#include "bench/counter_reporter.h"
#include "harness/raft_cluster.h"
#include "sim/simulator.h"

namespace {

using consim::Duration;
using consim::harness::RaftCluster;
using consim::harness::RaftClusterOptions;

constexpr Duration kSimulated = Duration::seconds(10);

// Proposes one command per `interval` of simulated time to whoever leads.
void steady_load(RaftCluster& cluster, Duration interval, uint64_t& proposed) {
  const auto leader = cluster.one_leader();
  if (leader.has_value()) {
    cluster.propose(*leader, ++proposed);
  }
  cluster.sim().schedule_after(interval, [&cluster, interval, &proposed] { steady_load(cluster, interval, proposed); });
}

// state.range(0): microseconds between proposals; state.range(1): the timing, 0 for the Raft
// paper's (10 ms ticks, 150 ms election timeout, 50 ms heartbeats), 1 for etcd's defaults
// (100 ms ticks, 1 s election timeout, heartbeat every tick).
void BM_RaftCluster5(benchmark::State& state) {
  const Duration interval = Duration::micros(state.range(0));
  const bool etcd_timing = state.range(1) == 1;
  uint64_t events = 0;
  double simulated_seconds = 0;
  double wall_seconds = 0;
  uint64_t committed = 0;
  for (auto _ : state) {
    RaftClusterOptions options;
    options.nodes = 5;
    options.seed = 42;
    options.host.snapshot_every_entries = 1000;
    if (etcd_timing) {
      options.host.tick_interval = Duration::millis(100);
      options.raft.election_ticks = 10;
      options.raft.heartbeat_ticks = 1;
    } else {
      options.host.tick_interval = Duration::millis(10);
      options.raft.election_ticks = 15;
      options.raft.heartbeat_ticks = 5;
    }
    RaftCluster cluster(options);
    uint64_t proposed = 0;
    steady_load(cluster, interval, proposed);
    const auto start = std::chrono::steady_clock::now();
    cluster.sim().run_until(cluster.sim().now() + kSimulated);
    wall_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    events += cluster.sim().events_processed();
    simulated_seconds += static_cast<double>(kSimulated.ns) / 1e9;
    committed += cluster.max_applied_index().value;
  }
  state.counters["events_per_s"] = benchmark::Counter(static_cast<double>(events) / wall_seconds);
  state.counters["sim_x_real"] = benchmark::Counter(simulated_seconds / wall_seconds);
  state.counters["committed"] = benchmark::Counter(static_cast<double>(committed) / state.iterations());
}

BENCHMARK(BM_RaftCluster5)->ArgsProduct({{100000, 10000, 1000}, {0, 1}})->Unit(benchmark::kMillisecond)->UseRealTime();
using consim::bench::BM_BareEventLoop;
BENCHMARK(BM_BareEventLoop);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
    return 1;
  }
  consim::bench::CounterReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  const double loop = reporter.get("BM_BareEventLoop:items_per_second");
  std::printf("\n5-node Raft under load (target: sim_x_real >= 1000):\n");
  for (const char* timing : {"0", "1"}) {
    std::printf("  %s timing:\n",
                std::string(timing) == "0" ? "Raft paper (10 ms ticks)" : "etcd default (100 ms ticks)");
    for (const char* load : {"100000", "10000", "1000"}) {
      const std::string name = std::string("BM_RaftCluster5/") + load + "/" + timing + "/real_time";
      if (!reporter.has(name + ":sim_x_real")) {
        continue;  // filtered out
      }
      const double rate = reporter.get(name + ":events_per_s");
      std::printf("    %5.0f proposals/s: %5.0fx real time, %.2fM events/s", 1e6 / std::stod(load),
                  reporter.get(name + ":sim_x_real"), rate / 1e6);
      if (loop > 0) {
        std::printf(" = %.2f of the bare loop's %.2fM/s", rate / loop, loop / 1e6);
      }
      std::printf("\n");
    }
  }
  benchmark::Shutdown();
  return 0;
}
