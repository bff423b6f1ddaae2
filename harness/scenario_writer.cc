#include "harness/scenario_writer.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

#include "base/assert.h"
#include "base/time.h"
#include "harness/scenario_params.h"
#include "services/common/overloaded.h"
#include "sim/disk.h"
#include "sim/network.h"

namespace consim::harness {
namespace {

// Every integer of smaller magnitude is exactly a double, and prints exactly as an int64.
constexpr double kExactIntegers = 9007199254740992.0;  // 2^53
// Fixed notation reads best (0.0000001, 2157.9) unless it runs this much longer than scientific
// notation would (0.000000000000000000015 against 1.5e-20).
constexpr std::ptrdiff_t kMaxFixedExtraChars = 4;

// --- JSON values as text

std::string integer(uint64_t value) { return std::to_string(value); }

std::string boolean(bool value) { return value ? "true" : "false"; }

// JSON-escaped and quoted; UTF-8 is kept as it is (readable), invalid bytes become U+FFFD.
std::string json_string(std::string_view text) {
  return nlohmann::json(std::string(text))
      .dump(-1, ' ', /*ensure_ascii=*/false, nlohmann::json::error_handler_t::replace);
}

std::string selector(const Selector& who) {
  CONSIM_ASSERT(who.kind != Selector::Kind::kNode || who.node >= 1);
  return json_string(selector_text(who));
}

// ["a", "b"] on one line.
template <typename T, typename Text>
std::string list(const std::vector<T>& items, Text text) {
  std::string line = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    line += (i == 0 ? "" : ", ") + text(items[i]);
  }
  return line + "]";
}

std::string names(const std::vector<std::string>& items) { return list(items, json_string); }

// The fields of one JSON object, each value already JSON text, in the order added.
class Fields {
 public:
  Fields& add(std::string_view key, std::string value) {
    fields_.emplace_back(key, std::move(value));
    return *this;
  }
  // {"a": 1, "b": 2}
  std::string line() const {
    std::string text = "{";
    for (size_t i = 0; i < fields_.size(); ++i) {
      text += (i == 0 ? "" : ", ") + json_string(fields_[i].first) + ": " + fields_[i].second;
    }
    return text + "}";
  }
  // One field a line: the braces at `indent` spaces, the fields 2 further in.
  std::string block(size_t indent) const {
    if (fields_.empty()) {
      return "{}";
    }
    std::string text = "{\n";
    for (size_t i = 0; i < fields_.size(); ++i) {
      text += std::string(indent + 2, ' ') + json_string(fields_[i].first) + ": " + fields_[i].second +
              (i + 1 < fields_.size() ? ",\n" : "\n");
    }
    return text + std::string(indent, ' ') + "}";
  }

 private:
  std::vector<std::pair<std::string_view, std::string>> fields_;
};

// --- protocol_config, each in the order of the loader's kRaftFields / kZabFields

Fields raft_fields(const RaftSpec& raft) {
  Fields fields;
  fields.add("pre_vote", boolean(raft.pre_vote))
      .add("check_quorum", boolean(raft.check_quorum))
      .add("read_mode", json_string(raft.read_mode))
      .add("max_clock_drift_ppm", scenario_number(raft.max_clock_drift_ppm))
      .add("tick_ms", scenario_number(raft.tick_ms))
      .add("election_ticks", integer(raft.election_ticks))
      .add("heartbeat_ticks", integer(raft.heartbeat_ticks))
      .add("snapshot_every_entries", integer(raft.snapshot_every_entries))
      .add("forward_proposals", boolean(raft.forward_proposals))
      .add("max_entries_per_message", integer(raft.max_entries_per_message));
  if (raft.voters != 0) {  // 0, every node, is what the file says by leaving the key out
    fields.add("voters", integer(raft.voters));
  }
  return fields;
}

Fields zab_fields(const ZabSpec& zab) {
  Fields fields;
  fields.add("tick_ms", scenario_number(zab.tick_ms))
      .add("ping_ticks", integer(zab.ping_ticks))
      .add("sync_limit_ticks", integer(zab.sync_limit_ticks))
      .add("init_limit_ticks", integer(zab.init_limit_ticks))
      .add("finalize_wait_ticks", integer(zab.finalize_wait_ticks))
      .add("notification_min_ticks", integer(zab.notification_min_ticks))
      .add("notification_max_ticks", integer(zab.notification_max_ticks))
      .add("commit_log_count", integer(zab.commit_log_count))
      .add("counter_bits", integer(zab.counter_bits))
      .add("snapshot_every_entries", integer(zab.snapshot_every_entries))
      .add("observers", integer(zab.observers))
      .add("read_mode", json_string(zab.read_mode));
  return fields;
}

// --- link and disk parameters

// The settings `link` gives (a fault's: absent ones keep the link's current value).
Fields link_fields(const NetworkSpec& link) {
  Fields fields;
  if (link.latency_ms_min) fields.add("latency_ms_min", scenario_number(*link.latency_ms_min));
  if (link.latency_ms_max) fields.add("latency_ms_max", scenario_number(*link.latency_ms_max));
  if (link.latency_ms_mean) fields.add("latency_ms_mean", scenario_number(*link.latency_ms_mean));
  if (link.latency_shape) fields.add("latency_shape", json_string(*link.latency_shape));
  if (link.drop_probability) fields.add("drop_probability", scenario_number(*link.drop_probability));
  if (link.duplicate_probability) fields.add("duplicate_probability", scenario_number(*link.duplicate_probability));
  return fields;
}

// The top-level link with the simulator's default in place of every absent setting, as the runner
// takes it (apply_link_spec over sim::LinkParams{}). The mean only matters to, and is only
// accepted beside, the exponential shape.
NetworkSpec resolved(NetworkSpec link) {
  const sim::LinkParams defaults;
  link.latency_ms_min = link.latency_ms_min.value_or(to_ms(defaults.latency_min));
  link.latency_ms_max = link.latency_ms_max.value_or(to_ms(defaults.latency_max));
  link.latency_shape =
      link.latency_shape.value_or(defaults.shape == sim::LatencyShape::kExponential ? "exponential" : "uniform");
  if (*link.latency_shape == "exponential") {
    link.latency_ms_mean = link.latency_ms_mean.value_or(to_ms(defaults.latency_mean));
  }
  link.drop_probability = link.drop_probability.value_or(defaults.drop_probability);
  link.duplicate_probability = link.duplicate_probability.value_or(defaults.duplicate_probability);
  return link;
}

// The top-level disk, with the simulator's default in place of every absent setting (as the runner
// takes it over sim::DiskParams{}).
Fields disk_fields(const DiskSpec& disk) {
  const sim::DiskParams defaults;
  Fields fields;
  fields.add("sync_ms_min", scenario_number(disk.sync_ms_min.value_or(to_ms(defaults.sync_latency_min))))
      .add("sync_ms_max", scenario_number(disk.sync_ms_max.value_or(to_ms(defaults.sync_latency_max))))
      .add("torn_write_probability",
           scenario_number(disk.torn_write_probability.value_or(defaults.torn_write_probability)))
      .add("lying_sync", boolean(disk.lying_sync.value_or(defaults.lying_sync)));
  return fields;
}

// --- workload, liveness, expectation

Fields workload_fields(const WorkloadSpec& workload, const std::string& service) {
  Fields fields;
  fields.add("clients", integer(workload.clients))
      .add("keys", integer(workload.keys))
      .add("read_fraction", scenario_number(workload.read_fraction))
      .add("cas_fraction", scenario_number(workload.cas_fraction))
      .add("delete_fraction", scenario_number(workload.delete_fraction))
      .add("timeout_ms", scenario_number(workload.timeout_ms))
      .add("rate_per_s", scenario_number(workload.rate_per_s));
  // The loader takes these with znode only; kv has no ephemeral nodes and no sessions to time out.
  if (service == "znode") {
    fields.add("ephemeral_fraction", scenario_number(workload.ephemeral_fraction))
        .add("session_timeout_ms", scenario_number(workload.session_timeout_ms));
  }
  return fields;
}

Fields liveness_fields(const LivenessSpec& liveness) {
  Fields fields;
  fields.add("leader_within_ms", scenario_number(liveness.leader_within_ms))
      .add("commit_within_ms", scenario_number(liveness.commit_within_ms));
  return fields;
}

// An empty check or invariant means "any", which the file says by leaving the key out.
Fields expect_fields(const Expectation& expect) {
  Fields fields;
  fields.add("verdict", json_string(expect.verdict));
  if (!expect.check.empty()) fields.add("check", json_string(expect.check));
  if (!expect.invariant.empty()) fields.add("invariant", json_string(expect.invariant));
  return fields;
}

// --- faults

std::string partition_value(const PartitionFault& fault) {
  switch (fault.shape) {
    case PartitionFault::Shape::kGroups:
      CONSIM_ASSERT(fault.groups.size() >= 2);
      return list(fault.groups, [](const std::vector<Selector>& group) {
        CONSIM_ASSERT(!group.empty());
        return list(group, selector);
      });
    case PartitionFault::Shape::kHalves:
      return json_string("halves");
    case PartitionFault::Shape::kMajorityRing:
      return json_string("majority_ring");
    case PartitionFault::Shape::kBridge:
      return json_string("bridge");
  }
  CONSIM_ASSERT_MSG(false, "unknown partition shape");
  return {};
}

// The value under the fault's kind key: a selector, `true`, a list of groups or an object.
std::string action_value(const FaultAction& action) {
  return std::visit(services::Overloaded{
                        [](const PartitionFault& fault) { return partition_value(fault); },
                        [](const CutFault& fault) {
                          return Fields().add("from", selector(fault.from)).add("to", selector(fault.to)).line();
                        },
                        [](const HealFault&) { return boolean(true); },
                        [](const CrashFault& fault) { return selector(fault.node); },
                        [](const RestartFault& fault) { return selector(fault.node); },
                        [](const PauseFault& fault) { return selector(fault.node); },
                        [](const ClockFault& fault) {
                          Fields fields;
                          fields.add("node", selector(fault.node));
                          if (fault.offset_ms) fields.add("offset_ms", scenario_number(*fault.offset_ms));
                          if (fault.drift_ppm) fields.add("drift_ppm", scenario_number(*fault.drift_ppm));
                          return fields.line();
                        },
                        [](const NetworkFault& fault) {
                          Fields fields = link_fields(fault.link);
                          if (fault.between) {
                            fields.add("between", "[" + selector(fault.between->first) + ", " +
                                                      selector(fault.between->second) + "]");
                          }
                          return fields.line();
                        },
                        [](const DiskFault& fault) {
                          Fields fields;
                          fields.add("node", selector(fault.node));
                          if (fault.sync_ms) fields.add("sync_ms", scenario_number(*fault.sync_ms));
                          if (fault.lying_sync) fields.add("lying_sync", boolean(*fault.lying_sync));
                          // false is what absence means; a fault that changes nothing else is one the loader rejects.
                          if (fault.lose_unsynced) fields.add("lose_unsynced", boolean(true));
                          return fields.line();
                        },
                        [](const CrashPointFault& fault) {
                          Fields fields;
                          fields.add("node", selector(fault.node)).add("before", json_string(fault.before));
                          if (!fault.after_event.empty()) fields.add("after_event", json_string(fault.after_event));
                          if (fault.within_ms) fields.add("within_ms", scenario_number(*fault.within_ms));
                          if (fault.restart_after_ms) {
                            fields.add("restart_after_ms", scenario_number(*fault.restart_after_ms));
                          }
                          return fields.line();
                        },
                        [](const MembershipFault& fault) {
                          return Fields().add(membership_change_name(fault.change), selector(fault.node)).line();
                        },
                    },
                    action);
}

// {"at_ms": 3000, "crash": "leader"}: one line.
std::string fault_line(const Fault& fault) {
  Fields fields;
  fields.add("at_ms", scenario_number(fault.at_ms)).add(fault_kind(fault.action), action_value(fault.action));
  if (const auto* pause = std::get_if<PauseFault>(&fault.action)) {
    fields.add("for_ms", scenario_number(pause->for_ms));
  }
  return fields.line();
}

// One fault a line, the brackets at `indent` spaces.
std::string fault_list(const std::vector<Fault>& faults, size_t indent) {
  CONSIM_ASSERT_MSG(
      std::is_sorted(faults.begin(), faults.end(), [](const Fault& a, const Fault& b) { return a.at_ms < b.at_ms; }),
      "faults must be sorted by at_ms, as the loader sorts them");
  if (faults.empty()) {
    return "[]";
  }
  std::string text = "[\n";
  for (size_t i = 0; i < faults.size(); ++i) {
    text += std::string(indent + 2, ' ') + fault_line(faults[i]) + (i + 1 < faults.size() ? ",\n" : "\n");
  }
  return text + std::string(indent, ' ') + "]";
}

}  // namespace

// The shortest text that parses back to `value` exactly: std::to_chars guarantees the round trip
// for both notations (and the loader's strtod is correctly rounded, as from_chars is).
std::string scenario_number(double value) {
  CONSIM_ASSERT_MSG(std::isfinite(value), "a scenario holds finite numbers only");
  value += 0.0;      // -0 is written as 0, as the loader reads it
  char buffer[400];  // the fixed notation of the smallest subnormal takes about 330 characters
  if (value == std::trunc(value) && std::fabs(value) < kExactIntegers) {
    const std::to_chars_result result = std::to_chars(buffer, buffer + sizeof buffer, static_cast<int64_t>(value));
    CONSIM_ASSERT(result.ec == std::errc{});
    return std::string(buffer, result.ptr);
  }
  char shortest[64];  // either notation, whichever is shorter
  const std::to_chars_result general = std::to_chars(shortest, shortest + sizeof shortest, value);
  CONSIM_ASSERT(general.ec == std::errc{});
  const std::to_chars_result fixed = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed);
  CONSIM_ASSERT(fixed.ec == std::errc{});
  if (fixed.ptr - buffer > general.ptr - shortest + kMaxFixedExtraChars) {
    return std::string(shortest, general.ptr);
  }
  return std::string(buffer, fixed.ptr);
}

std::string scenario_to_json(const Scenario& scenario) {
  CONSIM_ASSERT(scenario.protocol == "raft" || scenario.protocol == "zab");
  const Fields config = scenario.protocol == "zab" ? zab_fields(scenario.zab) : raft_fields(scenario.raft);
  // The keys in the order of the loader's kTopLevelFields.
  Fields top;
  top.add("name", json_string(scenario.name))
      .add("description", json_string(scenario.description))
      .add("protocol", json_string(scenario.protocol))
      .add("service", json_string(scenario.service))
      .add("nodes", integer(scenario.nodes))
      .add("seed", integer(scenario.seed))
      .add("duration_ms", scenario_number(scenario.duration_ms))
      .add("protocol_config", config.block(2))
      .add("bugs", names(scenario.bugs))
      .add("network", link_fields(resolved(scenario.network)).block(2))
      .add("disk", disk_fields(scenario.disk).block(2))
      .add("workload", workload_fields(scenario.workload, scenario.service).block(2))
      .add("faults", fault_list(scenario.faults, 2))
      .add("checks", names(scenario.checks))
      .add("liveness", liveness_fields(scenario.liveness).block(2))
      .add("expect", expect_fields(scenario.expect).block(2));
  return top.block(0) + "\n";
}

}  // namespace consim::harness
