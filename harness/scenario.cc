#include "harness/scenario.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <limits>
#include <span>
#include <system_error>
#include <utility>

#include "base/assert.h"
#include "harness/protocol_binding.h"
#include "harness/scenario_faults.h"
#include "harness/scenario_params.h"
#include "harness/scenario_writer.h"
#include "harness/strict_json.h"
#include "protocols/raft/config.h"
#include "protocols/zab/config.h"
#include "sim/disk.h"
#include "sim/network.h"

namespace consim::harness {
namespace {

using scenario_detail::kMaxLatencyMs;
using scenario_detail::kPositiveMs;
using scenario_detail::kProbability;
using strict_json::fail;
using strict_json::in_quotes;
using strict_json::index_path;
using strict_json::Json;
using strict_json::number_text;
using strict_json::ObjectReader;
using strict_json::Range;

using Names = std::span<const std::string_view>;

// A file larger than this is not a scenario; refuse it before reading it all into memory.
constexpr std::streamsize kMaxFileBytes = 16 << 20;

constexpr std::array<std::string_view, 16> kTopLevelFields = {
    "name", "description", "protocol", "service",  "nodes",  "seed",   "duration_ms", "protocol_config",
    "bugs", "network",     "disk",     "workload", "faults", "checks", "liveness",    "expect"};
constexpr std::array<std::string_view, 2> kServices = {"kv", "znode"};
constexpr std::array<std::string_view, 2> kVerdicts = {"pass", "fail"};
constexpr std::array<std::string_view, 4> kChecks = {"linearizability", "invariants", "liveness", "sequential"};
constexpr std::array<std::string_view, 2> kProtocols = {"raft", "zab"};
constexpr std::array<std::string_view, 4> kReadModes = {"log", "read_index", "lease", "follower"};
constexpr std::array<std::string_view, 2> kZabReadModes = {"local", "sync"};
// The invariant ids of checkers/invariants/raft_invariants.h (the ids are stable by contract there).
constexpr std::array<std::string_view, 9> kRaftInvariants = {
    "election_safety",      "leader_append_only", "log_matching",      "leader_completeness", "state_machine_safety",
    "committed_is_durable", "term_monotonic",     "one_vote_per_term", "stale_read"};
// The invariant ids of checkers/invariants/zab_invariants.h (stable by contract there too).
constexpr std::array<std::string_view, 11> kZabInvariants = {
    "one_leader_per_epoch", "prefix_consistency", "commit_consistency", "primary_order",
    "zxid_unique",          "primary_integrity",  "epoch_order",        "ack_durability",
    "process_consistency",  "state_consistency",  "quorum_durability"};

// --- the protocol, its configuration and its bugs

std::string read_protocol(const ObjectReader& top) { return top.choice("protocol", kProtocols).value_or("raft"); }

void check_raft(const ObjectReader& object, const RaftSpec& raft, uint32_t nodes) {
  if (raft.election_ticks <= raft.heartbeat_ticks) {
    const bool election_given = object.has("election_ticks");
    object.fail_at(election_given ? "election_ticks" : "heartbeat_ticks",
                   election_given ? "must be greater than heartbeat_ticks (" + std::to_string(raft.heartbeat_ticks) +
                                        "), got " + std::to_string(raft.election_ticks)
                                  : "must be less than election_ticks (" + std::to_string(raft.election_ticks) +
                                        ", the default), got " + std::to_string(raft.heartbeat_ticks));
  }
  if (raft.read_mode == "lease" && !raft.check_quorum) {
    object.fail_at("read_mode",
                   "lease reads need check_quorum: true (as in etcd: the lease rests on followers "
                   "withholding their votes, which CheckQuorum turns on)");
  }
  // The node's own validation is the last word: what it rejects, the loader must not accept.
  protocols::raft::RaftConfig config;
  config.id = protocols::NodeId{1};
  for (uint32_t node = 1; node <= (raft.voters == 0 ? nodes : raft.voters); ++node) {
    config.bootstrap.voters.push_back(protocols::NodeId{node});
  }
  config.election_ticks = raft.election_ticks;
  config.heartbeat_ticks = raft.heartbeat_ticks;
  config.pre_vote = raft.pre_vote;
  config.check_quorum = raft.check_quorum;
  config.max_clock_drift_ppm = static_cast<int64_t>(raft.max_clock_drift_ppm);
  config.forward_proposals = raft.forward_proposals;
  config.max_entries_per_message = raft.max_entries_per_message;
  if (const std::string problem = config.validate(); !problem.empty()) {
    fail(object.path(), "not a valid Raft configuration: " + problem);
  }
}

constexpr std::array<std::string_view, 11> kRaftFields = {"pre_vote",
                                                          "check_quorum",
                                                          "read_mode",
                                                          "max_clock_drift_ppm",
                                                          "tick_ms",
                                                          "election_ticks",
                                                          "heartbeat_ticks",
                                                          "snapshot_every_entries",
                                                          "forward_proposals",
                                                          "max_entries_per_message",
                                                          "voters"};
constexpr std::array<std::string_view, 12> kZabFields = {"tick_ms",
                                                         "ping_ticks",
                                                         "sync_limit_ticks",
                                                         "init_limit_ticks",
                                                         "finalize_wait_ticks",
                                                         "notification_min_ticks",
                                                         "notification_max_ticks",
                                                         "commit_log_count",
                                                         "counter_bits",
                                                         "snapshot_every_entries",
                                                         "observers",
                                                         "read_mode"};

// A setting of the other protocol gets a message of its own (the first field the reader would
// not know decides): the name is right, the scenario's protocol is not.
void check_other_protocol_fields(const Json& value, const std::string& path, Names own, Names other,
                                 std::string_view protocol, std::string_view other_protocol) {
  if (!value.is_object()) {
    return;  // the ObjectReader reports it
  }
  for (const auto& [key, field] : value.items()) {
    if (std::find(own.begin(), own.end(), key) != own.end()) {
      continue;
    }
    if (std::find(other.begin(), other.end(), key) != other.end()) {
      fail(strict_json::child_path(path, key), "a " + std::string(other_protocol) +
                                                   " setting, but this scenario's protocol is " +
                                                   std::string(protocol) + " (known: " + strict_json::join(own) + ")");
    }
    return;
  }
}

RaftSpec read_raft(const Json& value, const std::string& path, uint32_t nodes) {
  check_other_protocol_fields(value, path, kRaftFields, kZabFields, "raft", "ZAB");
  const ObjectReader object(value, path, std::vector<std::string_view>(kRaftFields.begin(), kRaftFields.end()));
  RaftSpec raft;
  raft.pre_vote = object.boolean("pre_vote").value_or(raft.pre_vote);
  raft.check_quorum = object.boolean("check_quorum").value_or(raft.check_quorum);
  raft.read_mode = object.choice("read_mode", kReadModes).value_or(raft.read_mode);
  raft.max_clock_drift_ppm = object.number("max_clock_drift_ppm", Range{0, 500'000, false, /*max_open=*/true})
                                 .value_or(raft.max_clock_drift_ppm);
  raft.tick_ms = object.number("tick_ms", Range{0, kMaxLatencyMs, /*min_open=*/true}).value_or(raft.tick_ms);
  // The node draws election timeouts from [election_ticks, 2 * election_ticks): keep that in uint32.
  raft.election_ticks =
      static_cast<uint32_t>(object.integer("election_ticks", 3, 1'000'000).value_or(raft.election_ticks));
  raft.heartbeat_ticks =
      static_cast<uint32_t>(object.integer("heartbeat_ticks", 1, 1'000'000).value_or(raft.heartbeat_ticks));
  raft.snapshot_every_entries =
      static_cast<uint32_t>(object.integer("snapshot_every_entries", 0, std::numeric_limits<uint32_t>::max())
                                .value_or(raft.snapshot_every_entries));
  raft.forward_proposals = object.boolean("forward_proposals").value_or(raft.forward_proposals);
  raft.max_entries_per_message = static_cast<uint32_t>(
      object.integer("max_entries_per_message", 1, 1'000'000).value_or(raft.max_entries_per_message));
  raft.voters = static_cast<uint32_t>(object.integer("voters", 1, nodes).value_or(raft.voters));
  check_raft(object, raft, nodes);
  return raft;
}

// `lower` (at `lower_key`) must stay below `upper` (at `upper_key`), or at most `upper` when not
// `strict`. The message blames the field the scenario gave (the upper one when both were given).
void check_order(const ObjectReader& object, std::string_view lower_key, uint64_t lower, std::string_view upper_key,
                 uint64_t upper, bool strict) {
  if (strict ? lower < upper : lower <= upper) {
    return;
  }
  if (object.has(upper_key)) {
    object.fail_at(upper_key, std::string(strict ? "must be greater than " : "must be at least ") +
                                  std::string(lower_key) + " (" + std::to_string(lower) +
                                  (object.has(lower_key) ? "" : ", the default") + "), got " + std::to_string(upper));
  }
  object.fail_at(lower_key, std::string(strict ? "must be less than " : "must be at most ") + std::string(upper_key) +
                                " (" + std::to_string(upper) + ", the default), got " + std::to_string(lower));
}

// The node's own validation is the last word: what it rejects, the loader must not accept.
void check_zab(const ObjectReader& object, const ZabSpec& zab, uint32_t nodes) {
  check_order(object, "ping_ticks", zab.ping_ticks, "sync_limit_ticks", zab.sync_limit_ticks, /*strict=*/true);
  check_order(object, "sync_limit_ticks", zab.sync_limit_ticks, "init_limit_ticks", zab.init_limit_ticks,
              /*strict=*/false);
  check_order(object, "notification_min_ticks", zab.notification_min_ticks, "notification_max_ticks",
              zab.notification_max_ticks, /*strict=*/false);
  if (zab.observers >= nodes) {
    object.fail_at("observers", "must leave at least one voter: at most " + std::to_string(nodes - 1) + " of the " +
                                    std::to_string(nodes) + " nodes may observe, got " + std::to_string(zab.observers));
  }
  protocols::zab::ZabConfig config = zab_config(zab, nodes, {});
  config.id = protocols::NodeId{1};
  if (const std::string problem = config.validate(); !problem.empty()) {
    fail(object.path(), "not a valid ZAB configuration: " + problem);
  }
}

ZabSpec read_zab(const Json& value, const std::string& path, uint32_t nodes) {
  check_other_protocol_fields(value, path, kZabFields, kRaftFields, "zab", "Raft");
  const ObjectReader object(value, path, std::vector<std::string_view>(kZabFields.begin(), kZabFields.end()));
  ZabSpec zab;
  const auto ticks = [&object](std::string_view key, uint64_t min, uint32_t fallback) {
    return static_cast<uint32_t>(object.integer(key, min, 1'000'000).value_or(fallback));
  };
  zab.tick_ms = object.number("tick_ms", Range{0, kMaxLatencyMs, /*min_open=*/true}).value_or(zab.tick_ms);
  zab.ping_ticks = ticks("ping_ticks", 1, zab.ping_ticks);
  zab.sync_limit_ticks = ticks("sync_limit_ticks", 2, zab.sync_limit_ticks);
  zab.init_limit_ticks = ticks("init_limit_ticks", 2, zab.init_limit_ticks);
  zab.finalize_wait_ticks = ticks("finalize_wait_ticks", 0, zab.finalize_wait_ticks);
  zab.notification_min_ticks = ticks("notification_min_ticks", 1, zab.notification_min_ticks);
  zab.notification_max_ticks = ticks("notification_max_ticks", 1, zab.notification_max_ticks);
  zab.commit_log_count = ticks("commit_log_count", 1, zab.commit_log_count);
  zab.counter_bits = static_cast<uint32_t>(object.integer("counter_bits", 2, 48).value_or(zab.counter_bits));
  zab.snapshot_every_entries =
      static_cast<uint32_t>(object.integer("snapshot_every_entries", 0, std::numeric_limits<uint32_t>::max())
                                .value_or(zab.snapshot_every_entries));
  zab.observers = static_cast<uint32_t>(object.integer("observers", 0, 8).value_or(zab.observers));
  zab.read_mode = object.choice("read_mode", kZabReadModes).value_or(zab.read_mode);
  check_zab(object, zab, nodes);
  return zab;
}

std::vector<std::string_view> known_bugs(const std::string& protocol) {
  std::vector<std::string_view> names;
  if (protocol == "zab") {
    for (const protocols::zab::BugInfo& info : protocols::zab::bug_catalogue()) {
      names.push_back(info.name);
    }
    return names;
  }
  CONSIM_ASSERT(protocol == "raft");
  for (const protocols::raft::BugInfo& info : protocols::raft::bug_catalogue()) {
    names.push_back(info.name);
  }
  return names;
}

// A bug switch of the other protocol gets a message of its own: the name is right, the scenario is not.
void check_bug_protocol(const Json& value, const std::string& path, const std::string& protocol) {
  if (!value.is_array()) {
    return;  // read_names() reports it
  }
  for (size_t i = 0; i < value.size(); ++i) {
    if (!value[i].is_string()) {
      continue;
    }
    const std::string& name = value[i].get_ref<const std::string&>();
    const size_t dot = name.find('.');
    const std::string prefix = dot == std::string::npos ? "" : name.substr(0, dot);
    if (prefix != protocol && std::find(kProtocols.begin(), kProtocols.end(), prefix) != kProtocols.end()) {
      fail(index_path(path, i), "bug switch " + in_quotes(name) + " belongs to protocol " + prefix +
                                    ", but this scenario's protocol is " + protocol);
    }
  }
}

// A list of distinct strings, each one of `known` (`what` names an element in messages).
std::vector<std::string> read_names(const Json& value, const std::string& path, Names known, std::string_view what) {
  CONSIM_ASSERT(!known.empty());
  const Json::array_t& items =
      strict_json::read_array(value, path, "a list of names: [\"" + std::string(known.front()) + "\"]");
  std::vector<std::string> names;
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string item_path = index_path(path, i);
    const std::string& name = strict_json::read_string(items[i], item_path);
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      fail(item_path,
           "unknown " + std::string(what) + " " + in_quotes(name) + " (known: " + strict_json::join(known) + ")");
    }
    if (std::find(names.begin(), names.end(), name) != names.end()) {
      fail(item_path, "duplicate " + std::string(what) + " " + in_quotes(name));
    }
    names.push_back(name);
  }
  return names;
}

// --- workload, liveness, expectation

WorkloadSpec read_workload(const Json& value, const std::string& path, const std::string& service) {
  const ObjectReader object(value, path,
                            {"clients", "keys", "read_fraction", "cas_fraction", "delete_fraction", "timeout_ms",
                             "rate_per_s", "ephemeral_fraction", "session_timeout_ms"});
  WorkloadSpec workload;
  workload.clients = static_cast<uint32_t>(object.integer("clients", 0, 1000).value_or(workload.clients));
  workload.keys = static_cast<uint32_t>(object.integer("keys", 1, 100'000).value_or(workload.keys));
  workload.read_fraction = object.number("read_fraction", kProbability).value_or(workload.read_fraction);
  workload.cas_fraction = object.number("cas_fraction", kProbability).value_or(workload.cas_fraction);
  workload.delete_fraction = object.number("delete_fraction", kProbability).value_or(workload.delete_fraction);
  workload.timeout_ms = object.number("timeout_ms", kPositiveMs).value_or(workload.timeout_ms);
  workload.rate_per_s = object.number("rate_per_s", Range{0, 1e6}).value_or(workload.rate_per_s);
  for (const std::string_view znode_only : {"ephemeral_fraction", "session_timeout_ms"}) {
    if (service != "znode" && object.has(znode_only)) {
      object.fail_at(znode_only, "only for service \"znode\" (this scenario's service is " + in_quotes(service) + ")");
    }
  }
  workload.ephemeral_fraction = object.number("ephemeral_fraction", kProbability).value_or(workload.ephemeral_fraction);
  workload.session_timeout_ms = object.number("session_timeout_ms", kPositiveMs).value_or(workload.session_timeout_ms);
  const double sum = workload.read_fraction + workload.cas_fraction + workload.delete_fraction;
  // A small tolerance, so that 0.1 + 0.2 + 0.7 (1.0000000000000002 in doubles) is accepted.
  if (sum > 1 + 1e-9) {
    fail(path, "read_fraction + cas_fraction + delete_fraction must be at most 1 (writes take the rest), got " +
                   number_text(workload.read_fraction) + " + " + number_text(workload.cas_fraction) + " + " +
                   number_text(workload.delete_fraction) + " = " + number_text(sum));
  }
  // znode creates come out of the writes' share: with none left, no node is ever created and
  // every operation fails NoNode, a run that tests nothing.
  if (service == "znode" && sum > 1 - 1e-9 && workload.clients > 0) {
    fail(path, "read_fraction + cas_fraction + delete_fraction leave no writes (" + number_text(sum) +
                   "): a znode workload creates its nodes with writes, so nothing would ever exist");
  }
  return workload;
}

LivenessSpec read_liveness(const Json& value, const std::string& path) {
  const ObjectReader object(value, path, {"leader_within_ms", "commit_within_ms"});
  LivenessSpec liveness;
  liveness.leader_within_ms = object.number("leader_within_ms", kPositiveMs).value_or(liveness.leader_within_ms);
  liveness.commit_within_ms = object.number("commit_within_ms", kPositiveMs).value_or(liveness.commit_within_ms);
  return liveness;
}

Expectation read_expect(const Json& value, const std::string& path, const std::vector<std::string>& checks,
                        const std::string& protocol) {
  const ObjectReader object(value, path, {"verdict", "check", "invariant"});
  Expectation expect;
  expect.verdict = object.choice("verdict", kVerdicts).value_or("pass");
  if (expect.verdict == "fail" && checks.empty()) {
    object.fail_at("verdict", "\"fail\" needs a check that can fail, but the scenario's checks are empty");
  }
  if (object.has("check")) {
    if (expect.verdict != "fail") {
      object.fail_at("check", "only with verdict \"fail\" (it names the check that must fail)");
    }
    expect.check = *object.choice("check", kChecks);
    if (std::find(checks.begin(), checks.end(), expect.check) == checks.end()) {
      object.fail_at("check", in_quotes(expect.check) + " is not among the scenario's checks, so it cannot fail");
    }
  }
  if (object.has("invariant")) {
    if (expect.check != "invariants") {
      object.fail_at("invariant",
                     "only with check \"invariants\", got " +
                         (expect.check.empty() ? std::string("no check") : "check " + in_quotes(expect.check)));
    }
    expect.invariant =
        protocol == "zab" ? *object.choice("invariant", kZabInvariants) : *object.choice("invariant", kRaftInvariants);
  }
  return expect;
}

// --- the whole scenario

std::string read_name(const ObjectReader& top) {
  const std::string name = strict_json::read_string(
      top.required("name", "every scenario has a name of a-z, 0-9, '.', '_' and '-'"), top.path_of("name"));
  const bool valid = std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  });
  if (name.empty() || !valid) {
    top.fail_at("name", "must be a non-empty name of a-z, 0-9, '.', '_' and '-', got " + in_quotes(name));
  }
  return name;
}

Scenario read_scenario(const Json& root, std::string_view file) {
  const ObjectReader top(root, "", std::vector<std::string_view>(kTopLevelFields.begin(), kTopLevelFields.end()));
  Scenario scenario;
  scenario.file = std::string(file);
  scenario.name = read_name(top);
  scenario.description = top.string("description").value_or("");
  scenario.protocol = read_protocol(top);
  scenario.service = top.choice("service", kServices).value_or(scenario.service);
  scenario.nodes = static_cast<uint32_t>(top.integer("nodes", 1, 9).value_or(scenario.nodes));
  scenario.seed = top.integer("seed", 0, std::numeric_limits<uint64_t>::max()).value_or(scenario.seed);
  scenario.duration_ms = top.number("duration_ms", kPositiveMs).value_or(scenario.duration_ms);
  if (const Json* config = top.find("protocol_config")) {
    if (scenario.protocol == "zab") {
      scenario.zab = read_zab(*config, "protocol_config", scenario.nodes);
    } else {
      scenario.raft = read_raft(*config, "protocol_config", scenario.nodes);
    }
  }
  if (const Json* bugs = top.find("bugs")) {
    check_bug_protocol(*bugs, "bugs", scenario.protocol);
    scenario.bugs = read_names(*bugs, "bugs", known_bugs(scenario.protocol), "bug switch");
  }
  if (const Json* network = top.find("network")) {
    const sim::LinkParams defaults;
    const ObjectReader object(*network, "network", scenario_detail::with(scenario_detail::kLinkFields, {}));
    scenario.network = scenario_detail::read_link(object, &defaults);
  }
  if (const Json* disk = top.find("disk")) {
    scenario.disk = scenario_detail::read_disk(*disk, "disk");
  }
  if (const Json* workload = top.find("workload")) {
    scenario.workload = read_workload(*workload, "workload", scenario.service);
  }
  if (const Json* faults = top.find("faults")) {
    scenario.faults =
        scenario_detail::read_faults(*faults, "faults", scenario.nodes, scenario.duration_ms, scenario.protocol);
  }
  if (const Json* checks = top.find("checks")) {
    scenario.checks = read_names(*checks, "checks", kChecks, "check");
  }
  if (const Json* liveness = top.find("liveness")) {
    scenario.liveness = read_liveness(*liveness, "liveness");
  }
  if (const Json* expect = top.find("expect")) {
    scenario.expect = read_expect(*expect, "expect", scenario.checks, scenario.protocol);
  }
  return scenario;
}

}  // namespace

bool Scenario::checks_enabled(std::string_view check) const {
  return std::find(checks.begin(), checks.end(), check) != checks.end();
}

ScenarioResult parse_scenario(std::string_view json_text, std::string_view file) {
  const std::string name = file.empty() ? std::string("scenario") : std::string(file);
  try {
    const Json root = strict_json::parse(json_text);
    return read_scenario(root, name);
  } catch (const strict_json::ReadError& error) {
    return ScenarioError{name + ": " + (error.path.empty() ? "" : error.path + ": ") + error.problem};
  }
}

std::vector<std::string> scenario_warnings(const Scenario& scenario) {
  std::vector<std::string> warnings;
  if (scenario.protocol != "raft") {
    return warnings;
  }
  // The shortest election timeout a node draws (RaftConfig: [election_ticks, 2 election_ticks)).
  const double election_ms = scenario.raft.election_ticks * scenario.raft.tick_ms;
  const auto warn = [&](const std::string& field, double ms, std::string_view why) {
    if (ms * 2 < election_ms) {
      return;
    }
    warnings.push_back(scenario.file + ": " + field + ": " + scenario_number(ms) +
                       " ms is at least half the election timeout (" + scenario_number(election_ms) +
                       " ms = election_ticks " + std::to_string(scenario.raft.election_ticks) + " x tick_ms " +
                       scenario_number(scenario.raft.tick_ms) + "): " + std::string(why));
  };
  constexpr std::string_view kSlowDisk =
      "every vote and every append waits for a sync, and heartbeats queue behind the leader's syncs, so "
      "followers time out and elections may never settle";
  warn("disk.sync_ms_max", scenario.disk.sync_ms_max.value_or(to_ms(sim::DiskParams{}.sync_latency_max)), kSlowDisk);
  for (size_t i = 0; i < scenario.faults.size(); ++i) {
    const auto* disk = std::get_if<DiskFault>(&scenario.faults[i].action);
    if (disk != nullptr && disk->sync_ms.has_value()) {
      warn("faults[" + std::to_string(i) + "].disk.sync_ms", *disk->sync_ms,
           std::string(kSlowDisk) + " while the fault lasts");
    }
  }
  warn("network.latency_ms_max", scenario.network.latency_ms_max.value_or(to_ms(sim::LinkParams{}.latency_max)),
       "a heartbeat can arrive after a follower's timeout, so elections start while the leader is healthy");
  return warnings;
}

ScenarioResult load_scenario(const std::string& path) {
  std::error_code status_error;
  if (std::filesystem::is_directory(path, status_error)) {
    return ScenarioError{path + ": is a directory, not a scenario file"};
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int error = errno;
    return ScenarioError{path + ": cannot open: " + std::generic_category().message(error)};
  }
  std::string text;
  char buffer[1 << 16];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<size_t>(in.gcount()));
    if (static_cast<std::streamsize>(text.size()) > kMaxFileBytes) {
      return ScenarioError{path + ": larger than " + std::to_string(kMaxFileBytes >> 20) +
                           " MiB; a scenario is a small JSON file"};
    }
  }
  if (in.bad()) {
    return ScenarioError{path + ": cannot read the file"};
  }
  return parse_scenario(text, path);
}

}  // namespace consim::harness