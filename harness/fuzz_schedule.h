// The fault schedule of one fuzzing seed (internal to the fuzzer): fuzz_generator.cc draws the
// scenario, the fault kinds switched on and the window they fall in; this file draws the faults,
// kind by kind, as Jepsen's nemeses would strike (the leader most often, leaders deposed in quick
// succession, crashes in the middle of elections and of membership changes...).
#pragma once

#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

#include "harness/fuzz_generator.h"
#include "harness/scenario.h"
#include "sim/rng.h"

namespace consim::harness::fuzzing {

// Where a schedule's faults go: every drawn fault fires in [start_ms, heal_ms); at heal_ms the
// final heal puts links, clocks and disks back and restarts every crashed node.
struct Window {
  uint32_t nodes = 3;
  double start_ms = 0;
  double heal_ms = 0;
  bool zab = false;     // the protocol is ZAB (else Raft)
  uint32_t voters = 0;  // Raft: the bootstrap voters, n1..n`voters` (0: every node)
  bool lease = false;   // Raft lease reads: clock drift stays within drift_ppm_max
  // ZAB: pauses strike followers only. A leader paused past its sync limit still answers the
  // sync reads queued meanwhile as it resumes, before it notices it was deposed: stale reads
  // ZooKeeper does not promise against (ZOOKEEPER-1675), beyond what linearizability allows.
  bool pause_followers_only = false;
  double drift_ppm_max = 0;         // the largest clock rate error drawn, in ppm
  int64_t sync_ms_max = 0;          // the slowest disk sync drawn
  NetworkSpec base;                 // the links' settings, restored after a network fault
  std::vector<FuzzFault> favoured;  // drawn six times as often as the other kinds switched on
};

// The faults of the kinds in `enabled` (none when it is empty) within `window`, then the final
// heal, in time order (faults at the same instant in the order they were drawn).
std::vector<Fault> draw_schedule(const Window& window, sim::Rng rng, std::span<const FuzzFault> enabled);

// Rounds to two decimals, so that descriptions and files stay short.
inline double round2(double value) { return std::round(value * 100.0) / 100.0; }

inline Selector node_selector(uint32_t node) { return Selector{Selector::Kind::kNode, node}; }
inline Selector kind_selector(Selector::Kind kind) { return Selector{kind, 0}; }

// Picks one index with probability proportional to its weight.
size_t weighted(sim::Rng& rng, std::span<const uint32_t> weights);

}  // namespace consim::harness::fuzzing
