// The scenario writer (harness/scenario_writer.h): what it writes, parse_scenario() accepts and
// turns back into the same scenario, field by field and bit for bit, for raft and zab, kv and
// znode, with every fault kind and every selector form; writing again gives the same bytes; the
// layout is the documented one (a golden text); every checked-in scenario survives the trip; a
// property throws random doubles at it; and a written reproducer replays to the same trace digest.
#include "harness/scenario_writer.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "harness/runner.h"
#include "harness/scenario.h"
#include "protocols/raft/config.h"
#include "protocols/zab/config.h"
#include "sim/disk.h"
#include "sim/network.h"
#include "tests/harness/scenario_compare.h"

namespace consim::harness {
namespace {

using scenario_compare::differences;
using scenario_compare::same;

// The differences test itself: a comparison that sees nothing proves nothing.
TEST(ScenarioWriter, TheComparisonSeesAbsenceTheLastBitAndFaultFields) {
  Scenario a;
  a.faults.push_back(Fault{1, ClockFault{Selector{}, 0.5, std::nullopt}});
  EXPECT_EQ(differences(a, a), "");
  Scenario b = a;
  b.network.drop_probability = 0.0;
  b.raft.tick_ms = std::nextafter(a.raft.tick_ms, 100.0);
  std::get<ClockFault>(b.faults[0].action).offset_ms = -0.5;
  const std::string found = differences(a, b);
  EXPECT_NE(found.find("network.drop_probability: absent != 0"), std::string::npos) << found;
  EXPECT_NE(found.find("raft.tick_ms"), std::string::npos) << found;
  EXPECT_NE(found.find("faults[0].clock.offset_ms"), std::string::npos) << found;
  // Bit for bit: 0 and -0 are equal doubles, but not the same value written back.
  Scenario c = a;
  c.workload.read_fraction = 0.0;
  Scenario minus_zero = a;
  minus_zero.workload.read_fraction = -0.0;
  EXPECT_NE(differences(c, minus_zero), "");
}

// --- parsing and the trip

Scenario parse_ok(const std::string& text, std::string_view file = "written.json") {
  ScenarioResult result = parse_scenario(text, file);
  if (const auto* error = std::get_if<ScenarioError>(&result)) {
    ADD_FAILURE() << error->message << "\n" << text;
    return Scenario{};
  }
  return std::get<Scenario>(std::move(result));
}

// The top-level link and disk with the simulator's defaults in place of absent settings: what
// the writer spells out, and what a scenario comes back with.
Scenario resolved(Scenario scenario) {
  const sim::LinkParams link;
  const sim::DiskParams disk;
  const auto ms = [](Duration duration) { return static_cast<double>(duration.ns) / 1e6; };
  NetworkSpec& network = scenario.network;
  network.latency_ms_min = network.latency_ms_min.value_or(ms(link.latency_min));
  network.latency_ms_max = network.latency_ms_max.value_or(ms(link.latency_max));
  network.latency_shape = network.latency_shape.value_or("uniform");
  if (network.latency_shape == "exponential") {
    network.latency_ms_mean = network.latency_ms_mean.value_or(ms(link.latency_mean));
  }
  network.drop_probability = network.drop_probability.value_or(link.drop_probability);
  network.duplicate_probability = network.duplicate_probability.value_or(link.duplicate_probability);
  scenario.disk.sync_ms_min = scenario.disk.sync_ms_min.value_or(ms(disk.sync_latency_min));
  scenario.disk.sync_ms_max = scenario.disk.sync_ms_max.value_or(ms(disk.sync_latency_max));
  scenario.disk.torn_write_probability = scenario.disk.torn_write_probability.value_or(disk.torn_write_probability);
  scenario.disk.lying_sync = scenario.disk.lying_sync.value_or(disk.lying_sync);
  return scenario;
}

// Writes `scenario`, parses the text, and checks that nothing changed (but for the defaults the
// writer spells out) and that writing the parsed copy gives the same bytes. Returns the text.
std::string expect_round_trip(const Scenario& scenario) {
  const std::string text = scenario_to_json(scenario);
  const Scenario parsed = parse_ok(text);
  EXPECT_EQ(differences(resolved(scenario), parsed), "") << text;
  EXPECT_EQ(scenario_to_json(parsed), text);
  return text;
}

Selector node(uint32_t n) { return Selector{Selector::Kind::kNode, n}; }
Selector selector(Selector::Kind kind) { return Selector{kind, 0}; }
const Selector kLeader = selector(Selector::Kind::kLeader);
const Selector kFollower = selector(Selector::Kind::kFollower);
const Selector kRandom = selector(Selector::Kind::kRandom);
const Selector kAll = selector(Selector::Kind::kAll);

PartitionFault shape(PartitionFault::Shape partition_shape) { return PartitionFault{partition_shape, {}}; }

// Every fault kind of `protocol` and every form each takes, every selector, awkward numbers, and
// two faults at one instant (they keep their order). Needs 5 nodes.
std::vector<Fault> every_fault(const std::string& protocol) {
  NetworkFault all_links;
  all_links.link.drop_probability = 0.2;
  NetworkFault every_setting;
  every_setting.link = NetworkSpec{1, 20, 5, "exponential", 0.0, 0.5};
  every_setting.between.emplace(node(1), kLeader);
  NetworkFault uniform;
  uniform.link.latency_ms_max = 3;
  uniform.link.latency_shape = "uniform";
  uniform.between.emplace(kFollower, kRandom);
  std::vector<Fault> faults = {
      Fault{0, PartitionFault{PartitionFault::Shape::kGroups, {{node(1), kLeader}, {kFollower, kRandom}, {kAll}}}},
      Fault{100, shape(PartitionFault::Shape::kHalves)},
      Fault{100, shape(PartitionFault::Shape::kMajorityRing)},
      Fault{200, shape(PartitionFault::Shape::kBridge)},
      Fault{250, PartitionFault{PartitionFault::Shape::kGroups, {{node(2)}, {node(1), node(3), node(4), node(5)}}}},
      Fault{300, CutFault{node(2), kLeader}},
      Fault{300.25, CutFault{kRandom, kFollower}},
      Fault{400.5, HealFault{}},
      Fault{500, CrashFault{kFollower}},
      Fault{510, CrashFault{node(3)}},
      Fault{600, RestartFault{kAll}},
      Fault{610, RestartFault{kRandom}},
      Fault{700, PauseFault{kRandom, 123.25}},
      Fault{710, PauseFault{kLeader, 0.001}},
      Fault{800, ClockFault{node(3), -250.5, std::nullopt}},
      Fault{900, ClockFault{kLeader, std::nullopt, 200000}},
      Fault{1000, ClockFault{kAll, 1e-3, -0.5}},
      Fault{1100, all_links},
      Fault{1200, every_setting},
      Fault{1300, uniform},
      Fault{1400, DiskFault{node(4), 30, std::nullopt, false}},
      Fault{1500, DiskFault{kLeader, std::nullopt, false, false}},
      Fault{1600, DiskFault{kRandom, std::nullopt, std::nullopt, true}},
      Fault{1700, DiskFault{kAll, 0.5, true, true}},
      Fault{1800, CrashPointFault{kAll, "advance", protocol + ".vote", 250.5, 3}},
      Fault{1810, CrashPointFault{node(2), "write", "", std::nullopt, std::nullopt}},
      Fault{1820, CrashPointFault{kFollower, "sync", "", 1e-3, std::nullopt}},
      Fault{1830, CrashPointFault{kLeader, "send", protocol + ".start", std::nullopt, 0.5}},
      Fault{1840, CrashPointFault{kRandom, "events", "", std::nullopt, std::nullopt}},
      Fault{1850, CrashPointFault{node(1), "apply", "", std::nullopt, std::nullopt}},
      Fault{2157.9, CrashFault{node(5)}},
      Fault{2157.9, RestartFault{node(5)}},
      Fault{12345.678, HealFault{}},
  };
  if (protocol == "raft") {  // ZAB's reconfiguration is not modelled
    const std::vector<Fault> changes = {
        Fault{1900, MembershipFault{MembershipFault::Change::kAdd, node(5)}},
        Fault{1910, MembershipFault{MembershipFault::Change::kRemove, kLeader}},
        Fault{1920, MembershipFault{MembershipFault::Change::kAddLearner, kRandom}},
        Fault{1930, MembershipFault{MembershipFault::Change::kAdd, kFollower}},
    };
    faults.insert(faults.end() - 3, changes.begin(), changes.end());
  }
  return faults;
}

// Every top-level field away from its default.
Scenario full_scenario(const std::string& protocol, const std::string& service) {
  Scenario s;
  s.name = "writer.full_" + protocol + "-" + service;
  s.description = "Every field.\n\"Quoted\", back\\slash, tab\t, bell\x07, del\x7f, \xc3\xa9 \xe2\x86\x92 \xe2\x9c\x93";
  s.protocol = protocol;
  s.service = service;
  s.nodes = 7;
  s.seed = std::numeric_limits<uint64_t>::max();
  s.duration_ms = 12345.678;
  if (protocol == "raft") {
    s.raft = RaftSpec{false, false, "follower", 2500.5, 7.25, 20, 3, 0, 1, false, 5};
    s.bugs = {std::string(protocols::raft::bug_catalogue().back().name),
              std::string(protocols::raft::bug_catalogue().front().name)};
    s.expect = Expectation{"fail", "invariants", "log_matching"};
  } else {
    s.zab = ZabSpec{2.5, 3, 7, 9, 0, 5, 50, 17, 8, 123, 2, "local"};
    s.bugs = {std::string(protocols::zab::bug_catalogue().back().name),
              std::string(protocols::zab::bug_catalogue().front().name)};
    s.expect = Expectation{"fail", "invariants", "prefix_consistency"};
  }
  s.network = NetworkSpec{0.5, 12.75, 2.2, "exponential", 0.1, 1e-7};
  s.disk = DiskSpec{0.25, 3, 0.3, true};
  s.workload.clients = 7;
  s.workload.keys = 11;
  s.workload.read_fraction = 0.1;
  s.workload.cas_fraction = 0.2;
  s.workload.delete_fraction = 0.3;
  s.workload.timeout_ms = 250.5;
  s.workload.rate_per_s = 1234.5;
  if (service == "znode") {
    s.workload.ephemeral_fraction = 0.25;
    s.workload.session_timeout_ms = 3000.5;
  }
  s.faults = every_fault(protocol);
  s.checks = {"sequential", "liveness", "invariants"};
  s.liveness = LivenessSpec{1234.5, 6789.25};
  return s;
}

TEST(ScenarioWriter, RaftKvWithEveryFieldAndFaultRoundTrips) { expect_round_trip(full_scenario("raft", "kv")); }
TEST(ScenarioWriter, RaftZnodeWithEveryFieldAndFaultRoundTrips) { expect_round_trip(full_scenario("raft", "znode")); }
TEST(ScenarioWriter, ZabKvWithEveryFieldAndFaultRoundTrips) { expect_round_trip(full_scenario("zab", "kv")); }
TEST(ScenarioWriter, ZabZnodeWithEveryFieldAndFaultRoundTrips) { expect_round_trip(full_scenario("zab", "znode")); }

TEST(ScenarioWriter, WritesOnlyTheScenariosOwnProtocolConfig) {
  const std::string raft = scenario_to_json(full_scenario("raft", "kv"));
  const std::string zab = scenario_to_json(full_scenario("zab", "kv"));
  for (const char* key : {"\"pre_vote\"", "\"check_quorum\"", "\"election_ticks\"", "\"max_entries_per_message\""}) {
    EXPECT_NE(raft.find(key), std::string::npos) << key;
    EXPECT_EQ(zab.find(key), std::string::npos) << key;
  }
  for (const char* key : {"\"ping_ticks\"", "\"counter_bits\"", "\"observers\"", "\"commit_log_count\""}) {
    EXPECT_EQ(raft.find(key), std::string::npos) << key;
    EXPECT_NE(zab.find(key), std::string::npos) << key;
  }
}

TEST(ScenarioWriter, ZnodeOnlyWorkloadFieldsAreWrittenForZnodeOnly) {
  // The loader rejects them beside kv, so they are not there.
  EXPECT_EQ(scenario_to_json(full_scenario("raft", "kv")).find("ephemeral_fraction"), std::string::npos);
  const std::string znode = scenario_to_json(full_scenario("raft", "znode"));
  EXPECT_NE(znode.find("\"ephemeral_fraction\": 0.25,"), std::string::npos) << znode;
  EXPECT_NE(znode.find("\"session_timeout_ms\": 3000.5\n"), std::string::npos) << znode;
}

// --- the layout

// Everything at its default: the whole resolved configuration, spelt out.
constexpr const char* kMinimalWritten = R"({
  "name": "minimal",
  "description": "",
  "protocol": "raft",
  "service": "kv",
  "nodes": 3,
  "seed": 1,
  "duration_ms": 10000,
  "protocol_config": {
    "pre_vote": true,
    "check_quorum": true,
    "read_mode": "read_index",
    "max_clock_drift_ppm": 1000,
    "tick_ms": 10,
    "election_ticks": 10,
    "heartbeat_ticks": 1,
    "snapshot_every_entries": 10000,
    "forward_proposals": true,
    "max_entries_per_message": 64
  },
  "bugs": [],
  "network": {
    "latency_ms_min": 1,
    "latency_ms_max": 10,
    "latency_shape": "uniform",
    "drop_probability": 0,
    "duplicate_probability": 0
  },
  "disk": {
    "sync_ms_min": 0.5,
    "sync_ms_max": 2,
    "torn_write_probability": 0,
    "lying_sync": false
  },
  "workload": {
    "clients": 3,
    "keys": 3,
    "read_fraction": 0.5,
    "cas_fraction": 0,
    "delete_fraction": 0,
    "timeout_ms": 1000,
    "rate_per_s": 0
  },
  "faults": [],
  "checks": ["invariants", "linearizability", "liveness"],
  "liveness": {
    "leader_within_ms": 5000,
    "commit_within_ms": 5000
  },
  "expect": {
    "verdict": "pass"
  }
}
)";

TEST(ScenarioWriter, DefaultsAreWrittenOutInFull) {
  const Scenario minimal = parse_ok(R"({"name": "minimal"})");
  EXPECT_EQ(scenario_to_json(minimal), kMinimalWritten);
  // Absent top-level link and disk settings come back as the simulator's defaults, as values.
  const Scenario parsed = parse_ok(kMinimalWritten);
  const sim::LinkParams link;
  const sim::DiskParams disk;
  EXPECT_EQ(parsed.network.latency_ms_min, static_cast<double>(link.latency_min.ns) / 1e6);
  EXPECT_EQ(parsed.network.latency_ms_max, static_cast<double>(link.latency_max.ns) / 1e6);
  EXPECT_EQ(parsed.network.latency_shape, "uniform");
  EXPECT_FALSE(parsed.network.latency_ms_mean.has_value());  // the uniform shape has none
  EXPECT_EQ(parsed.disk.sync_ms_min, static_cast<double>(disk.sync_latency_min.ns) / 1e6);
  EXPECT_EQ(parsed.disk.sync_ms_max, static_cast<double>(disk.sync_latency_max.ns) / 1e6);
  EXPECT_EQ(scenario_to_json(parsed), kMinimalWritten);
}

TEST(ScenarioWriter, ExponentialShapeGetsTheDefaultMeanWrittenOut) {
  const Scenario exponential = parse_ok(R"({"name": "x", "network": {"latency_shape": "exponential"}})");
  const std::string text = scenario_to_json(exponential);
  EXPECT_NE(text.find("    \"latency_ms_mean\": 3,\n    \"latency_shape\": \"exponential\",\n"), std::string::npos)
      << text;
  EXPECT_EQ(parse_ok(text).network.latency_ms_mean, 3.0);
}

constexpr const char* kFaultsWritten = R"(  "faults": [
    {"at_ms": 1000, "partition": [["n1", "leader"], ["*"]]},
    {"at_ms": 1000, "partition": "majority_ring"},
    {"at_ms": 1500, "cut": {"from": "n2", "to": "follower"}},
    {"at_ms": 2000, "heal": true},
    {"at_ms": 2500, "crash": "random"},
    {"at_ms": 2600, "restart": "*"},
    {"at_ms": 3000, "pause": "leader", "for_ms": 200},
    {"at_ms": 3100, "clock": {"node": "n3", "offset_ms": -20.5, "drift_ppm": 1000}},
    {"at_ms": 3200, "network": {"latency_ms_mean": 4, "latency_shape": "exponential", "between": ["n1", "n2"]}},
    {"at_ms": 3300, "disk": {"node": "n1", "sync_ms": 40, "lying_sync": true, "lose_unsynced": true}}
  ],
)";

// One fault a line, at_ms first, then the kind, then (for a pause) for_ms; the file's order at
// equal times, whatever order the keys had in the file.
TEST(ScenarioWriter, WritesOneFaultALineInTheLoadersKeyOrder) {
  const Scenario scenario = parse_ok(R"({"name": "faults", "faults": [
    {"partition": [["n1", "leader"], ["*"]], "at_ms": 1000},
    {"at_ms": 1000.0, "partition": "majority_ring"},
    {"cut": {"to": "follower", "from": "n2"}, "at_ms": 1500},
    {"at_ms": 2000, "heal": true},
    {"at_ms": 2500, "crash": "random"},
    {"at_ms": 2600, "restart": "*"},
    {"for_ms": 200, "pause": "leader", "at_ms": 3000},
    {"at_ms": 3100, "clock": {"drift_ppm": 1000, "offset_ms": -20.5, "node": "n3"}},
    {"at_ms": 3200, "network": {"between": ["n1", "n2"], "latency_shape": "exponential", "latency_ms_mean": 4}},
    {"at_ms": 3300, "disk": {"lose_unsynced": true, "lying_sync": true, "sync_ms": 40, "node": "n1"}}
  ]})");
  const std::string text = scenario_to_json(scenario);
  EXPECT_NE(text.find(kFaultsWritten), std::string::npos) << text;
}

TEST(ScenarioWriter, TopLevelKeysComeInTheLoadersOrder) {
  const std::string text = scenario_to_json(full_scenario("zab", "znode"));
  size_t last = 0;
  for (const char* key :
       {"name", "description", "protocol", "service", "nodes", "seed", "duration_ms", "protocol_config", "bugs",
        "network", "disk", "workload", "faults", "checks", "liveness", "expect"}) {
    const size_t at = text.find("\n  \"" + std::string(key) + "\": ");
    ASSERT_NE(at, std::string::npos) << key;
    EXPECT_GT(at, last) << key;
    last = at;
  }
}

// --- numbers and strings

// The text a double is written as, read off a clock fault (whose two numbers take any sign).
std::string written_as(double value) {
  Scenario scenario;
  scenario.name = "number";
  scenario.faults.push_back(Fault{0, ClockFault{node(1), value, std::nullopt}});
  const std::string text = scenario_to_json(scenario);
  const std::string key = "\"offset_ms\": ";
  const size_t start = text.find(key) + key.size();
  const std::string number = text.substr(start, text.find('}', start) - start);
  // And it parses back to the very same double.
  const Scenario parsed = parse_ok(text);
  const auto& clock = std::get<ClockFault>(parsed.faults.at(0).action);
  EXPECT_TRUE(same(clock.offset_ms, std::optional(value + 0.0))) << number;
  return number;
}

TEST(ScenarioWriter, NumbersAreIntegersOrTheShortestTextThatReadsBackExactly) {
  EXPECT_EQ(written_as(2000), "2000");
  EXPECT_EQ(written_as(-250), "-250");
  EXPECT_EQ(written_as(0), "0");
  EXPECT_EQ(written_as(-0.0), "0");
  EXPECT_EQ(written_as(86'400'000), "86400000");
  EXPECT_EQ(written_as(1'000'000), "1000000");  // not 1e+06
  EXPECT_EQ(written_as(0.1), "0.1");
  EXPECT_EQ(written_as(2157.9), "2157.9");
  EXPECT_EQ(written_as(-20.5), "-20.5");
  EXPECT_EQ(written_as(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(written_as(1.0 / 3), "0.3333333333333333");
  EXPECT_EQ(written_as(1e-7), "0.0000001");
  EXPECT_EQ(written_as(std::nextafter(1.0, 2.0)), "1.0000000000000002");
  EXPECT_EQ(written_as(std::nextafter(86'400'000.0, 0.0)), "86399999.99999999");
  // Too long in fixed notation: scientific, still exact.
  EXPECT_EQ(written_as(1e-8), "1e-08");
  EXPECT_EQ(written_as(-1.5e-20), "-1.5e-20");
  EXPECT_EQ(written_as(std::numeric_limits<double>::denorm_min()), "5e-324");
}

TEST(ScenarioWriter, IntegerFieldsTakeTheirWholeRange) {
  Scenario scenario;
  scenario.name = "integers";
  scenario.seed = std::numeric_limits<uint64_t>::max();
  scenario.raft.snapshot_every_entries = std::numeric_limits<uint32_t>::max();
  const std::string text = expect_round_trip(scenario);
  EXPECT_NE(text.find("\"seed\": 18446744073709551615,"), std::string::npos) << text;
  scenario.seed = 0;
  expect_round_trip(scenario);
}

TEST(ScenarioWriter, DescriptionsKeepEveryCharacter) {
  Scenario scenario;
  scenario.name = "text";
  scenario.description = std::string("nul \0 quote \" backslash \\ slash / newline \n tab \t cr \r ff \f bs \b ", 63) +
                         "\x01\x1f\x7f \xc3\xa9 \xf0\x9f\x90\x98";
  const std::string text = expect_round_trip(scenario);
  // Readable: UTF-8 stays as it is, control characters are escaped.
  EXPECT_NE(text.find("\\u0000 quote \\\" backslash \\\\"), std::string::npos) << text;
  EXPECT_NE(text.find("\\n tab \\t"), std::string::npos) << text;
  EXPECT_NE(text.find("\xc3\xa9 \xf0\x9f\x90\x98\""), std::string::npos) << text;
}

TEST(ScenarioWriter, BytesThatAreNotUtf8BecomeReplacementCharacters) {
  // The loader never produces them (it rejects such a file); the text must still load.
  Scenario scenario;
  scenario.name = "bad-utf8";
  scenario.description =
      "a\xff"
      "b";
  const Scenario parsed = parse_ok(scenario_to_json(scenario));
  EXPECT_EQ(parsed.description,
            "a\xef\xbf\xbd"
            "b");
}

// --- every scenario in the repository

TEST(ScenarioWriter, EveryCheckedInScenarioSurvivesTheTrip) {
  size_t files = 0;
  for (const char* folder : {"scenarios/raft", "scenarios/zab", "scenarios/classic"}) {
    for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(CONSIM_SOURCE_DIR) / folder)) {
      if (entry.path().extension() != ".json") {
        continue;
      }
      SCOPED_TRACE(entry.path().string());
      ++files;
      ScenarioResult loaded = load_scenario(entry.path().string());
      ASSERT_TRUE(std::holds_alternative<Scenario>(loaded)) << std::get<ScenarioError>(loaded).message;
      const Scenario& original = std::get<Scenario>(loaded);
      const std::string text = scenario_to_json(original);
      const Scenario parsed = parse_ok(text);
      EXPECT_EQ(differences(resolved(original), parsed), "") << text;
      EXPECT_EQ(scenario_to_json(parsed), text);
    }
  }
  EXPECT_GE(files, 20u);
}

// --- a written reproducer replays the run

RunReport run(const Scenario& scenario) {
  RunResult result = run_scenario(scenario, RunOptions{});
  EXPECT_TRUE(result.report.has_value()) << result.error;
  return result.report ? std::move(*result.report) : RunReport{};
}

// Runs the scenario as loaded, writes it, loads the text and runs that: the same trace digest
// and the same summary.json. Link and disk settings left out of `text` exercise the defaults the
// writer spells out.
void expect_same_run(const std::string& text) {
  const Scenario original = parse_ok(text, "replay.json");
  const std::string written = scenario_to_json(original);
  const Scenario replay = parse_ok(written, "replay.json");
  const RunReport first = run(original);
  const RunReport second = run(replay);
  EXPECT_EQ(first.digest.size(), 16u);
  EXPECT_EQ(first.digest, second.digest) << written;
  EXPECT_EQ(first.summary_json, second.summary_json);
  EXPECT_EQ(first.history_jsonl, second.history_jsonl);
  EXPECT_GT(first.metrics.faults, 5u);
  // The digest sees a microsecond: a reproducer that lost a digit would not replay.
  Scenario nudged = replay;
  nudged.faults.front().at_ms += 0.001;
  EXPECT_NE(run(nudged).digest, first.digest);
}

TEST(ScenarioWriter, WrittenRaftReproducerReplaysToTheSameDigest) {
  expect_same_run(R"({
    "name": "writer-replay-raft", "protocol": "raft", "service": "kv", "nodes": 5, "seed": 42,
    "duration_ms": 2500.5,
    "protocol_config": {"read_mode": "lease", "tick_ms": 7.3},
    "network": {"drop_probability": 0.03},
    "workload": {"clients": 4, "keys": 2, "read_fraction": 0.3, "cas_fraction": 0.2, "timeout_ms": 300.7},
    "faults": [
      {"at_ms": 300.1, "clock": {"node": "follower", "drift_ppm": 2500.25, "offset_ms": -3.3}},
      {"at_ms": 500.3, "partition": [["leader"], ["*"]]},
      {"at_ms": 800.7, "network": {"latency_ms_max": 25.5, "between": ["n1", "random"]}},
      {"at_ms": 900, "disk": {"node": "random", "sync_ms": 4.4}},
      {"at_ms": 1100.9, "heal": true},
      {"at_ms": 1200, "crash": "leader"},
      {"at_ms": 1300.5, "pause": "follower", "for_ms": 150.25},
      {"at_ms": 1500, "cut": {"from": "n2", "to": "leader"}},
      {"at_ms": 1700.1, "restart": "*"},
      {"at_ms": 1900, "partition": "bridge"},
      {"at_ms": 2100, "heal": true}
    ]
  })");
}

TEST(ScenarioWriter, WrittenZabReproducerReplaysToTheSameDigest) {
  expect_same_run(R"({
    "name": "writer-replay-zab", "protocol": "zab", "service": "znode", "nodes": 5, "seed": 9,
    "duration_ms": 2500,
    "protocol_config": {"read_mode": "local", "tick_ms": 9.5, "observers": 1},
    "disk": {"sync_ms_max": 3.3},
    "workload": {"clients": 4, "keys": 3, "read_fraction": 0.4, "ephemeral_fraction": 0.3,
                 "session_timeout_ms": 1200.5, "timeout_ms": 400},
    "faults": [
      {"at_ms": 200.2, "network": {"latency_shape": "exponential", "latency_ms_mean": 2.5}},
      {"at_ms": 400, "crash": "leader"},
      {"at_ms": 700.7, "clock": {"node": "random", "offset_ms": 12.5}},
      {"at_ms": 900, "restart": "*"},
      {"at_ms": 1100, "partition": "halves"},
      {"at_ms": 1300.3, "disk": {"node": "leader", "lose_unsynced": true}},
      {"at_ms": 1500, "heal": true},
      {"at_ms": 1600, "pause": "leader", "for_ms": 700}
    ],
    "checks": ["invariants", "sequential", "liveness"]
  })");
}

// --- random doubles

// A double in [min, max], drawn to be awkward: an integer, a short decimal, a full 53-bit
// mantissa, or (when 0 is allowed) a tiny or subnormal value.
double awkward_double(double min, double max) {
  const double span = max - min;
  const double unit = static_cast<double>(*rc::gen::inRange<uint64_t>(0, uint64_t{1} << 53)) * 0x1p-53;
  double value = min + span * unit;
  switch (*rc::gen::inRange(0, 4)) {
    case 0:
      value = std::round(value);
      break;
    case 1: {
      const double scale = std::pow(10.0, *rc::gen::inRange(1, 7));
      value = std::round(value * scale) / scale;
      break;
    }
    case 2:
      break;
    default:
      if (min <= 0 && max > 0) {
        value = std::ldexp(unit, -*rc::gen::inRange(0, 1075));
      }
      break;
  }
  return std::clamp(value, min, max);
}

// As above, and above `min` (a range open at the bottom).
double awkward_positive(double min, double max) {
  const double value = awkward_double(min, max);
  return value > min ? value : max;
}

constexpr double kDayMs = 24.0 * 3600 * 1000;

// Every double of the full scenario redrawn, and the faults' times too (then sorted, as the
// loader leaves them).
Scenario random_scenario() {
  const std::string protocol = *rc::gen::elementOf(std::vector<std::string>{"raft", "zab"});
  const std::string service = *rc::gen::elementOf(std::vector<std::string>{"kv", "znode"});
  Scenario s = full_scenario(protocol, service);
  s.duration_ms = awkward_positive(0, kDayMs);
  // Only the scenario's own protocol_config is written: the other stays at its defaults.
  if (protocol == "raft") {
    s.raft.max_clock_drift_ppm = awkward_double(0, 499'999);
    s.raft.tick_ms = awkward_positive(0, 60'000);
  } else {
    s.zab.tick_ms = awkward_positive(0, 60'000);
  }
  const double low = awkward_double(0, 60'000);
  s.network = NetworkSpec{low,           awkward_double(low, 60'000), awkward_positive(0, 60'000),
                          "exponential", awkward_double(0, 1),        awkward_double(0, 1)};
  const double sync_low = awkward_double(0, 60'000);
  s.disk = DiskSpec{sync_low, awkward_double(sync_low, 60'000), awkward_double(0, 1), *rc::gen::arbitrary<bool>()};
  WorkloadSpec& w = s.workload;
  w.read_fraction = awkward_double(0, 0.9);
  w.cas_fraction = awkward_double(0, (1 - w.read_fraction) / 2);
  w.delete_fraction = awkward_double(0, (1 - w.read_fraction) / 4);
  w.timeout_ms = awkward_positive(0, kDayMs);
  w.rate_per_s = awkward_double(0, 1e6);
  if (service == "znode") {
    w.ephemeral_fraction = awkward_double(0, 1);
    w.session_timeout_ms = awkward_positive(0, kDayMs);
  }
  s.liveness = LivenessSpec{awkward_positive(0, kDayMs), awkward_positive(0, kDayMs)};
  for (Fault& fault : s.faults) {
    fault.at_ms = awkward_double(0, s.duration_ms);
    if (auto* pause = std::get_if<PauseFault>(&fault.action)) {
      pause->for_ms = awkward_positive(0, kDayMs);
    } else if (auto* clock = std::get_if<ClockFault>(&fault.action)) {
      clock->offset_ms = awkward_double(-kDayMs, kDayMs);
      clock->drift_ppm = awkward_double(-500'000, 1'000'000);
    } else if (auto* disk = std::get_if<DiskFault>(&fault.action)) {
      disk->sync_ms = awkward_double(0, 60'000);
    } else if (auto* network = std::get_if<NetworkFault>(&fault.action)) {
      network->link.drop_probability = awkward_double(0, 1);
    } else if (auto* point = std::get_if<CrashPointFault>(&fault.action)) {
      if (point->within_ms) point->within_ms = awkward_positive(0, kDayMs);
      if (point->restart_after_ms) point->restart_after_ms = awkward_positive(0, kDayMs);
    }
  }
  std::stable_sort(s.faults.begin(), s.faults.end(), [](const Fault& a, const Fault& b) { return a.at_ms < b.at_ms; });
  return s;
}

RC_GTEST_PROP(ScenarioWriterProperty, RandomDoublesComeBackBitForBit, ()) {
  const Scenario scenario = random_scenario();
  const std::string text = scenario_to_json(scenario);
  const ScenarioResult result = parse_scenario(text, "random.json");
  if (const auto* error = std::get_if<ScenarioError>(&result)) {
    RC_FAIL(error->message + "\n" + text);
  }
  const Scenario& parsed = std::get<Scenario>(result);
  const std::string found = differences(scenario, parsed);
  if (!found.empty()) {
    RC_FAIL(found + text);
  }
  RC_ASSERT(scenario_to_json(parsed) == text);
}

}  // namespace
}  // namespace consim::harness
