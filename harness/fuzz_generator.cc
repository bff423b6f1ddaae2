#include "harness/fuzz_generator.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <span>
#include <utility>

#include "base/assert.h"
#include "harness/fuzz_schedule.h"
#include "harness/protocol_binding.h"
#include "protocols/raft/config.h"
#include "protocols/zab/config.h"
#include "sim/rng.h"

namespace consim::harness {
namespace {

using fuzzing::round2;
using fuzzing::weighted;
using fuzzing::Window;

constexpr std::array<std::string_view, kFuzzFaultKinds> kFaultNames = {
    "partition", "cut",         "crash",   "power_loss", "pause",       "clock_step", "clock_drift",
    "loss",      "duplication", "latency", "slow_disk",  "crash_point", "membership"};

// A drawn run lasts this long (simulated ms), short enough for hundreds of seeds per second.
constexpr int64_t kDurationMsMin = 2000;
constexpr int64_t kDurationMsMax = 4000;
// Generous bounds: the runner stops waiting as soon as a leader (then the probe) shows up, so
// they cost nothing when the cluster recovers, and leave room for ZAB's election back-off.
constexpr double kLivenessMs = 10'000;
// Clock drift outside lease mode, in ppm (the simulator allows -500000 .. +1000000).
constexpr int64_t kDriftPpmMax = 200'000;
// The drift bounds a lease-reading Raft cluster is told to tolerate (max_clock_drift_ppm).
constexpr std::array<int64_t, 4> kLeaseDriftBoundsPpm = {1000, 50'000, 200'000, 400'000};

bool has_bug(const FuzzSpec& spec, std::string_view name) {
  return std::find(spec.bugs.begin(), spec.bugs.end(), name) != spec.bugs.end();
}

// --- the cluster and the protocol

uint32_t draw_nodes(sim::Rng rng, const FuzzSpec& spec) {
  static constexpr std::array<uint32_t, 3> kSizes = {3, 5, 7};
  static constexpr std::array<uint32_t, 3> kWeights = {6, 3, 1};  // 3 nodes are the fastest to run
  const uint32_t nodes = kSizes[weighted(rng, kWeights)];
  // Adding two servers at once needs two spare machines beside a three-server configuration; a
  // vote given twice in a term needs two rival candidates beside the voter and a crashed leader.
  const bool five = has_bug(spec, "raft.conf_change_before_noop") || has_bug(spec, "raft.vote_before_persist");
  return five ? std::max<uint32_t>(nodes, 5) : nodes;
}

// Raft's flags. Follower reads are stale by design (they would fail linearizability): left out.
// Every draw is made whatever the others gave, so that the constraints applied at the end (and
// the bug switches' needs) change only the fields they name.
RaftSpec draw_raft(sim::Rng rng, const FuzzSpec& spec, uint32_t nodes) {
  RaftSpec raft;
  raft.pre_vote = rng.bernoulli(0.7);
  raft.check_quorum = rng.bernoulli(0.7);
  static constexpr std::array<std::string_view, 3> kReadModes = {"log", "read_index", "lease"};
  static constexpr std::array<uint32_t, 3> kWeights = {1, 2, 2};
  raft.read_mode = std::string(kReadModes[weighted(rng, kWeights)]);
  const size_t drift_bound = rng.uniform_u64(kLeaseDriftBoundsPpm.size());
  static constexpr std::array<uint32_t, 4> kElectionTicks = {10, 10, 15, 20};
  raft.election_ticks = kElectionTicks[rng.uniform_u64(kElectionTicks.size())];
  raft.heartbeat_ticks = static_cast<uint32_t>(rng.uniform_int(1, 3));
  const auto snapshot_every_entries = static_cast<uint32_t>(rng.uniform_int(3, 40));
  if (rng.bernoulli(0.4)) {
    raft.snapshot_every_entries = snapshot_every_entries;
  }
  const auto max_entries_per_message = static_cast<uint32_t>(rng.uniform_int(1, 4));
  if (rng.bernoulli(0.25)) {
    raft.max_entries_per_message = max_entries_per_message;
  }
  raft.forward_proposals = rng.bernoulli(0.8);
  // Spare machines for membership changes to add: one or two of five or seven nodes.
  const auto spares = static_cast<uint32_t>(rng.uniform_int(1, 2));
  if (rng.bernoulli(0.3) && nodes >= 5) {
    raft.voters = nodes - spares;
  }

  // A bug switch that cannot change anything in the drawn configuration would waste the seed.
  if (has_bug(spec, "raft.lease_ignores_drift")) {
    // Only lease reads have a lease, and only a large drift bound makes the correct lease much
    // shorter than the one that ignores it.
    raft.read_mode = "lease";
    raft.max_clock_drift_ppm = static_cast<double>(kLeaseDriftBoundsPpm.back());
    // The lease lasts about an election timeout: a longer one leaves the deposed leader's lease
    // room to outlast its successor's election and first commit.
    raft.election_ticks = std::max<uint32_t>(raft.election_ticks, 20);
  } else if (raft.read_mode == "lease") {
    raft.max_clock_drift_ppm = static_cast<double>(kLeaseDriftBoundsPpm[drift_bound]);
  }
  if (has_bug(spec, "raft.vote_before_persist")) {
    // A restarted node that withholds its vote (CheckQuorum's restart lease) refuses the second
    // candidate whose request finds it: the lost vote only shows without CheckQuorum.
    raft.check_quorum = false;
    if (raft.read_mode == "lease") {
      raft.read_mode = "read_index";
    }
  }
  if (has_bug(spec, "raft.conf_change_before_noop") && nodes >= 5) {
    // Two spare machines: a leader that proposes a change while its predecessor's is pending adds
    // both, and a majority of the old configuration no longer meets one of the new.
    raft.voters = nodes - 2;
  }
  if (has_bug(spec, "raft.commit_previous_term")) {
    // An earlier term's entry is acknowledged without the new term's first entry behind it only
    // when they travel in separate messages (Figure 8 (c)).
    raft.max_entries_per_message = 1;
  }
  // A lease rests on the followers withholding their votes, which CheckQuorum turns on.
  if (raft.read_mode == "lease") {
    raft.check_quorum = true;
  }
  return raft;
}

// ZAB's timing, windows and observers. Local reads are stale by design: always sync reads.
ZabSpec draw_zab(sim::Rng rng, uint32_t nodes) {
  ZabSpec zab;
  zab.ping_ticks = static_cast<uint32_t>(rng.uniform_int(2, 5));
  zab.sync_limit_ticks = static_cast<uint32_t>(rng.uniform_int(10, 50));
  zab.init_limit_ticks = static_cast<uint32_t>(rng.uniform_int(zab.sync_limit_ticks, 100));
  zab.finalize_wait_ticks = static_cast<uint32_t>(rng.uniform_int(0, 20));
  zab.notification_min_ticks = static_cast<uint32_t>(rng.uniform_int(5, 20));
  zab.notification_max_ticks = static_cast<uint32_t>(rng.uniform_int(zab.notification_min_ticks, 200));
  if (rng.bernoulli(0.4)) {
    zab.commit_log_count = static_cast<uint32_t>(rng.uniform_int(3, 30));  // SNAP as well as DIFF
  }
  if (rng.bernoulli(0.1)) {
    zab.counter_bits = static_cast<uint32_t>(rng.uniform_int(4, 8));  // the zxid counter rolls over
  }
  if (rng.bernoulli(0.4)) {
    zab.snapshot_every_entries = static_cast<uint32_t>(rng.uniform_int(5, 50));
  }
  if (rng.bernoulli(nodes >= 5 ? 0.3 : 0.1)) {
    zab.observers = static_cast<uint32_t>(rng.uniform_int(1, nodes >= 5 ? 2 : 1));
  }
  zab.read_mode = "sync";
  return zab;
}

// The node's own validation is the last word, as in the loader.
void assert_valid_config(const Scenario& scenario) {
  std::string problem;
  if (scenario.protocol == "zab") {
    protocols::zab::ZabConfig config = zab_config(scenario.zab, scenario.nodes, scenario.bugs);
    config.id = protocols::NodeId{1};
    problem = config.validate();
  } else {
    protocols::raft::RaftConfig config;
    config.id = protocols::NodeId{1};
    for (uint32_t node = 1; node <= scenario.nodes; ++node) {
      config.bootstrap.voters.push_back(protocols::NodeId{node});
    }
    if (scenario.raft.voters != 0) {
      config.bootstrap.voters.resize(scenario.raft.voters);
    }
    config.election_ticks = scenario.raft.election_ticks;
    config.heartbeat_ticks = scenario.raft.heartbeat_ticks;
    config.max_clock_drift_ppm = static_cast<int64_t>(scenario.raft.max_clock_drift_ppm);
    config.max_entries_per_message = scenario.raft.max_entries_per_message;
    problem = config.validate();
  }
  CONSIM_ASSERT_MSG(problem.empty(), problem.c_str());
}

// --- the workload and the network

WorkloadSpec draw_workload(sim::Rng rng, const std::string& service) {
  WorkloadSpec workload;
  workload.clients = static_cast<uint32_t>(rng.uniform_int(2, 5));
  workload.keys = static_cast<uint32_t>(rng.uniform_int(1, 3));
  // From write-heavy to read-heavy (a deposed leader's reads need readers); the compare-and-swaps
  // and deletes take a share of what is left, so that writes (a znode's creates) always remain.
  workload.read_fraction = round2(rng.uniform_real(0.1, 0.9));
  const double rest = 1.0 - workload.read_fraction;
  workload.cas_fraction = rng.bernoulli(0.5) ? round2(rest * rng.uniform_real(0.1, 0.5)) : 0.0;
  workload.delete_fraction = rng.bernoulli(0.3) ? round2(rest * rng.uniform_real(0.05, 0.2)) : 0.0;
  workload.timeout_ms = static_cast<double>(rng.uniform_int(1, 10) * 100);
  workload.rate_per_s = rng.bernoulli(0.3) ? 0.0 : static_cast<double>(rng.uniform_int(5, 30) * 10);
  if (service == "znode") {
    workload.ephemeral_fraction = rng.bernoulli(0.5) ? round2(rng.uniform_real(0.1, 0.5)) : 0.0;
    workload.session_timeout_ms = static_cast<double>(rng.uniform_int(10, 40) * 100);
  }
  return workload;
}

NetworkSpec draw_network(sim::Rng rng) {
  NetworkSpec network;
  const int64_t min_ms = rng.uniform_int(0, 2);
  network.latency_ms_min = static_cast<double>(min_ms);
  network.latency_ms_max = static_cast<double>(rng.uniform_int(std::max<int64_t>(min_ms, 3), 15));
  return network;
}

// --- the swarm

// The fault kinds without which a bug switch cannot show, as the scripted schedules of
// scenarios/raft/*-bug.json and tests/harness/raft_bug_scenarios_test.cc reach it: a seed with
// the switch on always has them (the other kinds stay the seed's choice).
std::vector<FuzzFault> needed_kinds(std::span<const std::string> bugs) {
  std::vector<FuzzFault> kinds;
  for (const std::string& bug : bugs) {
    if (bug == "raft.commit_previous_term") {  // Figure 8: leaders deposed in turn, entries in flight
      kinds.insert(kinds.end(), {FuzzFault::kPartition, FuzzFault::kLatency});
    } else if (bug == "raft.vote_before_persist") {
      // A voter crashes before its vote is durable and is back before a rival's request (or its
      // duplicate) reaches it.
      kinds.insert(kinds.end(), {FuzzFault::kCrashPoint, FuzzFault::kCrash, FuzzFault::kDuplication});
    } else if (bug == "raft.conf_change_before_noop") {
      // A change asked of a new leader while its predecessor's is pending (membership changes
      // during a handover bring their own cuts, crash points and partitions).
      kinds.insert(kinds.end(), {FuzzFault::kMembership});
    } else if (bug == "raft.lease_ignores_drift") {  // a slow leader's lease outlives its leadership
      kinds.insert(kinds.end(), {FuzzFault::kPartition, FuzzFault::kClockDrift});
    }
  }
  return kinds;
}

std::vector<FuzzFault> draw_swarm(sim::Rng rng, const Scenario& scenario) {
  std::vector<FuzzFault> enabled;
  // One draw per kind whatever the configuration, so that masking a kind out (below) never
  // shifts the draws of the kinds after it.
  std::array<bool, kFuzzFaultKinds> on{};
  for (bool& kind : on) {
    kind = rng.bernoulli(0.5);
  }
  for (const FuzzFault kind : needed_kinds(scenario.bugs)) {
    on[static_cast<size_t>(kind)] = true;
  }
  const bool lease = scenario.protocol == "raft" && scenario.raft.read_mode == "lease";
  for (size_t i = 0; i < kFuzzFaultKinds; ++i) {
    const auto kind = static_cast<FuzzFault>(i);
    // A lease is only as good as the clocks under it: a step of a clock or a pause of the
    // leader's process (its ticks stop while real time goes on) breaks the bound it rests on.
    const bool beyond_lease = lease && (kind == FuzzFault::kClockStep || kind == FuzzFault::kPause);
    // ZAB's servers talk over streams (TCP), which never duplicate, and its reconfiguration is
    // not modelled.
    const bool no_effect =
        scenario.protocol == "zab" && (kind == FuzzFault::kDuplication || kind == FuzzFault::kMembership);
    if (on[i] && !beyond_lease && !no_effect) {
      enabled.push_back(kind);
    }
  }
  return enabled;
}

// --- the whole scenario

// Everything but the faults, the disk and the description.
Scenario draw_base(const FuzzSpec& spec, uint64_t seed) {
  const sim::Rng root(seed);
  Scenario scenario;
  scenario.name = "fuzz-" + spec.protocol + "-" + spec.service + "-s" + std::to_string(seed);
  scenario.protocol = spec.protocol;
  scenario.service = spec.service;
  scenario.seed = seed;
  scenario.bugs = spec.bugs;
  scenario.nodes = draw_nodes(root.fork("cluster"), spec);
  sim::Rng duration = root.fork("duration");
  scenario.duration_ms =
      spec.duration_ms > 0
          ? spec.duration_ms
          : static_cast<double>(duration.uniform_int(kDurationMsMin / 100, kDurationMsMax / 100) * 100);
  if (spec.protocol == "zab") {
    scenario.zab = draw_zab(root.fork("protocol"), scenario.nodes);
  } else {
    scenario.raft = draw_raft(root.fork("protocol"), spec, scenario.nodes);
  }
  scenario.network = draw_network(root.fork("network"));
  scenario.workload = draw_workload(root.fork("workload"), spec.service);
  if (has_bug(spec, "raft.lease_ignores_drift")) {
    // Stale lease reads need readers at the deposed leader: mostly reads, and clients that give
    // up on a write it cannot commit soon enough to read again within the stale window.
    scenario.workload.read_fraction = std::max(scenario.workload.read_fraction, 0.7);
    scenario.workload.cas_fraction = round2(std::min(scenario.workload.cas_fraction, 0.1));
    scenario.workload.delete_fraction = 0;
    scenario.workload.timeout_ms = std::min(scenario.workload.timeout_ms, 300.0);
  }
  scenario.checks = {"invariants", "linearizability", "liveness"};
  scenario.liveness.leader_within_ms = kLivenessMs;
  scenario.liveness.commit_within_ms = kLivenessMs;
  scenario.expect = Expectation{};
  return scenario;
}

// The faults fire after the first election has had time to finish, and stop a little before
// the workload does, so that the healed cluster serves clients for a while.
Window draw_window(sim::Rng rng, const Scenario& scenario) {
  Window window;
  window.nodes = scenario.nodes;
  const double duration_ms = scenario.duration_ms;
  window.start_ms = std::floor(std::min(static_cast<double>(rng.uniform_int(200, 800)), 0.2 * duration_ms));
  window.heal_ms =
      std::floor(duration_ms - std::min(static_cast<double>(rng.uniform_int(200, 600)), 0.2 * duration_ms));
  window.zab = scenario.protocol == "zab";
  window.voters = scenario.protocol == "raft" ? scenario.raft.voters : 0;
  window.lease = scenario.protocol == "raft" && scenario.raft.read_mode == "lease";
  window.pause_followers_only = scenario.protocol == "zab";
  window.drift_ppm_max = window.lease ? scenario.raft.max_clock_drift_ppm : static_cast<double>(kDriftPpmMax);
  window.sync_ms_max = 200;
  window.base = scenario.network;
  window.favoured = needed_kinds(scenario.bugs);
  return window;
}

std::string describe(const Scenario& scenario, std::span<const FuzzFault> enabled) {
  std::string kinds;
  for (const FuzzFault kind : enabled) {
    kinds += (kinds.empty() ? "" : ", ") + std::string(fuzz_fault_name(kind));
  }
  std::string text = "Fuzz seed " + std::to_string(scenario.seed) + ": " + std::to_string(scenario.nodes) + " " +
                     scenario.protocol + " nodes (read_mode " + scenario.read_mode() + "), " +
                     std::to_string(scenario.workload.clients) + " clients, " + std::to_string(scenario.faults.size()) +
                     " faults of kinds [" + (kinds.empty() ? "none" : kinds) + "]";
  if (!scenario.bugs.empty()) {
    text += ", bugs on";
  }
  return text + ".";
}

}  // namespace

std::string_view fuzz_fault_name(FuzzFault kind) {
  const auto index = static_cast<size_t>(kind);
  CONSIM_ASSERT(index < kFaultNames.size());
  return kFaultNames[index];
}

std::string check_fuzz_spec(const FuzzSpec& spec) {
  if (spec.protocol != "raft" && spec.protocol != "zab") {
    return "unknown protocol \"" + spec.protocol + "\" (known: raft, zab)";
  }
  if (spec.service != "kv" && spec.service != "znode") {
    return "unknown service \"" + spec.service + "\" (known: kv, znode)";
  }
  if (!(spec.duration_ms >= 0 && spec.duration_ms <= 24.0 * 3600 * 1000)) {
    return "duration_ms must be 0 (drawn per seed) or in (0, 24 h]";
  }
  for (size_t i = 0; i < spec.bugs.size(); ++i) {
    const std::string& name = spec.bugs[i];
    bool known = false;
    if (spec.protocol == "zab") {
      protocols::zab::BugSwitches switches;
      known = protocols::zab::enable_bug(switches, name);
    } else {
      protocols::raft::BugSwitches switches;
      known = protocols::raft::enable_bug(switches, name);
    }
    if (!known) {
      return "unknown bug switch \"" + name + "\" for protocol " + spec.protocol + " (see: consim list bugs)";
    }
    if (std::find(spec.bugs.begin(), spec.bugs.begin() + static_cast<std::ptrdiff_t>(i), name) !=
        spec.bugs.begin() + static_cast<std::ptrdiff_t>(i)) {
      return "duplicate bug switch \"" + name + "\"";
    }
  }
  return {};
}

std::vector<FuzzFault> swarm_faults(const FuzzSpec& spec, uint64_t seed) {
  const std::string problem = check_fuzz_spec(spec);
  CONSIM_ASSERT_MSG(problem.empty(), problem.c_str());
  return draw_swarm(sim::Rng(seed).fork("swarm"), draw_base(spec, seed));
}

Scenario generate_scenario(const FuzzSpec& spec, uint64_t seed) {
  const std::string problem = check_fuzz_spec(spec);
  CONSIM_ASSERT_MSG(problem.empty(), problem.c_str());
  const sim::Rng root(seed);
  Scenario scenario = draw_base(spec, seed);
  assert_valid_config(scenario);
  const std::vector<FuzzFault> enabled = draw_swarm(root.fork("swarm"), scenario);
  scenario.faults = fuzzing::draw_schedule(draw_window(root.fork("window"), scenario), root.fork("schedule"), enabled);
  const auto on = [&](FuzzFault kind) { return std::find(enabled.begin(), enabled.end(), kind) != enabled.end(); };
  sim::Rng disk = root.fork("disk");
  if ((on(FuzzFault::kCrash) || on(FuzzFault::kPowerLoss)) && disk.bernoulli(0.5)) {
    scenario.disk.torn_write_probability = round2(disk.uniform_real(0.2, 1.0));  // recovery meets torn tails
  }
  scenario.description = describe(scenario, enabled);
  return scenario;
}

}  // namespace consim::harness
