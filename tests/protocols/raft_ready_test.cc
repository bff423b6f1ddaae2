// The Ready shortcut for batches of messages alone (Node::take_messages_only): taken exactly when
// ready() would have handed out nothing but those messages, and the node goes on as after ready().
#include <gtest/gtest.h>

#include <vector>

#include "tests/protocols/raft_fixture.h"

namespace consim::protocols::raft::testing {
namespace {

// Leads a 3-node cluster by n1 and holds n1 (its batches wait for the test), the queue empty.
void lead_and_hold(RaftCluster& cluster) {
  cluster.elect(1);
  cluster.stabilize();
  cluster.hold(1, true);
}

// Ticks the held leader until it has a batch ready (the heartbeat).
void tick_until_ready(RaftCluster& cluster) {
  for (int i = 0; i < 100 && !cluster.node(1).has_ready(); ++i) {
    cluster.tick(1);
  }
  ASSERT_TRUE(cluster.node(1).has_ready());
}

TEST(RaftReady, HeartbeatsAloneAreTakenAsTheSameMessagesReadyWouldHandOut) {
  RaftCluster shortcut(3);
  RaftCluster twin(3);
  lead_and_hold(shortcut);
  lead_and_hold(twin);
  tick_until_ready(shortcut);
  tick_until_ready(twin);

  std::vector<Outgoing> taken;
  ASSERT_TRUE(shortcut.node(1).take_messages_only(taken));
  const Ready ready = twin.take_ready(1);
  EXPECT_TRUE(ready.writes.empty());
  EXPECT_FALSE(ready.must_sync);
  EXPECT_TRUE(ready.events.empty());
  EXPECT_TRUE(ready.committed.empty());
  EXPECT_TRUE(ready.reads.empty());
  EXPECT_TRUE(ready.rejections.empty());
  ASSERT_EQ(taken.size(), ready.messages.size());
  ASSERT_EQ(taken.size(), 2u);
  for (size_t i = 0; i < taken.size(); ++i) {
    const auto& mine = static_cast<const RaftMessage&>(*taken[i].message);
    const auto& theirs = static_cast<const RaftMessage&>(*ready.messages[i].message);
    EXPECT_EQ(taken[i].to, ready.messages[i].to);
    EXPECT_EQ(mine.type, MessageType::kHeartbeat);
    EXPECT_EQ(mine.type, theirs.type);
    EXPECT_EQ(mine.term, theirs.term);
    EXPECT_EQ(mine.commit, theirs.commit);
    EXPECT_EQ(taken[i].bytes, ready.messages[i].bytes);
  }
  // Until advance(), the node has nothing more to hand out, either way.
  EXPECT_FALSE(shortcut.node(1).has_ready());
  EXPECT_FALSE(shortcut.node(1).take_messages_only(taken = {}));
  shortcut.node(1).advance();
  twin.node(1).advance();
  EXPECT_FALSE(shortcut.node(1).has_ready());
  EXPECT_FALSE(twin.node(1).has_ready());
}

TEST(RaftReady, BatchesWithMoreThanMessagesAreLeftToReady) {
  RaftCluster cluster(3);
  lead_and_hold(cluster);
  // A proposal appends to the leader's log: the batch writes, syncs and traces, then sends.
  cluster.propose(1, 7);
  ASSERT_TRUE(cluster.node(1).has_ready());
  std::vector<Outgoing> taken;
  EXPECT_FALSE(cluster.node(1).take_messages_only(taken));
  EXPECT_TRUE(taken.empty());
  const Ready ready = cluster.take_ready(1);
  EXPECT_FALSE(ready.writes.empty());
  EXPECT_TRUE(ready.must_sync);
  EXPECT_FALSE(ready.messages.empty());
  cluster.execute(1, ready);

  // The follower that receives the entry writes, syncs and traces it before it answers.
  cluster.hold(2, true);
  ASSERT_EQ(cluster.deliver(between(1, 2)), 1u);
  ASSERT_TRUE(cluster.node(2).has_ready());
  EXPECT_FALSE(cluster.node(2).take_messages_only(taken));
  EXPECT_TRUE(taken.empty());
  const Ready follower = cluster.take_ready(2);
  EXPECT_FALSE(follower.writes.empty());
  EXPECT_FALSE(follower.events.empty());
  ASSERT_EQ(follower.messages.size(), 1u);
  EXPECT_EQ(static_cast<const RaftMessage&>(*follower.messages[0].message).type, MessageType::kAppendResponse);
}

}  // namespace
}  // namespace consim::protocols::raft::testing
