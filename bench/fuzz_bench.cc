// Fuzzing throughput and shrink time (issue targets: hundreds of short 3-node seeds per second per
// core; a typical reproducer shrunk in under a minute).
//
// BM_FuzzSeeds runs fuzz seeds whose generated cluster has three nodes, one after the other on
// one thread, exactly as `consim fuzz --jobs 1` runs each seed (generate, run, check), and reports
// seeds per second. BM_Shrink shrinks the reproducer of the first failing seed of a campaign with
// one bug switch on. The bare event loop's rate, measured in the same run, is the baseline the
// seeds/s are also given against.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bench/bare_loop.h"
#include "bench/counter_reporter.h"
#include "harness/fuzz_campaign.h"
#include "harness/fuzz_generator.h"
#include "harness/shrink.h"
#include "sim/simulator.h"

namespace {

using consim::Duration;
using consim::harness::FuzzSpec;

std::vector<uint64_t> three_node_seeds(const FuzzSpec& spec, size_t count) {
  std::vector<uint64_t> seeds;
  for (uint64_t seed = 1; seeds.size() < count; ++seed) {
    if (consim::harness::generate_scenario(spec, seed).nodes == 3) {
      seeds.push_back(seed);
    }
  }
  return seeds;
}

// state.range(0): 0 raft, 1 zab.
void BM_FuzzSeeds(benchmark::State& state) {
  FuzzSpec spec;
  spec.protocol = state.range(0) == 0 ? "raft" : "zab";
  const std::vector<uint64_t> seeds = three_node_seeds(spec, 64);
  size_t next = 0;
  uint64_t failures = 0;
  for (auto _ : state) {
    const consim::harness::Scenario scenario = consim::harness::generate_scenario(spec, seeds[next++ % seeds.size()]);
    const consim::harness::RunResult result = consim::harness::run_scenario(scenario, consim::harness::RunOptions{});
    failures += result.report.has_value() && result.report->verdict == "pass" ? 0 : 1;
  }
  state.counters["seeds_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["failures"] = benchmark::Counter(static_cast<double>(failures));
}

// Shrinks the first failing seed's reproducer of a campaign with `zab.retain_db_on_trunc` on.
void BM_Shrink(benchmark::State& state) {
  consim::harness::CampaignOptions campaign;
  campaign.spec.protocol = "zab";
  campaign.spec.bugs = {"zab.retain_db_on_trunc"};
  campaign.first_seed = 1;
  campaign.last_seed = 200;
  bool found = false;
  campaign.keep_going = [&found] { return !found; };
  campaign.on_outcome = [&found](const consim::harness::SeedOutcome& outcome) { found = outcome.failure.failed(); };
  std::optional<consim::harness::Scenario> failing;
  for (const consim::harness::SeedOutcome& outcome : consim::harness::run_campaign(campaign)) {
    if (outcome.failure.failed()) {
      failing = outcome.scenario;
      break;
    }
  }
  if (!failing.has_value()) {
    state.SkipWithError("no failing seed to shrink");
    return;
  }
  uint64_t runs = 0;
  double wall_s = 0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    std::string error;
    const auto result = consim::harness::shrink_scenario(*failing, consim::harness::ShrinkOptions{}, &error);
    wall_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    runs += result.has_value() ? result->runs : 0;
  }
  state.counters["candidate_runs"] = benchmark::Counter(static_cast<double>(runs) / state.iterations());
  state.counters["wall_s"] = benchmark::Counter(wall_s / state.iterations());
}

BENCHMARK(BM_FuzzSeeds)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Shrink)->Unit(benchmark::kMillisecond)->Iterations(1);
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
  std::printf("\nFuzzing, one core (targets: hundreds of 3-node seeds/s; a shrink under a minute):\n");
  for (const char* protocol : {"0", "1"}) {
    const std::string name = std::string("BM_FuzzSeeds/") + protocol + ":seeds_per_s";
    if (!reporter.has(name)) {
      continue;  // filtered out
    }
    const double rate = reporter.get(name);
    std::printf("  %s: %.0f seeds/s", std::string(protocol) == "0" ? "raft" : "zab ", rate);
    if (loop > 0) {
      std::printf(" (%.2f seeds per million bare-loop events/s)", rate / (loop / 1e6));
    }
    std::printf("\n");
  }
  if (reporter.has("BM_Shrink/iterations:1:wall_s")) {
    std::printf("  shrink of a zab.retain_db_on_trunc reproducer: %.2f s wall, %.0f candidate runs\n",
                reporter.get("BM_Shrink/iterations:1:wall_s"), reporter.get("BM_Shrink/iterations:1:candidate_runs"));
  }
  benchmark::Shutdown();
  return 0;
}
