// The baseline the simulation benchmarks report against: the bare event loop (a hold model with
// 1024 pending events, each handler scheduling the next), measured in the same run on the same
// machine. Register it as `using consim::bench::BM_BareEventLoop; BENCHMARK(BM_BareEventLoop);`
// (the benchmark takes the expression's text as its name); its rate is the counter
// "BM_BareEventLoop:items_per_second".
#pragma once

#include <benchmark/benchmark.h>

#include <functional>

#include "sim/simulator.h"

namespace consim::bench {

inline void BM_BareEventLoop(benchmark::State& state) {
  sim::Simulator sim(1);
  sim::Rng rng(1);
  std::function<void()> handler = [&] { sim.schedule_after(Duration{rng.uniform_int(1, 10'000'000)}, handler); };
  for (int i = 0; i < 1024; ++i) {
    sim.schedule_after(Duration{rng.uniform_int(1, 10'000'000)}, handler);
  }
  for (auto _ : state) {
    sim.step();
  }
  state.SetItemsProcessed(state.iterations());
}

}  // namespace consim::bench
