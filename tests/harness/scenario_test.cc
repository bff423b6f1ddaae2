// The scenario loader (harness/scenario.h): the example of DESIGN.md, defaults, every fault kind,
// and one malformed scenario per kind of mistake, each reported with the file, the field and the
// problem. A property mutates a valid scenario at random: the loader never crashes, and whatever
// it accepts keeps the header's contract.
#include "harness/scenario.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>
#include <vector>

#include "harness/protocol_binding.h"
#include "protocols/zab/config.h"

namespace consim::harness {
namespace {

// DESIGN.md, "Scenarios", verbatim.
constexpr const char* kDesignExample = R"({
  "name": "raft-stale-lease-read",
  "description": "A leader with a fast clock keeps serving lease reads after it was deposed.",
  "protocol": "raft", "service": "kv", "nodes": 5, "seed": 7, "duration_ms": 20000,
  "protocol_config": {"pre_vote": true, "check_quorum": true, "read_mode": "lease",
                      "max_clock_drift_ppm": 1000},
  "bugs": [],
  "network": {"latency_ms_min": 1, "latency_ms_max": 10, "drop_probability": 0.0},
  "workload": {"clients": 3, "keys": 2, "read_fraction": 0.5, "cas_fraction": 0.2,
               "timeout_ms": 1000},
  "faults": [
    {"at_ms": 3000, "clock": {"node": "leader", "drift_ppm": 200000}},
    {"at_ms": 4000, "partition": [["leader"], ["*"]]},
    {"at_ms": 9000, "heal": true}
  ],
  "checks": ["linearizability", "invariants", "liveness"],
  "expect": {"verdict": "pass"}
})";

Scenario parse_ok(const std::string& text) {
  ScenarioResult result = parse_scenario(text, "ok.json");
  if (const auto* error = std::get_if<ScenarioError>(&result)) {
    ADD_FAILURE() << error->message;
    return Scenario{};
  }
  return std::get<Scenario>(std::move(result));
}

std::string parse_error(const std::string& text, std::string_view file = "bad.json") {
  const ScenarioResult result = parse_scenario(text, file);
  if (std::holds_alternative<Scenario>(result)) {
    return "(no error)";
  }
  return std::get<ScenarioError>(result).message;
}

Selector node(uint32_t n) { return Selector{Selector::Kind::kNode, n}; }
Selector kind(Selector::Kind k) { return Selector{k, 0}; }

TEST(Scenario, DesignExampleParsesWithItsValues) {
  const Scenario s = parse_ok(kDesignExample);
  EXPECT_EQ(s.file, "ok.json");
  EXPECT_EQ(s.name, "raft-stale-lease-read");
  EXPECT_EQ(s.description, "A leader with a fast clock keeps serving lease reads after it was deposed.");
  EXPECT_EQ(s.protocol, "raft");
  EXPECT_EQ(s.service, "kv");
  EXPECT_EQ(s.nodes, 5u);
  EXPECT_EQ(s.seed, 7u);
  EXPECT_EQ(s.duration_ms, 20000);
  EXPECT_TRUE(s.raft.pre_vote);
  EXPECT_TRUE(s.raft.check_quorum);
  EXPECT_EQ(s.raft.read_mode, "lease");
  EXPECT_EQ(s.raft.max_clock_drift_ppm, 1000);
  EXPECT_TRUE(s.bugs.empty());
  EXPECT_EQ(s.network.latency_ms_min, 1.0);
  EXPECT_EQ(s.network.latency_ms_max, 10.0);
  EXPECT_EQ(s.network.drop_probability, 0.0);
  EXPECT_FALSE(s.network.duplicate_probability.has_value());
  EXPECT_EQ(s.workload.clients, 3u);
  EXPECT_EQ(s.workload.keys, 2u);
  EXPECT_EQ(s.workload.read_fraction, 0.5);
  EXPECT_EQ(s.workload.cas_fraction, 0.2);
  EXPECT_EQ(s.workload.timeout_ms, 1000);
  ASSERT_EQ(s.faults.size(), 3u);
  EXPECT_EQ(s.faults[0].at_ms, 3000);
  const auto& clock = std::get<ClockFault>(s.faults[0].action);
  EXPECT_EQ(clock.node, kind(Selector::Kind::kLeader));
  EXPECT_EQ(clock.drift_ppm, 200000.0);
  EXPECT_FALSE(clock.offset_ms.has_value());
  const auto& partition = std::get<PartitionFault>(s.faults[1].action);
  EXPECT_EQ(partition.shape, PartitionFault::Shape::kGroups);
  ASSERT_EQ(partition.groups.size(), 2u);
  EXPECT_EQ(partition.groups[0], std::vector<Selector>{kind(Selector::Kind::kLeader)});
  EXPECT_EQ(partition.groups[1], std::vector<Selector>{kind(Selector::Kind::kAll)});
  EXPECT_TRUE(std::holds_alternative<HealFault>(s.faults[2].action));
  EXPECT_EQ(s.checks, (std::vector<std::string>{"linearizability", "invariants", "liveness"}));
  EXPECT_EQ(s.expect.verdict, "pass");
  EXPECT_TRUE(s.expect.check.empty());
}

TEST(Scenario, AbsentFieldsTakeTheHeaderDefaults) {
  const Scenario s = parse_ok(R"({"name": "minimal"})");
  const Scenario defaults;
  EXPECT_EQ(s.protocol, "raft");
  EXPECT_EQ(s.service, "kv");
  EXPECT_EQ(s.nodes, 3u);
  EXPECT_EQ(s.seed, 1u);
  EXPECT_EQ(s.duration_ms, 10000);
  EXPECT_EQ(s.raft.read_mode, "read_index");
  EXPECT_EQ(s.raft.election_ticks, defaults.raft.election_ticks);
  EXPECT_EQ(s.raft.heartbeat_ticks, defaults.raft.heartbeat_ticks);
  EXPECT_EQ(s.raft.tick_ms, defaults.raft.tick_ms);
  EXPECT_FALSE(s.network.latency_ms_min.has_value());
  EXPECT_FALSE(s.disk.sync_ms_max.has_value());
  EXPECT_EQ(s.workload.clients, defaults.workload.clients);
  EXPECT_EQ(s.workload.read_fraction, defaults.workload.read_fraction);
  EXPECT_TRUE(s.faults.empty());
  EXPECT_EQ(s.checks, defaults.checks);
  EXPECT_EQ(s.liveness.leader_within_ms, defaults.liveness.leader_within_ms);
  EXPECT_EQ(s.expect.verdict, "pass");
  EXPECT_TRUE(s.checks_enabled("liveness"));
  EXPECT_FALSE(s.checks_enabled("nonsense"));
}

TEST(Scenario, PartialObjectsKeepTheOtherDefaults) {
  const Scenario s = parse_ok(R"({"name": "p", "protocol_config": {"read_mode": "log"},
                                  "workload": {"clients": 0}, "checks": ["invariants"]})");
  EXPECT_EQ(s.raft.read_mode, "log");
  EXPECT_TRUE(s.raft.pre_vote);
  EXPECT_EQ(s.workload.clients, 0u);
  EXPECT_EQ(s.workload.keys, 3u);
  EXPECT_TRUE(s.checks_enabled("invariants"));
  EXPECT_FALSE(s.checks_enabled("liveness"));
}

TEST(Scenario, EveryFaultKindParses) {
  const Scenario s = parse_ok(R"({"name": "all-faults", "nodes": 5, "faults": [
    {"at_ms": 1, "partition": "majority_ring"},
    {"at_ms": 2, "cut": {"from": "n1", "to": "leader"}},
    {"at_ms": 3, "crash": "follower"},
    {"at_ms": 4, "restart": "*"},
    {"at_ms": 5, "pause": "random", "for_ms": 250},
    {"at_ms": 6, "clock": {"node": "n5", "offset_ms": -40.5}},
    {"at_ms": 7, "network": {"drop_probability": 0.25, "between": ["n1", "n2"]}},
    {"at_ms": 8, "disk": {"node": "n3", "sync_ms": 100, "lying_sync": true, "lose_unsynced": true}},
    {"at_ms": 9, "heal": true}]})");
  ASSERT_EQ(s.faults.size(), 9u);
  const std::vector<std::string_view> kinds = {"partition", "cut",     "crash", "restart", "pause",
                                               "clock",     "network", "disk",  "heal"};
  for (size_t i = 0; i < kinds.size(); ++i) {
    EXPECT_EQ(fault_kind(s.faults[i].action), kinds[i]);
  }
  EXPECT_EQ(std::get<PartitionFault>(s.faults[0].action).shape, PartitionFault::Shape::kMajorityRing);
  EXPECT_EQ(std::get<CutFault>(s.faults[1].action).from, node(1));
  EXPECT_EQ(std::get<CutFault>(s.faults[1].action).to, kind(Selector::Kind::kLeader));
  EXPECT_EQ(std::get<CrashFault>(s.faults[2].action).node, kind(Selector::Kind::kFollower));
  EXPECT_EQ(std::get<RestartFault>(s.faults[3].action).node, kind(Selector::Kind::kAll));
  EXPECT_EQ(std::get<PauseFault>(s.faults[4].action).node, kind(Selector::Kind::kRandom));
  EXPECT_EQ(std::get<PauseFault>(s.faults[4].action).for_ms, 250);
  EXPECT_EQ(std::get<ClockFault>(s.faults[5].action).offset_ms, -40.5);
  const auto& network = std::get<NetworkFault>(s.faults[6].action);
  EXPECT_EQ(network.link.drop_probability, 0.25);
  EXPECT_FALSE(network.link.latency_ms_min.has_value());
  ASSERT_TRUE(network.between.has_value());
  EXPECT_EQ(network.between->first, node(1));
  EXPECT_EQ(network.between->second, node(2));
  const auto& disk = std::get<DiskFault>(s.faults[7].action);
  EXPECT_EQ(disk.node, node(3));
  EXPECT_EQ(disk.sync_ms, 100.0);
  EXPECT_EQ(disk.lying_sync, true);
  EXPECT_TRUE(disk.lose_unsynced);
}

TEST(Scenario, CrashPointsAndMembershipChangesParse) {
  const Scenario s = parse_ok(R"({"name": "points", "nodes": 5, "protocol_config": {"voters": 3}, "faults": [
    {"at_ms": 1, "crash_point": {"node": "*", "before": "advance", "after_event": "raft.vote",
                                 "within_ms": 500, "restart_after_ms": 5}},
    {"at_ms": 2, "crash_point": {"node": "leader", "before": "sync"}},
    {"at_ms": 3, "membership": {"add": "n4"}},
    {"at_ms": 4, "membership": {"remove": "leader"}},
    {"at_ms": 5, "membership": {"add_learner": "random"}}]})");
  EXPECT_EQ(s.raft.voters, 3u);
  ASSERT_EQ(s.faults.size(), 5u);
  const auto& point = std::get<CrashPointFault>(s.faults[0].action);
  EXPECT_EQ(point.node, kind(Selector::Kind::kAll));
  EXPECT_EQ(point.before, "advance");
  EXPECT_EQ(point.after_event, "raft.vote");
  EXPECT_EQ(point.within_ms, 500.0);
  EXPECT_EQ(point.restart_after_ms, 5.0);
  const auto& bare = std::get<CrashPointFault>(s.faults[1].action);
  EXPECT_EQ(bare.before, "sync");
  EXPECT_TRUE(bare.after_event.empty());
  EXPECT_FALSE(bare.within_ms.has_value());
  EXPECT_FALSE(bare.restart_after_ms.has_value());
  EXPECT_EQ(std::get<MembershipFault>(s.faults[2].action).change, MembershipFault::Change::kAdd);
  EXPECT_EQ(std::get<MembershipFault>(s.faults[2].action).node, node(4));
  EXPECT_EQ(std::get<MembershipFault>(s.faults[3].action).change, MembershipFault::Change::kRemove);
  EXPECT_EQ(std::get<MembershipFault>(s.faults[3].action).node, kind(Selector::Kind::kLeader));
  EXPECT_EQ(std::get<MembershipFault>(s.faults[4].action).change, MembershipFault::Change::kAddLearner);
  EXPECT_EQ(fault_kind(s.faults[0].action), "crash_point");
  EXPECT_EQ(fault_kind(s.faults[2].action), "membership");
  // ZAB's crash points wait for ZAB's trace kinds; every node votes unless told otherwise.
  const Scenario zab = parse_ok(R"({"name": "z", "protocol": "zab", "faults": [
    {"at_ms": 1, "crash_point": {"node": "follower", "before": "send", "after_event": "zab.ack"}}]})");
  EXPECT_EQ(std::get<CrashPointFault>(zab.faults[0].action).after_event, "zab.ack");
  EXPECT_EQ(zab.raft.voters, 0u);
}

TEST(Scenario, FaultsAreSortedByTimeKeepingFileOrderAtEqualTimes) {
  const Scenario s = parse_ok(R"({"name": "order", "faults": [
    {"at_ms": 500, "heal": true},
    {"at_ms": 100, "crash": "n1"},
    {"at_ms": 500, "restart": "n1"},
    {"at_ms": 100, "crash": "n2"},
    {"at_ms": -0.0, "crash": "n3"}]})");
  ASSERT_EQ(s.faults.size(), 5u);
  EXPECT_EQ(s.faults[0].at_ms, 0);
  EXPECT_FALSE(std::signbit(s.faults[0].at_ms));  // -0 reads as 0
  EXPECT_EQ(std::get<CrashFault>(s.faults[1].action).node, node(1));
  EXPECT_EQ(std::get<CrashFault>(s.faults[2].action).node, node(2));
  EXPECT_EQ(fault_kind(s.faults[3].action), "heal");
  EXPECT_EQ(fault_kind(s.faults[4].action), "restart");
}

TEST(Scenario, SelectorTextIsWhatTheScenarioWrote) {
  EXPECT_EQ(selector_text(node(3)), "n3");
  EXPECT_EQ(selector_text(kind(Selector::Kind::kLeader)), "leader");
  EXPECT_EQ(selector_text(kind(Selector::Kind::kFollower)), "follower");
  EXPECT_EQ(selector_text(kind(Selector::Kind::kRandom)), "random");
  EXPECT_EQ(selector_text(kind(Selector::Kind::kAll)), "*");
}

TEST(Scenario, BugSwitchesAndExpectedFailure) {
  const Scenario s = parse_ok(R"({"name": "fig8", "bugs": ["raft.commit_previous_term"],
    "expect": {"verdict": "fail", "check": "invariants", "invariant": "state_machine_safety"}})");
  EXPECT_EQ(s.bugs, std::vector<std::string>{"raft.commit_previous_term"});
  EXPECT_EQ(s.expect.verdict, "fail");
  EXPECT_EQ(s.expect.check, "invariants");
  EXPECT_EQ(s.expect.invariant, "state_machine_safety");
}

TEST(Scenario, ZabDefaultsAreTheNodesDefaults) {
  const Scenario s = parse_ok(R"({"name": "z", "protocol": "zab"})");
  EXPECT_EQ(s.protocol, "zab");
  EXPECT_EQ(s.zab.read_mode, "sync");
  EXPECT_EQ(s.read_mode(), "sync");
  EXPECT_EQ(s.zab.observers, 0u);
  EXPECT_EQ(s.zab.tick_ms, 10);
  EXPECT_EQ(s.zab.snapshot_every_entries, 10000u);
  const protocols::zab::ZabConfig defaults;
  const protocols::zab::ZabConfig config = zab_config(s.zab, s.nodes, s.bugs);
  EXPECT_EQ(config.ping_ticks, defaults.ping_ticks);
  EXPECT_EQ(config.sync_limit_ticks, defaults.sync_limit_ticks);
  EXPECT_EQ(config.init_limit_ticks, defaults.init_limit_ticks);
  EXPECT_EQ(config.finalize_wait_ticks, defaults.finalize_wait_ticks);
  EXPECT_EQ(config.notification_min_ticks, defaults.notification_min_ticks);
  EXPECT_EQ(config.notification_max_ticks, defaults.notification_max_ticks);
  EXPECT_EQ(config.commit_log_count, defaults.commit_log_count);
  EXPECT_EQ(config.counter_bits, defaults.counter_bits);
  EXPECT_EQ(config.voters,
            (std::vector<protocols::NodeId>{protocols::NodeId{1}, protocols::NodeId{2}, protocols::NodeId{3}}));
  EXPECT_TRUE(config.observers.empty());
  EXPECT_FALSE(config.bugs.any());
  // A raft scenario's read mode is Raft's.
  EXPECT_EQ(parse_ok(R"({"name": "r"})").read_mode(), "read_index");
}

TEST(Scenario, ZabProtocolConfigAndBugsParse) {
  const Scenario s = parse_ok(R"({"name": "z", "protocol": "zab", "nodes": 7,
    "protocol_config": {"tick_ms": 5, "ping_ticks": 2, "sync_limit_ticks": 10, "init_limit_ticks": 30,
                        "finalize_wait_ticks": 0, "notification_min_ticks": 4, "notification_max_ticks": 64,
                        "commit_log_count": 50, "counter_bits": 8, "snapshot_every_entries": 100,
                        "observers": 2, "read_mode": "local"},
    "bugs": ["zab.diff_instead_of_trunc", "zab.retain_db_on_trunc"],
    "expect": {"verdict": "fail", "check": "invariants", "invariant": "prefix_consistency"}})");
  EXPECT_EQ(s.zab.tick_ms, 5);
  EXPECT_EQ(s.zab.read_mode, "local");
  EXPECT_EQ(s.read_mode(), "local");
  EXPECT_EQ(s.zab.snapshot_every_entries, 100u);
  EXPECT_EQ(s.expect.invariant, "prefix_consistency");
  const protocols::zab::ZabConfig config = zab_config(s.zab, s.nodes, s.bugs);
  EXPECT_EQ(config.ping_ticks, 2u);
  EXPECT_EQ(config.sync_limit_ticks, 10u);
  EXPECT_EQ(config.init_limit_ticks, 30u);
  EXPECT_EQ(config.finalize_wait_ticks, 0u);
  EXPECT_EQ(config.notification_min_ticks, 4u);
  EXPECT_EQ(config.notification_max_ticks, 64u);
  EXPECT_EQ(config.commit_log_count, 50u);
  EXPECT_EQ(config.counter_bits, 8u);
  // The last two nodes observe.
  ASSERT_EQ(config.voters.size(), 5u);
  EXPECT_EQ(config.voters.back(), protocols::NodeId{5});
  EXPECT_EQ(config.observers, (std::vector<protocols::NodeId>{protocols::NodeId{6}, protocols::NodeId{7}}));
  EXPECT_TRUE(config.bugs.diff_instead_of_trunc);
  EXPECT_TRUE(config.bugs.retain_db_on_trunc);
  EXPECT_FALSE(config.bugs.ack_newleader_before_persist);
  // Raft's settings keep their defaults in a zab scenario.
  EXPECT_EQ(s.raft.read_mode, "read_index");
}

TEST(Scenario, EveryZabBugSwitchIsAccepted) {
  for (const protocols::zab::BugInfo& bug : protocols::zab::bug_catalogue()) {
    SCOPED_TRACE(bug.name);
    const Scenario s = parse_ok(R"({"name": "z", "protocol": "zab", "bugs": [")" + std::string(bug.name) + "\"]}");
    EXPECT_EQ(s.bugs, std::vector<std::string>{std::string(bug.name)});
    EXPECT_TRUE(zab_config(s.zab, s.nodes, s.bugs).bugs.any());
  }
}

TEST(Scenario, FractionsThatSumToOneInDecimalAreAccepted) {
  // 0.1 + 0.2 + 0.7 is 1.0000000000000002 in doubles.
  const Scenario s =
      parse_ok(R"({"name": "mix", "workload": {"read_fraction": 0.1, "cas_fraction": 0.2, "delete_fraction": 0.7}})");
  EXPECT_EQ(s.workload.delete_fraction, 0.7);
}

// The two messages the header shows, exactly.
TEST(ScenarioErrors, MessagesHaveTheHeaderShape) {
  EXPECT_EQ(parse_error(R"({"name": "x", "workload": {"clients": -1}})", "scenarios/x.json"),
            "scenarios/x.json: workload.clients: must be an integer in [0, 1000], got -1");
  EXPECT_EQ(parse_error(R"({"name": "x", "nodes": 5, "faults": [{"at_ms": 1, "heal": true},
    {"at_ms": 2, "heal": true}, {"at_ms": 3, "partition": [["n1", "n9"], ["*"]]}]})"),
            "bad.json: faults[2].partition[0][1]: unknown node \"n9\" (the scenario has nodes n1..n5)");
}

struct BadCase {
  const char* what;
  const char* fields;  // the scenario's fields after "name", or the whole text when `whole`
  const char* prefix;  // the message starts with "bad.json: " + prefix
  const char* word;    // and names the problem with this
  bool whole = false;
};

// One malformed scenario per kind of mistake.
const std::vector<BadCase> kBadCases = {
    {"syntax error", R"({"name": "x",, "nodes": 3})", "invalid JSON at line 1, column 14 (byte 14)", "syntax error",
     true},
    {"syntax error on a later line", "{\"name\": \"x\",\n  \"nodes\": 3\n  \"seed\": 1}", "invalid JSON at line 3",
     "expected", true},
    {"empty file", "", "invalid JSON at line 1", "end of input", true},
    {"number too large for a double", R"({"name": "x", "nodes": 1e400})", "invalid JSON", "overflow", true},
    {"top level not an object", R"(["name", "x"])", "a scenario must be a JSON object", "array", true},
    {"missing name", R"({"nodes": 3})", "name: ", "missing", true},
    {"name with capitals and spaces", R"({"name": "My Scenario"})", "name: ", "a-z", true},
    {"duplicate field", R"({"name": "x", "workload": {"clients": 1, "clients": 2}})", "workload.clients: ", "twice",
     true},
    {"unknown top-level field", R"("nodez": 3)", "nodez: ", "did you mean \"nodes\""},
    {"unknown nested field", R"("workload": {"clientz": 3})", "workload.clientz: ", "known: clients, keys"},
    {"unknown field in a fault", R"("faults": [{"at_ms": 1, "partiton": "halves"}])",
     "faults[0].partiton: ", "did you mean \"partition\""},
    {"wrong type", R"("nodes": "5")", "nodes: ", "integer in [1, 9], got \"5\""},
    {"null where an object goes", R"("workload": null)", "workload: ", "must be an object, got null"},
    {"string where an array goes", R"("checks": "liveness")", "checks: ", "must be an array"},
    {"integer with a fraction", R"("nodes": 2.5)", "nodes: ", "got 2.5"},
    {"integer written as a float", R"("nodes": 3.0)", "nodes: ", "integer in [1, 9], got 3.0"},
    {"huge node count", R"("nodes": 1e308)", "nodes: ", "got 1e+308"},
    {"nodes out of range", R"("nodes": 10)", "nodes: ", "[1, 9]"},
    {"no nodes", R"("nodes": 0)", "nodes: ", "[1, 9]"},
    {"negative seed", R"("seed": -1)", "seed: ", "integer"},
    {"seed beyond 64 bits", R"("seed": 18446744073709551616)", "seed: ", "integer"},
    {"negative duration", R"("duration_ms": -5)", "duration_ms: ", "(0, 86400000]"},
    {"zero duration", R"("duration_ms": 0)", "duration_ms: ", "got 0"},
    {"unknown protocol", R"("protocol": "paxos")", "protocol: ", "one of raft, zab; got \"paxos\""},
    {"unknown service", R"("service": "sql")", "service: ", "one of kv, znode"},
    {"fraction sum above one", R"("workload": {"read_fraction": 0.6, "cas_fraction": 0.5})", "workload: ", "at most 1"},
    {"fraction above one", R"("workload": {"read_fraction": 1.5})", "workload.read_fraction: ", "[0, 1]"},
    {"znode workload without writes", R"("service": "znode", "workload": {"read_fraction": 0.7, "cas_fraction": 0.3})",
     "workload: ", "no writes"},
    {"clients out of range", R"("workload": {"clients": 1001})", "workload.clients: ", "[0, 1000]"},
    {"znode field in a kv scenario", R"("workload": {"ephemeral_fraction": 0.5})",
     "workload.ephemeral_fraction: ", "znode"},
    {"unknown read_mode", R"("protocol_config": {"read_mode": "fast"})",
     "protocol_config.read_mode: ", "one of log, read_index, lease, follower"},
    {"lease reads without check_quorum", R"("protocol_config": {"read_mode": "lease", "check_quorum": false})",
     "protocol_config.read_mode: ", "check_quorum"},
    {"election not above heartbeat", R"("protocol_config": {"election_ticks": 5, "heartbeat_ticks": 5})",
     "protocol_config.election_ticks: ", "greater than heartbeat_ticks"},
    {"heartbeat above the default election", R"("protocol_config": {"heartbeat_ticks": 10})",
     "protocol_config.heartbeat_ticks: ", "less than election_ticks"},
    {"drift bound out of range", R"("protocol_config": {"max_clock_drift_ppm": 500000})",
     "protocol_config.max_clock_drift_ppm: ", "[0, 500000)"},
    {"zero tick", R"("protocol_config": {"tick_ms": 0})", "protocol_config.tick_ms: ", "got 0"},
    {"unknown bug switch", R"("bugs": ["raft.commit_future_term"])", "bugs[0]: ", "unknown bug switch"},
    {"duplicate bug switch", R"("bugs": ["raft.vote_before_persist", "raft.vote_before_persist"])",
     "bugs[1]: ", "duplicate"},
    {"bug switch of another type", R"("bugs": [7])", "bugs[0]: ", "must be a string"},
    {"unknown check", R"("checks": ["serializability"])", "checks[0]: ", "unknown check"},
    {"duplicate check", R"("checks": ["liveness", "liveness"])", "checks[1]: ", "duplicate"},
    {"expect.check with verdict pass", R"("expect": {"verdict": "pass", "check": "liveness"})",
     "expect.check: ", "verdict \"fail\""},
    {"unknown verdict", R"("expect": {"verdict": "maybe"})", "expect.verdict: ", "one of pass, fail"},
    {"expected check not run", R"("checks": ["invariants"], "expect": {"verdict": "fail", "check": "liveness"})",
     "expect.check: ", "not among"},
    {"invariant without check invariants", R"("expect": {"verdict": "fail", "invariant": "election_safety"})",
     "expect.invariant: ", "only with check \"invariants\""},
    {"unknown invariant", R"("expect": {"verdict": "fail", "check": "invariants", "invariant": "safety"})",
     "expect.invariant: ", "one of election_safety"},
    {"fail with no checks", R"("checks": [], "expect": {"verdict": "fail"})", "expect.verdict: ", "checks"},
    {"latency min above max", R"("network": {"latency_ms_min": 20, "latency_ms_max": 5})",
     "network.latency_ms_max: ", "at least latency_ms_min (20), got 5"},
    {"latency max below the default min", R"("network": {"latency_ms_max": 0.5})",
     "network.latency_ms_max: ", "default"},
    {"latency min above the default max", R"("network": {"latency_ms_min": 20})",
     "network.latency_ms_min: ", "at most latency_ms_max (10, the simulator's default), got 20"},
    {"mean without the exponential shape", R"("network": {"latency_ms_mean": 3})",
     "network.latency_ms_mean: ", "exponential"},
    {"probability above one", R"("network": {"drop_probability": 1.01})", "network.drop_probability: ", "[0, 1]"},
    {"sync min above max", R"("disk": {"sync_ms_min": 5, "sync_ms_max": 1})", "disk.sync_ms_max: ", "at least"},
    {"faults not an array", R"("faults": {"at_ms": 1, "heal": true})", "faults: ", "must be an array"},
    {"fault not an object", R"("faults": ["crash"])", "faults[0]: ", "must be an object"},
    {"fault with no kind", R"("faults": [{"at_ms": 1}])", "faults[0]: ", "exactly one kind"},
    {"fault with two kinds", R"("faults": [{"at_ms": 1, "crash": "n1", "pause": "n2", "for_ms": 5}])",
     "faults[0]: ", "got crash and pause"},
    {"fault without at_ms", R"("faults": [{"crash": "n1"}])", "faults[0].at_ms: ", "missing"},
    {"at_ms beyond duration", R"("duration_ms": 1000, "faults": [{"at_ms": 1500, "heal": true}])",
     "faults[0].at_ms: ", "at most duration_ms (1000), got 1500"},
    {"negative at_ms", R"("faults": [{"at_ms": -1, "heal": true}])", "faults[0].at_ms: ", "[0, 86400000]"},
    {"unknown node n9 in a 5-node scenario", R"("nodes": 5, "faults": [{"at_ms": 1, "crash": "n9"}])",
     "faults[0].crash: ", "unknown node \"n9\""},
    {"node n0", R"("faults": [{"at_ms": 1, "crash": "n0"}])", "faults[0].crash: ", "unknown node"},
    {"unknown selector", R"("faults": [{"at_ms": 1, "restart": "leaderr"}])",
     "faults[0].restart: ", "unknown selector \"leaderr\""},
    {"selector of another type", R"("faults": [{"at_ms": 1, "crash": 1}])", "faults[0].crash: ", "selector"},
    {"partition with one group", R"("faults": [{"at_ms": 1, "partition": [["n1", "n2"]]}])",
     "faults[0].partition: ", "at least two groups"},
    {"two \"*\" groups", R"("faults": [{"at_ms": 1, "partition": [["n1"], ["*"], ["*"]]}])",
     "faults[0].partition[2][0]: ", "one group only"},
    {"empty partition group", R"("faults": [{"at_ms": 1, "partition": [[], ["*"]]}])",
     "faults[0].partition[0]: ", "at least one node"},
    {"node in two groups", R"("faults": [{"at_ms": 1, "partition": [["n1"], ["n1", "n2"]]}])",
     "faults[0].partition[1][0]: ", "named twice"},
    {"\"*\" with nobody left", R"("faults": [{"at_ms": 1, "partition": [["n1", "n2"], ["n3"], ["*"]]}])",
     "faults[0].partition[2][0]: ", "empty"},
    {"unknown partition shape", R"("faults": [{"at_ms": 1, "partition": "thirds"}])",
     "faults[0].partition: ", "one of halves, majority_ring, bridge"},
    {"bridge with two nodes", R"("nodes": 2, "faults": [{"at_ms": 1, "partition": "bridge"}])",
     "faults[0].partition: ", "at least 3 nodes"},
    {"cut from a node to itself", R"("faults": [{"at_ms": 1, "cut": {"from": "n2", "to": "n2"}}])",
     "faults[0].cut.to: ", "itself"},
    {"cut without to", R"("faults": [{"at_ms": 1, "cut": {"from": "n2"}}])", "faults[0].cut.to: ", "missing"},
    {"heal false", R"("faults": [{"at_ms": 1, "heal": false}])", "faults[0].heal: ", "must be true"},
    {"pause without for_ms", R"("faults": [{"at_ms": 1, "pause": "leader"}])", "faults[0].for_ms: ", "missing"},
    {"for_ms on a crash", R"("faults": [{"at_ms": 1, "crash": "n1", "for_ms": 5}])",
     "faults[0].for_ms: ", "only a pause"},
    {"clock fault with neither offset nor drift", R"("faults": [{"at_ms": 1, "clock": {"node": "n1"}}])",
     "faults[0].clock: ", "offset_ms"},
    {"drift out of range", R"("faults": [{"at_ms": 1, "clock": {"node": "n1", "drift_ppm": 2000000}}])",
     "faults[0].clock.drift_ppm: ", "[-500000, 1000000]"},
    {"network fault that changes nothing", R"("faults": [{"at_ms": 1, "network": {"between": ["n1", "n2"]}}])",
     "faults[0].network: ", "changes nothing"},
    {"between with three ends", R"("faults": [{"at_ms": 1, "network": {"drop_probability": 1,
       "between": ["n1", "n2", "n3"]}}])",
     "faults[0].network.between: ", "exactly two"},
    {"disk fault that changes nothing", R"("faults": [{"at_ms": 1, "disk": {"node": "n1"}}])",
     "faults[0].disk: ", "changes nothing"},
    {"crash point without a step", R"("faults": [{"at_ms": 1, "crash_point": {"node": "n1"}}])",
     "faults[0].crash_point.before: ", "required field is missing (the step of a Ready"},
    {"crash point before an unknown step",
     R"("faults": [{"at_ms": 1, "crash_point": {"node": "n1", "before": "fsync"}}])",
     "faults[0].crash_point.before: ", "one of write, sync, events, send, apply, advance"},
    {"crash point after another protocol's event",
     R"("faults": [{"at_ms": 1, "crash_point": {"node": "n1", "before": "send", "after_event": "zab.ack"}}])",
     "faults[0].crash_point.after_event: ", "\"zab.ack\" is not a trace kind of protocol raft (known: raft.append"},
    {"crash point after a number", R"("faults": [{"at_ms": 1, "crash_point": {"node": "n1", "before": "send",
       "after_event": 3}}])",
     "faults[0].crash_point.after_event: ", "must be a trace kind of protocol raft"},
    {"crash point with a zero window", R"("faults": [{"at_ms": 1, "crash_point": {"node": "n1", "before": "send",
       "within_ms": 0}}])",
     "faults[0].crash_point.within_ms: ", "got 0"},
    {"crash point with a negative restart", R"("faults": [{"at_ms": 1, "crash_point": {"node": "n1",
       "before": "send", "restart_after_ms": -1}}])",
     "faults[0].crash_point.restart_after_ms: ", "got -1"},
    {"membership change of nobody", R"("faults": [{"at_ms": 1, "membership": {}}])",
     "faults[0].membership: ", "exactly one change, one of add, remove, add_learner, got none"},
    {"two membership changes at once", R"("faults": [{"at_ms": 1, "membership": {"add": "n1", "remove": "n2"}}])",
     "faults[0].membership: ", "exactly one change"},
    {"membership change of every node", R"("faults": [{"at_ms": 1, "membership": {"remove": "*"}}])",
     "faults[0].membership.remove: ", "names one node"},
    {"misspelt membership change", R"("faults": [{"at_ms": 1, "membership": {"ad": "n1"}}])",
     "faults[0].membership.ad: ", "unknown field"},
    {"membership change in a zab scenario",
     R"("protocol": "zab", "faults": [{"at_ms": 1, "membership": {"add": "n1"}}])",
     "faults[0].membership: ", "membership changes are a Raft fault"},
    {"no voters", R"("protocol_config": {"voters": 0})", "protocol_config.voters: ", "[1, 3], got 0"},
    {"more voters than nodes", R"("nodes": 5, "protocol_config": {"voters": 6})",
     "protocol_config.voters: ", "[1, 5], got 6"},
    {"voters in a zab scenario", R"("protocol": "zab", "protocol_config": {"voters": 2})",
     "protocol_config.voters: ", "a Raft setting, but this scenario's protocol is zab"},
    {"strange key", R"("a.b\n": 1)", R"("a.b\n": )", "unknown field"},
    // --- protocol zab
    {"misspelt zab field", R"("protocol": "zab", "protocol_config": {"ping_tick": 3})",
     "protocol_config.ping_tick: ", "did you mean \"ping_ticks\""},
    {"raft field in a zab scenario", R"("protocol": "zab", "protocol_config": {"pre_vote": true})",
     "protocol_config.pre_vote: ", "a Raft setting, but this scenario's protocol is zab (known: tick_ms, ping_ticks"},
    {"zab field in a raft scenario", R"("protocol_config": {"observers": 1})",
     "protocol_config.observers: ", "a ZAB setting, but this scenario's protocol is raft (known: pre_vote"},
    {"raft field beside a misspelt one",
     R"("protocol": "zab", "protocol_config": {"check_quorum": true, "obsevers": 1})",
     "protocol_config.check_quorum: ", "a Raft setting"},
    {"zab ticks of another type", R"("protocol": "zab", "protocol_config": {"ping_ticks": "5"})",
     "protocol_config.ping_ticks: ", "integer in [1, 1000000], got \"5\""},
    {"zab ticks with a fraction", R"("protocol": "zab", "protocol_config": {"sync_limit_ticks": 7.5})",
     "protocol_config.sync_limit_ticks: ", "got 7.5"},
    {"zero ping_ticks", R"("protocol": "zab", "protocol_config": {"ping_ticks": 0})",
     "protocol_config.ping_ticks: ", "[1, 1000000]"},
    {"sync limit not above ping", R"("protocol": "zab", "protocol_config": {"ping_ticks": 10, "sync_limit_ticks": 10})",
     "protocol_config.sync_limit_ticks: ", "must be greater than ping_ticks (10), got 10"},
    {"ping above the default sync limit", R"("protocol": "zab", "protocol_config": {"ping_ticks": 60})",
     "protocol_config.ping_ticks: ", "must be less than sync_limit_ticks (50, the default), got 60"},
    {"init limit below the default sync limit", R"("protocol": "zab", "protocol_config": {"init_limit_ticks": 20})",
     "protocol_config.init_limit_ticks: ", "must be at least sync_limit_ticks (50, the default), got 20"},
    {"notification max below min",
     R"("protocol": "zab", "protocol_config": {"notification_min_ticks": 50, "notification_max_ticks": 40})",
     "protocol_config.notification_max_ticks: ", "at least notification_min_ticks (50), got 40"},
    {"negative finalize wait", R"("protocol": "zab", "protocol_config": {"finalize_wait_ticks": -1})",
     "protocol_config.finalize_wait_ticks: ", "[0, 1000000]"},
    {"empty committed log window", R"("protocol": "zab", "protocol_config": {"commit_log_count": 0})",
     "protocol_config.commit_log_count: ", "[1, 1000000]"},
    {"zxid counter too wide", R"("protocol": "zab", "protocol_config": {"counter_bits": 64})",
     "protocol_config.counter_bits: ", "[2, 48], got 64"},
    {"zero zab tick", R"("protocol": "zab", "protocol_config": {"tick_ms": 0})", "protocol_config.tick_ms: ", "got 0"},
    {"no voter left", R"("protocol": "zab", "nodes": 3, "protocol_config": {"observers": 3})",
     "protocol_config.observers: ", "at least one voter: at most 2 of the 3 nodes may observe, got 3"},
    {"observers out of range", R"("protocol": "zab", "nodes": 9, "protocol_config": {"observers": 9})",
     "protocol_config.observers: ", "[0, 8]"},
    {"raft read mode in a zab scenario", R"("protocol": "zab", "protocol_config": {"read_mode": "lease"})",
     "protocol_config.read_mode: ", "one of local, sync; got \"lease\""},
    {"zab read mode in a raft scenario", R"("protocol_config": {"read_mode": "sync"})",
     "protocol_config.read_mode: ", "one of log, read_index, lease, follower"},
    {"raft bug in a zab scenario", R"("protocol": "zab", "bugs": ["raft.commit_previous_term"])",
     "bugs[0]: ", "belongs to protocol raft, but this scenario's protocol is zab"},
    {"zab bug in a raft scenario", R"("bugs": ["zab.diff_instead_of_trunc"])",
     "bugs[0]: ", "belongs to protocol zab, but this scenario's protocol is raft"},
    {"unknown zab bug", R"("protocol": "zab", "bugs": ["zab.diff_instead_of_snap"])",
     "bugs[0]: ", "unknown bug switch \"zab.diff_instead_of_snap\" (known: zab.ack_newleader_before_persist"},
    {"duplicate zab bug", R"("protocol": "zab", "bugs": ["zab.retain_db_on_trunc", "zab.retain_db_on_trunc"])",
     "bugs[1]: ", "duplicate"},
    {"raft invariant in a zab scenario",
     R"("protocol": "zab", "expect": {"verdict": "fail", "check": "invariants", "invariant": "election_safety"})",
     "expect.invariant: ", "one of one_leader_per_epoch, prefix_consistency"},
    {"zab invariant in a raft scenario",
     R"("expect": {"verdict": "fail", "check": "invariants", "invariant": "prefix_consistency"})",
     "expect.invariant: ", "one of election_safety"},
    {"zab config not an object", R"("protocol": "zab", "protocol_config": [])",
     "protocol_config: ", "must be an object"},
};

TEST(ScenarioErrors, EachMistakeIsReportedWithFileFieldAndProblem) {
  ASSERT_GE(kBadCases.size(), 25u);
  for (const BadCase& bad : kBadCases) {
    SCOPED_TRACE(bad.what);
    const std::string text = bad.whole ? std::string(bad.fields) : std::string(R"({"name": "t", )") + bad.fields + "}";
    const std::string message = parse_error(text);
    EXPECT_EQ(message.rfind(std::string("bad.json: ") + bad.prefix, 0), 0u) << message;
    EXPECT_NE(message.find(bad.word), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    if (getenv("CONSIM_SHOW_MESSAGES") != nullptr) {
      std::printf("%s\n", message.c_str());
    }
  }
}

TEST(ScenarioErrors, NullInEveryFieldIsAnErrorNotACrash) {
  for (const char* field :
       {"name", "description", "protocol", "service", "nodes", "seed", "duration_ms", "protocol_config", "bugs",
        "network", "disk", "workload", "faults", "checks", "liveness", "expect"}) {
    SCOPED_TRACE(field);
    const std::string prefix = std::string(field) == "name" ? "" : R"("name": "t", )";
    const std::string message = parse_error("{" + prefix + "\"" + field + "\": null}");
    EXPECT_EQ(message.rfind("bad.json: " + std::string(field) + ": ", 0), 0u) << message;
    EXPECT_NE(message.find("null"), std::string::npos) << message;
  }
}

TEST(ScenarioErrors, DeepNestingIsRejectedWithoutExhaustingTheStack) {
  const size_t depth = 200'000;
  const std::string deep = std::string(depth, '[') + std::string(depth, ']');
  EXPECT_NE(parse_error(deep).find("must be a JSON object"), std::string::npos);
  const std::string nested_fault = R"({"name": "t", "faults": )" + deep + "}";
  EXPECT_NE(parse_error(nested_fault).find("faults[0]: must be an object"), std::string::npos);
  const std::string nested_group = R"({"name": "t", "faults": [{"at_ms": 1, "partition": [["n1"], )" + deep + "]}]}";
  EXPECT_NE(parse_error(nested_group).find("faults[0].partition[1][0]: must be a node selector"), std::string::npos);
}

TEST(ScenarioErrors, EveryTruncationAndByteFlipFailsCleanly) {
  const std::string full = kDesignExample;
  for (size_t length = 0; length < full.size(); ++length) {
    const std::string message = parse_error(full.substr(0, length));
    ASSERT_EQ(message.rfind("bad.json: invalid JSON at line ", 0), 0u) << length << ": " << message;
  }
  for (size_t at = 0; at < full.size(); ++at) {
    for (const char replacement : {'\0', '"', '[', '}', '9', '-', '\xff'}) {
      std::string text = full;
      text[at] = replacement;
      const ScenarioResult result = parse_scenario(text, "bad.json");
      if (const auto* error = std::get_if<ScenarioError>(&result)) {
        ASSERT_EQ(error->message.rfind("bad.json: ", 0), 0u) << error->message;
        ASSERT_EQ(error->message.find('\n'), std::string::npos) << error->message;
      }
    }
  }
}

TEST(ScenarioErrors, LongValuesAreShortenedInMessages) {
  const std::string huge(100'000, 'x');
  const std::string message = parse_error(R"({"name": "t", "service": ")" + huge + "\"}");
  EXPECT_LT(message.size(), 200u) << message;
  EXPECT_NE(message.find("..."), std::string::npos);
}

TEST(ScenarioFiles, LoadsAFileAndNamesMissingOnes) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "consim_scenario_test";
  std::filesystem::create_directories(dir);
  const std::string good = (dir / "good.json").string();
  std::ofstream(good) << kDesignExample;
  const ScenarioResult loaded = load_scenario(good);
  ASSERT_TRUE(std::holds_alternative<Scenario>(loaded)) << std::get<ScenarioError>(loaded).message;
  EXPECT_EQ(std::get<Scenario>(loaded).file, good);

  const std::string bad = (dir / "bad.json").string();
  std::ofstream(bad) << R"({"name": "x", "nodes": 12})";
  const ScenarioResult invalid = load_scenario(bad);
  ASSERT_TRUE(std::holds_alternative<ScenarioError>(invalid));
  EXPECT_EQ(std::get<ScenarioError>(invalid).message, bad + ": nodes: must be an integer in [1, 9], got 12");

  const std::string missing = (dir / "missing.json").string();
  const ScenarioResult absent = load_scenario(missing);
  ASSERT_TRUE(std::holds_alternative<ScenarioError>(absent));
  EXPECT_EQ(std::get<ScenarioError>(absent).message, missing + ": cannot open: No such file or directory");

  const ScenarioResult directory = load_scenario(dir.string());
  ASSERT_TRUE(std::holds_alternative<ScenarioError>(directory));
  EXPECT_NE(std::get<ScenarioError>(directory).message.find("is a directory"), std::string::npos);
  std::filesystem::remove_all(dir);
}

// --- property: random structural mutations of the design example

using Json = nlohmann::json;

// Every value in `root`, as JSON pointers ("" is the document).
void collect_pointers(const Json& value, const Json::json_pointer& at, std::vector<Json::json_pointer>& out) {
  out.push_back(at);
  if (value.is_object()) {
    for (const auto& [key, child] : value.items()) {
      collect_pointers(child, at / key, out);
    }
  } else if (value.is_array()) {
    for (size_t i = 0; i < value.size(); ++i) {
      collect_pointers(value[i], at / i, out);
    }
  }
}

const std::vector<Json>& nasty_values() {
  static const std::vector<Json> values = {nullptr,
                                           true,
                                           false,
                                           0,
                                           -1,
                                           1,
                                           2,
                                           5,
                                           9,
                                           10,
                                           2.5,
                                           -0.0,
                                           1e308,
                                           -1e308,
                                           18446744073709551615ull,
                                           "",
                                           "n1",
                                           "n5",
                                           "n9",
                                           "n0",
                                           "*",
                                           "leader",
                                           "follower",
                                           "random",
                                           "halves",
                                           "bridge",
                                           "lease",
                                           "fail",
                                           "pass",
                                           "liveness",
                                           "raft.commit_previous_term",
                                           "zab",
                                           "local",
                                           "zab.diff_instead_of_trunc",
                                           Json::array(),
                                           Json::object(),
                                           Json::array({"*"}),
                                           Json::array({Json::array({"*"}), Json::array({"*"})}),
                                           Json::array({Json::array({"n1"}), Json::array({"n2"})}),
                                           Json::object({{"at_ms", 1}, {"heal", true}}),
                                           Json::object({{"node", "n1"}}),
                                           Json::object({{"at_ms", 1}, {"pause", "n1"}, {"for_ms", 1}})};
  return values;
}

void check_contract(const Scenario& s) {
  RC_ASSERT(s.nodes >= 1u);
  RC_ASSERT(s.nodes <= 9u);
  RC_ASSERT(s.duration_ms > 0);
  RC_ASSERT(s.raft.election_ticks > s.raft.heartbeat_ticks);
  for (size_t i = 0; i < s.faults.size(); ++i) {
    RC_ASSERT(s.faults[i].at_ms >= 0);
    RC_ASSERT(s.faults[i].at_ms <= s.duration_ms);
    // RC_ASSERT decomposes its expression, so `||` inside it would not short-circuit.
    const bool sorted = i == 0 || s.faults[i - 1].at_ms <= s.faults[i].at_ms;
    RC_ASSERT(sorted);
    if (const auto* crash = std::get_if<CrashFault>(&s.faults[i].action)) {
      const bool in_range =
          crash->node.kind != Selector::Kind::kNode || (crash->node.node >= 1 && crash->node.node <= s.nodes);
      RC_ASSERT(in_range);
    }
  }
  RC_ASSERT(s.workload.read_fraction + s.workload.cas_fraction + s.workload.delete_fraction <= 1 + 1e-9);
  RC_ASSERT(s.zab.observers < s.nodes);
  RC_ASSERT(s.zab.sync_limit_ticks > s.zab.ping_ticks);
  for (const std::string& bug : s.bugs) {
    RC_ASSERT(bug.rfind(s.protocol + ".", 0) == 0u);
  }
}

RC_GTEST_PROP(ScenarioProperty, MutatedScenariosLoadOrFailCleanly, ()) {
  Json root = Json::parse(kDesignExample);
  const int mutations = *rc::gen::inRange(1, 4);
  for (int m = 0; m < mutations; ++m) {
    std::vector<Json::json_pointer> pointers;
    collect_pointers(root, Json::json_pointer(), pointers);
    const Json::json_pointer at = *rc::gen::elementOf(pointers);
    const int action = *rc::gen::inRange(0, 3);
    if (action == 0 || at.empty()) {
      root[at] = *rc::gen::elementOf(nasty_values());
    } else if (action == 1) {
      Json& parent = root[at.parent_pointer()];
      if (parent.is_object()) {
        parent.erase(at.back());
      } else {
        parent.erase(parent.begin() + static_cast<std::ptrdiff_t>(std::stoul(at.back())));
      }
    } else {
      Json& target = root[at];
      if (target.is_array()) {
        target.push_back(*rc::gen::elementOf(nasty_values()));
      } else if (target.is_object()) {
        target[*rc::gen::elementOf(std::vector<std::string>{"nodes", "at_ms", "for_ms", "between", "zzz"})] =
            *rc::gen::elementOf(nasty_values());
      }
    }
  }
  const ScenarioResult result = parse_scenario(root.dump(), "fuzz.json");
  if (const auto* error = std::get_if<ScenarioError>(&result)) {
    RC_ASSERT(error->message.rfind("fuzz.json: ", 0) == 0u);
    RC_ASSERT(error->message.find('\n') == std::string::npos);
  } else {
    check_contract(std::get<Scenario>(result));
  }
}

}  // namespace
}  // namespace consim::harness
