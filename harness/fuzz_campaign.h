// Fuzzing campaigns (`consim fuzz`): every seed of a range becomes a whole scenario
// (harness/fuzz_generator.h), which runs like any other; failing seeds are kept with their
// scenario, so that a reproducer file and a shrunk one can be written for each.
//
// Seeds run on `jobs` threads, each simulation on one thread from start to end: a seed's result
// depends on the seed alone, never on the number of jobs or on which thread ran it. A campaign
// can be split across machines with shards: shard I of N runs the seeds s of the range with
// (s - first) % N == I, so the shards of a range are disjoint and together cover it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "harness/fuzz_generator.h"
#include "harness/runner.h"
#include "harness/scenario.h"

namespace consim::harness {

// What failed in a run: the first failing check, and for invariants the invariant's id.
struct FailureSignature {
  std::string check;      // "invariants", "linearizability", "sequential", "liveness"; empty: passed
  std::string invariant;  // the invariant id when check is "invariants"
  std::string status;     // the check's status: "fail", or "unknown" (a budget ran out)

  bool failed() const { return !check.empty(); }
  // "invariants:prefix_consistency", "linearizability", "linearizability(unknown)".
  std::string kind() const;
  bool operator==(const FailureSignature&) const = default;
};
FailureSignature signature_of(const RunReport& report);

struct SeedOutcome {
  uint64_t seed = 0;
  FailureSignature failure;  // empty when the run passed
  std::string detail;        // the failing check's detail
  std::string digest;        // the run's trace digest
  double simulated_s = 0;
  std::optional<Scenario> scenario;  // kept for failing seeds: the reproducer
};

struct CampaignOptions {
  FuzzSpec spec;
  uint64_t first_seed = 1;
  uint64_t last_seed = 100;  // inclusive
  uint32_t jobs = 1;
  uint32_t shard_index = 0;  // this shard, of shard_count
  uint32_t shard_count = 1;
  RunOptions run;  // how each seed runs (the linearizability step budget)
  // Asked before each seed starts; false stops the campaign there (a wall-clock budget).
  std::function<bool()> keep_going;
  // Called after each seed, one call at a time (from any job's thread).
  std::function<void(const SeedOutcome&)> on_outcome;
};

// The seeds of the range this shard runs, in order.
std::vector<uint64_t> shard_seeds(uint64_t first, uint64_t last, uint32_t index, uint32_t count);

// Runs the campaign; the outcomes come back sorted by seed (only the seeds that ran, if
// keep_going stopped it early).
std::vector<SeedOutcome> run_campaign(const CampaignOptions& options);

}  // namespace consim::harness
