// ZAB end to end in the simulator: election, broadcast, leader failure, restart and recovery.
#include "harness/zab_cluster.h"

#include <gtest/gtest.h>

namespace consim::harness {
namespace {

using protocols::NodeId;
using protocols::zab::PeerState;

ZabClusterOptions options(uint32_t nodes, uint64_t seed) {
  ZabClusterOptions o;
  o.nodes = nodes;
  o.seed = seed;
  return o;
}

TEST(ZabCluster, ElectsTheHighestIdAmongEqualsAndServes) {
  ZabCluster cluster(options(3, 1));
  ASSERT_TRUE(cluster.run_until([&] { return cluster.serving().size() == 3; }, Duration::seconds(5)));
  // Every vote is (epoch 0, zxid 0, id): the highest id wins.
  EXPECT_EQ(cluster.leader(), NodeId{3});
  for (uint32_t i = 1; i <= 3; ++i) {
    EXPECT_EQ(cluster.zab(NodeId{i})->current_epoch(), 1u);
    EXPECT_EQ(cluster.zab(NodeId{i})->accepted_epoch(), 1u);
  }
}

TEST(ZabCluster, CommitsInOrderOnEveryNode) {
  ZabCluster cluster(options(5, 2));
  for (uint64_t v = 1; v <= 20; ++v) {
    ASSERT_TRUE(cluster.one(v, 5, Duration::seconds(10)).has_value()) << v;
  }
  EXPECT_EQ(cluster.apply_error(), "");
  const auto reference = cluster.applied_by(NodeId{1});
  ASSERT_EQ(reference.size(), 20u);
  for (uint32_t i = 2; i <= 5; ++i) {
    EXPECT_EQ(cluster.applied_by(NodeId{i}), reference);
  }
}

TEST(ZabCluster, PipelinesProposals) {
  ZabCluster cluster(options(3, 3));
  ASSERT_TRUE(cluster.run_until([&] { return cluster.leader().has_value(); }, Duration::seconds(5)));
  const NodeId leader = *cluster.leader();
  for (uint64_t v = 1; v <= 50; ++v) {
    cluster.propose(leader, v);
  }
  ASSERT_TRUE(cluster.run_until([&] { return cluster.applied_by(NodeId{1}).size() == 50; }, Duration::seconds(5)));
  const auto applied = cluster.applied_by(NodeId{1});
  for (uint64_t v = 1; v <= 50; ++v) {
    EXPECT_EQ(applied[v - 1].second, v);
  }
}

TEST(ZabCluster, ReelectsAfterTheLeaderCrashesAndTheOldLeaderRejoins) {
  ZabCluster cluster(options(3, 4));
  ASSERT_TRUE(cluster.one(1, 3, Duration::seconds(10)).has_value());
  const NodeId old = *cluster.leader();
  cluster.crash(old);
  ASSERT_TRUE(cluster.run_until(
      [&] {
        const auto leader = cluster.leader();
        return leader.has_value() && *leader != old;
      },
      Duration::seconds(10)));
  EXPECT_EQ(cluster.zab(*cluster.leader())->current_epoch(), 2u);
  ASSERT_TRUE(cluster.one(2, 2, Duration::seconds(10)).has_value());
  cluster.restart(old);
  ASSERT_TRUE(cluster.one(3, 3, Duration::seconds(10)).has_value());
  EXPECT_EQ(cluster.apply_error(), "");
  EXPECT_EQ(cluster.applied_by(old), cluster.applied_by(*cluster.leader()));
}

TEST(ZabCluster, LeaderWithoutQuorumStepsDown) {
  ZabCluster cluster(options(3, 5));
  ASSERT_TRUE(cluster.run_until([&] { return cluster.leader().has_value(); }, Duration::seconds(5)));
  const NodeId old = *cluster.leader();
  cluster.disconnect(old);
  ASSERT_TRUE(
      cluster.run_until([&] { return cluster.zab(old)->state() == PeerState::kLooking; }, Duration::seconds(5)));
  cluster.connect(old);
  ASSERT_TRUE(cluster.one(7, 3, Duration::seconds(10)).has_value());
}

TEST(ZabCluster, ElectsWithoutTheServerHoldingTheHighestZxidAndTruncatesItWhenItReturns) {
  ZabCluster cluster(options(3, 6));
  ASSERT_TRUE(cluster.one(1, 3, Duration::seconds(10)).has_value());
  const NodeId old = *cluster.leader();
  // The leader logs writes no follower sees, then crashes: it holds the highest zxid.
  for (uint32_t i = 1; i <= 3; ++i) {
    if (NodeId{i} != old) {
      cluster.disconnect(NodeId{i});
    }
  }
  cluster.propose(old, 100);
  cluster.propose(old, 101);
  cluster.run_for(Duration::millis(50));
  const uint64_t orphan_zxid = cluster.zab(old)->last_zxid();
  cluster.crash(old);
  for (uint32_t i = 1; i <= 3; ++i) {
    cluster.connect(NodeId{i});
  }
  ASSERT_TRUE(cluster.one(2, 2, Duration::seconds(10)).has_value());
  const NodeId next = *cluster.leader();
  EXPECT_NE(next, old);
  for (const protocols::zab::Txn& txn : cluster.zab(next)->log()) {
    EXPECT_NE(txn.zxid, orphan_zxid);  // the orphan never reached the new history
  }
  cluster.restart(old);
  ASSERT_TRUE(cluster.one(3, 3, Duration::seconds(10)).has_value());
  EXPECT_EQ(cluster.zab(old)->log().back().zxid, cluster.zab(next)->log().back().zxid);
  EXPECT_EQ(cluster.leader(), next);  // the returning server joins; it does not disrupt the leader
  EXPECT_EQ(cluster.applied_by(old), cluster.applied_by(next));
  for (const auto& [zxid, value] : cluster.applied_by(old)) {
    EXPECT_NE(value, 100u);
    EXPECT_NE(value, 101u);
  }
  EXPECT_EQ(cluster.apply_error(), "");
}

TEST(ZabCluster, ObserversApplyCommitsButNeverLeadOrVote) {
  ZabClusterOptions o = options(4, 7);
  o.observers = 1;  // n4 observes
  ZabCluster cluster(o);
  for (uint64_t v = 1; v <= 5; ++v) {
    ASSERT_TRUE(cluster.one(v, 4, Duration::seconds(10)).has_value());
  }
  EXPECT_EQ(cluster.zab(NodeId{4})->state(), PeerState::kObserving);
  EXPECT_EQ(cluster.leader(), NodeId{3});  // the highest voter, not the observer
  EXPECT_EQ(cluster.applied_by(NodeId{4}), cluster.applied_by(NodeId{3}));
  // Two voters down: the observer cannot make a quorum.
  cluster.crash(NodeId{1});
  cluster.crash(NodeId{2});
  cluster.run_for(Duration::seconds(3));
  EXPECT_FALSE(cluster.leader().has_value());
  // Writes sent to the observer are forwarded to the leader.
  cluster.restart(NodeId{1});
  cluster.restart(NodeId{2});
  ASSERT_TRUE(cluster.run_until([&] { return cluster.zab(NodeId{4})->serving(); }, Duration::seconds(10)));
  cluster.propose(NodeId{4}, 42);
  ASSERT_TRUE(cluster.run_until(
      [&] {
        const auto applied = cluster.applied_by(NodeId{4});
        return !applied.empty() && applied.back().second == 42;
      },
      Duration::seconds(5)));
}

}  // namespace
}  // namespace consim::harness
