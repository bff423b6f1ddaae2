// The Raft benchmark's load on ZAB: a 5-server ensemble under a steady write load, simulated as
// fast as the machine allows, beside the same load on a 5-node Raft cluster (paper timing, 10 ms
// ticks) measured in the same run as the baseline.
//
// Reported per run: simulated events per wall-clock second, the time dilation (simulated seconds
// per wall-clock second; target: at least 1000x), writes committed, and ZAB's figures as ratios
// of Raft's.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "bench/counter_reporter.h"
#include "harness/raft_cluster.h"
#include "harness/zab_cluster.h"

namespace {

using consim::Duration;
using consim::protocols::NodeId;

constexpr Duration kSimulated = Duration::seconds(10);

template <typename Cluster, typename Leader>
void steady_load(Cluster& cluster, Duration interval, uint64_t& proposed, Leader leader_of) {
  if (const std::optional<NodeId> leader = leader_of(cluster)) {
    cluster.propose(*leader, ++proposed);
  }
  cluster.sim().schedule_after(
      interval, [&cluster, interval, &proposed, leader_of] { steady_load(cluster, interval, proposed, leader_of); });
}

struct Totals {
  uint64_t events = 0;
  double simulated = 0;
  double wall = 0;
  uint64_t committed = 0;
};

template <typename Cluster>
void measure(Cluster& cluster, Totals& totals) {
  const auto start = std::chrono::steady_clock::now();
  cluster.sim().run_until(cluster.sim().now() + kSimulated);
  totals.wall += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  totals.events += cluster.sim().events_processed();
  totals.simulated += static_cast<double>(kSimulated.ns) / 1e9;
}

void report(benchmark::State& state, const Totals& totals) {
  state.counters["events_per_s"] = benchmark::Counter(static_cast<double>(totals.events) / totals.wall);
  state.counters["sim_x_real"] = benchmark::Counter(totals.simulated / totals.wall);
  state.counters["committed"] = benchmark::Counter(static_cast<double>(totals.committed) / state.iterations());
}

// state.range(0): microseconds between writes.
void BM_ZabEnsemble5(benchmark::State& state) {
  const Duration interval = Duration::micros(state.range(0));
  Totals totals;
  for (auto _ : state) {
    consim::harness::ZabClusterOptions options;
    options.nodes = 5;
    options.seed = 42;
    options.host.snapshot_every_entries = 1000;
    consim::harness::ZabCluster cluster(options);
    uint64_t proposed = 0;
    steady_load(cluster, interval, proposed, [](const consim::harness::ZabCluster& c) { return c.leader(); });
    measure(cluster, totals);
    if (const auto leader = cluster.leader()) {
      totals.committed += cluster.zab(*leader)->committed_zxid() & 0xffffffffu;
    }
  }
  report(state, totals);
}

void BM_RaftCluster5(benchmark::State& state) {
  const Duration interval = Duration::micros(state.range(0));
  Totals totals;
  for (auto _ : state) {
    consim::harness::RaftClusterOptions options;
    options.nodes = 5;
    options.seed = 42;
    options.host.snapshot_every_entries = 1000;
    options.host.tick_interval = Duration::millis(10);
    options.raft.election_ticks = 15;
    options.raft.heartbeat_ticks = 5;
    consim::harness::RaftCluster cluster(options);
    uint64_t proposed = 0;
    steady_load(cluster, interval, proposed, [](const consim::harness::RaftCluster& c) { return c.one_leader(); });
    measure(cluster, totals);
    totals.committed += cluster.max_applied_index().value;
  }
  report(state, totals);
}

BENCHMARK(BM_ZabEnsemble5)->Arg(100000)->Arg(10000)->Arg(1000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_RaftCluster5)->Arg(100000)->Arg(10000)->Arg(1000)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
    return 1;
  }
  consim::bench::CounterReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  std::printf("\n5 servers under a steady write load, ZAB against Raft (target: sim_x_real >= 1000):\n");
  for (const char* load : {"100000", "10000", "1000"}) {
    const std::string zab = std::string("BM_ZabEnsemble5/") + load + "/real_time";
    const std::string raft = std::string("BM_RaftCluster5/") + load + "/real_time";
    if (!reporter.has(zab + ":sim_x_real")) {
      continue;  // filtered out
    }
    const double zab_x = reporter.get(zab + ":sim_x_real");
    std::printf("  %5.0f writes/s: ZAB %5.0fx real time (%.0f committed)", 1e6 / std::stod(load), zab_x,
                reporter.get(zab + ":committed"));
    if (reporter.has(raft + ":sim_x_real")) {
      const double raft_x = reporter.get(raft + ":sim_x_real");
      std::printf(", Raft %5.0fx (%.0f committed): ZAB/Raft %.2f", raft_x, reporter.get(raft + ":committed"),
                  raft_x > 0 ? zab_x / raft_x : 0);
    }
    std::printf("\n");
  }
  benchmark::Shutdown();
  return 0;
}
