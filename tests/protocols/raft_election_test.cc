// Election extensions beyond the paper: PreVote (thesis §9.6), CheckQuorum (leader step-down and
// vote withholding, thesis §4.2.3 and §6.2) and leadership transfer (thesis §3.10); scenarios
// after etcd's raft_test.go (E17-E29 in research/raft.md).
#include <gtest/gtest.h>

#include <vector>

#include "tests/protocols/raft_fixture.h"

namespace consim::protocols::raft::testing {
namespace {

void no_pre_vote(RaftConfig& config) { config.pre_vote = false; }

// ---------------------------------------------------------------------------------------------
// PreVote

TEST(RaftPreVote, PreCandidateKeepsItsTermAndVote) {  // thesis §9.6
  RaftCluster cluster(3);
  cluster.campaign(1);
  EXPECT_EQ(cluster.node(1).role(), Role::kPreCandidate);
  EXPECT_EQ(cluster.node(1).term(), Term{0});
  EXPECT_FALSE(cluster.node(1).voted_for().valid());
  for (const uint32_t peer : {2u, 3u}) {
    const RaftMessage* request = only_message(cluster, MessageType::kPreVote, 1, peer);
    ASSERT_NE(request, nullptr);
    EXPECT_EQ(request->term, Term{1}) << "asks for the term it would campaign in";
  }
  // A voter grants the pre-vote without adopting the term or recording a vote.
  cluster.deliver(between(1, 2));
  EXPECT_EQ(cluster.node(2).term(), Term{0});
  EXPECT_FALSE(cluster.node(2).voted_for().valid());
  const RaftMessage* answer = only_message(cluster, MessageType::kPreVoteResponse, 2, 1);
  ASSERT_NE(answer, nullptr);
  EXPECT_FALSE(answer->reject);
}

TEST(RaftPreVote, PartitionedNodeRejoiningDoesNotDisruptTheLeader) {  // thesis §9.6 (B17)
  RaftCluster cluster(3);
  cluster.elect(1);
  cluster.isolate(3);
  for (int round = 0; round < 60; ++round) {
    cluster.tick_all();
    cluster.stabilize();
  }
  EXPECT_EQ(cluster.node(1).role(), Role::kLeader);
  EXPECT_EQ(cluster.node(3).term(), Term{1}) << "pre-campaigns never raise the term";
  EXPECT_GT(cluster.count_events(3, "raft.timeout"), 2u);

  cluster.heal();
  for (int round = 0; round < 30; ++round) {
    cluster.tick_all();
    cluster.stabilize();
  }
  EXPECT_EQ(cluster.leaders(), std::vector<uint32_t>{1});
  for (uint32_t id = 1; id <= 3; ++id) {
    EXPECT_EQ(cluster.node(id).term(), Term{1}) << "n" << id;
  }
  EXPECT_EQ(cluster.node(3).leader(), NodeId{1});
}

TEST(RaftPreVote, WithoutPreVoteARejoiningNodeDeposesTheLeader) {  // thesis §9.6 (B17), the contrast
  RaftCluster cluster(3, [](RaftConfig& config) {
    config.pre_vote = false;
    config.check_quorum = false;
  });
  cluster.elect(1);
  cluster.isolate(3);
  for (int round = 0; round < 60; ++round) {
    cluster.tick_all();
    cluster.stabilize();
  }
  EXPECT_GT(cluster.node(3).term(), Term{2});
  cluster.heal();
  for (int round = 0; round < 30; ++round) {
    cluster.tick_all();
    cluster.stabilize();
  }
  EXPECT_GT(cluster.node(1).term(), Term{2}) << "n3's inflated term reached the leader";
  EXPECT_TRUE(cluster.violations().empty());
}

TEST(RaftPreVote, PreVoteDeniedToABehindLog) {  // thesis §9.6, §5.4.1
  RaftCluster::Options options;
  options.jitter[2] = 9;  // n2 does not time out itself while its lease runs out
  RaftCluster cluster(options);
  cluster.elect(1);
  cluster.isolate(3);
  cluster.propose(1, 5);
  cluster.stabilize();
  cluster.heal();
  // n2 no longer hears from the leader, so no lease protects it; n3's log lacks entry 2.
  cluster.tick(2, 10);
  cluster.clear_queue();
  RaftMessage pre_vote = make_message(MessageType::kPreVote, 3, 2, 2);
  pre_vote.index = cluster.node(3).log().last_index();
  pre_vote.log_term = cluster.node(3).log().last_term();
  cluster.inject(pre_vote);
  const RaftMessage* answer = only_message(cluster, MessageType::kPreVoteResponse, 2, 3);
  ASSERT_NE(answer, nullptr);
  EXPECT_TRUE(answer->reject);
  EXPECT_EQ(cluster.node(2).term(), Term{1});
}

// ---------------------------------------------------------------------------------------------
// CheckQuorum

TEST(RaftCheckQuorum, LeaderStepsDownWithoutAnActiveQuorum) {  // thesis §6.2 (etcd E20)
  RaftCluster cluster(3);
  cluster.elect(1);
  cluster.isolate(1);
  // The first check still counts the acks of the election's no-op; the second finds none.
  cluster.tick(1, 19);
  EXPECT_EQ(cluster.node(1).role(), Role::kLeader);
  cluster.tick(1);
  EXPECT_EQ(cluster.node(1).role(), Role::kFollower);
  EXPECT_EQ(cluster.node(1).term(), Term{1});
  EXPECT_EQ(cluster.count_events(1, "raft.step_down"), 1u);
}

TEST(RaftCheckQuorum, LeaderStaysWithAnActiveQuorum) {  // thesis §6.2 (etcd E20)
  RaftCluster cluster(3);
  cluster.elect(1);
  cluster.isolate(3);  // one follower is enough
  for (int i = 0; i < 50; ++i) {
    cluster.tick(1);
    cluster.stabilize();
  }
  EXPECT_EQ(cluster.node(1).role(), Role::kLeader);
  EXPECT_EQ(cluster.node(1).term(), Term{1});
}

TEST(RaftCheckQuorum, FollowerWithholdsVoteWhileInLease) {  // thesis §4.2.3 (etcd E21)
  RaftCluster::Options options;
  options.configure = no_pre_vote;
  options.jitter[2] = 9;  // n2 times out after 19 ticks, not before its lease ends
  RaftCluster cluster(options);
  cluster.elect(1);
  cluster.campaign(3);
  ASSERT_EQ(cluster.node(3).term(), Term{2});
  cluster.deliver(between(3, 2));
  cluster.deliver(between(3, 1));
  EXPECT_EQ(cluster.node(2).term(), Term{1});
  EXPECT_EQ(cluster.node(2).voted_for(), NodeId{1});
  EXPECT_EQ(cluster.count(of_type(MessageType::kVoteResponse)), 0u);
  EXPECT_EQ(cluster.count_events(2, "raft.vote_withheld"), 1u);
  EXPECT_EQ(cluster.node(1).role(), Role::kLeader) << "the leader withholds too";
  cluster.clear_queue();

  // Once n2 has not heard from the leader for an election timeout, it votes again.
  cluster.tick(2, 10);
  ASSERT_EQ(cluster.node(2).role(), Role::kFollower);
  RaftMessage request = make_message(MessageType::kVote, 3, 2, 2);
  request.index = cluster.node(3).log().last_index();
  request.log_term = cluster.node(3).log().last_term();
  cluster.inject(request);
  const RaftMessage* answer = only_message(cluster, MessageType::kVoteResponse, 2, 3);
  ASSERT_NE(answer, nullptr);
  EXPECT_FALSE(answer->reject);
  EXPECT_EQ(cluster.node(2).term(), Term{2});
  EXPECT_EQ(cluster.node(2).voted_for(), NodeId{3});
}

TEST(RaftCheckQuorum, StuckHigherTermNodeIsFreed) {  // etcd TestFreeStuckCandidateWithCheckQuorum (B14)
  RaftCluster cluster(3, no_pre_vote);
  cluster.elect(1);
  cluster.isolate(3);
  cluster.campaign(3);
  cluster.campaign(3);
  ASSERT_EQ(cluster.node(3).term(), Term{3});
  cluster.heal();
  cluster.tick(1);  // heartbeat in term 1; n3 answers in term 3 and the leader steps down
  cluster.stabilize();
  EXPECT_EQ(cluster.node(1).role(), Role::kFollower);
  EXPECT_EQ(cluster.node(1).term(), Term{3});
  const uint32_t leader = run_until_leader(cluster);
  ASSERT_NE(leader, 0u);
  for (uint32_t id = 1; id <= 3; ++id) {
    EXPECT_EQ(cluster.node(id).term(), cluster.node(leader).term()) << "n" << id;
  }
  EXPECT_TRUE(cluster.violations().empty());
}

// ---------------------------------------------------------------------------------------------
// Leadership transfer

TEST(RaftTransfer, UpToDateTransfereeGetsTimeoutNowAndWins) {  // thesis §3.10
  RaftCluster cluster(3);
  cluster.elect(1);
  cluster.transfer(1, 2);
  EXPECT_EQ(cluster.node(1).transferee(), NodeId{2});
  ASSERT_NE(only_message(cluster, MessageType::kTimeoutNow, 1, 2), nullptr);
  cluster.stabilize();
  // n3 is inside its lease from n1, yet votes: the campaign carries the transfer flag.
  EXPECT_EQ(cluster.node(2).role(), Role::kLeader);
  EXPECT_EQ(cluster.node(2).term(), Term{2});
  EXPECT_EQ(cluster.node(1).role(), Role::kFollower);
  EXPECT_EQ(cluster.node(1).leader(), NodeId{2});
}

TEST(RaftTransfer, LaggingTransfereeIsCaughtUpFirst) {  // thesis §3.10
  RaftCluster cluster(3);
  cluster.elect(1);
  cluster.isolate(3);
  for (uint64_t value = 1; value <= 3; ++value) {
    cluster.propose(1, value);
  }
  cluster.stabilize();
  cluster.heal();
  cluster.transfer(1, 3);
  EXPECT_EQ(cluster.count(of_type(MessageType::kTimeoutNow)), 0u);
  EXPECT_EQ(cluster.count(all_of(between(1, 3), of_type(MessageType::kAppend))), 1u);
  cluster.stabilize();
  EXPECT_EQ(cluster.node(3).role(), Role::kLeader);
  EXPECT_EQ(cluster.node(3).term(), Term{2});
  cluster.stabilize();
  EXPECT_EQ(cluster.committed_values(3), (std::vector<uint64_t>{1, 2, 3}));
}

TEST(RaftTransfer, ProposalsAreRejectedDuringTransfer) {  // thesis §3.10
  RaftCluster cluster(3);
  cluster.elect(1);
  cluster.isolate(3);
  cluster.transfer(1, 3);
  const LogIndex last = cluster.node(1).log().last_index();
  const RequestId id = cluster.propose(1, 9);
  ASSERT_EQ(cluster.rejections(1).size(), 1u);
  EXPECT_EQ(cluster.rejections(1)[0].id, id);
  EXPECT_EQ(cluster.rejections(1)[0].reason, Rejection::Reason::kTransferring);
  EXPECT_EQ(cluster.rejections(1)[0].leader_hint, NodeId{1});
  EXPECT_EQ(cluster.node(1).log().last_index(), last);
}

TEST(RaftTransfer, TransferIsAbortedAfterAnElectionTimeout) {  // thesis §3.10
  RaftCluster cluster(3);
  cluster.elect(1);
  cluster.isolate(3);
  cluster.transfer(1, 3);
  for (int i = 0; i < 9; ++i) {
    cluster.tick(1);
    cluster.stabilize();
  }
  EXPECT_EQ(cluster.node(1).transferee(), NodeId{3});
  cluster.tick(1);
  cluster.stabilize();
  EXPECT_FALSE(cluster.node(1).transferee().valid());
  EXPECT_EQ(cluster.count_events(1, "raft.transfer_aborted"), 1u);
  EXPECT_EQ(cluster.node(1).role(), Role::kLeader);
  cluster.propose(1, 10);
  cluster.stabilize();
  EXPECT_EQ(cluster.committed_values(1), std::vector<uint64_t>{10});
  EXPECT_TRUE(cluster.rejections(1).empty());
}

TEST(RaftTransfer, TransferToSelfOrNonMemberIsIgnored) {  // etcd TestLeaderTransferToSelf / ToNonExistingNode
  RaftCluster cluster(3);
  cluster.elect(1);
  cluster.transfer(1, 1);
  EXPECT_FALSE(cluster.node(1).transferee().valid());
  cluster.transfer(1, 7);
  EXPECT_FALSE(cluster.node(1).transferee().valid());
  EXPECT_TRUE(cluster.queue().empty());
}

TEST(RaftTransfer, FollowerForwardsTransferRequestToLeader) {  // etcd TestLeaderTransferReceiveHigherTermVote
  RaftCluster cluster(3);
  cluster.elect(1);
  cluster.transfer(2, 3);
  ASSERT_NE(only_message(cluster, MessageType::kTransferLeader, 2, 1), nullptr);
  cluster.stabilize();
  EXPECT_EQ(cluster.node(3).role(), Role::kLeader);
  EXPECT_EQ(cluster.leaders(), std::vector<uint32_t>{3});
}

}  // namespace
}  // namespace consim::protocols::raft::testing
