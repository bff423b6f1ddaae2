// Membership changes: single-server (thesis §4.1), joint consensus (thesis §4.3), learners and
// removed leaders (thesis §4.2.2); after etcd's TestStepIgnoreConfig, TestNewLeaderPendingConfig,
// the confchange_* interaction scripts and the B02/B18-B20 entries of research/raft.md.
#include <gtest/gtest.h>

#include <vector>

#include "tests/protocols/raft_fixture.h"

namespace consim::protocols::raft::testing {
namespace {

ConfChange single(ConfChange::Kind kind, uint32_t node) {
  ConfChange change;
  change.kind = kind;
  change.node = NodeId{node};
  return change;
}

std::vector<NodeId> ids(std::initializer_list<uint32_t> values) {
  std::vector<NodeId> out;
  for (const uint32_t value : values) {
    out.push_back(NodeId{value});
  }
  return out;
}

// `nodes` processes of which 1..voters start as the voters (and the learners after them).
RaftCluster::Options membership_options(uint32_t nodes, uint32_t voters, uint32_t learners = 0) {
  RaftCluster::Options options;
  options.nodes = nodes;
  options.bootstrap = make_cluster_config(voters, learners);
  return options;
}

// Heartbeat rounds so that peers the leader just learned about catch up.
void settle(RaftCluster& cluster, uint32_t leader, int rounds = 3) {
  for (int i = 0; i < rounds; ++i) {
    cluster.tick(leader);
    cluster.stabilize();
  }
}

TEST(RaftMembership, AddedVoterTakesEffectWhenApplied) {  // thesis §4.1
  RaftCluster cluster(membership_options(4, 3));
  cluster.elect(1);
  cluster.propose_conf_change(1, single(ConfChange::Kind::kAddVoter, 4));
  const RaftLog& log = cluster.node(1).log();
  EXPECT_EQ(log.at(log.last_index()).type, EntryType::kConfChange);
  EXPECT_EQ(cluster.node(1).cluster().voters, ids({1, 2, 3})) << "appended is not applied";
  cluster.stabilize();
  settle(cluster, 1);
  for (uint32_t id = 1; id <= 4; ++id) {
    EXPECT_EQ(cluster.node(id).cluster().voters, ids({1, 2, 3, 4})) << "n" << id;
  }
  EXPECT_TRUE(cluster.logs_match(1));

  // The quorum is now 3 of 4: the leader and n2 alone cannot commit.
  cluster.isolate(3);
  cluster.isolate(4);
  cluster.propose(1, 8);
  cluster.stabilize();
  EXPECT_TRUE(cluster.committed_values(1).empty());
  cluster.heal();
  settle(cluster, 1);
  EXPECT_EQ(cluster.committed_values(1), std::vector<uint64_t>{8});
  EXPECT_EQ(cluster.committed_values(4), std::vector<uint64_t>{8});
}

TEST(RaftMembership, RemovedVoterNoLongerCounts) {  // thesis §4.1 (etcd E33)
  RaftCluster cluster(3);
  cluster.elect(1);
  cluster.propose_conf_change(1, single(ConfChange::Kind::kRemoveVoter, 3));
  cluster.stabilize();
  EXPECT_EQ(cluster.node(1).cluster().voters, ids({1, 2}));
  EXPECT_EQ(cluster.node(1).progress(NodeId{3}), nullptr);
  // With voters {1, 2}, n2 is needed; n3 is not.
  cluster.isolate(2);
  cluster.propose(1, 4);
  cluster.stabilize();
  EXPECT_TRUE(cluster.committed_values(1).empty());
  cluster.heal();
  cluster.isolate(3);
  settle(cluster, 1);
  EXPECT_EQ(cluster.committed_values(1), std::vector<uint64_t>{4});
}

TEST(RaftMembership, OnlyOneChangeIsPendingAtATime) {  // thesis §4.1 (etcd TestStepIgnoreConfig)
  RaftCluster cluster(membership_options(5, 3));
  cluster.elect(1);
  cluster.propose_conf_change(1, single(ConfChange::Kind::kAddVoter, 4));
  const LogIndex last = cluster.node(1).log().last_index();
  const RequestId second = cluster.propose_conf_change(1, single(ConfChange::Kind::kAddVoter, 5));
  EXPECT_EQ(cluster.node(1).log().last_index(), last);
  ASSERT_EQ(cluster.rejections(1).size(), 1u);
  EXPECT_EQ(cluster.rejections(1)[0].id, second);
  EXPECT_EQ(cluster.rejections(1)[0].reason, Rejection::Reason::kNotReady);
  EXPECT_EQ(cluster.count_events(1, "raft.conf_change_refused"), 1u);

  cluster.stabilize();  // the first change applies; now the second may go
  cluster.propose_conf_change(1, single(ConfChange::Kind::kAddVoter, 5));
  EXPECT_EQ(cluster.node(1).log().last_index(), last.next());
  settle(cluster, 1);
  EXPECT_EQ(cluster.node(1).cluster().voters, ids({1, 2, 3, 4, 5}));
}

TEST(RaftMembership, ChangeStaysPendingUntilItsReadyIsAdvanced) {  // thesis §4.1, node.h Ready contract
  // Inputs may arrive while a Ready is executed. A change handed out as committed in that Ready
  // takes effect only at advance(), so until then it is still pending.
  RaftCluster cluster(membership_options(5, 3));
  cluster.elect(1);
  cluster.hold(1, true);
  cluster.propose_conf_change(1, single(ConfChange::Kind::kAddVoter, 4));
  cluster.execute(1, cluster.take_ready(1));
  cluster.stabilize();  // the acks reach n1, which commits the change
  const Ready ready = cluster.take_ready(1);
  ASSERT_EQ(ready.committed.size(), 1u);
  ASSERT_EQ(cluster.node(1).log().at(ready.committed[0].index).type, EntryType::kConfChange);
  const LogIndex last = cluster.node(1).log().last_index();
  const RequestId second = cluster.propose_conf_change(1, single(ConfChange::Kind::kAddVoter, 5));
  EXPECT_EQ(cluster.node(1).log().last_index(), last);
  cluster.execute(1, ready);
  cluster.hold(1, false);
  cluster.process(1);
  ASSERT_EQ(cluster.rejections(1).size(), 1u);
  EXPECT_EQ(cluster.rejections(1)[0].id, second);
  EXPECT_EQ(cluster.rejections(1)[0].reason, Rejection::Reason::kNotReady);
  EXPECT_EQ(cluster.node(1).cluster().voters, ids({1, 2, 3, 4}));
  cluster.propose_conf_change(1, single(ConfChange::Kind::kAddVoter, 5));
  EXPECT_EQ(cluster.node(1).log().last_index(), last.next());
}

TEST(RaftMembership, SnapshotInstalledDuringAReadyKeepsItsConfiguration) {  // §7, node.h Ready contract
  RaftCluster cluster(membership_options(4, 3));
  cluster.elect(1);
  // n3 learns that "n4 becomes a learner" (index 2) committed, and starts executing that Ready.
  cluster.propose_conf_change(1, single(ConfChange::Kind::kAddLearner, 4));
  cluster.deliver(to_node(2));
  cluster.deliver(to_node(3));
  cluster.deliver(to_node(1));  // the acks: committed, and the commit index goes out
  cluster.hold(3, true);
  cluster.deliver(to_node(3));
  const Ready ready = cluster.take_ready(3);
  ASSERT_EQ(ready.committed.size(), 1u);
  ASSERT_EQ(ready.committed[0].index, LogIndex{2});
  // Meanwhile, without n3, n4 is promoted and the leader compacts: its snapshot has n4 as a voter.
  cluster.isolate(3);
  cluster.stabilize();
  cluster.propose_conf_change(1, single(ConfChange::Kind::kAddVoter, 4));
  cluster.stabilize();
  settle(cluster, 1);
  ASSERT_EQ(cluster.node(1).cluster().voters, ids({1, 2, 3, 4}));
  cluster.compact(1);
  const SnapshotPtr snapshot = read_disk(cluster.disk(1)).snapshot;
  ASSERT_NE(snapshot, nullptr);
  ASSERT_EQ(snapshot->meta.config.voters, ids({1, 2, 3, 4}));
  // The snapshot reaches n3 before it has advanced past the old change.
  cluster.heal();
  RaftMessage install = make_message(MessageType::kSnapshot, 1, 3, cluster.node(1).term().value);
  install.snapshot = snapshot;
  cluster.inject(install);
  cluster.execute(3, ready);
  cluster.hold(3, false);
  cluster.process(3);
  EXPECT_EQ(cluster.node(3).log().snapshot().index, snapshot->meta.index);
  EXPECT_EQ(cluster.node(3).cluster().voters, ids({1, 2, 3, 4}));
  EXPECT_TRUE(cluster.node(3).cluster().learners.empty());
}

TEST(RaftMembership, NoChangeBeforeTheTermsFirstEntryApplies) {  // thesis §4.1 2015 fix (B02)
  RaftCluster cluster(membership_options(4, 3));
  cluster.campaign(1);
  deliver_elections(cluster);
  ASSERT_EQ(cluster.node(1).role(), Role::kLeader);
  ASSERT_EQ(cluster.node(1).log().committed(), LogIndex{0});
  const RequestId id = cluster.propose_conf_change(1, single(ConfChange::Kind::kAddVoter, 4));
  EXPECT_EQ(cluster.node(1).log().last_index(), LogIndex{1}) << "only the no-op";
  ASSERT_EQ(cluster.rejections(1).size(), 1u);
  EXPECT_EQ(cluster.rejections(1)[0].id, id);
  EXPECT_EQ(cluster.rejections(1)[0].reason, Rejection::Reason::kNotReady);
  cluster.stabilize();
  cluster.propose_conf_change(1, single(ConfChange::Kind::kAddVoter, 4));
  EXPECT_EQ(cluster.node(1).log().last_index(), LogIndex{2});
}

TEST(RaftMembership, JointConsensusEntersAndLeavesAutomatically) {  // thesis §4.3
  RaftCluster cluster(membership_options(4, 3));
  cluster.elect(1);
  ConfChange enter;
  enter.kind = ConfChange::Kind::kEnterJoint;
  enter.voters = ids({1, 2, 4});
  cluster.propose_conf_change(1, enter);
  cluster.stabilize();
  settle(cluster, 1, 5);
  for (const uint32_t id : {1u, 2u, 4u}) {
    EXPECT_EQ(cluster.node(id).cluster().voters, ids({1, 2, 4})) << "n" << id;
    EXPECT_FALSE(cluster.node(id).cluster().joint()) << "n" << id;
  }
  EXPECT_EQ(cluster.count_events(1, "raft.leave_joint"), 1u) << "exactly one leave entry";
  // The leader went through the joint configuration on the way.
  std::vector<bool> joint_states;
  for (const Event& event : cluster.events(1)) {
    if (event.kind() != "raft.config") {
      continue;
    }
    for (const auto& [key, value] : event.fields()) {
      if (key == "joint") {
        joint_states.push_back(std::get<bool>(value));
      }
    }
  }
  EXPECT_EQ(joint_states, (std::vector<bool>{false, true, false}));
  EXPECT_EQ(cluster.leaders(), std::vector<uint32_t>{1});
}

TEST(RaftMembership, JointConfigurationNeedsBothMajorities) {  // thesis §4.3
  RaftCluster::Options options = membership_options(5, 3);
  options.configure = [](RaftConfig& config) {
    config.auto_leave_joint = false;  // stay joint until told
    config.check_quorum = false;      // keep the leader while halves are cut off
  };
  RaftCluster cluster(options);
  cluster.elect(1);
  ConfChange enter;
  enter.kind = ConfChange::Kind::kEnterJoint;
  enter.voters = ids({1, 4, 5});
  cluster.propose_conf_change(1, enter);
  cluster.stabilize();
  settle(cluster, 1);
  ASSERT_TRUE(cluster.node(1).cluster().joint());
  EXPECT_EQ(cluster.node(1).cluster().voters, ids({1, 4, 5}));
  EXPECT_EQ(cluster.node(1).cluster().voters_outgoing, ids({1, 2, 3}));

  cluster.isolate(4);
  cluster.isolate(5);
  cluster.propose(1, 1);
  settle(cluster, 1);
  EXPECT_TRUE(cluster.committed_values(1).empty()) << "no majority of the incoming voters";
  cluster.heal();
  cluster.isolate(2);
  cluster.isolate(3);
  cluster.propose(1, 2);
  settle(cluster, 1);
  // Value 1 now has both majorities (n2, n3 acked it before, n4, n5 now); value 2 only one.
  EXPECT_EQ(cluster.committed_values(1), std::vector<uint64_t>{1}) << "no majority of the outgoing voters";
  EXPECT_LT(cluster.node(1).log().committed(), cluster.node(1).log().last_index());
  cluster.heal();
  cluster.isolate(3);
  cluster.isolate(5);
  settle(cluster, 1);
  EXPECT_EQ(cluster.committed_values(1), (std::vector<uint64_t>{1, 2})) << "n1+n2 and n1+n4";

  cluster.heal();
  ConfChange leave;
  leave.kind = ConfChange::Kind::kLeaveJoint;
  cluster.propose_conf_change(1, leave);
  settle(cluster, 1);
  EXPECT_FALSE(cluster.node(1).cluster().joint());
  EXPECT_EQ(cluster.node(1).cluster().voters, ids({1, 4, 5}));
  EXPECT_EQ(cluster.count_events(1, "raft.leave_joint"), 0u) << "no automatic leave";
}

TEST(RaftMembership, VoterThatMissedTheLeaveCommitLearnsItFromAVoteRefusal) {  // thesis §4.3 (liveness)
  // Configurations take effect when applied. n3, alone in the new configuration, misses the
  // commit of "leave joint" and keeps the joint one, whose outgoing half needs votes from n1 and
  // n2; their logs are longer (an entry after the leave), so they refuse. Their refusals carry
  // a commit hint: n3's log holds their committed entry, so it commits, applies, and leads alone.
  RaftCluster cluster(3, [](RaftConfig& config) { config.auto_leave_joint = false; });
  cluster.elect(1);
  ConfChange enter;
  enter.kind = ConfChange::Kind::kEnterJoint;
  enter.voters = ids({3});
  cluster.propose_conf_change(1, enter);
  cluster.stabilize();
  ASSERT_TRUE(cluster.node(3).cluster().joint());
  ConfChange leave;
  leave.kind = ConfChange::Kind::kLeaveJoint;
  cluster.propose_conf_change(1, leave);
  const LogIndex leave_index = cluster.node(1).log().last_index();
  cluster.deliver(to_node(2));
  cluster.deliver(to_node(3));
  cluster.propose(1, 7);  // after the leave entry: reaches n2 only
  cluster.deliver(to_node(2));
  cluster.drop(to_node(3));
  cluster.deliver(to_node(1));  // the acks commit the leave; n1 applies it and steps down
  cluster.drop(to_node(3));     // n3 never hears of the commit
  cluster.stabilize();
  ASSERT_EQ(cluster.node(1).role(), Role::kFollower);
  ASSERT_EQ(cluster.node(1).cluster().voters, ids({3}));
  ASSERT_EQ(cluster.node(3).log().last_index(), leave_index);
  ASSERT_LT(cluster.node(3).log().committed(), leave_index);
  ASSERT_TRUE(cluster.node(3).cluster().joint());

  const uint32_t leader = run_until_leader(cluster, 100);
  EXPECT_EQ(leader, 3u);
  EXPECT_GE(cluster.count_events(3, "raft.commit_hint"), 1u);
  EXPECT_EQ(cluster.node(3).cluster().voters, ids({3}));
  EXPECT_FALSE(cluster.node(3).cluster().joint());
  EXPECT_TRUE(cluster.violations().empty());
}

TEST(RaftMembership,
     NoCampaignWhileACommittedChangeIsUnapplied) {  // thesis §4.1 (etcd TestConfChangeCheckBeforeCampaign)
  RaftCluster cluster(3);
  cluster.elect(1);
  cluster.hold(2, true);  // n2 takes inputs, but its Readies wait
  cluster.propose_conf_change(1, single(ConfChange::Kind::kAddLearner, 3));
  cluster.stabilize();  // committed with n3's ack; n2 learns the commit index
  ASSERT_GE(cluster.node(2).log().committed(), LogIndex{2});
  ASSERT_EQ(cluster.node(2).cluster().voters, ids({1, 2, 3})) << "not applied yet";
  cluster.tick(2, 25);
  EXPECT_EQ(cluster.node(2).role(), Role::kFollower) << "campaigning in {n1, n2, n3} could elect a second leader";
  cluster.hold(2, false);
  cluster.process(2);
  EXPECT_EQ(cluster.node(2).cluster().voters, ids({1, 2}));
  EXPECT_GE(cluster.count_events(2, "raft.campaign_deferred"), 1u);
  cluster.isolate(1);
  cluster.tick(2, 25);
  EXPECT_NE(cluster.node(2).role(), Role::kFollower) << "once applied it campaigns again";
}

TEST(RaftMembership, RemovedLeaderStepsDownAndStaysOut) {  // thesis §4.2.2 (B18, B19)
  RaftCluster cluster(3);
  cluster.elect(1);
  cluster.propose_conf_change(1, single(ConfChange::Kind::kRemoveVoter, 1));
  cluster.stabilize();
  EXPECT_EQ(cluster.node(1).role(), Role::kFollower);
  EXPECT_EQ(cluster.node(1).cluster().voters, ids({2, 3}));
  EXPECT_EQ(cluster.node(2).cluster().voters, ids({2, 3}));
  const uint32_t leader = run_until_leader(cluster);
  EXPECT_TRUE(leader == 2 || leader == 3) << leader;
  cluster.tick(1, 100);
  EXPECT_EQ(cluster.node(1).role(), Role::kFollower);
  EXPECT_EQ(cluster.count_events(1, "raft.timeout"), 0u) << "a non-member never campaigns";
  EXPECT_TRUE(cluster.violations().empty());
}

TEST(RaftLearner, LearnerReplicatesButNeverVotesOrCampaigns) {  // thesis §4.2.1 (etcd E31)
  RaftCluster cluster(membership_options(4, 3, 1));
  int asked = 0;
  cluster.on_send = [&asked](uint32_t, const Outgoing& outgoing) {
    const auto* message = dynamic_cast<const RaftMessage*>(outgoing.message.get());
    if (outgoing.to == NodeId{4} && (message->type == MessageType::kVote || message->type == MessageType::kPreVote)) {
      ++asked;
    }
  };
  cluster.elect(1);
  EXPECT_EQ(asked, 0) << "learners are not asked for votes";
  cluster.propose(1, 7);
  cluster.stabilize();
  EXPECT_EQ(cluster.committed_values(4), std::vector<uint64_t>{7});
  EXPECT_EQ(cluster.node(4).status().role, "learner");

  cluster.isolate(1);
  cluster.tick(4, 100);
  EXPECT_EQ(cluster.node(4).role(), Role::kFollower);
  EXPECT_EQ(cluster.node(4).term(), Term{1});
  EXPECT_EQ(cluster.count_events(4, "raft.timeout"), 0u);
  cluster.heal();

  // The learner's copy does not make a quorum.
  cluster.isolate(2);
  cluster.isolate(3);
  cluster.propose(1, 8);
  cluster.stabilize();
  EXPECT_EQ(cluster.node(4).log().last_index(), cluster.node(1).log().last_index());
  EXPECT_EQ(cluster.committed_values(1), std::vector<uint64_t>{7});
}

TEST(RaftLearner, LearnerGrantDoesNotCountTowardsElection) {  // thesis §4.2.1
  RaftCluster::Options options = membership_options(4, 3, 1);
  options.configure = [](RaftConfig& config) { config.pre_vote = false; };
  RaftCluster cluster(options);
  cluster.campaign(1);
  cluster.clear_queue();
  cluster.inject(make_message(MessageType::kVoteResponse, 4, 1, 1));
  EXPECT_EQ(cluster.node(1).role(), Role::kCandidate);
  cluster.inject(make_message(MessageType::kVoteResponse, 2, 1, 1));
  EXPECT_EQ(cluster.node(1).role(), Role::kLeader);
}

TEST(RaftLearner, PromotedLearnerCampaigns) {  // thesis §4.2.1 (etcd TestLearnerPromotion)
  RaftCluster cluster(membership_options(4, 3, 1));
  cluster.elect(1);
  cluster.propose_conf_change(1, single(ConfChange::Kind::kAddVoter, 4));
  cluster.stabilize();
  settle(cluster, 1);
  ASSERT_TRUE(cluster.node(4).cluster().is_voter(NodeId{4}));
  cluster.transfer(1, 4);
  cluster.stabilize();
  EXPECT_EQ(cluster.node(4).role(), Role::kLeader);
}

}  // namespace
}  // namespace consim::protocols::raft::testing
