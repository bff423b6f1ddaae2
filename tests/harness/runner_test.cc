// The scenario runner end to end: histories from healthy and faulty Raft runs are linearizable,
// each read mode keeps exactly the promise it makes, and a run is a pure function of its
// scenario and seed.
#include "harness/runner.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <variant>

#include "checkers/linearizability/history_parse.h"
#include "tests/harness/run_helpers.h"

namespace consim::harness {
namespace {

Selector node(uint32_t n) { return Selector{Selector::Kind::kNode, n}; }
Selector leader() { return Selector{Selector::Kind::kLeader, 0}; }
Selector all() { return Selector{Selector::Kind::kAll, 0}; }
Selector follower() { return Selector{Selector::Kind::kFollower, 0}; }

Scenario base(uint64_t seed) {
  Scenario scenario = test_support::small_scenario(seed, "kv");
  scenario.duration_ms = 6000;
  scenario.workload.read_fraction = 0.5;
  scenario.workload.cas_fraction = 0.2;
  scenario.workload.delete_fraction = 0.05;
  return scenario;
}

using test_support::at;
using test_support::check;
using test_support::run;

// The leader's clock slows to half speed, then it is cut off from the other servers for a while.
void add_slow_isolated_leader(Scenario& scenario) {
  scenario.faults.push_back(at(1500, ClockFault{leader(), std::nullopt, -500000.0}));
  PartitionFault partition;
  partition.groups = {{leader()}, {all()}};
  scenario.faults.push_back(at(2000, partition));
  scenario.faults.push_back(at(4500, HealFault{}));
}

// Many clients on one key, talking to the leader (no forwarding), with elections slow enough
// (50 ticks) that a lease stretched by the slow clock outlives the new leader's election.
Scenario slow_isolated_leader(uint64_t seed, const char* read_mode) {
  Scenario scenario = base(seed);
  scenario.raft.read_mode = read_mode;
  scenario.raft.election_ticks = 50;
  scenario.raft.forward_proposals = false;
  scenario.workload.clients = 8;
  scenario.workload.keys = 1;
  scenario.workload.read_fraction = 0.7;
  scenario.workload.timeout_ms = 100;
  add_slow_isolated_leader(scenario);
  return scenario;
}

TEST(Runner, HealthyClusterPassesEveryCheck) {
  const RunReport report = run(base(1));
  EXPECT_EQ(report.verdict, "pass");
  EXPECT_TRUE(report.expect_held);
  EXPECT_EQ(check(report, "invariants").status, "pass");
  EXPECT_EQ(check(report, "linearizability").status, "pass");
  EXPECT_EQ(check(report, "liveness").status, "pass") << check(report, "liveness").detail;
  EXPECT_GT(report.metrics.committed_ops, 100u);
  EXPECT_EQ(report.metrics.info, 0u);
  EXPECT_EQ(report.metrics.stale_reads, 0u);
  EXPECT_EQ(report.metrics.elections, 1u);
  EXPECT_GT(report.metrics.latency_ms_p50, 0.0);
  EXPECT_LE(report.metrics.latency_ms_p50, report.metrics.latency_ms_p99);
}

TEST(Runner, HistoryIsWhatConsimCheckReads) {
  const RunReport report = run(base(2));
  const checkers::lin::ParsedHistory parsed =
      checkers::lin::parse_history(report.history_jsonl, checkers::lin::Format::jsonl);
  ASSERT_FALSE(parsed.error.has_value()) << parsed.error->describe();
  EXPECT_EQ(parsed.history.operations.size(), report.metrics.invoked);
}

TEST(Runner, SameScenarioAndSeedGiveTheSameDigestAndSummary) {
  Scenario scenario = base(3);
  add_slow_isolated_leader(scenario);
  test_support::expect_deterministic(scenario);
}

TEST(Runner, ProgressAndNarrationChangeNothingInTheRun) {
  Scenario scenario = base(8);
  add_slow_isolated_leader(scenario);
  const RunReport quiet = run(scenario);
  std::ostringstream progress;
  std::ostringstream narration;
  RunOptions options;
  options.progress = &progress;
  options.explain = &narration;
  const RunResult loud = run_scenario(scenario, options);
  ASSERT_TRUE(loud.report.has_value());
  EXPECT_NE(progress.str().find("% of 6 s simulated"), std::string::npos) << progress.str();
  EXPECT_FALSE(narration.str().empty());
  EXPECT_EQ(loud.report->digest, quiet.digest);
  EXPECT_EQ(loud.report->summary_json, quiet.summary_json);
  // Without the history's text the checks and the summary are the same.
  RunOptions lean;
  lean.keep_history_text = false;
  const RunResult without_text = run_scenario(scenario, lean);
  ASSERT_TRUE(without_text.report.has_value());
  EXPECT_TRUE(without_text.report->history_jsonl.empty());
  EXPECT_FALSE(quiet.history_jsonl.empty());
  EXPECT_EQ(without_text.report->summary_json, quiet.summary_json);
}

TEST(Runner, CrashesPartitionsAndLossKeepKvLinearizableOverManySeeds) {
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    Scenario scenario = base(seed);
    scenario.network.drop_probability = 0.02;
    scenario.network.duplicate_probability = 0.02;
    scenario.faults.push_back(at(1000, CrashFault{leader()}));
    PartitionFault halves;
    halves.shape = PartitionFault::Shape::kHalves;
    scenario.faults.push_back(at(2000, halves));
    scenario.faults.push_back(at(2500, RestartFault{all()}));
    scenario.faults.push_back(at(3500, HealFault{}));
    scenario.faults.push_back(at(3600, PauseFault{follower(), 400}));
    scenario.faults.push_back(at(4000, ClockFault{node(2), 300.0, std::nullopt}));
    PartitionFault ring;
    ring.shape = PartitionFault::Shape::kMajorityRing;
    scenario.faults.push_back(at(4200, ring));
    scenario.faults.push_back(at(5000, HealFault{}));
    const RunReport report = run(scenario);
    EXPECT_EQ(report.verdict, "pass") << "seed " << seed << "\n" << format_report(report);
    EXPECT_GT(report.metrics.info, 0u) << "seed " << seed << ": the faults should leave some outcomes unknown";
  }
}

// log, read_index and lease (with clocks inside the drift bound) never return stale data.
TEST(Runner, LinearizableReadModesStayLinearizableUnderPartitions) {
  for (const char* mode : {"log", "read_index", "lease"}) {
    for (uint64_t seed = 1; seed <= 10; ++seed) {
      Scenario scenario = base(seed);
      scenario.raft.read_mode = mode;
      scenario.workload.read_fraction = 0.7;
      PartitionFault partition;
      partition.groups = {{leader()}, {all()}};
      scenario.faults.push_back(at(2000, partition));
      scenario.faults.push_back(at(4000, HealFault{}));
      const RunReport report = run(scenario);
      EXPECT_EQ(report.verdict, "pass") << mode << " seed " << seed << "\n" << format_report(report);
      EXPECT_EQ(report.metrics.stale_reads, 0u) << mode << " seed " << seed;
    }
  }
}

// ReadIndex does not trust clocks: a leader whose clock is far off still serves no stale read.
TEST(Runner, ReadIndexIgnoresClockDrift) {
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    const RunReport report = run(slow_isolated_leader(seed, "read_index"));
    EXPECT_EQ(report.verdict, "pass") << "seed " << seed << "\n" << format_report(report);
  }
}

// Lease reads with a clock far outside the drift bound, and follower reads, are stale by
// design: over a handful of seeds the checker must catch them.
TEST(Runner, LeaseReadsUnderBrokenDriftBoundShowStaleReads) {
  int violations = 0;
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    Scenario scenario = slow_isolated_leader(seed, "lease");
    // The online stale_read invariant would stop the run before a client sees the stale value.
    scenario.checks = {"linearizability"};
    const RunReport report = run(scenario);
    if (check(report, "linearizability").status == "fail") {
      ++violations;
      EXPECT_GT(report.metrics.stale_reads, 0u) << "seed " << seed;
    }
  }
  EXPECT_GE(violations, 2);
}

TEST(Runner, FollowerReadsShowStaleReads) {
  int violations = 0;
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    Scenario scenario = base(seed);
    scenario.raft.read_mode = "follower";
    scenario.workload.clients = 8;
    scenario.workload.keys = 1;
    scenario.workload.read_fraction = 0.6;
    PartitionFault partition;
    partition.groups = {{follower()}, {all()}};
    scenario.faults.push_back(at(1500, partition));
    scenario.faults.push_back(at(4500, HealFault{}));
    const RunReport report = run(scenario);
    EXPECT_EQ(check(report, "invariants").status, "pass") << "seed " << seed;
    if (check(report, "linearizability").status == "fail") {
      ++violations;
    }
  }
  EXPECT_GE(violations, 3);
}

TEST(Runner, ExpectFailHoldsOnlyWhenTheNamedCheckFails) {
  Scenario scenario = base(5);
  scenario.expect.verdict = "fail";
  scenario.expect.check = "linearizability";
  const RunReport report = run(scenario);
  EXPECT_EQ(report.verdict, "pass");
  EXPECT_FALSE(report.expect_held);
  EXPECT_EQ(report.exit_code(), 1);
}

TEST(Runner, LivenessFailsWhenNoLeaderEmergesInTime) {
  Scenario scenario = base(6);
  scenario.duration_ms = 3000;
  // Every node is down when the workload ends. The final heal restarts them, but no election
  // can finish within a millisecond.
  scenario.liveness.leader_within_ms = 1;
  scenario.faults.push_back(at(1000, CrashFault{all()}));
  const RunReport report = run(scenario);
  EXPECT_EQ(check(report, "liveness").status, "fail") << check(report, "liveness").detail;
  EXPECT_EQ(report.verdict, "fail");
}

TEST(Runner, ExplainNarratesElectionsAndFaults) {
  Scenario scenario = base(7);
  scenario.faults.push_back(at(1000, CrashFault{leader()}));
  std::ostringstream narration;
  RunOptions options;
  options.explain = &narration;
  ASSERT_TRUE(run_scenario(scenario, options).report.has_value());
  const std::string text = narration.str();
  EXPECT_NE(text.find("became leader of term 1 with votes from"), std::string::npos) << text;
  EXPECT_NE(text.find("fault: crash n"), std::string::npos) << text;
  EXPECT_NE(text.find("crashed"), std::string::npos) << text;
  EXPECT_NE(text.find("liveness: the probe write committed"), std::string::npos) << text;
}

std::string narrate(const Scenario& scenario, RunReport* report = nullptr) {
  std::ostringstream narration;
  RunOptions options;
  options.explain = &narration;
  RunResult result = run_scenario(scenario, options);
  EXPECT_TRUE(result.report.has_value()) << result.error;
  if (report != nullptr && result.report.has_value()) {
    *report = std::move(*result.report);
  }
  return narration.str();
}

// Voters that crash right after granting a vote (and come back 3 ms later), while the cluster
// elects a successor to a crashed leader: the votes were durable before they left, so a correct
// Raft stays safe whatever the bounces.
Scenario bounced_voters(uint64_t seed) {
  Scenario scenario = base(seed);
  scenario.raft.pre_vote = false;
  scenario.faults.push_back(at(1000, CrashPointFault{all(), "advance", "raft.vote", std::nullopt, 3}));
  scenario.faults.push_back(at(1000, CrashFault{leader()}));
  return scenario;
}

TEST(Runner, CrashPointsStrikeRightAfterTheEventAndBounceTheMachine) {
  RunReport report;
  const std::string text = narrate(bounced_voters(3), &report);
  EXPECT_EQ(report.verdict, "pass") << text;
  EXPECT_NE(text.find("fault: crash_point n1,n2,n3,n4,n5 (before advance after raft.vote, restart 3 ms later)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("reached its crash point (before the advance step of a Ready)"), std::string::npos) << text;
  EXPECT_NE(text.find("(after its crash point)"), std::string::npos) << text;
  test_support::expect_deterministic(bounced_voters(3));
}

TEST(Runner, CorrectRaftSurvivesVotersBouncedAfterEveryVote) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    const RunReport report = run(bounced_voters(seed));
    EXPECT_EQ(report.verdict, "pass") << "seed " << seed << ": " << check(report, "invariants").detail;
  }
}

// The checked-in demonstrations built on crash points and membership changes fail with their
// switch (the CLI test of every scenario file runs that) and pass without it: the faults alone
// break nothing.
TEST(Runner, CrashPointAndMembershipDemonstrationsPassWithoutTheirBugSwitch) {
  for (const char* file : {"raft/double-vote-bug.json", "classic/raft-two-changes-at-once-bug.json"}) {
    SCOPED_TRACE(file);
    ScenarioResult loaded = load_scenario(std::string(CONSIM_SOURCE_DIR) + "/scenarios/" + file);
    ASSERT_TRUE(std::holds_alternative<Scenario>(loaded)) << std::get<ScenarioError>(loaded).message;
    Scenario scenario = std::get<Scenario>(loaded);
    const RunReport buggy = run(scenario);
    EXPECT_TRUE(buggy.expect_held) << buggy.expect_detail;
    EXPECT_NE(check(buggy, "invariants").detail.find(scenario.expect.invariant), std::string::npos);
    scenario.bugs.clear();
    scenario.expect = Expectation{};
    const RunReport correct = run(scenario);
    EXPECT_EQ(correct.verdict, "pass") << check(correct, "invariants").detail;
  }
}

TEST(Runner, SpareMachinesJoinOnlyWhenAddedAndTheClusterStaysSafe) {
  Scenario scenario = base(5);
  scenario.raft.voters = 3;
  const std::string idle = narrate(scenario);
  for (const char* spare : {"n4 started", "n5 started", "n4 became", "n5 became"}) {
    EXPECT_EQ(idle.find(spare), std::string::npos) << spare << "\n" << idle;
  }
  scenario.faults.push_back(at(1000, MembershipFault{MembershipFault::Change::kAdd, node(4)}));
  scenario.faults.push_back(at(1500, MembershipFault{MembershipFault::Change::kAdd, node(5)}));
  scenario.faults.push_back(at(2000, CrashFault{leader()}));
  scenario.faults.push_back(at(3000, MembershipFault{MembershipFault::Change::kRemove, follower()}));
  scenario.faults.push_back(at(3500, MembershipFault{MembershipFault::Change::kAddLearner, follower()}));
  RunReport report;
  const std::string text = narrate(scenario, &report);
  EXPECT_EQ(report.verdict, "pass") << text;
  EXPECT_NE(text.find("applied a new configuration: voters=n1,n2,n3,n4\n"), std::string::npos) << text;
  EXPECT_NE(text.find("applied a new configuration: voters=n1,n2,n3,n4,n5\n"), std::string::npos) << text;
  EXPECT_NE(text.find("learners=n"), std::string::npos) << text;  // the last change made a learner
  test_support::expect_deterministic(scenario);
}

}  // namespace
}  // namespace consim::harness
