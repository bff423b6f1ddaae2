// Scripted scenarios for the Raft bug switches that random faults rarely reach (research/raft.md
// section 6; raft_random_test.cc covers the others). Each test runs one deterministic script
// twice per seed: with the switch off no invariant may fire and the cluster must make progress;
// with it on, the invariant the bug catalogue names must fire. The scripts steer elections with
// partitions, one-way cuts, crashes and crash points, and wait on the nodes' state rather than
// on fixed delays, so that they follow the protocol's own pace whatever the seed.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/raft_cluster.h"

namespace consim::harness {
namespace {

using protocols::LogIndex;
using protocols::NodeId;
using protocols::raft::ConfChange;
using protocols::raft::RaftNode;
using protocols::raft::Role;

// Every scenario runs on these seeds; the scripts do not depend on a lucky one.
constexpr uint64_t kSeeds[] = {1, 2, 3, 4, 5};

// What one run of a scenario came to.
struct Outcome {
  std::string violated;   // the invariant that fired, "" when none
  std::string report;     // its description, for failure messages
  std::string stuck;      // the scripted step that never came to pass, "" when all did
  bool progress = false;  // the cluster committed a new command at the end
  // Observations showing that the script went where it meant to.
  bool crashed_after_vote = false;      // B03
  bool second_change_accepted = false;  // B02
  uint64_t lease_reads_healthy = 0;     // B11: lease reads served before the partition
  uint64_t lease_reads_isolated = 0;    // B11: lease reads served by the isolated leader
};

// A cluster under a script. Observers that the script adds to the trace or as crash points may
// write to outcome(), which outlives the cluster.
class Script {
 public:
  explicit Script(const RaftClusterOptions& options) : cluster_(options) {}

  RaftCluster& cluster() { return cluster_; }
  sim::Network& network() { return cluster_.world().network(); }
  Outcome& outcome() { return outcome_; }
  const RaftNode& raft(NodeId node) const {
    const RaftNode* state = cluster_.raft(node);
    CONSIM_ASSERT(state != nullptr);
    return *state;
  }
  bool leads(NodeId node, uint64_t after_term) const {
    const RaftNode* state = cluster_.raft(node);
    return state != nullptr && state->role() == Role::kLeader && state->term().value > after_term;
  }
  bool holds(NodeId node, LogIndex index, uint64_t term) const {
    const std::optional<protocols::Term> at = raft(node).log().term(index);
    return at.has_value() && at->value == term;
  }

  // Runs until `done` holds. False when an invariant fired meanwhile (the script stops: the run
  // is over) or when `timeout` passed, in which case `step` is remembered as stuck.
  bool wait(std::string_view step, const std::function<bool()>& done, Duration timeout = Duration::seconds(3)) {
    if (cluster_.run_until(done, timeout)) {
      return true;
    }
    mark_stuck(step);
    return false;
  }
  // The first node of `among` found leading a term above `after_term`.
  std::optional<NodeId> wait_leader(std::string_view step, const std::vector<NodeId>& among, uint64_t after_term = 0) {
    NodeId found;
    const bool elected = wait(step, [&] {
      for (const NodeId node : among) {
        if (leads(node, after_term)) {
          found = node;
          return true;
        }
      }
      return false;
    });
    return elected ? std::optional<NodeId>(found) : std::nullopt;
  }
  // RaftCluster::one(), remembering `step` as stuck when it fails.
  bool one(std::string_view step, uint64_t value, uint32_t expected) {
    if (cluster_.one(value, expected, Duration::seconds(3)).has_value()) {
      return true;
    }
    mark_stuck(step);
    return false;
  }

  // The outcome, once the commits still pending are judged.
  Outcome finish() {
    cluster_.invariants().finish();
    if (!cluster_.invariants().ok()) {
      outcome_.violated = cluster_.invariants().violation()->invariant;
    }
    outcome_.report = cluster_.violation_report() + cluster_.apply_error();
    return outcome_;
  }

 private:
  void mark_stuck(std::string_view step) {
    if (cluster_.invariants().ok() && outcome_.stuck.empty()) {
      outcome_.stuck = step;
    }
  }

  Outcome outcome_;  // declared first: trace observers may still write to it while the cluster goes
  RaftCluster cluster_;
};

RaftClusterOptions base_options(uint32_t nodes, uint64_t seed) {
  RaftClusterOptions options;
  options.nodes = nodes;
  options.seed = seed;
  options.raft.election_ticks = 10;  // 100-200 ms at the default 10 ms tick
  options.raft.heartbeat_ticks = 1;
  options.link.latency_min = Duration::millis(1);
  options.link.latency_max = Duration::millis(5);
  return options;
}

std::vector<NodeId> others(const RaftCluster& cluster, std::initializer_list<NodeId> excluded) {
  std::vector<NodeId> rest;
  for (const NodeId node : cluster.nodes()) {
    if (std::find(excluded.begin(), excluded.end(), node) == excluded.end()) {
      rest.push_back(node);
    }
  }
  return rest;
}

std::vector<sim::HostId> hosts(const std::vector<NodeId>& nodes) {
  std::vector<sim::HostId> result;
  for (const NodeId node : nodes) {
    result.push_back(host_of(node));
  }
  return result;
}

// Runs `scenario` with the switch off and on for every seed: off, it must be safe and live; on,
// one of `expected` must fire. Returns the pairs for scenario-specific checks.
std::vector<std::pair<Outcome, Outcome>> run_both_ways(const std::function<Outcome(uint64_t, bool)>& scenario,
                                                       std::initializer_list<std::string_view> expected) {
  std::vector<std::pair<Outcome, Outcome>> runs;
  for (const uint64_t seed : kSeeds) {
    const Outcome correct = scenario(seed, false);
    EXPECT_EQ(correct.violated, "") << "seed " << seed << ", switch off: " << correct.report;
    EXPECT_EQ(correct.stuck, "") << "seed " << seed << ", switch off";
    EXPECT_TRUE(correct.progress) << "seed " << seed << ", switch off: no progress";
    const Outcome buggy = scenario(seed, true);
    EXPECT_EQ(buggy.stuck, "") << "seed " << seed << ", switch on";
    EXPECT_NE(std::find(expected.begin(), expected.end(), buggy.violated), expected.end())
        << "seed " << seed << ", switch on: fired '" << buggy.violated << "' " << buggy.report;
    runs.emplace_back(correct, buggy);
  }
  return runs;
}

// ---------------------------------------------------------------------------------------------
// B01 (raft.commit_previous_term): Raft Figure 8, on five nodes. The paper's S1..S5 are chosen
// as the script goes: S1 is whoever leads first, S5 whoever wins among S3..S5.

Outcome run_figure8(uint64_t seed, bool bug) {
  RaftClusterOptions options = base_options(5, seed);
  options.raft.bugs.commit_previous_term = bug;
  // One entry per AppendEntries, so that an old entry can reach a follower without the new
  // leader's no-op behind it (Figure 8 (c)).
  options.raft.max_entries_per_message = 1;
  Script script(options);
  RaftCluster& cluster = script.cluster();
  sim::Network& network = script.network();

  const std::optional<NodeId> s1 = script.wait_leader("S1 leads", cluster.nodes());
  if (!s1.has_value() || !script.one("a command on all", 1, 5)) {
    return script.finish();
  }
  const uint64_t term_a = script.raft(*s1).term().value;
  const LogIndex index = script.raft(*s1).log().last_index().next();  // where A and B go
  const NodeId s2 = others(cluster, {*s1})[0];
  // (a) S1 appends A, which reaches S2 only.
  network.partition({hosts({*s1, s2}), hosts(others(cluster, {*s1, s2}))});
  cluster.propose(*s1, 100);
  // (b) S3, S4 and S5 elect one of them (called S5 from now on), which appends B, its no-op, at
  // A's index. It is isolated at once: B waits for S5's disk before it can leave.
  const std::optional<NodeId> s5 = script.wait_leader("S5 leads", others(cluster, {*s1, s2}), term_a);
  if (!s5.has_value()) {
    return script.finish();
  }
  network.isolate(host_of(*s5));
  const NodeId s3 = others(cluster, {*s1, s2, *s5})[0];
  const NodeId s4 = others(cluster, {*s1, s2, *s5})[1];
  const uint64_t term_b = script.raft(*s5).term().value;
  if (!script.wait("S2 holds A", [&] { return script.holds(s2, index, term_a); }) ||
      !script.wait("S5 holds B", [&] { return script.holds(*s5, index, term_b); })) {
    return script.finish();
  }
  // (c) S1 or S2, both holding A, wins a later term with S3's vote, and sends S3 A alone: S3 is
  // cut from it as soon as A lands, so the new term's no-op stays on S1 and S2 while A is now on
  // a majority. The buggy leader commits A by counting replicas when S3's acknowledgement comes.
  network.partition({hosts({*s1, s2, s3}), hosts({s4}), hosts({*s5})});
  const std::optional<NodeId> leader_c = script.wait_leader("S1 or S2 leads", {*s1, s2}, term_b);
  if (!leader_c.has_value() || !script.wait("S3 holds A", [&] { return script.holds(s3, index, term_a); })) {
    return script.finish();
  }
  network.cut(host_of(*leader_c), host_of(s3));
  cluster.run_for(Duration::millis(50));
  // (d) S1 and S2 are cut off. S5 wins again with S3 (whose last term, A's, is older than B's)
  // and S4, and replicates B over A: with the bug, A was committed, and S5 is a leader without it.
  network.partition({hosts({*s1, s2}), hosts({s3, s4, *s5})});
  if (!script.wait_leader("S5 leads again", {*s5}, term_b).has_value() ||
      !script.wait("S3 holds B", [&] { return script.holds(s3, index, term_b); })) {
    return script.finish();
  }
  network.heal();
  script.outcome().progress = script.one("a command after healing", 2, 5);
  return script.finish();
}

TEST(RaftBugScenario, CommitPreviousTermLosesACommittedEntry) {  // B01, Raft §5.4.2 and Figure 8
  run_both_ways(run_figure8, {"leader_completeness", "state_machine_safety"});
}

// ---------------------------------------------------------------------------------------------
// B02 (raft.conf_change_before_noop): the "two adds" variant of the single-server membership bug.
//
// Configurations take effect when applied (as in etcd), not when appended as in the dissertation,
// so the 2015 scenario needs a twist: the danger is a new leader that proposes a change while an
// earlier leader's change, D, still waits uncommitted in its log. The new change E is validated
// against the configuration the leader has applied, C, but applies after D: C -> D -> E adds two
// servers at once, and the entry E itself commits under C. With C = {S1, S2, S3} and E = C + S4
// + S5, a majority of C ({S1, S3}) and a majority of E ({S2, S4, S5}) need not intersect. The
// fix (a leader proposes no change before its term's no-op commits) makes the leader apply D
// first, so E can only ever be one server away from D.

ConfChange add_voter(NodeId node) {
  ConfChange change;
  change.kind = ConfChange::Kind::kAddVoter;
  change.node = node;
  return change;
}

Outcome run_membership(uint64_t seed, bool bug) {
  RaftClusterOptions options = base_options(5, seed);
  options.initial_voters = 3;  // C = {n1, n2, n3}; n4 and n5 are spare machines
  options.raft.bugs.conf_change_before_noop = bug;
  Script script(options);
  RaftCluster& cluster = script.cluster();
  sim::Network& network = script.network();
  const NodeId s4{4};
  const NodeId s5{5};

  const std::optional<NodeId> s1 = script.wait_leader("S1 leads", cluster.nodes());
  if (!s1.has_value() || !script.one("a command on C", 1, 3)) {
    return script.finish();
  }
  const NodeId s2 = others(cluster, {*s1, s4, s5})[0];
  const NodeId s3 = others(cluster, {*s1, s4, s5})[1];
  const uint64_t term1 = script.raft(*s1).term().value;
  // S1 proposes D = C + S4, which reaches S2 only; S1 is cut off before it hears back.
  network.cut(host_of(*s1), host_of(s3));
  const LogIndex d_index = script.raft(*s1).log().last_index().next();
  cluster.propose_conf_change(*s1, add_voter(s4));
  if (!script.wait("S2 holds D", [&] { return script.raft(s2).log().last_index() >= d_index; })) {
    return script.finish();
  }
  network.isolate(host_of(*s1));
  // S2, whose log is longer than S3's, wins the next term with S3's vote, and at once proposes
  // E = C + S5, before its no-op commits: the bug accepts it, the fix refuses.
  if (!script.wait_leader("S2 leads", {s2}, term1).has_value()) {
    return script.finish();
  }
  cluster.propose_conf_change(s2, add_voter(s5));
  const LogIndex last = script.raft(s2).log().last_index();
  script.outcome().second_change_accepted = last > d_index.next();
  // S3 lacks D, so it receives D, the no-op (and E) in one message and acknowledges them together.
  // S2 commits them under C; S3 is cut from S2 before it learns so, and keeps C as its
  // configuration. S2 applies D (and E).
  if (!script.wait("S2 commits its log", [&] { return script.raft(s2).log().committed() >= last; })) {
    return script.finish();
  }
  network.cut(host_of(s2), host_of(s3));
  // With the bug S2 commits X with S4 and S5, a majority of C + S4 + S5. Without it S2 runs
  // C + S4 and needs S1 or S3 for X, which stays uncommitted.
  cluster.propose(s2, 2);
  cluster.run_for(Duration::millis(300));
  // S1 and S3, a majority of C, elect S3, which lacks X. (Without the bug there is no X, and no
  // leader need emerge on either side: S3 may have learned C + S4 from a leader S4 meanwhile.)
  network.partition({hosts({*s1, s3}), hosts({s2, s4, s5})});
  cluster.run_until([&] { return script.leads(s3, term1 + 1); }, Duration::seconds(1));
  if (!cluster.invariants().ok()) {
    return script.finish();
  }
  network.heal();
  script.outcome().progress = script.one("a command after healing", 3, 3);
  return script.finish();
}

TEST(RaftBugScenario, ConfChangeBeforeNoopAddsTwoServersAtOnce) {  // B02
  for (const auto& [correct, buggy] :
       run_both_ways(run_membership, {"leader_completeness", "state_machine_safety", "committed_is_durable"})) {
    EXPECT_FALSE(correct.second_change_accepted);
    EXPECT_TRUE(buggy.second_change_accepted);
  }
}

// ---------------------------------------------------------------------------------------------
// B03 (raft.vote_before_persist), scenario A: a vote sent before it is durable is forgotten in a
// crash, and the restarted node votes again in the same term.

Outcome run_double_vote(uint64_t seed, bool bug) {
  RaftClusterOptions options = base_options(3, seed);
  options.raft.bugs.vote_before_persist = bug;
  Script script(options);
  RaftCluster& cluster = script.cluster();
  sim::Network& network = script.network();

  const std::optional<NodeId> first = script.wait_leader("a first leader", cluster.nodes());
  if (!first.has_value() || !script.one("a command on all", 1, 3)) {
    return script.finish();
  }
  const uint64_t term = script.raft(*first).term().value + 1;  // the term of the double vote
  const NodeId granted = others(cluster, {*first})[0];         // wins `term` with the first's vote
  const NodeId rival = others(cluster, {*first})[1];           // asks the first for `term` later
  // The rival is cut off for two maximal election timeouts, so that its own timeout may fire
  // whenever the script has it campaign.
  network.isolate(host_of(rival));
  cluster.run_for(Duration::millis(400));
  // The first leader hands over to `granted` and votes for it in `term`. Its machine crashes right
  // after the Ready that sent the vote, before the next Ready could run (with the bug, the next
  // one would have persisted the vote). That Ready is the one whose events carried the vote:
  // an input stepped while an earlier Ready executes changes the node's state at once, but its
  // effects leave with the next Ready.
  // (The observers hold their state by value or shared: they live as long as the cluster.)
  auto vote_traced = std::make_shared<bool>(false);
  cluster.sim().trace().subscribe([vote_traced, first = *first, granted, term](const sim::TraceRecord& record) {
    const std::string* candidate = record.string_field("candidate");
    const int64_t* vote_term = record.int_field("term");
    if (record.node == host_of(first) && record.kind == "raft.vote" && candidate != nullptr &&
        *candidate == granted.name() && vote_term != nullptr && static_cast<uint64_t>(*vote_term) == term) {
      *vote_traced = true;
    }
  });
  Outcome& outcome = script.outcome();
  cluster.set_crash_point([&outcome, vote_traced, first = *first](NodeId node, std::string_view step) {
    if (outcome.crashed_after_vote || node != first || step != "advance" || !*vote_traced) {
      return false;
    }
    outcome.crashed_after_vote = true;
    return true;
  });
  cluster.transfer_leadership(*first, granted);
  if (!script.wait("the first crashes after voting", [&] { return outcome.crashed_after_vote; }) ||
      !script.wait_leader("granted leads", {granted}, term - 1).has_value()) {
    return script.finish();
  }
  cluster.set_crash_point(nullptr);
  // `granted` leads `term`, cut off. The first restarts and meets only the rival, still in the
  // term before, whose timeout fires: with its vote lost, the first grants the rival's request
  // for `term` too. Without the bug it refuses, and a later term elects a leader.
  network.partition({hosts({*first, rival}), hosts({granted})});
  cluster.restart(*first);
  cluster.campaign(rival);
  if (!script.wait_leader("a leader beside the cut-off one", {*first, rival}, term - 1).has_value()) {
    return script.finish();
  }
  network.heal();
  outcome.progress = script.one("a command after healing", 2, 3);
  return script.finish();
}

TEST(RaftBugScenario, VoteBeforePersistVotesTwiceInATerm) {  // B03
  for (const auto& [correct, buggy] : run_both_ways(run_double_vote, {"one_vote_per_term", "election_safety"})) {
    EXPECT_TRUE(correct.crashed_after_vote);
    EXPECT_TRUE(buggy.crashed_after_vote);
  }
}

// ---------------------------------------------------------------------------------------------
// B11 (raft.lease_ignores_drift): a deposed leader whose clock runs slow serves stale lease reads.
//
// The configured drift bound is 40% (max_clock_drift_ppm) and the clocks stay within it: the
// leader's runs 40% slow (16.7 ms a tick), the followers' 40% fast (7.1 ms a tick). With
// election_ticks = 20 a follower times out no sooner than 19 of its ticks after the last
// heartbeat, ≈ 136 ms. The correct lease is 19 · 0.6 / 1.4 = 8.1 -> 8, minus one for rounding:
// 7 leader ticks ≈ 117 ms after the confirming heartbeat left, over before any follower may
// campaign. The buggy lease ignores the bound: 20 - 2 = 18 leader ticks ≈ 300 ms, so the isolated
// leader keeps answering from its lease while the majority elects a successor (~150 ms after the
// partition) that commits new entries (~160-190 ms). CheckQuorum deposes the old leader only
// after 20 to 40 of its ticks (333-667 ms). (With election_ticks = 10 the window is ~40 ms wide,
// too narrow for an election and a commit on every seed.)
constexpr uint32_t kLeaseElectionTicks = 20;
constexpr int64_t kDriftBoundPpm = 400'000;
constexpr int64_t kLeaderDriftPpb = -400'000'000;
constexpr int64_t kFollowerDriftPpb = 400'000'000;

Outcome run_stale_lease_read(uint64_t seed, bool bug) {
  RaftClusterOptions options = base_options(3, seed);
  options.raft.check_quorum = true;  // leases rest on the followers' vote withholding
  options.raft.election_ticks = kLeaseElectionTicks;
  options.raft.max_clock_drift_ppm = kDriftBoundPpm;
  options.raft.bugs.lease_ignores_drift = bug;
  Script script(options);
  RaftCluster& cluster = script.cluster();
  sim::Network& network = script.network();
  Outcome& outcome = script.outcome();
  auto partitioned = std::make_shared<bool>(false);
  cluster.sim().trace().subscribe([&outcome, partitioned](const sim::TraceRecord& record) {
    const bool* lease = record.bool_field("lease");
    if (record.kind == "raft.read_index" && lease != nullptr && *lease) {
      ++(*partitioned ? outcome.lease_reads_isolated : outcome.lease_reads_healthy);
    }
  });

  const std::optional<NodeId> old_leader = script.wait_leader("a first leader", cluster.nodes());
  if (!old_leader.has_value() || !script.one("a command on all", 1, 3)) {
    return script.finish();
  }
  const uint64_t old_term = script.raft(*old_leader).term().value;
  const NodeId successor = others(cluster, {*old_leader})[0];
  const NodeId voter = others(cluster, {*old_leader})[1];
  for (const NodeId node : cluster.nodes()) {
    cluster.world().set_clock_drift_ppb(host_of(node), node == *old_leader ? kLeaderDriftPpb : kFollowerDriftPpb);
  }
  // One entry reaches the successor but not the voter, so that only the successor can win the
  // next election: the voter's pre-votes meet a longer log. (Two followers timing out together
  // would split the vote, and a second round comes too late for the bug to show.)
  network.cut(host_of(*old_leader), host_of(voter));
  if (!script.one("a command on the leader and the successor", 2, 2)) {
    return script.finish();
  }
  // Lease reads on a healthy leader (the successor's acknowledgements and its own make a quorum):
  // answered at once, in both runs.
  for (int i = 0; i < 20; ++i) {
    cluster.read(*old_leader, protocols::ReadMode::kLease);
    cluster.run_for(Duration::millis(5));
  }
  *partitioned = true;
  network.isolate(host_of(*old_leader));
  // A client reads through the old leader every 2 ms. The successor campaigns 150 ms after the
  // partition, 21 ticks of its clock: as if its randomized election timeout, drawn from [20, 40)
  // ticks, had come out near the minimum (having acknowledged the lease, it may not before).
  const SimTime campaign_at = cluster.sim().now() + Duration::millis(150);
  const SimTime deadline = cluster.sim().now() + Duration::millis(600);
  bool campaigned = false;
  bool proposed = false;
  while (cluster.sim().now() < deadline && cluster.invariants().ok()) {
    cluster.read(*old_leader, protocols::ReadMode::kLease);
    if (!campaigned && cluster.sim().now() >= campaign_at) {
      campaigned = true;
      cluster.campaign(successor);
    }
    if (!proposed && script.leads(successor, old_term)) {
      proposed = true;
      cluster.propose(successor, 3);
    }
    cluster.run_for(Duration::millis(2));
  }
  outcome.progress = cluster.applied_value(cluster.max_applied_index()) == 3u;
  return script.finish();
}

TEST(RaftBugScenario, LeaseIgnoringDriftServesStaleReads) {  // B11
  for (const auto& [correct, buggy] : run_both_ways(run_stale_lease_read, {"stale_read"})) {
    // Both runs answer from the lease while healthy: the switch changes only how long it lasts.
    EXPECT_GT(correct.lease_reads_healthy, 0u);
    EXPECT_GT(buggy.lease_reads_healthy, 0u);
  }
}

}  // namespace
}  // namespace consim::harness
