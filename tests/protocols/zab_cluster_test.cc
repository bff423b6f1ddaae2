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

}  // namespace
}  // namespace consim::harness
