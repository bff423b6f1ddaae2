// The fuzzer's scenario generator (`consim fuzz`, DESIGN.md "CLI"; research/dst.md on swarm
// testing). One seed expands into one whole, printable Scenario: the cluster size, the
// protocol's flags, the workload, and a fault schedule drawn by swarm testing (Groce et al.,
// ISSTA 2012): each seed switches on a random subset of the fault kinds below and draws its
// faults from that subset only, so that a seed with few kinds explores them deeply instead of
// drowning every schedule in the same uniform mix. Every schedule ends with a heal (links,
// clocks and disks back to normal, crashed nodes restarted) before the workload stops; the runner
// then heals once more and checks liveness.
//
// The faults stay within what the protocols promise to survive, so that a correct
// implementation passes every seed (TigerBeetle's fault atlas): no lying syncs, no follower or
// local reads (stale by design), and with Raft's lease reads no clock steps, no pauses and no
// drift beyond max_clock_drift_ppm (a lease is only as good as its clock bound). With ZAB, pauses
// strike followers only: a leader paused past its sync limit answers the sync reads queued
// meanwhile before it notices it was deposed (ZOOKEEPER-1675, which ZooKeeper does not promise
// against). Clock steps stay in ZAB runs, so about one seed in 10,000 reports that anomaly.
//
// A bug switch in the spec steers the seed towards where the switch can show: configurations
// in which it is live (lease reads for raft.lease_ignores_drift, one entry per message for
// raft.commit_previous_term, ...) and the fault kinds its published schedules need, always on
// and drawn more often. Everything else stays the seed's.
//
// Deterministic: the scenario depends only on (spec, seed), through sim::Rng's named sub-streams
// ("cluster", "duration", "protocol", "network", "workload", "swarm", "window", "schedule",
// "disk"), so that a change in how one part draws leaves the others' draws as they were.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "harness/scenario.h"

namespace consim::harness {

// What a fuzzing campaign fixes; everything else comes from the seed.
struct FuzzSpec {
  std::string protocol = "raft";  // "raft" | "zab"
  std::string service = "kv";     // "kv" | "znode"
  std::vector<std::string> bugs;  // switches of the protocol's catalogue to turn on, no duplicates
  double duration_ms = 0;         // 0: drawn per seed, a few seconds; else (0, 24 h]
};

// The fault kinds a seed may switch on (its "swarm"), in a fixed order.
enum class FuzzFault : uint8_t {
  kPartition,    // partitions of every shape: one node isolated, leader in a minority, random splits,
                 // halves, majority ring, bridge
  kCut,          // one-way link cuts
  kCrash,        // crashes, then restarts
  kPowerLoss,    // a machine loses its unsynced writes and goes down ("lost disk syncs"), then restarts
  kPause,        // process pauses (a GC pause)
  kClockStep,    // a node's clock jumps forwards or backwards
  kClockDrift,   // a node's clock runs fast or slow
  kLoss,         // message loss, on every link or between two nodes
  kDuplication,  // message duplication
  kLatency,      // latency spikes, on every link or between two nodes
  kSlowDisk,     // slow syncs on one node or all
  kCrashPoint,   // a crash right before a step of a Ready, often right after a protocol event
                 // (a vote granted, an entry appended, an ack sent), the machine bounced or left down
  kMembership,   // Raft membership changes (add, remove, learner), alone or during a leader handover
};
inline constexpr size_t kFuzzFaultKinds = 13;

// "partition", "cut", "crash", "power_loss", "pause", "clock_step", "clock_drift", "loss",
// "duplication", "latency", "slow_disk", "crash_point", "membership".
std::string_view fuzz_fault_name(FuzzFault kind);

// Empty when `spec` is valid, else what is wrong ("unknown bug switch \"raft.x\" ...").
std::string check_fuzz_spec(const FuzzSpec& spec);

// The fault kinds `seed` switches on, in FuzzFault order (possibly none: a quiet run).
std::vector<FuzzFault> swarm_faults(const FuzzSpec& spec, uint64_t seed);

// The scenario of `seed`: named "fuzz-<protocol>-<service>-s<seed>", its description lists the
// fault kinds switched on, its scenario seed is `seed`, its checks are invariants,
// linearizability and liveness, and it expects a pass. It passes the loader's validation (a
// file holding it would load to the same value). Requires check_fuzz_spec(spec) to be empty.
Scenario generate_scenario(const FuzzSpec& spec, uint64_t seed);

}  // namespace consim::harness
