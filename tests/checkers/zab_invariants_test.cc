// Tests for checkers/invariants/zab_invariants: for every invariant, a synthetic trace that breaks
// it (the id, the nodes and the offending record are checked) next to a close legitimate trace
// that must pass, and a longer correct run: election, discovery, DIFF and TRUNC sync, broadcast,
// crashes and restarts.
#include "checkers/invariants/zab_invariants.h"

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

// Builds a trace the way a ZAB ensemble would emit it, keeping a model of each node's durable
// state (epochs, snapshot, log) so that logs, commits and restarts carry consistent chains.
// Nodes are 1-based; every node is a voter.
class Script {
 public:
  explicit Script(int nodes, uint32_t counter_bits = 32) : nodes_(nodes), bits_(counter_bits) {
    for (int n = 1; n <= nodes; ++n) {
      start(n);
      state(n, "looking", "election");
    }
  }

  int64_t zxid(int64_t epoch, int64_t counter) const { return epoch << bits_ | counter; }

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

  // --- One event each, keeping the model in step.
  size_t start(int node) {
    const Model& m = models_[node];
    Fields fields{{"accepted_epoch", m.accepted},
                  {"current_epoch", m.current},
                  {"last_zxid", last(node).zxid},
                  {"last_chain", last(node).chain},
                  {"snapshot_zxid", m.snapshot.zxid},
                  {"snapshot_chain", m.snapshot.chain},
                  {"voters", voters()}};
    if (bits_ != 32) {
      fields.emplace_back("counter_bits", int64_t{bits_});
    }
    return add(node, "zab.start", std::move(fields));
  }
  size_t restart(int node) {
    add(node, "host.restart", {{"incarnation", int64_t{2}}});
    return start(node);
  }
  size_t crash(int node) { return add(node, "host.crash", {{"incarnation", int64_t{1}}}); }
  size_t crash_point(int node, const std::string& step) { return add(node, "host.crash_point", {{"step", step}}); }
  size_t state(int node, const std::string& state_name, const std::string& phase, int64_t epoch = 0) {
    return add(
        node, "zab.state",
        {{"state", state_name}, {"phase", phase}, {"epoch", epoch}, {"leader", name(node)}, {"round", int64_t{1}}});
  }
  size_t accepted(int node, int64_t epoch) {
    models_[node].accepted = epoch;
    return add(node, "zab.accepted_epoch", {{"epoch", epoch}});
  }
  size_t current(int node, int64_t epoch) {
    models_[node].current = epoch;
    return add(node, "zab.current_epoch", {{"epoch", epoch}});
  }
  // The chain `node` would give a txn appended now.
  int64_t next_chain(int node, int64_t zxid, int64_t digest) const {
    return static_cast<int64_t>(
        mix(static_cast<uint64_t>(last(node).chain) ^
            mix(static_cast<uint64_t>(zxid) * 31 + static_cast<uint64_t>(digest) * 0x9e3779b97f4a7c15ULL)));
  }
  size_t log(int node, int64_t zxid, int64_t digest = 0) {
    log_untraced(node, zxid, digest);
    return add(node, "zab.log", {{"zxid", zxid}, {"chain", chain_at(node, zxid)}});
  }
  // A txn reaches the disk but its event is never traced (a crash right before "events").
  void log_untraced(int node, int64_t zxid, int64_t digest = 0) {
    digest = digest != 0 ? digest : default_digest(zxid);
    models_[node].log.push_back(Txn{zxid, next_chain(node, zxid, digest), digest});
  }
  // The disk silently loses txns after `zxid` (a lying fsync): no event.
  void lose_after(int node, int64_t zxid) { cut(node, zxid); }
  size_t propose(int leader, int64_t zxid, int64_t digest = 0) {
    digest = digest != 0 ? digest : default_digest(zxid);
    const size_t index = add(
        leader, "zab.propose",
        {{"zxid", zxid}, {"chain", next_chain(leader, zxid, digest)}, {"digest", digest}, {"epoch", zxid >> bits_}});
    log(leader, zxid, digest);
    return index;
  }
  size_t truncate(int node, int64_t zxid) {
    cut(node, zxid);
    return add(node, "zab.truncate", {{"zxid", zxid}});
  }
  size_t snapshot(int node, int64_t zxid, int64_t log_first) {
    Model& m = models_[node];
    m.snapshot = Txn{zxid, chain_at(node, zxid), 0};
    std::erase_if(m.log, [&](const Txn& txn) { return log_first == 0 || txn.zxid < log_first; });
    return add(node, "zab.snapshot", {{"zxid", zxid}, {"chain", m.snapshot.chain}, {"log_first", log_first}});
  }
  // SNAP: `node`'s history replaced by `from`'s state at `zxid`.
  size_t snap_install(int node, int from, int64_t zxid) {
    Model& m = models_[node];
    m.snapshot = Txn{zxid, chain_at(from, zxid), 0};
    m.log.clear();
    return add(node, "zab.snap_install", {{"zxid", zxid}, {"chain", m.snapshot.chain}});
  }
  size_t commit(int node, int64_t zxid) { return commit_raw(node, zxid, chain_at(node, zxid), true); }
  size_t commit_raw(int node, int64_t zxid, int64_t chain, bool held) {
    return add(node, "zab.commit", {{"zxid", zxid}, {"chain", chain}, {"held", held}});
  }
  size_t apply(int node, int64_t zxid) {
    return add(node, "zab.apply", {{"zxid", zxid}, {"chain", chain_at(node, zxid)}, {"count", int64_t{1}}});
  }
  size_t serving(int node) {
    return add(node, "zab.serving", {{"zxid", last(node).zxid}, {"chain", last(node).chain}});
  }
  size_t newleader(int node, int64_t epoch, int leader) { return announce(node, "zab.newleader", epoch, leader); }
  size_t ack_newleader(int node, int64_t epoch, int leader) {
    return announce(node, "zab.ack_newleader", epoch, leader);
  }
  size_t ack(int node, int64_t zxid, int leader) {
    return add(node, "zab.ack", {{"zxid", zxid}, {"leader", name(leader)}});
  }
  size_t established(int leader, int64_t epoch) {
    return add(leader, "zab.established",
               {{"epoch", epoch}, {"last_zxid", last(leader).zxid}, {"last_chain", last(leader).chain}});
  }

  // --- Protocol steps.
  // `leader` wins the election and establishes `epoch` with `followers`: discovery, per-follower
  // TRUNC/DIFF sync, NEWLEADER acks, establishment (committing its history), then broadcast.
  void elect(int leader, int64_t epoch, const std::vector<int>& followers) {
    for (const int n : followers) {
      add(n, "zab.vote",
          {{"round", int64_t{1}}, {"leader", name(leader)}, {"zxid", last(leader).zxid}, {"epoch", epoch - 1}});
      add(n, "zab.elected", {{"round", int64_t{1}}, {"leader", name(leader)}, {"state", std::string("following")}});
    }
    state(leader, "leading", "discovery", epoch);
    for (const int f : followers) {
      state(f, "following", "discovery", epoch);
    }
    accepted(leader, epoch);
    for (const int f : followers) {
      accepted(f, epoch);
    }
    current(leader, epoch);
    state(leader, "leading", "sync", epoch);
    for (const int f : followers) {
      sync(f, leader, epoch);
    }
    established(leader, epoch);
    state(leader, "leading", "broadcast", epoch);
    if (last(leader).zxid != 0) {
      commit(leader, last(leader).zxid);
    }
    serving(leader);
    for (const int f : followers) {
      uptodate(f, epoch);
    }
  }
  // A learner joins `leader`'s established `epoch`.
  void join(int follower, int leader, int64_t epoch) {
    state(follower, "following", "discovery", epoch);
    if (models_[follower].accepted < epoch) {
      accepted(follower, epoch);
    }
    sync(follower, leader, epoch);
    uptodate(follower, epoch);
  }
  // The leader proposes the next txn; `acks` log and ack it; all of them commit and apply it.
  int64_t write(int leader, const std::vector<int>& acks, int64_t digest = 0) {
    const int64_t epoch = models_[leader].current;
    const int64_t previous = last(leader).zxid;
    const int64_t z = zxid(epoch, (previous >> bits_) == epoch ? (previous & ((int64_t{1} << bits_) - 1)) + 1 : 1);
    propose(leader, z, digest);
    for (const int f : acks) {
      log(f, z, digest);
      ack(f, z, leader);
    }
    commit(leader, z);
    apply(leader, z);
    for (const int f : acks) {
      commit(f, z);
      apply(f, z);
    }
    return z;
  }

  struct Txn {
    int64_t zxid = 0;
    int64_t chain = 0;
    int64_t digest = 0;
  };
  Txn last(int node) const {
    const auto it = models_.find(node);
    if (it == models_.end()) {
      return Txn{};
    }
    const Model& m = it->second;
    return !m.log.empty() && m.log.back().zxid >= m.snapshot.zxid ? m.log.back() : m.snapshot;
  }
  int64_t chain_at(int node, int64_t zxid) const {
    const Model& m = models_.at(node);
    for (const Txn& txn : m.log) {
      if (txn.zxid == zxid) {
        return txn.chain;
      }
    }
    return m.snapshot.zxid == zxid ? m.snapshot.chain : 0;
  }
  void set_epochs(int node, int64_t accepted_epoch, int64_t current_epoch) {
    models_[node].accepted = accepted_epoch;
    models_[node].current = current_epoch;
  }
  const std::vector<sim::TraceRecord>& records() const { return records_; }

 private:
  struct Model {
    std::vector<Txn> log;
    Txn snapshot;
    int64_t accepted = 0;
    int64_t current = 0;
  };

  static int64_t default_digest(int64_t zxid) { return zxid * 7 + 1; }
  std::string voters() const {
    std::string text;
    for (int n = 1; n <= nodes_; ++n) {
      text += (n > 1 ? "," : "") + name(n);
    }
    return text;
  }
  void cut(int node, int64_t zxid) {
    std::erase_if(models_[node].log, [&](const Txn& txn) { return txn.zxid > zxid; });
  }
  size_t announce(int node, std::string kind, int64_t epoch, int leader) {
    return add(
        node, std::move(kind),
        {{"epoch", epoch}, {"leader", name(leader)}, {"last_zxid", last(node).zxid}, {"last_chain", last(node).chain}});
  }
  // The leader's choice for a learner: TRUNC back to their common history, then DIFF from there;
  // the learner logs, accepts NEWLEADER, writes its current epoch and acks.
  void sync(int follower, int leader, int64_t epoch) {
    const Model& l = models_.at(leader);
    Txn common;
    for (const Txn& txn : models_[follower].log) {
      if (chain_at(leader, txn.zxid) == txn.chain) {
        common = txn;
      }
    }
    const bool trunc = last(follower).zxid != common.zxid;
    add(leader, "zab.sync",
        {{"peer", name(follower)},
         {"mode", std::string(trunc ? "trunc_diff" : "diff")},
         {"peer_zxid", last(follower).zxid},
         {"zxid", last(leader).zxid},
         {"txns", int64_t{0}}});
    state(follower, "following", "sync", epoch);
    if (trunc) {
      truncate(follower, common.zxid);
    }
    for (const Txn& txn : l.log) {
      if (txn.zxid > common.zxid) {
        log(follower, txn.zxid, txn.digest);
      }
    }
    newleader(follower, epoch, leader);
    current(follower, epoch);
    ack_newleader(follower, epoch, leader);
  }
  void uptodate(int follower, int64_t epoch) {
    state(follower, "following", "broadcast", epoch);
    if (last(follower).zxid != 0) {
      commit(follower, last(follower).zxid);
    }
    serving(follower);
  }

  int nodes_;
  uint32_t bits_;
  std::vector<sim::TraceRecord> records_;
  std::map<int, Model> models_;
};

ZabInvariants check(const Script& script) {
  ZabInvariants checker;
  for (const sim::TraceRecord& record : script.records()) {
    checker.observe(record);
  }
  checker.finish();
  return checker;
}

void expect_pass(const Script& script) {
  const ZabInvariants checker = check(script);
  EXPECT_TRUE(checker.ok()) << checker.violation()->describe();
  EXPECT_EQ(checker.malformed_records(), 0u);
}

void expect_violation(const Script& script, const std::string& invariant, const std::vector<int>& nodes,
                      size_t record_index) {
  const ZabInvariants checker = check(script);
  ASSERT_FALSE(checker.ok()) << "expected " << invariant;
  const Violation& violation = *checker.violation();
  EXPECT_EQ(violation.invariant, invariant) << violation.describe();
  std::vector<sim::HostId> hosts;
  for (const int node : nodes) {
    hosts.push_back(sim::HostId{static_cast<uint32_t>(node - 1)});
    EXPECT_NE(violation.message.find(name(node)), std::string::npos) << violation.describe();
  }
  EXPECT_EQ(violation.nodes, hosts) << violation.describe();
  EXPECT_EQ(violation.record_index, record_index) << violation.describe();
  EXPECT_EQ(violation.time, script.records().at(record_index).time);
  EXPECT_EQ(checker.malformed_records(), 0u);
}

// n1 leads epoch 1 of three nodes and commits (1,1) and (1,2) on n1 and n2; n3 holds nothing.
Script committed_on_two() {
  Script s(3);
  s.elect(1, 1, {2});
  s.write(1, {2});
  s.write(1, {2});
  return s;
}

// ---------------------------------------------------------------------------------------------
// one_leader_per_epoch

TEST(ZabInvariants, TwoLeadersEstablishedInOneEpochViolateOneLeaderPerEpoch) {
  Script s(3);
  s.elect(1, 1, {2});
  s.state(3, "leading", "sync", 1);
  const size_t second = s.established(3, 1);
  expect_violation(s, "one_leader_per_epoch", {3, 1}, second);
}

TEST(ZabInvariants, LeadersOfDifferentEpochsAreFine) {
  Script s(3);
  s.elect(1, 1, {2});
  s.elect(2, 2, {3});
  const ZabInvariants checker = check(s);
  EXPECT_TRUE(checker.ok()) << checker.violation()->describe();
  EXPECT_EQ(checker.epochs_with_leader(), 2u);
  EXPECT_EQ(checker.leaders_by_epoch().at(2), sim::HostId{1});
}

// ---------------------------------------------------------------------------------------------
// prefix_consistency

TEST(ZabInvariants, CommitDisagreeingWithTheCommittedHistoryViolatesPrefixConsistency) {
  Script s = committed_on_two();
  s.log(3, s.zxid(1, 1), 999);  // another txn at (1,1): another history
  const size_t bad = s.commit(3, s.zxid(1, 1));
  expect_violation(s, "prefix_consistency", {3}, bad);
}

TEST(ZabInvariants, CommitOfTheCommittedHistoryIsFine) {
  Script s = committed_on_two();
  s.log(3, s.zxid(1, 1));
  s.log(3, s.zxid(1, 2));
  s.commit(3, s.zxid(1, 2));
  expect_pass(s);
}

TEST(ZabInvariants, CommitSkippingACommittedTxnViolatesPrefixConsistency) {
  Script s = committed_on_two();
  s.log(3, s.zxid(1, 1));
  s.log(3, s.zxid(2, 1));  // (1,2), committed, is missing from n3's history
  const size_t bad = s.commit(3, s.zxid(2, 1));
  expect_violation(s, "prefix_consistency", {3}, bad);
}

TEST(ZabInvariants, CommitExtendingTheCommittedHistoryIsFine) {
  Script s = committed_on_two();
  s.log(3, s.zxid(1, 1));
  s.log(3, s.zxid(1, 2));
  s.log(3, s.zxid(2, 1));
  s.commit(3, s.zxid(2, 1));
  const ZabInvariants checker = check(s);
  EXPECT_TRUE(checker.ok()) << checker.violation()->describe();
  EXPECT_EQ(checker.max_committed_zxid(), static_cast<uint64_t>(s.zxid(2, 1)));
  EXPECT_EQ(checker.committed_txns(), 3u);
}

TEST(ZabInvariants, TruncatingACommittedTxnViolatesPrefixConsistency) {  // CommittedLogDurability
  Script s = committed_on_two();
  const size_t bad = s.truncate(2, s.zxid(1, 1));
  expect_violation(s, "prefix_consistency", {2}, bad);
}

TEST(ZabInvariants, TruncatingAnUncommittedTxnIsFine) {
  Script s = committed_on_two();
  s.propose(1, s.zxid(1, 3));
  s.log(2, s.zxid(1, 3));
  s.truncate(2, s.zxid(1, 2));
  expect_pass(s);
}

TEST(ZabInvariants, SnapshotInstallDroppingACommittedTxnViolatesPrefixConsistency) {
  Script s = committed_on_two();
  const size_t bad = s.snap_install(2, 1, s.zxid(1, 1));  // n2 held (1,2)
  expect_violation(s, "prefix_consistency", {2}, bad);
}

TEST(ZabInvariants, SnapshotInstallCoveringTheCommittedTxnsIsFine) {
  Script s = committed_on_two();
  s.snap_install(2, 1, s.zxid(1, 2));
  s.snap_install(3, 1, s.zxid(1, 2));
  s.write(1, {3});  // n3 continues from the snapshot's chain
  expect_pass(s);
}

TEST(ZabInvariants, SnapshotDisagreeingWithTheCommittedHistoryViolatesPrefixConsistency) {
  Script s = committed_on_two();
  const size_t bad = s.add(3, "zab.snap_install", {{"zxid", s.zxid(1, 2)}, {"chain", s.chain_at(1, s.zxid(1, 2)) + 1}});
  expect_violation(s, "prefix_consistency", {3}, bad);
}

TEST(ZabInvariants, RestartLosingACommittedTxnViolatesPrefixConsistency) {
  Script s = committed_on_two();
  s.crash(2);
  s.lose_after(2, s.zxid(1, 1));
  const size_t bad = s.restart(2);
  expect_violation(s, "prefix_consistency", {2}, bad);
}

TEST(ZabInvariants, RestartWithTheDurableHistoryIsFine) {
  Script s = committed_on_two();
  s.propose(1, s.zxid(1, 3));
  s.crash(1);
  s.restart(1);
  const ZabInvariants checker = check(s);
  EXPECT_TRUE(checker.ok()) << checker.violation()->describe();
  EXPECT_EQ(checker.rebuilds_unexplained(), 0u);
}

// ---------------------------------------------------------------------------------------------
// commit_consistency

TEST(ZabInvariants, CommitOfATxnNotHeldViolatesCommitConsistency) {  // ZOOKEEPER-4394
  Script s(3);
  s.elect(1, 1, {2, 3});
  s.propose(1, s.zxid(1, 1));
  s.log(2, s.zxid(1, 1));
  const size_t bad = s.commit_raw(3, s.zxid(1, 1), s.chain_at(1, s.zxid(1, 1)), false);
  expect_violation(s, "commit_consistency", {3}, bad);
}

TEST(ZabInvariants, CommitNeverLoggedInItsReadyViolatesCommitConsistency) {
  Script s(3);
  s.elect(1, 1, {2, 3});
  s.propose(1, s.zxid(1, 1));
  s.log(2, s.zxid(1, 1));
  const size_t bad = s.commit_raw(3, s.zxid(1, 1), s.chain_at(1, s.zxid(1, 1)), true);
  s.ack(3, s.zxid(1, 1), 1);  // n3's next record: the Ready is over, still without the txn
  expect_violation(s, "commit_consistency", {3}, bad);
}

TEST(ZabInvariants, CommitBeforeItsLogInTheSameReadyIsFine) {
  Script s(3);
  s.elect(1, 1, {2, 3});
  const int64_t z = s.zxid(1, 1);
  s.propose(1, z);
  s.log(2, z);
  s.ack(2, z, 1);
  s.commit(1, z);
  s.commit_raw(3, z, s.next_chain(3, z, z * 7 + 1), true);
  s.log(3, z);
  s.apply(3, z);
  expect_pass(s);
}

// ---------------------------------------------------------------------------------------------
// primary_order

TEST(ZabInvariants, ProposalsWithAGapViolatePrimaryOrder) {
  Script s(3);
  s.elect(1, 1, {2});
  s.propose(1, s.zxid(1, 1));
  const size_t bad = s.propose(1, s.zxid(1, 3));
  expect_violation(s, "primary_order", {1}, bad);
}

TEST(ZabInvariants, ContiguousProposalsAreFine) {
  Script s(3);
  s.elect(1, 1, {2});
  s.propose(1, s.zxid(1, 1));
  s.propose(1, s.zxid(1, 2));
  s.propose(1, s.zxid(1, 3));
  const ZabInvariants checker = check(s);
  EXPECT_TRUE(checker.ok()) << checker.violation()->describe();
  EXPECT_EQ(checker.proposals(), 3u);
}

TEST(ZabInvariants, FirstProposalOfAnEpochMustHaveCounterOne) {
  Script s(3);
  s.elect(1, 1, {2});
  const size_t bad = s.propose(1, s.zxid(1, 2));
  expect_violation(s, "primary_order", {1}, bad);
}

TEST(ZabInvariants, ProposalOutsideTheLeadersEpochViolatesPrimaryOrder) {
  Script s(3);
  s.elect(1, 1, {2});
  const size_t bad = s.propose(1, s.zxid(2, 1));
  expect_violation(s, "primary_order", {1}, bad);
}

TEST(ZabInvariants, ProposalByAFollowerViolatesPrimaryOrder) {
  Script s(3);
  s.elect(1, 1, {2});
  const size_t bad = s.propose(2, s.zxid(1, 1));
  expect_violation(s, "primary_order", {2}, bad);
}

TEST(ZabInvariants, LogGoingBackViolatesPrimaryOrder) {
  Script s(3);
  s.elect(1, 1, {2});
  s.propose(1, s.zxid(1, 1));
  s.propose(1, s.zxid(1, 2));
  s.log(2, s.zxid(1, 2));
  const size_t bad = s.log(2, s.zxid(1, 1));
  expect_violation(s, "primary_order", {2}, bad);
}

TEST(ZabInvariants, CounterBitsFromStartDefineTheEpoch) {
  Script s(3, 8);
  s.elect(1, 1, {2});
  s.write(1, {2});  // (1,1) is 0x101
  s.write(1, {2});
  expect_pass(s);
  Script wide(3, 8);
  wide.elect(1, 1, {2});
  const size_t bad = wide.propose(1, int64_t{1} << 32 | 1);  // epoch 2^24 with 8 counter bits
  expect_violation(wide, "primary_order", {1}, bad);
}

TEST(ZabInvariants, ProposalAtTheRolloverCounterViolatesPrimaryOrder) {  // ZOOKEEPER-1277
  Script s(3, 2);
  s.elect(1, 1, {2});
  s.write(1, {2});
  s.write(1, {2});  // (1,2): the last counter a leader may use with 2 bits
  expect_pass(s);
  const size_t bad = s.propose(1, s.zxid(1, 3));
  expect_violation(s, "primary_order", {1}, bad);
}

// ---------------------------------------------------------------------------------------------
// zxid_unique

TEST(ZabInvariants, OneZxidProposedWithTwoDigestsViolatesZxidUnique) {
  Script s(3);
  s.elect(1, 1, {2});
  s.propose(1, s.zxid(1, 1), 5);
  s.state(3, "leading", "broadcast", 1);  // a second self-made leader of epoch 1, never established
  s.accepted(3, 1);
  s.current(3, 1);
  const size_t bad = s.propose(3, s.zxid(1, 1), 6);
  expect_violation(s, "zxid_unique", {3, 1}, bad);
}

TEST(ZabInvariants, EqualDigestsAtDifferentZxidsAreFine) {
  Script s(3);
  s.elect(1, 1, {2});
  s.write(1, {2}, 5);
  s.write(1, {2}, 5);  // the same command twice: two txns
  expect_pass(s);
}

// ---------------------------------------------------------------------------------------------
// primary_integrity

TEST(ZabInvariants, LeaderWithoutACommittedTxnViolatesPrimaryIntegrity) {
  Script s = committed_on_two();
  s.state(3, "leading", "discovery", 2);
  s.accepted(3, 2);
  s.current(3, 2);
  const size_t bad = s.established(3, 2);
  expect_violation(s, "primary_integrity", {3}, bad);
}

TEST(ZabInvariants, LeaderHoldingTheCommittedTxnsIsComplete) {
  Script s = committed_on_two();
  s.elect(2, 2, {3});  // n3 gets the committed txns by DIFF
  s.write(2, {3});
  expect_pass(s);
}

TEST(ZabInvariants, LaterCommitOfAnOldEpochMissingFromTheLeaderViolatesPrimaryIntegrity) {
  Script s(3);
  s.elect(1, 1, {2, 3});
  s.write(1, {2, 3});
  s.propose(1, s.zxid(1, 2));
  s.log(3, s.zxid(1, 2));
  s.elect(2, 2, {});          // n2 establishes epoch 2 without (1,2)
  s.commit(3, s.zxid(1, 2));  // a stale COMMIT of epoch 1 reaches n3
  const size_t bad = s.propose(2, s.zxid(2, 1));
  expect_violation(s, "primary_integrity", {2}, bad);
}

TEST(ZabInvariants, DeposedLeaderMayKeepProposingInItsOwnEpoch) {
  Script s(3);
  s.elect(1, 1, {2, 3});
  s.write(1, {2, 3});
  s.elect(2, 2, {3});
  s.write(2, {3});
  s.propose(1, s.zxid(1, 2));  // n1 has not heard of epoch 2 yet; nobody will commit this
  expect_pass(s);
}

// ---------------------------------------------------------------------------------------------
// epoch_order

TEST(ZabInvariants, AcceptedEpochGoingBackViolatesEpochOrder) {
  Script s(3);
  s.accepted(2, 2);
  const size_t bad = s.accepted(2, 1);
  expect_violation(s, "epoch_order", {2}, bad);
}

TEST(ZabInvariants, CurrentEpochAboveAcceptedViolatesEpochOrder) {
  Script s(3);
  s.accepted(2, 1);
  const size_t bad = s.current(2, 2);
  expect_violation(s, "epoch_order", {2}, bad);
}

TEST(ZabInvariants, RestartBelowTheDurableEpochsViolatesEpochOrder) {
  Script s(3);
  s.accepted(2, 2);
  s.current(2, 1);
  s.crash(2);
  s.set_epochs(2, 1, 1);  // the disk lost the accepted epoch
  const size_t bad = s.restart(2);
  expect_violation(s, "epoch_order", {2}, bad);
}

TEST(ZabInvariants, RestartWithTheDurableEpochsIsFine) {
  Script s(3);
  s.accepted(2, 2);
  s.current(2, 1);
  s.crash(2);
  s.restart(2);
  s.current(2, 2);
  expect_pass(s);
}

// ---------------------------------------------------------------------------------------------
// ack_durability

TEST(ZabInvariants, AckBeforeTheTxnIsDurableViolatesAckDurability) {
  Script s(3);
  s.elect(1, 1, {2, 3});
  s.propose(1, s.zxid(1, 1));
  const size_t bad = s.ack(2, s.zxid(1, 1), 1);
  expect_violation(s, "ack_durability", {2}, bad);
}

TEST(ZabInvariants, AckAfterTheTxnIsDurableIsFine) {
  Script s(3);
  s.elect(1, 1, {2, 3});
  s.propose(1, s.zxid(1, 1));
  s.log(2, s.zxid(1, 1));
  s.ack(2, s.zxid(1, 1), 1);
  s.ack(2, s.zxid(1, 0), 1);  // an UPTODATE ack names no txn
  expect_pass(s);
}

// Follower n2 syncs with n1 for epoch 2: discovery done, the DIFF already logged.
Script newleader_pending() {
  Script s(3);
  s.elect(1, 1, {2});
  s.write(1, {2});
  s.state(1, "leading", "discovery", 2);
  s.accepted(1, 2);
  s.accepted(3, 2);
  s.current(1, 2);
  s.state(3, "following", "sync", 2);
  s.log(3, s.zxid(1, 1));
  s.newleader(3, 2, 1);
  return s;
}

TEST(ZabInvariants, NewLeaderAckBeforeTheCurrentEpochIsDurableViolatesAckDurability) {  // ZOOKEEPER-4643
  Script s = newleader_pending();
  const size_t bad = s.ack_newleader(3, 2, 1);
  expect_violation(s, "ack_durability", {3}, bad);
}

TEST(ZabInvariants, CurrentEpochWrittenBeforeTheSyncedHistoryIsDurableViolatesAckDurability) {  // ZOOKEEPER-4643
  Script s(3);
  s.elect(1, 1, {2});
  s.write(1, {2});
  s.state(1, "leading", "discovery", 2);
  s.accepted(1, 2);
  s.accepted(3, 2);
  s.current(1, 2);
  s.state(3, "following", "sync", 2);
  s.log_untraced(3, s.zxid(1, 1));  // synced, announced, but not yet durable
  s.newleader(3, 2, 1);
  const size_t bad = s.current(3, 2);
  expect_violation(s, "ack_durability", {3}, bad);
}

TEST(ZabInvariants, NewLeaderAckAfterTheCurrentEpochIsDurableIsFine) {
  Script s = newleader_pending();
  s.current(3, 2);
  s.ack_newleader(3, 2, 1);
  expect_pass(s);
}

TEST(ZabInvariants, NewLeaderAckOfAnotherHistoryThanAnnouncedViolatesAckDurability) {
  Script s = newleader_pending();
  s.current(3, 2);
  s.log(3, s.zxid(1, 2));  // logged after NEWLEADER: not the history NEWLEADER was accepted with
  const size_t bad = s.ack_newleader(3, 2, 1);
  expect_violation(s, "ack_durability", {3}, bad);
}

TEST(ZabInvariants, NewLeaderAckWithoutANewLeaderViolatesAckDurability) {
  Script s = newleader_pending();
  s.crash(3);
  s.restart(3);  // the accepted NEWLEADER was volatile
  s.current(3, 2);
  const size_t bad = s.ack_newleader(3, 2, 1);
  expect_violation(s, "ack_durability", {3}, bad);
}

// ---------------------------------------------------------------------------------------------
// process_consistency

// n3 led epoch 1; (1,2) reached n2 only, uncommitted. n1 leads epoch 2 from (1,1).
Script divergent_follower() {
  Script s(3);
  s.elect(3, 1, {1, 2});
  s.write(3, {1, 2});
  s.propose(3, s.zxid(1, 2));
  s.log(2, s.zxid(1, 2));
  s.crash(3);
  s.state(1, "leading", "discovery", 2);
  s.accepted(1, 2);
  s.accepted(2, 2);
  s.current(1, 2);
  s.state(2, "following", "sync", 2);
  return s;
}

TEST(ZabInvariants, FollowerAckingAHistoryItsLeaderLacksViolatesProcessConsistency) {
  Script s = divergent_follower();
  s.newleader(2, 2, 1);  // no TRUNC: n2 keeps (1,2)
  s.current(2, 2);
  const size_t bad = s.ack_newleader(2, 2, 1);
  expect_violation(s, "process_consistency", {2, 1}, bad);
}

TEST(ZabInvariants, FollowerTruncatedToItsLeadersHistoryIsConsistent) {
  Script s = divergent_follower();
  s.truncate(2, s.zxid(1, 1));
  s.newleader(2, 2, 1);
  s.current(2, 2);
  s.ack_newleader(2, 2, 1);
  s.established(1, 2);
  s.state(1, "leading", "broadcast", 2);
  s.commit(1, s.zxid(1, 1));
  expect_pass(s);
}

// ---------------------------------------------------------------------------------------------
// state_consistency

TEST(ZabInvariants, ApplyingAnUncommittedTxnWhileServingViolatesStateConsistency) {
  Script s(3);
  s.elect(1, 1, {2});
  s.propose(1, s.zxid(1, 1));
  s.log(2, s.zxid(1, 1));
  const size_t bad = s.apply(2, s.zxid(1, 1));
  expect_violation(s, "state_consistency", {2}, bad);
}

TEST(ZabInvariants, ApplyingBackwardsWhileServingViolatesStateConsistency) {
  Script s(3);
  s.elect(1, 1, {2});
  s.write(1, {2});
  s.write(1, {2});
  const size_t bad = s.apply(2, s.zxid(1, 1));
  expect_violation(s, "state_consistency", {2}, bad);
}

TEST(ZabInvariants, ReplayingAnUncommittedTxnWhileNotServingIsFine) {
  Script s(3);
  s.elect(1, 1, {2});
  s.propose(1, s.zxid(1, 1));
  s.log(2, s.zxid(1, 1));
  s.state(2, "looking", "election");
  s.apply(2, s.zxid(1, 1));  // the fast-forward when leaving a role
  s.crash(2);
  s.restart(2);
  s.apply(2, s.zxid(1, 1));  // the replay of a restart
  expect_pass(s);
}

TEST(ZabInvariants, FastForwardAfterSteppingDownIsFine) {
  Script s(3);
  s.elect(1, 1, {2});
  s.propose(1, s.zxid(1, 1));
  s.log(2, s.zxid(1, 1));
  s.add(2, "zab.step_down", {{"reason", std::string("the leader is silent")}});
  s.apply(2, s.zxid(1, 1));  // ZabNode::go_looking: the fast-forward precedes the zab.state
  s.state(2, "looking", "election");
  expect_pass(s);
}

TEST(ZabInvariants, ServingAtAnUncommittedPointViolatesStateConsistency) {
  Script s(3);
  s.elect(1, 1, {2});
  s.propose(1, s.zxid(1, 1));
  s.log(2, s.zxid(1, 1));
  s.state(2, "following", "sync", 1);
  s.state(2, "following", "broadcast", 1);
  const size_t bad = s.serving(2);
  expect_violation(s, "state_consistency", {2}, bad);
}

TEST(ZabInvariants, ServingAtACommittedPointIsFine) {
  Script s(3);
  s.elect(1, 1, {2});
  s.write(1, {2});
  s.state(2, "following", "sync", 1);
  s.state(2, "following", "broadcast", 1);
  s.serving(2);
  expect_pass(s);
}

// ---------------------------------------------------------------------------------------------
// quorum_durability

TEST(ZabInvariants, CommitWithoutADurableQuorumViolatesQuorumDurability) {
  Script s(3);
  s.elect(1, 1, {2, 3});
  s.propose(1, s.zxid(1, 1));
  const size_t bad = s.commit(1, s.zxid(1, 1));
  expect_violation(s, "quorum_durability", {1}, bad);
}

TEST(ZabInvariants, CommitOnADurableQuorumIsFine) {
  Script s(5);
  s.elect(1, 1, {2, 3, 4, 5});
  s.write(1, {2, 3});
  expect_pass(s);
}

TEST(ZabInvariants, CommitCountingALostAckViolatesQuorumDurability) {
  Script s(3);
  s.elect(1, 1, {2, 3});
  s.propose(1, s.zxid(1, 1));
  s.log(2, s.zxid(1, 1));
  s.ack(2, s.zxid(1, 1), 1);
  s.crash(2);
  s.lose_after(2, 0);  // a lying fsync
  s.restart(2);
  const size_t bad = s.commit(1, s.zxid(1, 1));
  expect_violation(s, "quorum_durability", {1}, bad);
  EXPECT_EQ(check(s).rebuilds_unexplained(), 1u);
}

TEST(ZabInvariants, TxnSyncedWithItsEventsLostStillCounts) {
  Script s(3);
  s.elect(1, 1, {2, 3});
  s.propose(1, s.zxid(1, 1));
  s.log_untraced(2, s.zxid(1, 1));
  s.crash_point(2, "events");
  s.crash(2);
  s.restart(2);
  s.commit(1, s.zxid(1, 1));
  const ZabInvariants checker = check(s);
  EXPECT_TRUE(checker.ok()) << checker.violation()->describe();
  EXPECT_EQ(checker.rebuilds_after_lost_events(), 1u);
  EXPECT_EQ(checker.rebuilds_unexplained(), 0u);
}

// ---------------------------------------------------------------------------------------------
// A whole run

TEST(ZabInvariants, ElectionSyncBroadcastCrashesAndRestartsPass) {
  Script s(3);
  s.elect(1, 1, {2, 3});
  s.write(1, {2, 3});
  s.write(1, {2, 3});
  s.write(1, {2, 3});
  s.crash(3);
  s.write(1, {2});
  s.write(1, {2});
  s.restart(3);  // back with (1,3); rejoins epoch 1 by DIFF
  s.join(3, 1, 1);
  s.write(1, {2, 3});
  s.snapshot(2, s.zxid(1, 6), s.zxid(1, 5));
  s.propose(1, s.zxid(1, 7));  // only n1 logs it
  s.crash(1);
  s.state(2, "looking", "election");
  s.state(3, "looking", "election");
  s.elect(2, 2, {3});
  s.write(2, {3});
  s.restart(1);
  s.apply(1, s.zxid(1, 7));  // the restart's replay, uncommitted tail included
  s.join(1, 2, 2);           // TRUNC of (1,7), then DIFF
  s.write(2, {1, 3});
  s.snapshot(3, s.zxid(2, 2), 0);
  s.write(2, {1, 3});
  const ZabInvariants checker = check(s);
  EXPECT_TRUE(checker.ok()) << checker.violation()->describe();
  EXPECT_EQ(checker.malformed_records(), 0u);
  EXPECT_EQ(checker.records_observed(), s.records().size());
  EXPECT_EQ(checker.epochs_with_leader(), 2u);
  EXPECT_EQ(checker.committed_txns(), 9u);  // (1,1)..(1,6), (2,1)..(2,3)
  EXPECT_EQ(checker.max_committed_zxid(), static_cast<uint64_t>(s.zxid(2, 3)));
  EXPECT_EQ(checker.rebuilds_unexplained(), 0u);
}

// ---------------------------------------------------------------------------------------------
// The checker itself

TEST(ZabInvariants, OnlyTheFirstViolationIsKept) {
  Script s(3);
  s.elect(1, 1, {2});
  const size_t first = s.established(3, 1);
  s.established(2, 1);
  const ZabInvariants checker = check(s);
  ASSERT_FALSE(checker.ok());
  EXPECT_EQ(checker.violation()->record_index, first);
  EXPECT_EQ(checker.records_observed(), s.records().size());
}

TEST(ZabInvariants, MalformedRecordsAreCountedNotFatal) {
  Script s(3);
  s.add(1, "zab.log", {{"zxid", int64_t{1}}});
  s.add(1, "zab.start", {{"accepted_epoch", int64_t{0}}});
  s.add(2, "zab.ack_newleader", {{"epoch", int64_t{1}}, {"leader", std::string("nobody")}});
  s.add(2, "zab.commit", {{"zxid", int64_t{1}}, {"chain", int64_t{1}}});
  s.add(3, "zab.vote", {{"round", int64_t{1}}});  // not read: not malformed
  const ZabInvariants checker = check(s);
  EXPECT_TRUE(checker.ok()) << checker.violation()->describe();
  EXPECT_EQ(checker.malformed_records(), 4u);
}

}  // namespace
}  // namespace consim::checkers
