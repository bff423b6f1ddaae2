// Client-facing behaviour: proposal forwarding and NotLeader rejections with a leader hint
// (etcd TestProposalByProxy / TestDisableProposalForwarding), reads through the log, and flow
// control (etcd TestUncommittedEntryLimit, TestMsgAppFlowControlFull).
#include <gtest/gtest.h>

#include <vector>

#include "tests/protocols/raft_fixture.h"

namespace consim::protocols::raft::testing {
namespace {

TEST(RaftForwarding, FollowerForwardsProposalToTheLeader) {  // etcd E19
  RaftCluster cluster(3);
  cluster.elect(1);
  const RequestId id = cluster.propose(2, 11);
  ASSERT_NE(only_message(cluster, MessageType::kPropose, 2, 1), nullptr);
  cluster.stabilize();
  for (uint32_t id_node = 1; id_node <= 3; ++id_node) {
    EXPECT_EQ(cluster.committed_values(id_node), std::vector<uint64_t>{11}) << "n" << id_node;
  }
  const Committed& committed = cluster.committed(1).back();
  EXPECT_EQ(committed.request, id);
  EXPECT_EQ(committed.origin, NodeId{2});
  EXPECT_TRUE(cluster.rejections(2).empty());
}

TEST(RaftForwarding, WithoutForwardingFollowerRejectsWithLeaderHint) {  // etcd E19
  RaftCluster cluster(3, [](RaftConfig& config) { config.forward_proposals = false; });
  cluster.elect(1);
  const RequestId id = cluster.propose(2, 11);
  EXPECT_TRUE(cluster.queue().empty());
  ASSERT_EQ(cluster.rejections(2).size(), 1u);
  EXPECT_EQ(cluster.rejections(2)[0].id, id);
  EXPECT_EQ(cluster.rejections(2)[0].reason, Rejection::Reason::kNotLeader);
  EXPECT_EQ(cluster.rejections(2)[0].leader_hint, NodeId{1});
}

TEST(RaftForwarding, NodesWithoutLeaderRejectWithoutHint) {
  RaftCluster cluster(3, [](RaftConfig& config) { config.pre_vote = false; });
  const RequestId first = cluster.propose(1, 1);
  cluster.campaign(2);
  const RequestId second = cluster.propose(2, 2);  // a candidate does not take proposals
  ASSERT_EQ(cluster.rejections(1).size(), 1u);
  EXPECT_EQ(cluster.rejections(1)[0].id, first);
  EXPECT_EQ(cluster.rejections(1)[0].reason, Rejection::Reason::kNotLeader);
  EXPECT_FALSE(cluster.rejections(1)[0].leader_hint.valid());
  ASSERT_EQ(cluster.rejections(2).size(), 1u);
  EXPECT_EQ(cluster.rejections(2)[0].id, second);
  EXPECT_FALSE(cluster.rejections(2)[0].leader_hint.valid());
}

TEST(RaftForwarding, LogReadCommitsThroughTheLog) {
  RaftCluster cluster(3);
  cluster.elect(1);
  const RequestId id = cluster.read(2, ReadMode::kLog);
  cluster.stabilize();
  ASSERT_EQ(cluster.committed(1).size(), 2u);
  EXPECT_EQ(cluster.committed(1)[1].request, id);
  EXPECT_EQ(cluster.committed(1)[1].origin, NodeId{2});
  EXPECT_EQ(cluster.node(1).log().at(LogIndex{2}).type, EntryType::kRead);
}

TEST(RaftFlowControl, UncommittedLimitDropsProposals) {  // etcd E39
  // Each entry takes 48 bytes: a third uncommitted one still fits under 100, a fourth does not.
  RaftCluster cluster(3, [](RaftConfig& config) { config.max_uncommitted_bytes = 100; });
  cluster.elect(1);
  cluster.isolate(1);
  std::vector<RequestId> ids;
  for (uint64_t value = 1; value <= 4; ++value) {
    ids.push_back(cluster.propose(1, value));
  }
  EXPECT_EQ(cluster.node(1).log().last_index(), LogIndex{4});
  ASSERT_EQ(cluster.rejections(1).size(), 1u);
  EXPECT_EQ(cluster.rejections(1)[0].id, ids[3]);
  EXPECT_EQ(cluster.rejections(1)[0].reason, Rejection::Reason::kDropped);
  cluster.heal();
  cluster.tick(1);
  cluster.stabilize();
  EXPECT_EQ(cluster.committed_values(1), (std::vector<uint64_t>{1, 2, 3}));
  cluster.propose(1, 5);
  cluster.stabilize();
  EXPECT_EQ(cluster.committed_values(1), (std::vector<uint64_t>{1, 2, 3, 5}));
}

TEST(RaftFlowControl, InflightWindowBoundsPipelining) {  // etcd E37
  RaftCluster cluster(3, [](RaftConfig& config) {
    config.max_inflight_messages = 2;
    config.max_entries_per_message = 1;
  });
  cluster.elect(1);
  for (uint64_t value = 1; value <= 5; ++value) {
    cluster.propose(1, value);
  }
  EXPECT_EQ(cluster.count(all_of(between(1, 2), of_type(MessageType::kAppend))), 2u);
  cluster.deliver(between(1, 2));
  cluster.deliver(between(2, 1));  // two acks free the window
  EXPECT_EQ(cluster.count(all_of(between(1, 2), of_type(MessageType::kAppend))), 2u);
  cluster.stabilize();
  EXPECT_EQ(cluster.committed_values(2), (std::vector<uint64_t>{1, 2, 3, 4, 5}));
}

}  // namespace
}  // namespace consim::protocols::raft::testing
