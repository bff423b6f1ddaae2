// The scenario runner with protocol zab: an ensemble elects a leader and commits, a crashed
// leader is replaced in a new epoch, observers serve clients, fault selectors and liveness find
// the ZAB leader, ZooKeeper's local reads are stale by design while sync reads are not, and a run
// is a pure function of its scenario and seed.
#include <gtest/gtest.h>

#include <regex>
#include <sstream>
#include <string>

#include "checkers/linearizability/history_parse.h"
#include "harness/runner.h"
#include "tests/harness/run_helpers.h"

namespace consim::harness {
namespace {

using test_support::at;
using test_support::check;
using test_support::run;

Selector leader() { return Selector{Selector::Kind::kLeader, 0}; }
Selector all() { return Selector{Selector::Kind::kAll, 0}; }

Scenario zab_base(uint64_t seed, const std::string& service = "kv", uint32_t nodes = 3) {
  Scenario scenario = test_support::small_scenario(seed, service);
  scenario.name = "zab-" + service + "-runner-test";
  scenario.protocol = "zab";
  scenario.nodes = nodes;
  scenario.duration_ms = 5000;
  scenario.workload.read_fraction = 0.5;
  scenario.workload.cas_fraction = 0.2;
  // Clients wait out the first election (FLE alone waits 200 ms before it decides).
  scenario.workload.timeout_ms = 1000;
  return scenario;
}

std::string narrate(const Scenario& scenario) {
  std::ostringstream narration;
  RunOptions options;
  options.explain = &narration;
  EXPECT_TRUE(run_scenario(scenario, options).report.has_value());
  return narration.str();
}

TEST(ZabRunner, HealthyEnsembleElectsOneLeaderAndCommits) {
  const RunReport report = run(zab_base(1));
  EXPECT_EQ(report.verdict, "pass") << format_report(report);
  EXPECT_TRUE(report.expect_held);
  EXPECT_EQ(check(report, "invariants").status, "pass");
  EXPECT_EQ(check(report, "linearizability").status, "pass");
  EXPECT_EQ(check(report, "liveness").status, "pass") << check(report, "liveness").detail;
  EXPECT_GT(report.metrics.committed_ops, 100u);
  EXPECT_EQ(report.metrics.info, 0u);
  EXPECT_EQ(report.metrics.stale_reads, 0u);
  EXPECT_EQ(report.metrics.elections, 1u);
  EXPECT_EQ(report.metrics.leader_changes, 1u);
  EXPECT_EQ(report.metrics.terms, 1u);  // the first epoch
  // Fast Leader Election waits finalize_wait_ticks (200 ms) before deciding, then discovery and
  // synchronization take a few round trips.
  EXPECT_GT(report.metrics.time_without_leader_ms, 200.0);
  EXPECT_LT(report.metrics.time_without_leader_ms, 1000.0);
}

TEST(ZabRunner, SummaryNamesTheProtocolAndItsReadMode) {
  Scenario scenario = zab_base(2);
  scenario.zab.read_mode = "local";
  const RunReport report = run(scenario);
  EXPECT_NE(report.summary_json.find("\"protocol\": \"zab\""), std::string::npos) << report.summary_json;
  EXPECT_NE(report.summary_json.find("\"read_mode\": \"local\""), std::string::npos) << report.summary_json;
  const checkers::lin::ParsedHistory parsed =
      checkers::lin::parse_history(report.history_jsonl, checkers::lin::Format::jsonl);
  ASSERT_FALSE(parsed.error.has_value()) << parsed.error->describe();
  EXPECT_EQ(parsed.history.operations.size(), report.metrics.invoked);
}

TEST(ZabRunner, SameScenarioAndSeedGiveTheSameDigestAndSummary) {
  Scenario scenario = zab_base(3, "kv", 5);
  scenario.faults.push_back(at(1500, CrashFault{leader()}));
  scenario.faults.push_back(at(3000, RestartFault{all()}));
  test_support::expect_deterministic(scenario);
}

// The "leader" selector strikes the ZAB leader: the survivors elect another in a new epoch, and
// clients of the crashed server move on.
TEST(ZabRunner, CrashedLeaderIsReplacedInANewEpoch) {
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    Scenario scenario = zab_base(seed, "kv", 5);
    scenario.faults.push_back(at(1500, CrashFault{leader()}));
    scenario.faults.push_back(at(3000, RestartFault{all()}));
    const RunReport report = run(scenario);
    EXPECT_EQ(report.verdict, "pass") << "seed " << seed << "\n" << format_report(report);
    EXPECT_EQ(report.metrics.crashes, 1u) << "seed " << seed;
    EXPECT_EQ(report.metrics.leader_changes, 2u) << "seed " << seed;
    EXPECT_EQ(report.metrics.terms, 2u) << "seed " << seed;
    EXPECT_GE(report.metrics.elections, 2u) << "seed " << seed;
  }
}

TEST(ZabRunner, ExplainTellsTheZabStory) {
  Scenario scenario = zab_base(5, "kv", 5);
  scenario.faults.push_back(at(1500, CrashFault{leader()}));
  scenario.faults.push_back(at(3000, RestartFault{all()}));
  const std::string text = narrate(scenario);
  EXPECT_NE(text.find("is looking for a leader (round 1, epoch 0)"), std::string::npos) << text;
  EXPECT_NE(text.find("won the election of round 1"), std::string::npos) << text;
  EXPECT_NE(text.find("became leader of epoch 1, followed by"), std::string::npos) << text;
  // The crashed node is the one that led epoch 1, and it rejoins as a follower.
  std::smatch first;
  ASSERT_TRUE(std::regex_search(text, first, std::regex("(n[0-9]) became leader of epoch 1,"))) << text;
  EXPECT_NE(text.find("fault: crash " + first[1].str() + "\n"), std::string::npos) << text;
  EXPECT_NE(text.find("became leader of epoch 2"), std::string::npos) << text;
  EXPECT_NE(text.find(first[1].str() + " joined the established leader"), std::string::npos) << text;
  EXPECT_NE(text.find("liveness: the probe write committed"), std::string::npos) << text;
}

TEST(ZabRunner, ZnodeServiceWithSessionsPasses) {
  Scenario scenario = zab_base(6, "znode");
  scenario.workload.delete_fraction = 0.1;
  scenario.workload.ephemeral_fraction = 0.3;
  const RunReport report = run(scenario);
  EXPECT_EQ(report.verdict, "pass") << format_report(report);
  EXPECT_GT(report.metrics.committed_ops, 50u);
}

// Sessions that time out are expired by the leader's housekeeping (a proposal on the ZAB leader),
// which deletes their ephemerals: the checker must still explain every read.
TEST(ZabRunner, SessionExpiryGoesThroughTheZabLeader) {
  Scenario scenario = zab_base(7, "znode");
  scenario.workload.ephemeral_fraction = 0.5;
  scenario.workload.session_timeout_ms = 200;
  scenario.workload.timeout_ms = 100;
  PartitionFault partition;
  partition.shape = PartitionFault::Shape::kHalves;
  scenario.faults.push_back(at(1000, partition));
  scenario.faults.push_back(at(2500, HealFault{}));
  const RunReport report = run(scenario);
  EXPECT_EQ(report.verdict, "pass") << format_report(report);
  EXPECT_GT(report.metrics.info, 0u);
  // The leader proposed an expiry: what it may delete is in the history, as a process of its own.
  EXPECT_NE(report.history_jsonl.find("\"process\":1000000000,"), std::string::npos);
}

// Observers take clients and learn every commit, but never vote: with 3 voters and 2 observers,
// crashing two voters leaves no quorum, whatever the observers do.
TEST(ZabRunner, ObserversServeClientsButDoNotVote) {
  Scenario scenario = zab_base(8, "kv", 5);
  scenario.zab.observers = 2;
  scenario.workload.clients = 8;
  const RunReport healthy = run(scenario);
  EXPECT_EQ(healthy.verdict, "pass") << format_report(healthy);
  const bool observer_answered = healthy.history_jsonl.find("\"node\":\"n4\"") != std::string::npos ||
                                 healthy.history_jsonl.find("\"node\":\"n5\"") != std::string::npos;
  EXPECT_TRUE(observer_answered);

  scenario.duration_ms = 3000;
  scenario.liveness.leader_within_ms = 1500;
  scenario.faults.push_back(at(1000, CrashFault{Selector{Selector::Kind::kNode, 1}}));
  scenario.faults.push_back(at(1000, CrashFault{Selector{Selector::Kind::kNode, 2}}));
  scenario.faults.push_back(at(1000, CrashFault{Selector{Selector::Kind::kNode, 3}}));
  const RunReport no_quorum = run(scenario);
  EXPECT_EQ(check(no_quorum, "invariants").status, "pass");
  EXPECT_EQ(check(no_quorum, "linearizability").status, "pass");
  // The final heal restarts the voters, which need an election, discovery and sync: in time.
  EXPECT_EQ(check(no_quorum, "liveness").status, "pass") << check(no_quorum, "liveness").detail;
  EXPECT_EQ(no_quorum.metrics.terms, 2u);
}

TEST(ZabRunner, LivenessFailsWhenNoLeaderEmergesInTime) {
  Scenario scenario = zab_base(9);
  scenario.duration_ms = 2000;
  scenario.liveness.leader_within_ms = 100;  // less than FLE's finalize wait
  scenario.faults.push_back(at(1000, CrashFault{all()}));
  const RunReport report = run(scenario);
  EXPECT_EQ(check(report, "liveness").status, "fail") << check(report, "liveness").detail;
  EXPECT_EQ(report.verdict, "fail");
}

// ZooKeeper's plain reads come from the local replica of the server a client talks to: with many
// clients on one key, some read a value older than a write acknowledged before the read began.
// The protocol does nothing wrong (the invariants hold, and the history keeps ZooKeeper's promise:
// linearizable writes, sequentially consistent reads); a sync before the read removes them.
TEST(ZabRunner, LocalReadsAreStaleAndSyncReadsAreNot) {
  int violations = 0;
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    Scenario scenario = zab_base(seed);
    scenario.zab.read_mode = "local";
    scenario.workload.clients = 8;
    scenario.workload.keys = 1;
    scenario.workload.read_fraction = 0.6;
    scenario.workload.cas_fraction = 0;
    scenario.checks = {"invariants", "linearizability", "sequential", "liveness"};
    const RunReport local = run(scenario);
    EXPECT_EQ(check(local, "invariants").status, "pass") << "seed " << seed;
    // ZooKeeper's promise holds even where linearizability does not.
    EXPECT_EQ(check(local, "sequential").status, "pass")
        << "seed " << seed << ": " << check(local, "sequential").detail;
    if (check(local, "linearizability").status == "fail") {
      ++violations;
      EXPECT_GT(local.metrics.stale_reads, 0u) << "seed " << seed;
    }
    scenario.zab.read_mode = "sync";
    const RunReport synced = run(scenario);
    EXPECT_EQ(synced.verdict, "pass") << "seed " << seed << "\n" << format_report(synced);
    EXPECT_EQ(synced.metrics.stale_reads, 0u) << "seed " << seed;
  }
  EXPECT_GE(violations, 3);
}

}  // namespace
}  // namespace consim::harness
