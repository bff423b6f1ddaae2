// Shrinking a failing scenario (`consim shrink`, and `consim fuzz` for each failing seed): the
// smallest run found that still fails the same way (the same check, and for invariants the same
// invariant), by delta debugging over the fault list (Zeller's ddmin, complements first), then
// fewer clients and keys, a shorter run, fewer nodes, and smaller clock, pause, latency and
// disk values. Every candidate goes through the scenario writer and the loader before it runs,
// so the result is a valid scenario file that `consim run` replays exactly.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "harness/fuzz_campaign.h"
#include "harness/runner.h"
#include "harness/scenario.h"

namespace consim::harness {

struct ShrinkOptions {
  RunOptions run;           // how each candidate runs (the linearizability step budget)
  uint32_t max_runs = 400;  // candidate runs at most; the best found so far is kept
  // Told of every reduction that kept the failure ("faults 12 -> 6").
  std::function<void(const std::string&)> on_step;
};

// The size of a run, before and after.
struct ShrinkSize {
  size_t faults = 0;
  uint32_t nodes = 0;
  uint32_t clients = 0;
  double duration_ms = 0;
  uint64_t operations = 0;  // client operations invoked in the run
  bool operator==(const ShrinkSize&) const = default;
};

struct ShrinkResult {
  Scenario minimal;  // expect names the failure, so `consim run` exits 0 when it reproduces
  FailureSignature failure;
  ShrinkSize before;
  ShrinkSize after;
  uint32_t runs = 0;   // candidate runs spent
  std::string digest;  // the minimal run's trace digest
};

// One line: "faults 12 -> 2, nodes 5 -> 3, clients 4 -> 1, duration 8000 -> 1500 ms, operations
// 640 -> 35 (57 runs)".
std::string describe_shrink(const ShrinkResult& result);

// Shrinks `failing`; nullopt, with the reason in `error`, when it does not fail or is not a
// valid scenario.
std::optional<ShrinkResult> shrink_scenario(const Scenario& failing, const ShrinkOptions& options, std::string* error);

}  // namespace consim::harness
