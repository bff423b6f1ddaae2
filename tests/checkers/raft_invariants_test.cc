// Tests for checkers/invariants/raft_invariants: for every invariant, a synthetic trace that
// breaks it (the id, the nodes and the offending record are checked) next to a close legitimate
// trace that must pass.
#include "checkers/invariants/raft_invariants.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "sim/trace.h"

namespace consim::checkers {
namespace {

using Fields = std::vector<std::pair<std::string_view, sim::TraceValue>>;  // keys: string literals

std::string name(int node) { return "n" + std::to_string(node); }

uint64_t mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Builds a trace the way a Raft cluster would emit it, keeping a model of each node's durable
// log so that appends, commits and restarts carry consistent chain hashes. Nodes are 1-based.
class Script {
 public:
  // Every node starts fresh: raft.start, raft.config (all voters), raft.state follower.
  explicit Script(int nodes) {
    std::string voters;
    for (int n = 1; n <= nodes; ++n) {
      voters += (n > 1 ? "," : "") + name(n);
    }
    for (int n = 1; n <= nodes; ++n) {
      start(n, 0, 0, 0);
      config(n, "voters=" + voters + " outgoing= learners=");
      state(n, "follower", 0);
    }
  }

  size_t add(int node, std::string kind, Fields fields) {
    sim::TraceRecord record;
    record.time = SimTime{static_cast<int64_t>(records_.size()) * 1000};
    record.node = sim::HostId{static_cast<uint32_t>(node - 1)};
    record.kind = Name::intern(kind);
    for (auto& [key, value] : fields) {
      record.fields.emplace_back(Name::intern(key), std::move(value));
    }
    records_.push_back(std::move(record));
    return records_.size() - 1;
  }

  size_t state(int node, const std::string& role, int64_t term) {
    return add(node, "raft.state",
               {{"role", role}, {"term", term}, {"leader", int64_t{0}}, {"last_index", last(node)}});
  }
  size_t vote(int node, int64_t term, int candidate) {
    return add(node, "raft.vote", {{"term", term}, {"candidate", name(candidate)}});
  }
  // A candidate's campaign: its state and self-vote, the others' votes, then leadership.
  size_t elect(int node, int64_t term, const std::vector<int>& voters) {
    state(node, "candidate", term);
    vote(node, term, node);
    for (const int voter : voters) {
      state(voter, "follower", term);
      vote(voter, term, node);
    }
    return state(node, "leader", term);
  }
  // The chain hash the next entry appended to `node` would get.
  int64_t next_hash(int node, int64_t term, uint64_t payload = 0) const {
    return hash_after(hash_at(node, last(node)), last(node) + 1, term, payload);
  }
  size_t append_at(int node, int64_t index, int64_t term, uint64_t payload = 0) {
    std::vector<Entry>& log = logs_[node];
    log.resize(static_cast<size_t>(index - 1));
    const int64_t hash = hash_after(hash_at(node, index - 1), index, term, payload);
    log.push_back(Entry{term, hash});
    return add(node, "raft.append",
               {{"index", index}, {"term", term}, {"hash", hash}, {"type", std::string("normal")}});
  }
  size_t append(int node, int64_t term, uint64_t payload = 0) { return append_at(node, last(node) + 1, term, payload); }
  // The same entry appended on several nodes (each then syncs it).
  void replicate(const std::vector<int>& nodes, int64_t term, uint64_t payload = 0) {
    for (const int node : nodes) {
      append(node, term, payload);
      persist(node, term);
    }
  }
  size_t truncate(int node, int64_t after) {
    logs_[node].resize(static_cast<size_t>(after));
    return add(node, "raft.truncate", {{"after", after}});
  }
  size_t commit(int node, int64_t index, bool leader) {
    return commit_raw(node, index, term_at(node, index), hash_at(node, index), leader);
  }
  size_t commit_raw(int node, int64_t index, int64_t term, int64_t hash, bool leader) {
    return add(node, "raft.commit", {{"index", index}, {"term", term}, {"hash", hash}, {"leader", leader}});
  }
  size_t apply(int node, int64_t first, int64_t last_index) {
    return add(node, "raft.apply",
               {{"first", first},
                {"last", last_index},
                {"last_term", term_at(node, last_index)},
                {"last_hash", hash_at(node, last_index)}});
  }
  size_t persist(int node, int64_t term, int vote_for = 0) {
    return add(node, "raft.persist",
               {{"term", term},
                {"vote", int64_t{vote_for}},
                {"commit", int64_t{0}},
                {"last_index", last(node)},
                {"last_hash", hash_at(node, last(node))}});
  }
  size_t compact(int node, int64_t index) {
    snapshot_[node] = index;
    return add(node, "raft.compact",
               {{"index", index}, {"term", term_at(node, index)}, {"hash", hash_at(node, index)}});
  }
  // `node` installs `from`'s log up to `index` as a snapshot.
  size_t install(int node, int from, int64_t index) {
    logs_[node].assign(logs_[from].begin(), logs_[from].begin() + index);
    snapshot_[node] = index;
    return add(
        node, "raft.install_snapshot",
        {{"from", name(from)}, {"index", index}, {"term", term_at(node, index)}, {"hash", hash_at(node, index)}});
  }
  size_t config(int node, const std::string& voters) { return add(node, "raft.config", {{"voters", voters}}); }
  size_t crash(int node) { return add(node, "host.crash", {{"incarnation", int64_t{1}}}); }
  size_t crash_point(int node, const std::string& step) { return add(node, "host.crash_point", {{"step", step}}); }
  size_t synced(int node) {
    return add(node, "disk.synced", {{"sync", int64_t{1}}, {"durable_writes", int64_t{1}}, {"lying", false}});
  }
  // host.restart then raft.start with what the model's disk holds.
  size_t restart(int node, int64_t term, int vote_for, int64_t commit_index) {
    add(node, "host.restart", {{"incarnation", int64_t{2}}});
    return start(node, term, vote_for, commit_index);
  }
  size_t start(int node, int64_t term, int vote_for, int64_t commit_index) {
    const int64_t snapshot = snapshot_[node];
    return add(node, "raft.start",
               {{"recovered", last(node) > 0},
                {"term", term},
                {"vote", int64_t{vote_for}},
                {"commit", commit_index},
                {"last_index", last(node)},
                {"last_term", term_at(node, last(node))},
                {"last_hash", hash_at(node, last(node))},
                {"snapshot_index", snapshot},
                {"snapshot_hash", hash_at(node, snapshot)},
                {"torn_records", int64_t{0}}});
  }
  // An entry reaches the disk but its event is never traced (a crash right before "events").
  void append_untraced(int node, int64_t term, uint64_t payload = 0) {
    std::vector<Entry>& log = logs_[node];
    log.push_back(Entry{term, hash_after(hash_at(node, last(node)), last(node) + 1, term, payload)});
  }
  // The disk silently loses entries after `after` (a lying fsync): no event.
  void lose_after(int node, int64_t after) { logs_[node].resize(static_cast<size_t>(after)); }

  int64_t last(int node) const {
    const auto it = logs_.find(node);
    return it == logs_.end() ? 0 : static_cast<int64_t>(it->second.size());
  }
  const std::vector<sim::TraceRecord>& records() const { return records_; }

 private:
  struct Entry {
    int64_t term = 0;
    int64_t hash = 0;
  };
  static int64_t hash_after(int64_t previous, int64_t index, int64_t term, uint64_t payload) {
    return static_cast<int64_t>(
        mix(static_cast<uint64_t>(previous) ^
            mix(static_cast<uint64_t>(index) * 31 + static_cast<uint64_t>(term) + payload * 0x9e3779b97f4a7c15ULL)));
  }
  int64_t term_at(int node, int64_t index) const {
    return index == 0 ? 0 : logs_.at(node).at(static_cast<size_t>(index - 1)).term;
  }
  int64_t hash_at(int node, int64_t index) const {
    return index == 0 ? 0 : logs_.at(node).at(static_cast<size_t>(index - 1)).hash;
  }

  std::vector<sim::TraceRecord> records_;
  std::map<int, std::vector<Entry>> logs_;
  std::map<int, int64_t> snapshot_;
};

RaftInvariants check(const Script& script) {
  RaftInvariants checker;
  for (const sim::TraceRecord& record : script.records()) {
    checker.observe(record);
  }
  checker.finish();
  return checker;
}

void expect_pass(const Script& script) {
  const RaftInvariants checker = check(script);
  EXPECT_TRUE(checker.ok()) << checker.violation()->describe();
  EXPECT_EQ(checker.malformed_records(), 0u);
}

void expect_violation(const Script& script, const std::string& invariant, const std::vector<int>& nodes,
                      size_t record_index) {
  const RaftInvariants checker = check(script);
  ASSERT_FALSE(checker.ok()) << "expected " << invariant;
  const Violation& violation = *checker.violation();
  EXPECT_EQ(violation.invariant, invariant) << violation.describe();
  std::vector<sim::HostId> hosts;
  for (const int node : nodes) {
    hosts.push_back(sim::HostId{static_cast<uint32_t>(node - 1)});
  }
  EXPECT_EQ(violation.nodes, hosts) << violation.describe();
  EXPECT_EQ(violation.record_index, record_index) << violation.describe();
  EXPECT_EQ(violation.time, script.records().at(record_index).time);
  EXPECT_FALSE(violation.message.empty());
}

// n1 leads term 1 of a 3-node cluster and commits its first entry on n1 and n2.
Script committed_on_two() {
  Script s(3);
  s.elect(1, 1, {2});
  s.replicate({1, 2}, 1);
  s.commit(1, 1, true);
  s.persist(1, 1);
  return s;
}

// ---------------------------------------------------------------------------------------------
// election_safety

TEST(RaftInvariants, TwoLeadersInOneTermViolateElectionSafety) {
  Script s(3);
  s.elect(1, 1, {3});
  const size_t second = s.state(2, "leader", 1);
  expect_violation(s, "election_safety", {2, 1}, second);
}

TEST(RaftInvariants, LeadersOfDifferentTermsAreFine) {
  Script s(3);
  s.elect(1, 1, {3});
  s.state(1, "leader", 1);  // the same leader announced twice
  s.elect(2, 2, {3});
  const RaftInvariants checker = check(s);
  EXPECT_TRUE(checker.ok());
  EXPECT_EQ(checker.terms_with_leader(), 2u);
  EXPECT_EQ(checker.leaders_by_term().at(2), std::vector<sim::HostId>{sim::HostId{1}});
}

// ---------------------------------------------------------------------------------------------
// leader_append_only

TEST(RaftInvariants, LeaderTruncatingViolatesAppendOnly) {
  Script s(3);
  s.elect(1, 1, {2});
  s.replicate({1}, 1);
  const size_t cut = s.truncate(1, 0);
  expect_violation(s, "leader_append_only", {1}, cut);
}

TEST(RaftInvariants, LeaderOverwritingViolatesAppendOnly) {
  Script s(3);
  s.elect(1, 1, {2});
  s.replicate({1}, 1);
  const size_t overwrite = s.append_at(1, 1, 1, 7);
  expect_violation(s, "leader_append_only", {1}, overwrite);
}

TEST(RaftInvariants, FollowerTruncatingAnUncommittedEntryIsFine) {
  Script s = committed_on_two();
  s.append(2, 1, 5);  // index 2 on n2 only: not committed
  s.persist(2, 1);
  s.state(2, "follower", 2);
  s.truncate(2, 1);  // drops index 2, keeps the committed index 1
  s.append(2, 2, 6);
  s.persist(2, 2);
  expect_pass(s);
}

TEST(RaftInvariants, DeposedLeaderMayTruncate) {
  Script s(3);
  s.elect(1, 1, {2});
  s.replicate({1}, 1);
  s.state(1, "follower", 2);
  s.truncate(1, 0);
  expect_pass(s);
}

// ---------------------------------------------------------------------------------------------
// log_matching

TEST(RaftInvariants, SameIndexAndTermWithDifferentHashesViolateLogMatching) {
  Script s(3);
  s.elect(1, 1, {2});
  s.replicate({1}, 1, 1);
  const size_t other = s.append(2, 1, 2);  // index 1, term 1, another command
  expect_violation(s, "log_matching", {2, 1}, other);
}

TEST(RaftInvariants, SameIndexInDifferentTermsMayDiffer) {
  Script s(3);
  s.elect(1, 1, {2});
  s.replicate({1}, 1, 1);
  s.elect(2, 2, {3});
  s.replicate({2}, 2, 2);
  expect_pass(s);
}

TEST(RaftInvariants, AppendLeavingAGapViolatesLogMatching) {
  Script s(3);
  s.state(2, "follower", 1);
  const size_t gap = s.append_at(2, 3, 1);
  expect_violation(s, "log_matching", {2}, gap);
}

TEST(RaftInvariants, PersistDisagreeingWithTheTracedLogViolatesLogMatching) {
  Script s(3);
  s.state(2, "follower", 1);
  s.append(2, 1);
  s.lose_after(2, 0);  // the model forgets the entry: persist then reports an empty log
  const size_t persist = s.persist(2, 1);
  expect_violation(s, "log_matching", {2}, persist);
}

// ---------------------------------------------------------------------------------------------
// leader_completeness

TEST(RaftInvariants, LeaderWithoutACommittedEntryViolatesCompleteness) {
  Script s = committed_on_two();
  const size_t leader = s.elect(3, 2, {});  // n3 never received index 1
  expect_violation(s, "leader_completeness", {3}, leader);
}

TEST(RaftInvariants, LeaderHoldingTheCommittedEntriesIsComplete) {
  Script s = committed_on_two();
  s.elect(2, 2, {3});
  expect_pass(s);
}

TEST(RaftInvariants, LeaderMayLackUncommittedEntries) {
  Script s(3);
  s.elect(1, 1, {2});
  s.replicate({1, 2}, 1);  // not committed
  s.elect(3, 2, {});
  expect_pass(s);
}

TEST(RaftInvariants, CommitMissingFromALaterTermsLeaderViolatesCompleteness) {
  Script s(3);
  s.elect(1, 1, {2});
  s.replicate({1, 2}, 1);
  s.elect(3, 2, {});                           // n3 leads term 2 without index 1
  const size_t commit = s.commit(1, 1, true);  // then the stale leader of term 1 commits it
  expect_violation(s, "leader_completeness", {1, 3}, commit);
}

// Raft Figure 8: an entry of term 2 committed in term 4 need not be held by the leader of term 3,
// even when that leader's election reaches the trace after the commit.
TEST(RaftInvariants, EarlierTermEntryCommittedLaterBindsOnlyLaterLeaders) {
  Script s(5);
  s.elect(1, 2, {2});
  s.replicate({1, 2, 3}, 2, 1);  // index 1, term 2
  s.state(5, "follower", 3);
  s.append(5, 3, 9);  // n5: index 1, term 3 (from a leader of term 3 that never committed)
  s.persist(5, 3);
  s.elect(1, 4, {2, 3});
  s.replicate({1, 2, 3}, 4);  // index 2, term 4
  s.commit(1, 2, true);
  s.persist(1, 4);
  s.state(4, "follower", 3);
  s.vote(4, 3, 5);
  s.state(5, "leader", 3);  // late: n5's election of term 3 happened before
  expect_pass(s);
}

// ---------------------------------------------------------------------------------------------
// state_machine_safety

TEST(RaftInvariants, CommitDisagreeingWithTheCommittedLogViolatesStateMachineSafety) {
  Script s = committed_on_two();
  s.state(3, "follower", 2);
  s.append(3, 2, 4);  // index 1, term 2: not the committed entry
  s.persist(3, 2);
  const size_t commit = s.commit(3, 1, false);
  expect_violation(s, "state_machine_safety", {3}, commit);
}

TEST(RaftInvariants, ApplyingBeyondTheCommitViolatesStateMachineSafety) {
  Script s = committed_on_two();
  s.replicate({1, 2}, 1);  // index 2, not committed
  s.commit(2, 1, false);
  s.persist(2, 1);
  const size_t apply = s.apply(2, 1, 2);
  expect_violation(s, "state_machine_safety", {2}, apply);
}

TEST(RaftInvariants, ApplyingCommittedEntriesInOrderIsFine) {
  Script s = committed_on_two();
  s.replicate({1, 2}, 1);
  s.commit(2, 1, false);
  s.persist(2, 1);
  s.apply(2, 1, 1);
  s.commit(1, 2, true);
  s.persist(1, 1);
  s.apply(1, 1, 2);
  s.commit(2, 2, false);
  s.persist(2, 1);
  s.apply(2, 2, 2);
  const RaftInvariants checker = check(s);
  EXPECT_TRUE(checker.ok()) << checker.violation()->describe();
  EXPECT_EQ(checker.max_committed_index(), 2u);
}

TEST(RaftInvariants, ApplyingTwiceViolatesStateMachineSafety) {
  Script s = committed_on_two();
  s.apply(1, 1, 1);
  const size_t again = s.apply(1, 1, 1);
  expect_violation(s, "state_machine_safety", {1}, again);
}

TEST(RaftInvariants, SnapshotsOfCommittedStateAreFine) {
  Script s = committed_on_two();
  s.replicate({1, 2}, 1);
  s.commit(1, 2, true);
  s.persist(1, 1);
  s.apply(1, 1, 2);
  s.compact(1, 2);
  s.state(3, "follower", 1);
  s.install(3, 1, 2);
  s.persist(3, 1);
  s.append(3, 1);  // index 3 after the snapshot
  s.persist(3, 1);
  expect_pass(s);
}

TEST(RaftInvariants, InstallingASnapshotBeyondTheCommittedLogViolatesStateMachineSafety) {
  Script s = committed_on_two();
  s.replicate({1, 2}, 1);  // index 2 not committed
  s.state(3, "follower", 1);
  const size_t install = s.install(3, 1, 2);
  expect_violation(s, "state_machine_safety", {3}, install);
}

// ---------------------------------------------------------------------------------------------
// committed_is_durable

TEST(RaftInvariants, CommitWithoutADurableQuorumViolatesDurability) {
  Script s(5);
  s.elect(1, 1, {2, 3});
  s.replicate({1, 2}, 1);
  const size_t commit = s.commit(1, 1, true);
  s.persist(1, 1);
  expect_violation(s, "committed_is_durable", {1}, commit);
}

TEST(RaftInvariants, CommitOnADurableQuorumIsFine) {
  Script s(5);
  s.elect(1, 1, {2, 3});
  s.replicate({1, 2, 3}, 1);
  s.commit(1, 1, true);
  s.persist(1, 1);
  expect_pass(s);
}

TEST(RaftInvariants, JointCommitNeedsBothMajorities) {
  Script s(5);
  s.config(1, "voters=n1,n2,n3 outgoing=n3,n4,n5 learners=");
  s.elect(1, 1, {2, 3});
  s.replicate({1, 2, 3}, 1);  // a majority of the incoming set only
  const size_t commit = s.commit(1, 1, true);
  expect_violation(s, "committed_is_durable", {1}, commit);

  Script t(5);
  t.config(1, "voters=n1,n2,n3 outgoing=n3,n4,n5 learners=");
  t.elect(1, 1, {2, 3});
  t.replicate({1, 2, 3, 4}, 1);  // n3 and n4 make the outgoing majority
  t.commit(1, 1, true);
  t.persist(1, 1);
  expect_pass(t);
}

TEST(RaftInvariants, TruncatingACommittedEntryViolatesDurability) {
  Script s = committed_on_two();
  s.state(2, "follower", 2);
  const size_t cut = s.truncate(2, 0);
  expect_violation(s, "committed_is_durable", {2}, cut);
}

TEST(RaftInvariants, CommittingAnEntryNotHeldViolatesDurability) {
  Script s = committed_on_two();
  const size_t commit = s.commit_raw(2, 2, 1, 12345, false);  // n2 holds only index 1
  s.persist(2, 1);
  expect_violation(s, "committed_is_durable", {2}, commit);
}

// Within one Ready a commit precedes the appends of the entries it commits (single voter).
TEST(RaftInvariants, CommitBeforeItsAppendInTheSameReadyIsFine) {
  Script s(1);
  s.elect(1, 1, {});
  s.commit_raw(1, 1, 1, s.next_hash(1, 1), true);
  s.add(1, "raft.read_index", {{"request", int64_t{1}}, {"index", int64_t{1}}, {"lease", false}});
  s.append(1, 1);
  s.persist(1, 1, 1);
  s.apply(1, 1, 1);
  expect_pass(s);
}

TEST(RaftInvariants, RestartLosingSyncedEntriesViolatesDurability) {
  Script s = committed_on_two();
  s.crash(2);
  s.lose_after(2, 0);  // a lying fsync: the disk never got index 1
  const size_t start = s.restart(2, 1, 1, 0);
  expect_violation(s, "committed_is_durable", {2}, start);
}

TEST(RaftInvariants, RestartWithTheDurableLogIsFine) {
  Script s = committed_on_two();
  s.crash(2);
  s.restart(2, 1, 1, 1);
  s.state(2, "follower", 1);
  s.apply(2, 1, 1);
  expect_pass(s);
}

// A crash between a Ready's sync and its events leaves durable entries the trace never showed:
// either a crash point right before the events, or a sync that completed while the host was
// paused (the disk goes on; the Ready waits for the host) and a crash before the pause ended.
enum class EventsLost { kCrashPointBeforeEvents, kSyncedWhilePaused };

class RaftInvariantsEventsLost : public ::testing::TestWithParam<EventsLost> {
 protected:
  static void lose_events(Script& s, int node) {
    if (GetParam() == EventsLost::kCrashPointBeforeEvents) {
      s.crash_point(node, "events");
    } else {
      s.synced(node);
    }
    s.crash(node);
  }
};

TEST_P(RaftInvariantsEventsLost, AllowAnUntracedSuffix) {
  Script s = committed_on_two();
  s.append_untraced(2, 1, 3);  // index 2, synced; its event dies with the crash
  lose_events(s, 2);
  s.restart(2, 1, 1, 1);
  s.state(2, "follower", 1);
  s.replicate({1}, 1, 3);  // the same index 2 on the leader
  s.commit(1, 2, true);    // n1 and n2 (its recovered last entry) are a quorum
  s.persist(1, 1);
  expect_pass(s);
}

TEST_P(RaftInvariantsEventsLost, MustStillKeepCommittedEntries) {
  Script s = committed_on_two();
  lose_events(s, 2);
  s.lose_after(2, 0);
  const size_t start = s.restart(2, 1, 1, 0);
  expect_violation(s, "committed_is_durable", {2}, start);
}

INSTANTIATE_TEST_SUITE_P(BothWays, RaftInvariantsEventsLost,
                         ::testing::Values(EventsLost::kCrashPointBeforeEvents, EventsLost::kSyncedWhilePaused),
                         [](const ::testing::TestParamInfo<EventsLost>& case_info) {
                           return case_info.param == EventsLost::kCrashPointBeforeEvents
                                      ? std::string("crash_point")
                                      : std::string("synced_while_paused");
                         });

TEST(RaftInvariants, UntracedSuffixWithoutCrashBeforeEventsViolatesDurability) {
  Script s = committed_on_two();
  s.append_untraced(2, 1, 3);
  s.crash(2);
  const size_t start = s.restart(2, 1, 1, 1);
  expect_violation(s, "committed_is_durable", {2}, start);
}

// Once the sync's Ready traced its events (raft.persist), the restart is checked exactly again.
TEST(RaftInvariants, SyncFollowedByItsEventsKeepsTheExactRestartCheck) {
  Script s = committed_on_two();
  s.synced(2);
  s.persist(2, 1, 1);
  s.append_untraced(2, 1, 3);
  s.crash(2);
  const size_t start = s.restart(2, 1, 1, 1);
  expect_violation(s, "committed_is_durable", {2}, start);
}

// ---------------------------------------------------------------------------------------------
// term_monotonic

TEST(RaftInvariants, TermGoingBackAcrossARestartViolatesMonotonicity) {
  Script s(3);
  s.state(2, "follower", 3);
  s.persist(2, 3);
  s.crash(2);
  const size_t start = s.restart(2, 2, 0, 0);
  expect_violation(s, "term_monotonic", {2}, start);
}

TEST(RaftInvariants, TermKeptAcrossARestartIsFine) {
  Script s(3);
  s.state(2, "follower", 3);
  s.persist(2, 3);
  s.crash(2);
  s.restart(2, 3, 0, 0);
  s.state(2, "follower", 3);
  s.state(2, "candidate", 4);
  expect_pass(s);
}

TEST(RaftInvariants, TermGoingBackWithinAnIncarnationViolatesMonotonicity) {
  Script s(3);
  s.state(2, "follower", 3);
  const size_t back = s.state(2, "follower", 2);
  expect_violation(s, "term_monotonic", {2}, back);
}

// ---------------------------------------------------------------------------------------------
// one_vote_per_term

TEST(RaftInvariants, SecondCandidateInATermViolatesOneVote) {
  Script s(3);
  s.state(2, "follower", 2);
  s.vote(2, 2, 1);
  s.persist(2, 2);  // the vote_before_persist bug: the disk has no vote
  s.crash(2);
  s.restart(2, 2, 0, 0);
  s.state(2, "follower", 2);
  const size_t second = s.vote(2, 2, 3);
  expect_violation(s, "one_vote_per_term", {2, 3, 1}, second);
}

TEST(RaftInvariants, RevotingForTheSameCandidateIsFine) {
  Script s(3);
  s.state(2, "follower", 2);
  s.vote(2, 2, 1);
  s.persist(2, 2, 1);
  s.crash(2);
  s.restart(2, 2, 1, 0);
  s.state(2, "follower", 2);
  s.vote(2, 2, 1);
  s.state(2, "follower", 3);
  s.vote(2, 3, 3);  // a new term, a new vote
  expect_pass(s);
}

// ---------------------------------------------------------------------------------------------
// stale_read

// The leader `node` answers a read at `index`, from its lease or after a ReadIndex round.
size_t read_index(Script& s, int node, int64_t index, bool lease) {
  return s.add(node, "raft.read_index",
               {{"request", int64_t{1}}, {"index", index}, {"origin", name(node)}, {"lease", lease}});
}

// n1 leads term 1 and commits index 1 on all three nodes; n2 then wins term 2 with n3 and commits
// index 2 without n1 (n1, partitioned, still believes it leads).
Script deposed_leader() {
  Script s(3);
  s.elect(1, 1, {2});
  s.replicate({1, 2, 3}, 1);
  s.commit(1, 1, true);
  s.persist(1, 1);
  s.elect(2, 2, {3});
  s.replicate({2, 3}, 2);
  s.commit(2, 2, true);
  s.persist(2, 2);
  return s;
}

TEST(RaftInvariants, LeaseReadBelowTheCommittedLogViolatesStaleRead) {  // B11
  Script s = deposed_leader();
  const size_t read = read_index(s, 1, 1, true);
  expect_violation(s, "stale_read", {1}, read);
}

TEST(RaftInvariants, LeaseReadsAtTheCommitIndexAreFine) {
  Script s(3);
  s.elect(1, 1, {2});
  s.replicate({1, 2, 3}, 1);
  read_index(s, 1, 0, true);  // before anything commits
  s.commit(1, 1, true);
  s.persist(1, 1);
  read_index(s, 1, 1, true);
  s.elect(2, 2, {3});
  s.replicate({2, 3}, 2);
  s.commit(2, 2, true);
  s.persist(2, 2);
  read_index(s, 2, 2, true);  // the new leader, inside its own lease
  expect_pass(s);
}

// A ReadIndex read's index was the commit index when the read arrived; G may grow during the
// quorum round that confirms it, so the index alone says nothing about staleness.
TEST(RaftInvariants, ReadIndexReadsAreNotJudgedAgainstTheCommittedLog) {
  Script s = deposed_leader();
  read_index(s, 1, 1, false);
  expect_pass(s);
}

TEST(RaftInvariants, ReadIndexRecordWithoutAnIndexIsMalformed) {
  Script s(3);
  s.add(1, "raft.read_index", {{"request", int64_t{1}}, {"lease", true}});
  const RaftInvariants checker = check(s);
  EXPECT_TRUE(checker.ok());
  EXPECT_EQ(checker.malformed_records(), 1u);
}

// ---------------------------------------------------------------------------------------------
// The checker itself

TEST(RaftInvariants, OnlyTheFirstViolationIsKept) {
  Script s(3);
  s.elect(1, 1, {3});
  const size_t first = s.state(2, "leader", 1);
  s.state(3, "leader", 1);
  const RaftInvariants checker = check(s);
  ASSERT_FALSE(checker.ok());
  EXPECT_EQ(checker.violation()->record_index, first);
  EXPECT_EQ(checker.records_observed(), s.records().size());
}

TEST(RaftInvariants, MalformedRecordsAreCountedNotFatal) {
  Script s(3);
  s.add(1, "raft.append", {{"index", int64_t{1}}});
  s.add(1, "raft.config", {{"voters", std::string("voters=x1")}});
  s.add(2, "raft.vote", {{"term", int64_t{1}}, {"candidate", std::string("nobody")}});
  const RaftInvariants checker = check(s);
  EXPECT_TRUE(checker.ok());
  EXPECT_EQ(checker.malformed_records(), 3u);
}

}  // namespace
}  // namespace consim::checkers
