// Reads: ReadIndex (thesis §6.4) and leases (thesis §6.4.1), after etcd's TestReadOnlyOption*,
// TestReadOnlyForNewLeader and the B09/B11 entries of research/raft.md.
#include <gtest/gtest.h>

#include <vector>

#include "tests/protocols/raft_fixture.h"

namespace consim::protocols::raft::testing {
namespace {

MessageFilter read_heartbeats() {
  return [](const Envelope& envelope) {
    return envelope.type() == MessageType::kHeartbeat && envelope.message->context != 0;
  };
}

// ---------------------------------------------------------------------------------------------
// ReadIndex

TEST(RaftReadIndex, NotServedBeforeLeaderCommitsAnEntryOfItsTerm) {  // thesis §6.4 step 1 (B09)
  RaftCluster cluster(3);
  cluster.campaign(1);
  deliver_elections(cluster);
  ASSERT_EQ(cluster.node(1).role(), Role::kLeader);
  ASSERT_EQ(cluster.node(1).log().committed(), LogIndex{0});
  const RequestId id = cluster.read(1, ReadMode::kReadIndex);
  EXPECT_TRUE(cluster.reads(1).empty());
  EXPECT_EQ(cluster.count(read_heartbeats()), 0u) << "no confirmation round before the no-op commits";
  cluster.stabilize();
  ASSERT_EQ(cluster.reads(1).size(), 1u);
  EXPECT_EQ(cluster.reads(1)[0].id, id);
  EXPECT_EQ(cluster.reads(1)[0].index, LogIndex{1});
}

TEST(RaftReadIndex, ConfirmedByAQuorumHeartbeatRound) {  // thesis §6.4 steps 2-3
  RaftCluster cluster(3);
  cluster.elect(1);
  cluster.propose(1, 5);
  cluster.stabilize();
  ASSERT_EQ(cluster.node(1).log().committed(), LogIndex{2});
  const RequestId id = cluster.read(1, ReadMode::kReadIndex);
  EXPECT_TRUE(cluster.reads(1).empty());
  EXPECT_EQ(cluster.count(read_heartbeats()), 2u);
  cluster.drop(to_node(3));
  cluster.deliver(between(1, 2));
  EXPECT_TRUE(cluster.reads(1).empty()) << "served only once the answer is back";
  cluster.deliver(between(2, 1));
  ASSERT_EQ(cluster.reads(1).size(), 1u);
  EXPECT_EQ(cluster.reads(1)[0].id, id);
  EXPECT_EQ(cluster.reads(1)[0].index, LogIndex{2});
}

TEST(RaftReadIndex, LeaderWithoutQuorumNeverServesAndRejectsOnStepDown) {  // thesis §6.4
  RaftCluster cluster(3);
  cluster.elect(1);
  cluster.isolate(1);
  const RequestId id = cluster.read(1, ReadMode::kReadIndex);
  cluster.stabilize();
  EXPECT_TRUE(cluster.reads(1).empty());
  cluster.tick(1, 20);  // CheckQuorum deposes it
  ASSERT_EQ(cluster.node(1).role(), Role::kFollower);
  EXPECT_TRUE(cluster.reads(1).empty());
  ASSERT_EQ(cluster.rejections(1).size(), 1u);
  EXPECT_EQ(cluster.rejections(1)[0].id, id);
  EXPECT_EQ(cluster.rejections(1)[0].reason, Rejection::Reason::kNotLeader);
}

TEST(RaftReadIndex, FollowerReadIsForwardedToTheLeader) {  // thesis §6.4 (etcd E26)
  RaftCluster cluster(3);
  cluster.elect(1);
  for (uint64_t value = 1; value <= 3; ++value) {
    cluster.propose(1, value);
  }
  cluster.stabilize();
  const RequestId id = cluster.read(2, ReadMode::kReadIndex);
  ASSERT_NE(only_message(cluster, MessageType::kReadIndex, 2, 1), nullptr);
  cluster.stabilize();
  ASSERT_EQ(cluster.reads(2).size(), 1u);
  EXPECT_EQ(cluster.reads(2)[0].id, id);
  EXPECT_EQ(cluster.reads(2)[0].index, LogIndex{4});
  EXPECT_TRUE(cluster.reads(1).empty());
}

TEST(RaftReadIndex, NodeWithoutLeaderRejectsWithoutHint) {  // thesis §6.4
  RaftCluster cluster(3);
  const RequestId id = cluster.read(1, ReadMode::kReadIndex);
  ASSERT_EQ(cluster.rejections(1).size(), 1u);
  EXPECT_EQ(cluster.rejections(1)[0].id, id);
  EXPECT_EQ(cluster.rejections(1)[0].reason, Rejection::Reason::kNotLeader);
  EXPECT_FALSE(cluster.rejections(1)[0].leader_hint.valid());
}

// ---------------------------------------------------------------------------------------------
// Leases

// n1 leads and a heartbeat round sent at its tick 1 has been answered by both followers.
void lease_established(RaftCluster& cluster) {
  cluster.elect(1);
  cluster.tick(1);
  cluster.stabilize();
}

TEST(RaftLeaseRead, ServedWithoutRoundTripWithinTheLease) {  // thesis §6.4.1
  RaftCluster cluster(3);
  ASSERT_EQ(cluster.node(1).config().lease_ticks(), 7u);  // (10 - 1) shortened by 0.1% drift, minus 1
  lease_established(cluster);
  cluster.isolate(1);
  cluster.tick(1, 6);  // 6 ticks after the confirming round left
  const RequestId id = cluster.read(1, ReadMode::kLease);
  ASSERT_EQ(cluster.reads(1).size(), 1u);
  EXPECT_EQ(cluster.reads(1)[0].id, id);
  EXPECT_EQ(cluster.reads(1)[0].index, LogIndex{1});
  EXPECT_TRUE(cluster.queue().empty());

  cluster.tick(1);  // 7 ticks: the lease has run out, the read needs a round trip
  cluster.read(1, ReadMode::kLease);
  EXPECT_EQ(cluster.reads(1).size(), 1u);
}

TEST(RaftLeaseRead, NotServedBeforeLeaderCommitsAnEntryOfItsTerm) {  // thesis §6.4.1 (B09)
  RaftCluster cluster(3);
  cluster.campaign(1);
  deliver_elections(cluster);
  ASSERT_EQ(cluster.node(1).role(), Role::kLeader);
  cluster.read(1, ReadMode::kLease);
  EXPECT_TRUE(cluster.reads(1).empty());
}

TEST(RaftLeaseRead, NotServedAfterTimeoutNow) {  // thesis §3.10, §6.4.1 (B11 transfer variant)
  RaftCluster cluster(3);
  lease_established(cluster);
  cluster.transfer(1, 2);
  ASSERT_EQ(cluster.take(of_type(MessageType::kTimeoutNow)).size(), 1u);
  cluster.read(1, ReadMode::kLease);
  EXPECT_TRUE(cluster.reads(1).empty()) << "the transferee may already lead";
  EXPECT_EQ(cluster.count(read_heartbeats()), 2u) << "falls back to a ReadIndex round";
}

TEST(RaftLeaseRead, NotServedAfterAnAbandonedTransfer) {  // thesis §3.10, §6.4.1 (B11, etcd#12704)
  RaftCluster cluster(3);
  lease_established(cluster);
  cluster.transfer(1, 2);
  std::vector<Envelope> timeout_now = cluster.take(of_type(MessageType::kTimeoutNow));
  ASSERT_EQ(timeout_now.size(), 1u);
  for (int i = 0; i < 10; ++i) {  // heartbeats keep being acknowledged; the transfer times out
    cluster.tick(1);
    cluster.stabilize();
  }
  ASSERT_FALSE(cluster.node(1).transferee().valid());
  // The TimeoutNow was only delayed: n2 wins term 2 while n1 is cut off and still leads term 1.
  cluster.cut(1, 2);
  cluster.cut(1, 3);
  cluster.step(timeout_now[0]);
  cluster.stabilize();
  ASSERT_EQ(cluster.node(2).role(), Role::kLeader);
  ASSERT_EQ(cluster.node(1).role(), Role::kLeader);
  cluster.read(1, ReadMode::kLease);
  EXPECT_TRUE(cluster.reads(1).empty()) << "n1's lease could be served while n2 commits writes";
}

TEST(RaftLeaseRead, RestartedFollowerStillWithholdsItsVote) {  // thesis §6.4.1
  RaftCluster::Options options;
  options.jitter[2] = 9;  // n2 does not campaign itself in the ticks below
  RaftCluster cluster(options);
  cluster.elect(1);
  cluster.cut(1, 3);
  cluster.tick(1);  // the lease rests on n1 and n2 only
  cluster.stabilize();
  cluster.crash(2);
  cluster.restart(2);
  cluster.campaign(3);  // n3 has not heard from n1 and asks n2
  cluster.stabilize();
  EXPECT_EQ(cluster.leaders(), std::vector<uint32_t>{1}) << "n2 must not help depose n1 inside its lease";
  EXPECT_GE(cluster.count_events(2, "raft.vote_withheld"), 1u);
  cluster.read(1, ReadMode::kLease);
  EXPECT_EQ(cluster.reads(1).size(), 1u);
  // One election timeout after its restart n2 votes again.
  cluster.tick(2, 10);
  cluster.campaign(3);
  cluster.stabilize();
  EXPECT_EQ(cluster.node(3).role(), Role::kLeader);
}

TEST(RaftLeaseRead, NeedsCheckQuorum) {  // thesis §6.4.1: followers must withhold votes in the lease
  // Without CheckQuorum a follower votes for anyone as soon as it is asked, so the lease
  // promises nothing; the read must take the ReadIndex path.
  RaftCluster cluster(3, [](RaftConfig& config) { config.check_quorum = false; });
  lease_established(cluster);
  cluster.read(1, ReadMode::kLease);
  EXPECT_TRUE(cluster.reads(1).empty());
  EXPECT_EQ(cluster.count(read_heartbeats()), 2u);
  cluster.stabilize();
  EXPECT_EQ(cluster.reads(1).size(), 1u);
}

TEST(RaftLeaseRead, ForwardedLeaseReadIsAnsweredByTheLeader) {  // thesis §6.4.1
  RaftCluster cluster(3);
  lease_established(cluster);
  const RequestId id = cluster.read(3, ReadMode::kLease);
  cluster.deliver(between(3, 1));
  EXPECT_EQ(cluster.count(read_heartbeats()), 0u) << "answered from the lease";
  cluster.stabilize();
  ASSERT_EQ(cluster.reads(3).size(), 1u);
  EXPECT_EQ(cluster.reads(3)[0].id, id);
  EXPECT_EQ(cluster.reads(3)[0].index, LogIndex{1});
}

// A read is traced when it is decided (Node::take_immediate_events), not after the Ready in flight
// syncs: a lease is valid at the moment of the decision, and a successor may be elected and
// commit during a slow sync.
TEST(RaftLeaseRead, DecisionIsAnImmediateEventEvenWhileAReadyIsInFlight) {  // thesis §6.4.1
  RaftCluster cluster(3);
  lease_established(cluster);
  cluster.hold(1, true);
  cluster.propose(1, 7);
  const Ready in_flight = cluster.take_ready(1);  // the append, waiting for its sync
  ASSERT_TRUE(in_flight.must_sync);
  const RequestId id = cluster.read(1, ReadMode::kLease);

  std::vector<Event> immediate;
  ASSERT_TRUE(cluster.node(1).take_immediate_events(immediate));
  ASSERT_EQ(immediate.size(), 1u);
  EXPECT_EQ(immediate[0].kind(), "raft.read_index");
  EXPECT_EQ(*find_field<int64_t>(immediate[0].fields(), "request"), static_cast<int64_t>(id.value));
  EXPECT_EQ(*find_field<int64_t>(immediate[0].fields(), "index"), 1);
  EXPECT_TRUE(*find_field<bool>(immediate[0].fields(), "lease"));
  EXPECT_FALSE(cluster.node(1).take_immediate_events(immediate = {})) << "taken once";

  cluster.execute(1, in_flight);
  for (const Event& event : cluster.take_ready(1).events) {
    EXPECT_NE(event.kind(), "raft.read_index") << "the read went out with the immediate events";
  }
}

TEST(RaftLeaseRead, ImmediateEventsNoHostTookGoOutWithTheNextReady) {
  RaftCluster cluster(3);
  lease_established(cluster);
  cluster.hold(1, true);
  cluster.read(1, ReadMode::kLease);
  ASSERT_TRUE(cluster.node(1).has_ready());
  const Ready ready = cluster.take_ready(1);
  ASSERT_EQ(ready.events.size(), 1u);
  EXPECT_EQ(ready.events[0].kind(), "raft.read_index");
  ASSERT_EQ(ready.reads.size(), 1u);
  std::vector<Event> immediate;
  EXPECT_FALSE(cluster.node(1).take_immediate_events(immediate));
}

}  // namespace
}  // namespace consim::protocols::raft::testing
