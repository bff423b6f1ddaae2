// The bare event loop against a plain std::priority_queue, in the same binary and run.
//
// Both run the classic "hold" model: a fixed number of pending events; each popped event
// schedules one new event a random delay later. The baseline pops (time, sequence) pairs from a
// std::priority_queue and calls a plain function; consim's loop goes through Simulator
// (4-ary heap, insertion-order ties, cancellable slots, std::function callbacks, the clock).
// Reported: events/s for each and their ratio. Target (DESIGN.md): consim within 2x.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <queue>
#include <string>
#include <utility>
#include <vector>

#include "bench/counter_reporter.h"
#include "sim/rng.h"
#include "sim/simulator.h"

namespace {

using consim::Duration;
using consim::sim::Rng;
using consim::sim::Simulator;

constexpr int64_t kDelayMaxNs = 10'000'000;

struct Hold {
  Simulator* sim;
  Rng rng{1};
  uint64_t handled = 0;

  void schedule_one() {
    sim->schedule_after(Duration{rng.uniform_int(1, kDelayMaxNs)}, [this] { on_event(); });
  }
  void on_event() {
    ++handled;
    schedule_one();
  }
};

void BM_ConsimEventLoop(benchmark::State& state) {
  const int64_t pending = state.range(0);
  Simulator sim(1);
  Hold hold{&sim};
  for (int64_t i = 0; i < pending; ++i) {
    hold.schedule_one();
  }
  for (auto _ : state) {
    sim.step();
  }
  benchmark::DoNotOptimize(hold.handled);
  state.SetItemsProcessed(state.iterations());
}

struct BaselineEvent {
  int64_t time_ns;
  uint64_t seq;
  bool operator>(const BaselineEvent& other) const {
    return time_ns > other.time_ns || (time_ns == other.time_ns && seq > other.seq);
  }
};

[[gnu::noinline]] void baseline_handler(uint64_t& handled) { ++handled; }

void BM_PriorityQueueBaseline(benchmark::State& state) {
  const int64_t pending = state.range(0);
  std::priority_queue<BaselineEvent, std::vector<BaselineEvent>, std::greater<>> queue;
  Rng rng(1);
  uint64_t seq = 0;
  int64_t now = 0;
  uint64_t handled = 0;
  for (int64_t i = 0; i < pending; ++i) {
    queue.push({rng.uniform_int(1, kDelayMaxNs), ++seq});
  }
  for (auto _ : state) {
    const BaselineEvent top = queue.top();
    queue.pop();
    now = top.time_ns;
    baseline_handler(handled);
    queue.push({now + rng.uniform_int(1, kDelayMaxNs), ++seq});
  }
  benchmark::DoNotOptimize(handled);
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_ConsimEventLoop)->Arg(64)->Arg(1024)->Arg(16384);
BENCHMARK(BM_PriorityQueueBaseline)->Arg(64)->Arg(1024)->Arg(16384);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
    return 1;
  }
  consim::bench::CounterReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  std::printf("\nratio (baseline events/s / consim events/s; target <= 2.0):\n");
  for (const char* pending : {"64", "1024", "16384"}) {
    const std::string ours = std::string("BM_ConsimEventLoop/") + pending;
    const std::string base = std::string("BM_PriorityQueueBaseline/") + pending;
    const double consim_rate = reporter.get(ours + ":items_per_second");
    const double baseline_rate = reporter.get(base + ":items_per_second");
    if (consim_rate > 0 && baseline_rate > 0) {
      std::printf("  pending=%-6s consim %.2fM ev/s, baseline %.2fM ev/s, ratio %.2f\n", pending, consim_rate / 1e6,
                  baseline_rate / 1e6, baseline_rate / consim_rate);
    }
  }
  benchmark::Shutdown();
  return 0;
}
