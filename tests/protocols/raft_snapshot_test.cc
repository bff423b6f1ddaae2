// Snapshots, log compaction (Raft §7) and recovery from the disk image (Figure 2's persistent
// state; etcd's TestNodeRestart*, TestRestoreIgnoreSnapshot, slow_follower_after_compaction.txt).
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "tests/protocols/raft_fixture.h"

namespace consim::protocols::raft::testing {
namespace {

std::vector<NodeId> ids(std::initializer_list<uint32_t> values) {
  std::vector<NodeId> out;
  for (const uint32_t value : values) {
    out.push_back(NodeId{value});
  }
  return out;
}

size_t records(const Recovered& disk, const char* file) {
  auto it = disk.find(file);
  return it == disk.end() ? 0 : it->second.size();
}

// n1 leads; n3 was cut off while `values` were committed, and n1 then compacted its log.
RaftCluster lagging_follower_after_compaction(const std::vector<uint64_t>& values) {
  RaftCluster cluster(3);
  cluster.elect(1);
  cluster.isolate(3);
  for (const uint64_t value : values) {
    cluster.propose(1, value);
  }
  cluster.stabilize();
  cluster.compact(1);
  return cluster;
}

// ---------------------------------------------------------------------------------------------
// Snapshots

TEST(RaftSnapshot, LaggingFollowerCatchesUpThroughInstallSnapshot) {  // §7
  RaftCluster cluster = lagging_follower_after_compaction({1, 2, 3, 4, 5});
  ASSERT_EQ(cluster.node(1).log().snapshot().index, LogIndex{6});
  ASSERT_EQ(cluster.node(1).log().first_index(), LogIndex{7});
  cluster.heal();
  cluster.tick(1);
  cluster.stabilize();
  EXPECT_EQ(cluster.count_events(1, "raft.send_snapshot"), 1u);
  EXPECT_EQ(cluster.count_events(3, "raft.install_snapshot"), 1u);
  ASSERT_EQ(cluster.restores(3).size(), 1u);
  EXPECT_EQ(cluster.restores(3)[0].first, LogIndex{6});
  const auto* data = dynamic_cast<const TestSnapshotData*>(cluster.restores(3)[0].second.get());
  ASSERT_NE(data, nullptr);
  EXPECT_EQ(data->index(), LogIndex{6});
  EXPECT_EQ(cluster.node(3).log().committed(), LogIndex{6});
  EXPECT_EQ(cluster.node(3).log().last_hash(), cluster.node(1).log().last_hash());
  EXPECT_EQ(cluster.node(1).progress(NodeId{3})->state(), Progress::State::kReplicate);

  cluster.propose(1, 42);
  cluster.stabilize();
  EXPECT_EQ(cluster.committed_values(3), std::vector<uint64_t>{42});
  EXPECT_TRUE(cluster.logs_match(1));
  // Its disk holds the snapshot and the entry after it, and a restart finds them.
  EXPECT_EQ(records(cluster.disk(3), kSnapshotFile), 1u);
  EXPECT_EQ(records(cluster.disk(3), kLogFile), 1u);
  cluster.crash(3);
  cluster.restart(3);
  EXPECT_EQ(cluster.node(3).log().snapshot().index, LogIndex{6});
  EXPECT_EQ(cluster.node(3).log().last_index(), LogIndex{7});
  EXPECT_EQ(cluster.committed_values(3), std::vector<uint64_t>{42});
}

TEST(RaftSnapshot, LostSnapshotIsSentAgain) {  // §7 (etcd TestSnapshotFailure)
  RaftCluster cluster = lagging_follower_after_compaction({1, 2});
  cluster.heal();
  cluster.ignore(MessageType::kSnapshot);
  cluster.tick(1);
  cluster.stabilize();
  ASSERT_EQ(cluster.count_events(1, "raft.send_snapshot"), 1u);
  EXPECT_EQ(cluster.node(1).progress(NodeId{3})->state(), Progress::State::kSnapshot);
  cluster.heal();
  for (int i = 0; i < 12; ++i) {
    cluster.tick(1);
    cluster.stabilize();
  }
  EXPECT_EQ(cluster.count_events(1, "raft.send_snapshot"), 2u);
  EXPECT_EQ(cluster.count_events(3, "raft.install_snapshot"), 1u);
  EXPECT_TRUE(cluster.logs_match(1));
}

TEST(RaftSnapshot, StaleSnapshotIsIgnored) {  // §7 (etcd TestRestoreIgnoreSnapshot, B08)
  RaftCluster cluster(3);
  cluster.elect(1);
  for (uint64_t value = 1; value <= 3; ++value) {
    cluster.propose(1, value);
  }
  cluster.stabilize();
  ASSERT_EQ(cluster.node(2).log().committed(), LogIndex{4});
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->meta = SnapshotMeta{LogIndex{2}, Term{1}, cluster.node(1).log().hash(LogIndex{2}), make_cluster_config(3)};
  snapshot->data = std::make_shared<TestSnapshotData>(LogIndex{2});
  RaftMessage message = make_message(MessageType::kSnapshot, 1, 2, 1);
  message.snapshot = snapshot;
  cluster.inject(message);
  EXPECT_EQ(cluster.count_events(2, "raft.install_snapshot"), 0u);
  EXPECT_TRUE(cluster.restores(2).empty());
  EXPECT_EQ(cluster.node(2).log().snapshot().index, LogIndex{0});
  EXPECT_EQ(cluster.node(2).log().last_index(), LogIndex{4});
  const RaftMessage* answer = only_message(cluster, MessageType::kAppendResponse, 2, 1);
  ASSERT_NE(answer, nullptr);
  EXPECT_FALSE(answer->reject);
  EXPECT_EQ(answer->index, LogIndex{4});
}

TEST(RaftSnapshot, CompactionRewritesTheDisk) {  // §7
  RaftCluster cluster(3);
  cluster.elect(1);
  for (uint64_t value = 1; value <= 3; ++value) {
    cluster.propose(1, value);
  }
  cluster.stabilize();
  ASSERT_EQ(records(cluster.disk(2), kLogFile), 4u);
  cluster.compact(2);
  EXPECT_EQ(records(cluster.disk(2), kSnapshotFile), 1u);
  EXPECT_EQ(records(cluster.disk(2), kLogFile), 0u);
  cluster.propose(1, 4);
  cluster.propose(1, 5);
  cluster.stabilize();
  EXPECT_EQ(records(cluster.disk(2), kLogFile), 2u);
  const RecoveredState state = read_disk(cluster.disk(2));
  ASSERT_NE(state.snapshot, nullptr);
  EXPECT_EQ(state.snapshot->meta.index, LogIndex{4});
  ASSERT_EQ(state.entries.size(), 2u);
  EXPECT_EQ(state.entries[0].index, LogIndex{5});
}

TEST(RaftSnapshot, RestartFromSnapshotRestoresItAndReplaysTheTail) {  // §7 (etcd TestNodeRestartFromSnapshot)
  RaftCluster cluster(3);
  cluster.elect(1);
  for (uint64_t value = 1; value <= 3; ++value) {
    cluster.propose(1, value);
  }
  cluster.stabilize();
  cluster.compact(2);
  cluster.propose(1, 4);
  cluster.propose(1, 5);
  cluster.stabilize();
  ASSERT_EQ(cluster.node(2).log().committed(), LogIndex{6});
  cluster.crash(2);
  cluster.restart(2);
  EXPECT_EQ(cluster.node(2).log().snapshot().index, LogIndex{4});
  EXPECT_EQ(cluster.node(2).log().last_index(), LogIndex{6});
  EXPECT_EQ(cluster.node(2).log().committed(), LogIndex{6});
  ASSERT_EQ(cluster.restores(2).size(), 1u);
  EXPECT_EQ(cluster.restores(2)[0].first, LogIndex{4});
  EXPECT_EQ(cluster.committed_values(2), (std::vector<uint64_t>{4, 5}));
  EXPECT_EQ(cluster.applied(2), LogIndex{6});
  EXPECT_TRUE(cluster.violations().empty());
}

// ---------------------------------------------------------------------------------------------
// Persistence

TEST(RaftPersistence, RestartKeepsTermVoteLogAndCommit) {  // Figure 2 persistent state
  RaftCluster cluster(3);
  cluster.elect(1);
  for (uint64_t value = 1; value <= 3; ++value) {
    cluster.propose(1, value);
  }
  cluster.stabilize();
  for (const uint32_t id : {1u, 2u}) {
    SCOPED_TRACE(id);
    const Term term = cluster.node(id).term();
    const NodeId vote = cluster.node(id).voted_for();
    const LogIndex last = cluster.node(id).log().last_index();
    const uint64_t hash = cluster.node(id).log().last_hash();
    const LogIndex commit = cluster.node(id).log().committed();
    ASSERT_EQ(commit, LogIndex{4});
    cluster.crash(id);
    cluster.restart(id);
    EXPECT_EQ(cluster.node(id).term(), term);
    EXPECT_EQ(cluster.node(id).voted_for(), vote);
    EXPECT_EQ(cluster.node(id).voted_for(), NodeId{1});
    EXPECT_EQ(cluster.node(id).log().last_index(), last);
    EXPECT_EQ(cluster.node(id).log().last_hash(), hash);
    EXPECT_EQ(cluster.node(id).log().committed(), commit);
    EXPECT_EQ(cluster.node(id).role(), Role::kFollower);
    EXPECT_EQ(cluster.committed_values(id), (std::vector<uint64_t>{1, 2, 3})) << "re-applied once";
  }
  // The cluster carries on.
  const uint32_t leader = run_until_leader(cluster);
  ASSERT_NE(leader, 0u);
  cluster.propose(leader, 4);
  cluster.stabilize();
  EXPECT_EQ(cluster.committed_values(1), (std::vector<uint64_t>{1, 2, 3, 4}));
  EXPECT_TRUE(cluster.violations().empty());
}

TEST(RaftPersistence, CommitCoveringAConfChangeIsSynced) {  // thesis §4.1, with etcd's unsynced commits
  // A commit index alone need not be synced (it is learned again), unless it covers a
  // configuration change: the configuration after a restart is rebuilt up to the recovered
  // commit index and must not go back.
  RaftCluster::Options options;
  options.nodes = 4;
  options.bootstrap = make_cluster_config(3);
  options.lose_unsynced_writes = true;
  RaftCluster cluster(options);
  cluster.elect(1);
  cluster.propose(1, 5);
  cluster.stabilize();
  cluster.crash(2);
  cluster.restart(2);
  EXPECT_LT(cluster.node(2).log().committed(), LogIndex{2}) << "the commit-only write was not synced";

  cluster.stabilize();
  cluster.hold(2, true);
  ConfChange change;
  change.kind = ConfChange::Kind::kAddVoter;
  change.node = NodeId{4};
  cluster.propose_conf_change(1, change);
  const LogIndex conf_index = cluster.node(1).log().last_index();
  cluster.deliver(to_node(2));
  cluster.execute(2, cluster.take_ready(2));  // the entry, synced, and the ack
  cluster.stabilize();                        // the commit index arrives
  const Ready commit_only = cluster.take_ready(2);
  EXPECT_TRUE(commit_only.writes.size() == 1 && commit_only.writes[0].file == kHardStateFile);
  EXPECT_TRUE(commit_only.must_sync);
  cluster.execute(2, commit_only);
  cluster.hold(2, false);
  cluster.process(2);
  ASSERT_EQ(cluster.node(2).cluster().voters, ids({1, 2, 3, 4}));
  cluster.crash(2);
  cluster.restart(2);
  EXPECT_GE(cluster.node(2).log().committed(), conf_index);
  EXPECT_EQ(cluster.node(2).cluster().voters, ids({1, 2, 3, 4}));
}

TEST(RaftPersistence, TornLastRecordIsDiscarded) {  // B22 variant: a torn multi-entry append
  Recovered disk = make_disk(2, 0, 1, {1, 1, 2});
  disk[kLogFile].back().torn = true;
  RaftConfig config;
  config.id = NodeId{1};
  config.bootstrap = make_cluster_config(3);
  TestRandom random(7);
  RaftNode node(config, disk, random);
  EXPECT_EQ(node.log().last_index(), LogIndex{2});
  EXPECT_EQ(node.log().last_term(), Term{1});
  EXPECT_EQ(node.term(), Term{2});
  ASSERT_TRUE(node.has_ready());
  const Ready ready = node.ready();
  ASSERT_FALSE(ready.writes.empty());
  EXPECT_EQ(ready.writes[0].kind, StorageWrite::Kind::kTruncateSuffix);
  EXPECT_EQ(ready.writes[0].file, kLogFile);
  EXPECT_EQ(ready.writes[0].count, 2u);
  for (const StorageWrite& write : ready.writes) {
    apply_write(disk, write);
  }
  node.advance();
  ASSERT_EQ(disk[kLogFile].size(), 2u);
  EXPECT_FALSE(disk[kLogFile].back().torn);
}

TEST(RaftPersistence, AppendsAfterATornRecordSurviveRestart) {  // B22 variant
  RaftCluster::Options options;
  options.disks[1] = make_disk(2, 0, 1, {1, 1, 2});
  options.disks[1][kLogFile].back().torn = true;
  RaftCluster cluster(options);
  cluster.elect(1);
  ASSERT_EQ(cluster.node(1).term(), Term{3});
  EXPECT_EQ(log_terms(cluster.node(1)), (std::vector<uint64_t>{1, 1, 3}));
  cluster.crash(1);
  cluster.restart(1);
  EXPECT_EQ(log_terms(cluster.node(1)), (std::vector<uint64_t>{1, 1, 3}));
  EXPECT_EQ(cluster.node(1).log().committed(), LogIndex{3});
  EXPECT_EQ(records(cluster.disk(1), kLogFile), 3u);
}

}  // namespace
}  // namespace consim::protocols::raft::testing
