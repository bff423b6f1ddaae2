#include "harness/scenario_faults.h"

#include <algorithm>
#include <iterator>
#include <optional>
#include <utility>
#include <variant>

#include "base/assert.h"
#include "harness/scenario_params.h"
#include "protocols/raft/trace_kinds.h"
#include "protocols/zab/trace_kinds.h"
#include "sim/disk.h"

namespace consim::harness {
namespace scenario_detail {
namespace {

using strict_json::describe;
using strict_json::fail;
using strict_json::in_quotes;
using strict_json::index_path;
using strict_json::Json;
using strict_json::number_text;
using strict_json::ObjectReader;
using strict_json::Range;

// The fuzzer's schedules stay far below this; a bound keeps a hostile file from exhausting memory.
constexpr size_t kMaxFaults = 100'000;
constexpr std::array<std::string_view, 2> kLatencyShapes = {"uniform", "exponential"};
constexpr std::array<std::string_view, 3> kPartitionShapes = {"halves", "majority_ring", "bridge"};
// In the order of FaultAction's alternatives.
constexpr std::array<std::string_view, 11> kFaultKinds = {
    "partition", "cut", "heal", "crash", "restart", "pause", "clock", "network", "disk", "crash_point", "membership"};
// The steps of a Ready a crash point may precede, in the order the host takes them (node_host.h).
constexpr std::array<std::string_view, 6> kReadySteps = {"write", "sync", "events", "send", "apply", "advance"};
// In the order of MembershipFault::Change.
constexpr std::array<std::string_view, 3> kMembershipChanges = {"add", "remove", "add_learner"};
static_assert(kFaultKinds.size() == std::variant_size_v<FaultAction>);

// What the loader knows while reading faults: selectors name nodes n1..n`nodes`, and a fault
// fires within the run.
struct Bounds {
  uint32_t nodes = 0;
  double duration_ms = 0;
  std::string_view protocol;
};

// --- selectors

std::string selector_choices(uint32_t nodes) {
  return "n1..n" + std::to_string(nodes) + ", leader, follower, random or *";
}

// "n7" -> 7; 0 for "n0" and for numbers too long to be a node; nullopt when not of the form n<digits>
// (a leading zero, as in "n01", is not a node name either).
std::optional<uint32_t> node_number(std::string_view text) {
  if (text.size() < 2 || text[0] != 'n' || (text[1] == '0' && text.size() > 2)) {
    return std::nullopt;
  }
  const std::string_view digits = text.substr(1);
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  if (digits.size() > 9) {
    return 0;
  }
  uint32_t number = 0;
  for (const char digit : digits) {
    number = number * 10 + static_cast<uint32_t>(digit - '0');
  }
  return number;
}

Selector read_selector(const Json& value, const std::string& path, uint32_t nodes) {
  if (!value.is_string()) {
    fail(path, "must be a node selector (" + selector_choices(nodes) + "), got " + describe(value));
  }
  const std::string& text = value.get_ref<const std::string&>();
  if (text == "leader" || text == "follower" || text == "random" || text == "*") {
    const Selector::Kind kind = text == "leader"     ? Selector::Kind::kLeader
                                : text == "follower" ? Selector::Kind::kFollower
                                : text == "random"   ? Selector::Kind::kRandom
                                                     : Selector::Kind::kAll;
    return Selector{kind, 0};
  }
  const std::optional<uint32_t> node = node_number(text);
  if (!node) {
    fail(path, "unknown selector " + in_quotes(text) + " (expected " + selector_choices(nodes) + ")");
  }
  if (*node < 1 || *node > nodes) {
    fail(path, "unknown node " + in_quotes(text) + " (the scenario has nodes n1..n" + std::to_string(nodes) + ")");
  }
  return Selector{Selector::Kind::kNode, *node};
}

// --- link and disk parameters

bool changes_nothing(const NetworkSpec& link) {
  return !link.latency_ms_min && !link.latency_ms_max && !link.latency_ms_mean && !link.latency_shape &&
         !link.drop_probability && !link.duplicate_probability;
}

// One end of a [min, max] pair of fields.
struct Bound {
  std::string_view key;
  std::optional<double> value;          // as the file gives it
  std::optional<double> default_value;  // the simulator's when absent (top level); nullopt in a fault,
                                        // where an absent field keeps the current value, unknown here
};

// Checks min <= max, taking an absent end's default when there is one.
void check_bounds(const ObjectReader& object, const Bound& min, const Bound& max) {
  const std::optional<double> low = min.value ? min.value : min.default_value;
  const std::optional<double> high = max.value ? max.value : max.default_value;
  if (!low || !high || *low <= *high || (!min.value && !max.value)) {
    return;
  }
  // Blame the end the file gave, the max when it gave both.
  const bool blame_max = max.value.has_value();
  const Bound& given = blame_max ? max : min;
  const Bound& other = blame_max ? min : max;
  const std::string other_text =
      number_text(blame_max ? *low : *high) + (other.value ? "" : ", the simulator's default");
  object.fail_at(given.key, std::string(blame_max ? "must be at least " : "must be at most ") + std::string(other.key) +
                                " (" + other_text + "), got " + number_text(*given.value));
}

}  // namespace

std::vector<std::string_view> with(std::span<const std::string_view> names,
                                   std::initializer_list<std::string_view> more) {
  std::vector<std::string_view> all(names.begin(), names.end());
  all.insert(all.end(), more);
  return all;
}

NetworkSpec read_link(const ObjectReader& object, const sim::LinkParams* defaults) {
  NetworkSpec link;
  link.latency_ms_min = object.number("latency_ms_min", kLatencyMs);
  link.latency_ms_max = object.number("latency_ms_max", kLatencyMs);
  link.latency_ms_mean = object.number("latency_ms_mean", Range{0, kMaxLatencyMs, /*min_open=*/true});
  link.latency_shape = object.choice("latency_shape", kLatencyShapes);
  link.drop_probability = object.number("drop_probability", kProbability);
  link.duplicate_probability = object.number("duplicate_probability", kProbability);
  const auto default_of = [defaults](Duration sim::LinkParams::*field) {
    return defaults == nullptr ? std::nullopt : std::optional(to_ms(defaults->*field));
  };
  check_bounds(object, Bound{"latency_ms_min", link.latency_ms_min, default_of(&sim::LinkParams::latency_min)},
               Bound{"latency_ms_max", link.latency_ms_max, default_of(&sim::LinkParams::latency_max)});
  if (link.latency_ms_mean && link.latency_shape != "exponential") {
    object.fail_at("latency_ms_mean",
                   "only with latency_shape \"exponential\" in the same object (the uniform "
                   "shape has no mean)");
  }
  return link;
}

DiskSpec read_disk(const Json& value, const std::string& path) {
  const ObjectReader object(value, path, {"sync_ms_min", "sync_ms_max", "torn_write_probability", "lying_sync"});
  DiskSpec disk;
  disk.sync_ms_min = object.number("sync_ms_min", kLatencyMs);
  disk.sync_ms_max = object.number("sync_ms_max", kLatencyMs);
  disk.torn_write_probability = object.number("torn_write_probability", kProbability);
  disk.lying_sync = object.boolean("lying_sync");
  const sim::DiskParams defaults;
  check_bounds(object, Bound{"sync_ms_min", disk.sync_ms_min, to_ms(defaults.sync_latency_min)},
               Bound{"sync_ms_max", disk.sync_ms_max, to_ms(defaults.sync_latency_max)});
  return disk;
}

namespace {

// --- faults

// "halves", "majority_ring", "bridge": each needs enough nodes to have a shape at all.
PartitionFault read_partition_shape(const Json& value, const std::string& path, uint32_t nodes) {
  const std::string shape = strict_json::read_choice(value, path, kPartitionShapes);
  const uint32_t needed = shape == "halves" ? 2 : 3;
  if (nodes < needed) {
    fail(path, "a " + shape + " partition needs at least " + std::to_string(needed) + " nodes, the scenario has " +
                   std::to_string(nodes));
  }
  PartitionFault fault;
  fault.shape = shape == "halves"          ? PartitionFault::Shape::kHalves
                : shape == "majority_ring" ? PartitionFault::Shape::kMajorityRing
                                           : PartitionFault::Shape::kBridge;
  return fault;
}

// Across all groups: "*" at most once and not empty, no node or "leader" named twice.
void check_partition_members(const PartitionFault& fault, const std::string& path, uint32_t nodes) {
  std::vector<Selector> seen;
  std::optional<std::string> all_path;
  bool dynamic = false;  // leader, follower or random: who they are is known only when the fault fires
  uint32_t named = 0;
  for (size_t i = 0; i < fault.groups.size(); ++i) {
    for (size_t j = 0; j < fault.groups[i].size(); ++j) {
      const Selector& selector = fault.groups[i][j];
      const std::string member_path = index_path(index_path(path, i), j);
      if (selector.kind == Selector::Kind::kAll) {
        if (all_path) {
          fail(member_path, "\"*\" may appear in one group only (it stands for every node named in no other group)");
        }
        all_path = member_path;
        continue;
      }
      const bool repeatable = selector.kind == Selector::Kind::kFollower || selector.kind == Selector::Kind::kRandom;
      if (!repeatable && std::find(seen.begin(), seen.end(), selector) != seen.end()) {
        fail(member_path, in_quotes(selector_text(selector)) + " is named twice in this partition");
      }
      seen.push_back(selector);
      dynamic = dynamic || selector.kind != Selector::Kind::kNode;
      named += selector.kind == Selector::Kind::kNode ? 1 : 0;
    }
  }
  if (all_path && !dynamic && named == nodes) {
    fail(*all_path, "\"*\" would be an empty group: every node is named in another group");
  }
}

PartitionFault read_partition(const Json& value, const std::string& path, uint32_t nodes) {
  if (value.is_string()) {
    return read_partition_shape(value, path, nodes);
  }
  if (!value.is_array()) {
    fail(path, "must be an array of groups ([[\"n1\"], [\"*\"]]) or a shape (halves, majority_ring, bridge), got " +
                   describe(value));
  }
  const Json::array_t& groups = value.get_ref<const Json::array_t&>();
  if (groups.size() < 2) {
    fail(path, "needs at least two groups, got " + std::to_string(groups.size()));
  }
  PartitionFault fault;
  for (size_t i = 0; i < groups.size(); ++i) {
    const std::string group_path = index_path(path, i);
    const Json::array_t& members = strict_json::read_array(groups[i], group_path, "a group of selectors: [\"n1\"]");
    if (members.empty()) {
      fail(group_path, "a group needs at least one node");
    }
    std::vector<Selector>& group = fault.groups.emplace_back();
    for (size_t j = 0; j < members.size(); ++j) {
      group.push_back(read_selector(members[j], index_path(group_path, j), nodes));
    }
  }
  check_partition_members(fault, path, nodes);
  return fault;
}

CutFault read_cut(const Json& value, const std::string& path, uint32_t nodes) {
  const ObjectReader object(value, path, {"from", "to"});
  CutFault fault;
  fault.from =
      read_selector(object.required("from", "the sender whose messages are dropped"), object.path_of("from"), nodes);
  fault.to = read_selector(object.required("to", "the receiver they no longer reach"), object.path_of("to"), nodes);
  if (fault.from.kind == Selector::Kind::kNode && fault.from == fault.to) {
    object.fail_at("to", "a node cannot be cut from itself, got " + in_quotes(selector_text(fault.to)) + " twice");
  }
  return fault;
}

ClockFault read_clock(const Json& value, const std::string& path, uint32_t nodes) {
  const ObjectReader object(value, path, {"node", "offset_ms", "drift_ppm"});
  ClockFault fault;
  fault.node = read_selector(object.required("node", "whose clock changes"), object.path_of("node"), nodes);
  fault.offset_ms = object.number("offset_ms", Range{-kMaxMs, kMaxMs});
  fault.drift_ppm = object.number("drift_ppm", Range{-500'000, 1'000'000});
  if (!fault.offset_ms && !fault.drift_ppm) {
    fail(path, "needs offset_ms (a step of the clock) or drift_ppm (a rate error), or both");
  }
  return fault;
}

NetworkFault read_network_fault(const Json& value, const std::string& path, uint32_t nodes) {
  const ObjectReader object(value, path, with(kLinkFields, {"between"}));
  NetworkFault fault;
  fault.link = read_link(object, nullptr);
  if (const Json* between = object.find("between")) {
    const std::string between_path = object.path_of("between");
    const Json::array_t& ends = strict_json::read_array(*between, between_path, "two selectors: [\"n1\", \"leader\"]");
    if (ends.size() != 2) {
      fail(between_path, "must name exactly two selectors, got " + std::to_string(ends.size()));
    }
    fault.between.emplace(read_selector(ends[0], index_path(between_path, 0), nodes),
                          read_selector(ends[1], index_path(between_path, 1), nodes));
    if (fault.between->first.kind == Selector::Kind::kNode && fault.between->first == fault.between->second) {
      fail(index_path(between_path, 1), "the two ends are the same node");
    }
  }
  if (changes_nothing(fault.link)) {
    fail(path, "changes nothing: give at least one of " + strict_json::join(kLinkFields));
  }
  return fault;
}

DiskFault read_disk_fault(const Json& value, const std::string& path, uint32_t nodes) {
  const ObjectReader object(value, path, {"node", "sync_ms", "lying_sync", "lose_unsynced"});
  DiskFault fault;
  fault.node = read_selector(object.required("node", "whose disk changes"), object.path_of("node"), nodes);
  fault.sync_ms = object.number("sync_ms", kLatencyMs);
  fault.lying_sync = object.boolean("lying_sync");
  fault.lose_unsynced = object.boolean("lose_unsynced").value_or(false);
  if (!fault.sync_ms && !fault.lying_sync && !fault.lose_unsynced) {
    fail(path, "changes nothing: give sync_ms, lying_sync or lose_unsynced: true");
  }
  return fault;
}

CrashPointFault read_crash_point(const Json& value, const std::string& path, const Bounds& bounds) {
  const ObjectReader object(value, path, {"node", "before", "after_event", "within_ms", "restart_after_ms"});
  CrashPointFault fault;
  fault.node = read_selector(object.required("node", "whose machine crashes"), object.path_of("node"), bounds.nodes);
  fault.before = strict_json::read_choice(object.required("before", "the step of a Ready it crashes before"),
                                          object.path_of("before"), kReadySteps);
  if (const Json* event = object.find("after_event")) {
    const std::span<const std::string_view> kinds =
        bounds.protocol == "zab" ? std::span<const std::string_view>(protocols::zab::kTraceKinds)
                                 : std::span<const std::string_view>(protocols::raft::kTraceKinds);
    const std::string path_of_event = object.path_of("after_event");
    if (!event->is_string()) {
      fail(path_of_event, "must be a trace kind of protocol " + std::string(bounds.protocol) + " (\"" +
                              std::string(kinds.front()) + "\", ...), got " + describe(*event));
    }
    const std::string& kind = event->get_ref<const std::string&>();
    if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) {
      fail(path_of_event, in_quotes(kind) + " is not a trace kind of protocol " + std::string(bounds.protocol) +
                              " (known: " + strict_json::join(kinds) + ")");
    }
    fault.after_event = kind;
  }
  fault.within_ms = object.number("within_ms", kPositiveMs);
  fault.restart_after_ms = object.number("restart_after_ms", kPositiveMs);
  return fault;
}

MembershipFault read_membership(const Json& value, const std::string& path, const Bounds& bounds) {
  if (bounds.protocol != "raft") {
    fail(path, "membership changes are a Raft fault (this scenario's protocol is " + std::string(bounds.protocol) +
                   "; ZooKeeper's dynamic reconfiguration is not modelled)");
  }
  const ObjectReader object(value, path,
                            std::vector<std::string_view>(kMembershipChanges.begin(), kMembershipChanges.end()));
  std::vector<size_t> present;
  for (size_t i = 0; i < kMembershipChanges.size(); ++i) {
    if (object.has(kMembershipChanges[i])) {
      present.push_back(i);
    }
  }
  if (present.size() != 1) {
    fail(path, "needs exactly one change, one of " + strict_json::join(kMembershipChanges) + ", got " +
                   (present.empty() ? std::string("none") : std::to_string(present.size())));
  }
  const std::string_view key = kMembershipChanges[present.front()];
  MembershipFault fault;
  fault.change = static_cast<MembershipFault::Change>(present.front());
  fault.node = read_selector(*object.find(key), object.path_of(key), bounds.nodes);
  if (fault.node.kind == Selector::Kind::kAll) {
    object.fail_at(key, "a membership change names one node, not \"*\"");
  }
  return fault;
}

// The one kind key of a fault object, or an error when there are none or several.
std::string_view fault_kind_of(const ObjectReader& object) {
  std::vector<std::string_view> present;
  std::copy_if(kFaultKinds.begin(), kFaultKinds.end(), std::back_inserter(present),
               [&](std::string_view kind) { return object.has(kind); });
  if (present.size() != 1) {
    fail(object.path(), "a fault needs exactly one kind (one of " + strict_json::join(kFaultKinds) + "), got " +
                            (present.empty() ? std::string("none") : strict_json::join(present, " and ")));
  }
  return present.front();
}

FaultAction read_action(const ObjectReader& object, std::string_view kind, const Bounds& bounds) {
  const uint32_t nodes = bounds.nodes;
  const Json& value = *object.find(kind);
  const std::string path = object.path_of(kind);
  if (kind == "partition") {
    return read_partition(value, path, nodes);
  }
  if (kind == "cut") {
    return read_cut(value, path, nodes);
  }
  if (kind == "heal") {
    if (value != Json(true)) {
      fail(path, "must be true, got " + describe(value));
    }
    return HealFault{};
  }
  if (kind == "crash") {
    return CrashFault{read_selector(value, path, nodes)};
  }
  if (kind == "restart") {
    return RestartFault{read_selector(value, path, nodes)};
  }
  if (kind == "pause") {
    const Selector node = read_selector(value, path, nodes);
    const Json& for_ms = object.required("for_ms", "how long a pause lasts, in ms");
    return PauseFault{node, strict_json::read_number(for_ms, object.path_of("for_ms"), kPositiveMs)};
  }
  if (kind == "clock") {
    return read_clock(value, path, nodes);
  }
  if (kind == "network") {
    return read_network_fault(value, path, nodes);
  }
  if (kind == "crash_point") {
    return read_crash_point(value, path, bounds);
  }
  if (kind == "membership") {
    return read_membership(value, path, bounds);
  }
  CONSIM_ASSERT(kind == "disk");
  return read_disk_fault(value, path, nodes);
}

Fault read_fault(const Json& value, const std::string& path, const Bounds& bounds) {
  const ObjectReader object(value, path, with(kFaultKinds, {"at_ms", "for_ms"}));
  const std::string_view kind = fault_kind_of(object);
  Fault fault;
  fault.at_ms = strict_json::read_number(object.required("at_ms", "when the fault fires, in ms from the start"),
                                         object.path_of("at_ms"), kNonNegativeMs);
  if (fault.at_ms > bounds.duration_ms) {
    object.fail_at("at_ms", "must be at most duration_ms (" + number_text(bounds.duration_ms) + "), got " +
                                number_text(fault.at_ms));
  }
  if (kind != "pause" && object.has("for_ms")) {
    object.fail_at("for_ms", "only a pause takes for_ms (this fault is a " + std::string(kind) + ")");
  }
  fault.action = read_action(object, kind, bounds);
  CONSIM_ASSERT(fault_kind(fault.action) == kind);
  return fault;
}

}  // namespace

std::vector<Fault> read_faults(const Json& value, const std::string& path, uint32_t nodes, double duration_ms,
                               std::string_view protocol) {
  const Bounds bounds{nodes, duration_ms, protocol};
  const Json::array_t& items = strict_json::read_array(value, path, "a list of faults: [{\"at_ms\": 0, ...}]");
  if (items.size() > kMaxFaults) {
    fail(path, "at most " + std::to_string(kMaxFaults) + " faults, got " + std::to_string(items.size()));
  }
  std::vector<Fault> faults;
  faults.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    faults.push_back(read_fault(items[i], index_path(path, i), bounds));
  }
  // Faults at the same instant keep the file's order (DESIGN.md: same-time events run in order).
  std::stable_sort(faults.begin(), faults.end(), [](const Fault& a, const Fault& b) { return a.at_ms < b.at_ms; });
  return faults;
}

}  // namespace scenario_detail

std::string selector_text(const Selector& selector) {
  switch (selector.kind) {
    case Selector::Kind::kNode:
      return "n" + std::to_string(selector.node);
    case Selector::Kind::kLeader:
      return "leader";
    case Selector::Kind::kFollower:
      return "follower";
    case Selector::Kind::kRandom:
      return "random";
    case Selector::Kind::kAll:
      return "*";
  }
  CONSIM_ASSERT_MSG(false, "unknown selector kind");
  return {};
}

std::string_view fault_kind(const FaultAction& action) { return scenario_detail::kFaultKinds[action.index()]; }

std::string_view membership_change_name(MembershipFault::Change change) {
  return scenario_detail::kMembershipChanges[static_cast<size_t>(change)];
}

std::span<const std::string_view> crash_point_steps() { return scenario_detail::kReadySteps; }

}  // namespace consim::harness
