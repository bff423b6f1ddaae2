// `consim run` at scale: a 5-node Raft cluster serving the kv service to 10 clients for one hour
// of simulated time, with every check on (online invariants, linearizability of the whole
// history at the end, liveness), as a user would run it.
//
// Reported: wall time, the time dilation (simulated seconds per wall-clock second; issue target
// at least 1000x), operations, and the process's peak resident memory. As a baseline measured in
// the same run, the same scenario with only the online invariants (no history check) says what
// the end-of-run linearizability check costs.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "bench/counter_reporter.h"
#include "harness/runner.h"

namespace {

using consim::harness::RunOptions;
using consim::harness::Scenario;

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux reports KiB
}

// The node timings measured: the Raft paper's (10 ms ticks, heartbeat every 50 ms, election
// timeout from 150 ms; as raft_bench), etcd's defaults (100 ms ticks, heartbeat every tick,
// election timeout from 1 s), and a scenario file's defaults (10 ms ticks, heartbeat every tick,
// election timeout from 100 ms: five times the paper's heartbeat traffic, for short scenarios
// that want elections to settle quickly).
enum Timing : int64_t { kPaper = 0, kEtcd = 1, kScenarioDefaults = 2 };

const char* timing_label(Timing timing) {
  switch (timing) {
    case kPaper:
      return "Raft paper (50 ms heartbeats)";
    case kEtcd:
      return "etcd defaults (100 ms heartbeats)";
    case kScenarioDefaults:
      return "scenario defaults (10 ms heartbeats)";
  }
  return "?";
}

// state.range(0): total invocations per simulated second (0: closed loop); range(1): 1 = every
// check, 0 = online invariants only; range(2): the Timing.
void BM_RunOneHour(benchmark::State& state) {
  Scenario scenario;
  scenario.file = "bench";
  scenario.name = "bench-raft-kv-1h";
  scenario.nodes = 5;
  scenario.duration_ms = 3'600'000;
  scenario.workload.clients = 10;
  scenario.workload.keys = 10;
  scenario.workload.read_fraction = 0.5;
  scenario.workload.cas_fraction = 0.1;
  scenario.workload.rate_per_s = static_cast<double>(state.range(0));
  if (state.range(1) == 0) {
    scenario.checks = {"invariants"};
  }
  switch (static_cast<Timing>(state.range(2))) {
    case kPaper:
      scenario.raft.tick_ms = 10;
      scenario.raft.election_ticks = 15;
      scenario.raft.heartbeat_ticks = 5;
      break;
    case kEtcd:
      scenario.raft.tick_ms = 100;
      scenario.raft.election_ticks = 10;
      scenario.raft.heartbeat_ticks = 1;
      break;
    case kScenarioDefaults:
      break;  // as Scenario leaves them
  }
  double wall_s = 0;
  double simulated_s = 0;
  uint64_t ops = 0;
  bool passed = true;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    RunOptions options;
    options.keep_history_text = false;  // as `consim run` without --out: nothing to write it to
    const consim::harness::RunResult result = consim::harness::run_scenario(scenario, options);
    wall_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    simulated_s += result.report->metrics.simulated_s;
    ops += result.report->metrics.ok;
    passed = passed && result.report->verdict == "pass";
  }
  state.counters["sim_x_real"] = benchmark::Counter(simulated_s / wall_s);
  state.counters["wall_s"] = benchmark::Counter(wall_s / static_cast<double>(state.iterations()));
  state.counters["ok_ops"] = benchmark::Counter(static_cast<double>(ops) / static_cast<double>(state.iterations()));
  state.counters["peak_rss_mb"] = benchmark::Counter(peak_rss_mb());
  state.counters["passed"] = benchmark::Counter(passed ? 1 : 0);
}

BENCHMARK(BM_RunOneHour)
    ->ArgsProduct({{100, 0}, {0, 1}, {kPaper, kEtcd, kScenarioDefaults}})
    ->Iterations(1)
    ->Unit(benchmark::kSecond)
    ->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
    return 1;
  }
  consim::bench::CounterReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  std::printf("\n5-node Raft kv, 10 clients, 1 hour simulated (target: sim_x_real >= 1000):\n");
  for (const Timing timing_value : {kPaper, kEtcd, kScenarioDefaults}) {
    const std::string timing = std::to_string(static_cast<int64_t>(timing_value));
    for (const char* rate : {"100", "0"}) {
      const std::string base = std::string("BM_RunOneHour/") + rate;
      const std::string all = base + "/1/" + timing + "/iterations:1/real_time";
      const std::string online = base + "/0/" + timing + "/iterations:1/real_time";
      const double full = reporter.get(all + ":wall_s");
      if (full <= 0) {
        continue;  // filtered out
      }
      const double invariants_only = reporter.get(online + ":wall_s");
      std::printf("  %s timing, %s: %6.0fx real time (%.1f s wall, %.0f ok operations, %s, peak RSS so far %.0f MB)",
                  timing_label(timing_value), std::string(rate) == "0" ? "closed loop" : "100 ops/s",
                  reporter.get(all + ":sim_x_real"), full, reporter.get(all + ":ok_ops"),
                  reporter.get(all + ":passed") > 0 ? "passed" : "FAILED", reporter.get(all + ":peak_rss_mb"));
      if (invariants_only > 0) {
        std::printf("; the history check adds %.2f to the invariants-only run",
                    (full - invariants_only) / invariants_only);
      }
      std::printf("\n");
    }
  }
  benchmark::Shutdown();
  return 0;
}
