// Comparing two scenarios field by field, for the writer's round-trip tests: every field where
// they differ, one a line ("workload.keys: 3 != 4"), doubles bit for bit. A comparison that sees
// nothing proves nothing: scenario_writer_test checks that this one sees absence, the last bit
// and fault fields.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "harness/scenario.h"

namespace consim::harness::scenario_compare {

inline std::string show(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  return buffer;
}
inline std::string show(bool value) { return value ? "true" : "false"; }
inline std::string show(uint64_t value) { return std::to_string(value); }
inline std::string show(uint32_t value) { return std::to_string(value); }
inline std::string show(const std::string& value) { return "\"" + value + "\""; }
inline std::string show(const Selector& value) { return selector_text(value); }
inline std::string show(const std::vector<std::string>& values) {
  std::string text;
  for (const std::string& value : values) {
    text += (text.empty() ? "" : ", ") + value;
  }
  return "[" + text + "]";
}
template <typename T>
inline std::string show(const std::optional<T>& value) {
  return value ? show(*value) : "absent";
}

// Doubles must come back bit for bit, not merely ==.
template <typename T>
inline bool same(const T& a, const T& b) {
  return a == b;
}
template <>
inline bool same(const double& a, const double& b) {
  return std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b);
}
template <>
inline bool same(const std::optional<double>& a, const std::optional<double>& b) {
  return a.has_value() == b.has_value() && (!a || same(*a, *b));
}

// Every field where two scenarios differ, one a line ("workload.keys: 3 != 4"); empty when none.
class Differences {
 public:
  template <typename T>
  void field(const std::string& name, const T& a, const T& b) {
    if (!same(a, b)) {
      text_ += name + ": " + show(a) + " != " + show(b) + "\n";
    }
  }
  void differ(const std::string& name, const std::string& what) { text_ += name + ": " + what + "\n"; }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

inline void compare_link(Differences& d, const std::string& at, const NetworkSpec& a, const NetworkSpec& b) {
  d.field(at + ".latency_ms_min", a.latency_ms_min, b.latency_ms_min);
  d.field(at + ".latency_ms_max", a.latency_ms_max, b.latency_ms_max);
  d.field(at + ".latency_ms_mean", a.latency_ms_mean, b.latency_ms_mean);
  d.field(at + ".latency_shape", a.latency_shape, b.latency_shape);
  d.field(at + ".drop_probability", a.drop_probability, b.drop_probability);
  d.field(at + ".duplicate_probability", a.duplicate_probability, b.duplicate_probability);
}

inline void compare_selectors(Differences& d, const std::string& at, const std::vector<Selector>& a,
                              const std::vector<Selector>& b) {
  if (a.size() != b.size()) {
    d.differ(at, std::to_string(a.size()) + " selectors != " + std::to_string(b.size()));
    return;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    d.field(at + "[" + std::to_string(i) + "]", a[i], b[i]);
  }
}

inline void compare_action(Differences& d, const std::string& at, const FaultAction& a, const FaultAction& b) {
  if (a.index() != b.index()) {
    d.differ(at, std::string(fault_kind(a)) + " != " + std::string(fault_kind(b)));
    return;
  }
  const std::string kind = at + "." + std::string(fault_kind(a));
  if (const auto* x = std::get_if<PartitionFault>(&a)) {
    const auto& y = std::get<PartitionFault>(b);
    d.field(kind + ".shape", static_cast<uint32_t>(x->shape), static_cast<uint32_t>(y.shape));
    if (x->groups.size() != y.groups.size()) {
      d.differ(kind, "group counts differ");
      return;
    }
    for (size_t i = 0; i < x->groups.size(); ++i) {
      compare_selectors(d, kind + "[" + std::to_string(i) + "]", x->groups[i], y.groups[i]);
    }
  } else if (const auto* cut = std::get_if<CutFault>(&a)) {
    d.field(kind + ".from", cut->from, std::get<CutFault>(b).from);
    d.field(kind + ".to", cut->to, std::get<CutFault>(b).to);
  } else if (const auto* crash = std::get_if<CrashFault>(&a)) {
    d.field(kind, crash->node, std::get<CrashFault>(b).node);
  } else if (const auto* restart = std::get_if<RestartFault>(&a)) {
    d.field(kind, restart->node, std::get<RestartFault>(b).node);
  } else if (const auto* pause = std::get_if<PauseFault>(&a)) {
    d.field(kind, pause->node, std::get<PauseFault>(b).node);
    d.field(kind + ".for_ms", pause->for_ms, std::get<PauseFault>(b).for_ms);
  } else if (const auto* clock = std::get_if<ClockFault>(&a)) {
    const auto& other = std::get<ClockFault>(b);
    d.field(kind + ".node", clock->node, other.node);
    d.field(kind + ".offset_ms", clock->offset_ms, other.offset_ms);
    d.field(kind + ".drift_ppm", clock->drift_ppm, other.drift_ppm);
  } else if (const auto* network = std::get_if<NetworkFault>(&a)) {
    const auto& other = std::get<NetworkFault>(b);
    compare_link(d, kind, network->link, other.link);
    d.field(kind + ".between?", network->between.has_value(), other.between.has_value());
    if (network->between && other.between) {
      d.field(kind + ".between[0]", network->between->first, other.between->first);
      d.field(kind + ".between[1]", network->between->second, other.between->second);
    }
  } else if (const auto* disk = std::get_if<DiskFault>(&a)) {
    const auto& other = std::get<DiskFault>(b);
    d.field(kind + ".node", disk->node, other.node);
    d.field(kind + ".sync_ms", disk->sync_ms, other.sync_ms);
    d.field(kind + ".lying_sync", disk->lying_sync, other.lying_sync);
    d.field(kind + ".lose_unsynced", disk->lose_unsynced, other.lose_unsynced);
  } else if (const auto* point = std::get_if<CrashPointFault>(&a)) {
    const auto& other = std::get<CrashPointFault>(b);
    d.field(kind + ".node", point->node, other.node);
    d.field(kind + ".before", point->before, other.before);
    d.field(kind + ".after_event", point->after_event, other.after_event);
    d.field(kind + ".within_ms", point->within_ms, other.within_ms);
    d.field(kind + ".restart_after_ms", point->restart_after_ms, other.restart_after_ms);
  } else if (const auto* change = std::get_if<MembershipFault>(&a)) {
    const auto& other = std::get<MembershipFault>(b);
    d.field(kind + ".change", static_cast<uint32_t>(change->change), static_cast<uint32_t>(other.change));
    d.field(kind + ".node", change->node, other.node);
  }
  // HealFault has no fields.
}

inline void compare_raft(Differences& d, const RaftSpec& a, const RaftSpec& b) {
  d.field("raft.pre_vote", a.pre_vote, b.pre_vote);
  d.field("raft.check_quorum", a.check_quorum, b.check_quorum);
  d.field("raft.read_mode", a.read_mode, b.read_mode);
  d.field("raft.max_clock_drift_ppm", a.max_clock_drift_ppm, b.max_clock_drift_ppm);
  d.field("raft.tick_ms", a.tick_ms, b.tick_ms);
  d.field("raft.election_ticks", a.election_ticks, b.election_ticks);
  d.field("raft.heartbeat_ticks", a.heartbeat_ticks, b.heartbeat_ticks);
  d.field("raft.snapshot_every_entries", a.snapshot_every_entries, b.snapshot_every_entries);
  d.field("raft.max_entries_per_message", a.max_entries_per_message, b.max_entries_per_message);
  d.field("raft.forward_proposals", a.forward_proposals, b.forward_proposals);
  d.field("raft.voters", a.voters, b.voters);
}

inline void compare_zab(Differences& d, const ZabSpec& a, const ZabSpec& b) {
  d.field("zab.tick_ms", a.tick_ms, b.tick_ms);
  d.field("zab.ping_ticks", a.ping_ticks, b.ping_ticks);
  d.field("zab.sync_limit_ticks", a.sync_limit_ticks, b.sync_limit_ticks);
  d.field("zab.init_limit_ticks", a.init_limit_ticks, b.init_limit_ticks);
  d.field("zab.finalize_wait_ticks", a.finalize_wait_ticks, b.finalize_wait_ticks);
  d.field("zab.notification_min_ticks", a.notification_min_ticks, b.notification_min_ticks);
  d.field("zab.notification_max_ticks", a.notification_max_ticks, b.notification_max_ticks);
  d.field("zab.commit_log_count", a.commit_log_count, b.commit_log_count);
  d.field("zab.counter_bits", a.counter_bits, b.counter_bits);
  d.field("zab.snapshot_every_entries", a.snapshot_every_entries, b.snapshot_every_entries);
  d.field("zab.observers", a.observers, b.observers);
  d.field("zab.read_mode", a.read_mode, b.read_mode);
}

inline void compare_workload(Differences& d, const WorkloadSpec& a, const WorkloadSpec& b) {
  d.field("workload.clients", a.clients, b.clients);
  d.field("workload.keys", a.keys, b.keys);
  d.field("workload.read_fraction", a.read_fraction, b.read_fraction);
  d.field("workload.cas_fraction", a.cas_fraction, b.cas_fraction);
  d.field("workload.delete_fraction", a.delete_fraction, b.delete_fraction);
  d.field("workload.timeout_ms", a.timeout_ms, b.timeout_ms);
  d.field("workload.rate_per_s", a.rate_per_s, b.rate_per_s);
  d.field("workload.ephemeral_fraction", a.ephemeral_fraction, b.ephemeral_fraction);
  d.field("workload.session_timeout_ms", a.session_timeout_ms, b.session_timeout_ms);
}

// Every field but `file` (where a scenario was read from, not what it holds).
inline std::string differences(const Scenario& a, const Scenario& b) {
  Differences d;
  d.field("name", a.name, b.name);
  d.field("description", a.description, b.description);
  d.field("protocol", a.protocol, b.protocol);
  d.field("service", a.service, b.service);
  d.field("nodes", a.nodes, b.nodes);
  d.field("seed", a.seed, b.seed);
  d.field("duration_ms", a.duration_ms, b.duration_ms);
  compare_raft(d, a.raft, b.raft);
  compare_zab(d, a.zab, b.zab);
  d.field("bugs", a.bugs, b.bugs);
  compare_link(d, "network", a.network, b.network);
  d.field("disk.sync_ms_min", a.disk.sync_ms_min, b.disk.sync_ms_min);
  d.field("disk.sync_ms_max", a.disk.sync_ms_max, b.disk.sync_ms_max);
  d.field("disk.torn_write_probability", a.disk.torn_write_probability, b.disk.torn_write_probability);
  d.field("disk.lying_sync", a.disk.lying_sync, b.disk.lying_sync);
  compare_workload(d, a.workload, b.workload);
  if (a.faults.size() != b.faults.size()) {
    d.differ("faults", std::to_string(a.faults.size()) + " faults != " + std::to_string(b.faults.size()));
  } else {
    for (size_t i = 0; i < a.faults.size(); ++i) {
      const std::string at = "faults[" + std::to_string(i) + "]";
      d.field(at + ".at_ms", a.faults[i].at_ms, b.faults[i].at_ms);
      compare_action(d, at, a.faults[i].action, b.faults[i].action);
    }
  }
  d.field("checks", a.checks, b.checks);
  d.field("liveness.leader_within_ms", a.liveness.leader_within_ms, b.liveness.leader_within_ms);
  d.field("liveness.commit_within_ms", a.liveness.commit_within_ms, b.liveness.commit_within_ms);
  d.field("expect.verdict", a.expect.verdict, b.expect.verdict);
  d.field("expect.check", a.expect.check, b.expect.check);
  d.field("expect.invariant", a.expect.invariant, b.expect.invariant);
  return d.text();
}

}  // namespace consim::harness::scenario_compare
