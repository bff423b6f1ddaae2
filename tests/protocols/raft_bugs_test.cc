// The bug switches of config.h (research/raft.md section 6): for each, a minimal deterministic
// scenario in which the buggy behaviour shows with the switch on and not with it off.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/protocols/raft_fixture.h"

namespace consim::protocols::raft::testing {
namespace {

TEST(RaftBug, CatalogueNamesEverySwitch) {
  EXPECT_EQ(bug_catalogue().size(), 6u);
  for (const BugInfo& info : bug_catalogue()) {
    BugSwitches bugs;
    EXPECT_FALSE(bugs.any());
    EXPECT_TRUE(enable_bug(bugs, info.name)) << info.name;
    EXPECT_TRUE(bugs.*(info.flag)) << info.name;
    EXPECT_TRUE(bugs.any());
  }
  BugSwitches bugs;
  EXPECT_FALSE(enable_bug(bugs, "raft.no_such_bug"));
  EXPECT_FALSE(bugs.any());
}

// --- B01 commit_previous_term: Figure 8's old-term entry counted into commitment.

struct OldTermEntryOnMajority {
  RaftCluster cluster;

  explicit OldTermEntryOnMajority(bool bug)
      : cluster([bug] {
          RaftCluster::Options options;
          options.configure = [bug](RaftConfig& config) {
            config.max_entries_per_message = 1;
            config.bugs.commit_previous_term = bug;
            config.check_quorum = false;  // else the restarted voters withhold votes for a while
          };
          options.disks[1] = make_disk(2, 0, 1, {1, 2});
          options.disks[2] = make_disk(2, 0, 1, {1});
          options.disks[3] = make_disk(2, 0, 1, {1});
          return options;
        }()) {
    cluster.isolate(3);
    cluster.campaign(1);
    deliver_elections(cluster);
    cluster.deliver(between(1, 2));  // rejected: n2 lacks index 2
    cluster.deliver(between(2, 1));
    cluster.deliver(between(1, 2));  // index 2 (term 2) alone
    cluster.deliver(between(2, 1));  // n1 + n2: a majority holds it
  }
};

TEST(RaftBug, CommitPreviousTermCommitsOldEntryByCounting) {  // B01, §5.4.2
  OldTermEntryOnMajority correct(false);
  ASSERT_EQ(correct.cluster.node(1).term(), Term{3});
  ASSERT_EQ(correct.cluster.node(2).log().last_index(), LogIndex{2});
  EXPECT_EQ(correct.cluster.node(1).log().committed(), LogIndex{1});

  OldTermEntryOnMajority buggy(true);
  ASSERT_EQ(buggy.cluster.node(2).log().last_index(), LogIndex{2});
  EXPECT_EQ(buggy.cluster.node(1).log().committed(), LogIndex{2});
  EXPECT_EQ(buggy.cluster.committed(1).back().term, Term{2});
}

// --- B03 vote_before_persist: the grant leaves with a Ready that does not persist it.

struct VoteGrant {
  bool granted_in_messages = false;
  bool vote_in_writes = false;
  NodeId vote_after_restart;
  bool granted_again_in_same_term = false;
};

VoteGrant grant_then_crash(bool bug) {
  RaftCluster cluster(3, [bug](RaftConfig& config) {
    config.pre_vote = false;
    config.bugs.vote_before_persist = bug;
  });
  cluster.hold(2, true);
  RaftMessage request = make_message(MessageType::kVote, 1, 2, 1);
  cluster.inject(request);
  const Ready ready = cluster.take_ready(2);
  VoteGrant result;
  for (const Outgoing& outgoing : ready.messages) {
    const auto* message = dynamic_cast<const RaftMessage*>(outgoing.message.get());
    if (message->type == MessageType::kVoteResponse && !message->reject) {
      result.granted_in_messages = true;
    }
  }
  for (const StorageWrite& write : ready.writes) {
    if (write.file != kHardStateFile) {
      continue;
    }
    for (const StoredRecord& stored : write.records) {
      const auto* hard = dynamic_cast<const HardStateRecord*>(stored.record.get());
      if (hard != nullptr && hard->state().vote == NodeId{1}) {
        result.vote_in_writes = true;
      }
    }
  }
  // The host executes this Ready (writes synced, the grant sent) and crashes before the next.
  for (const StorageWrite& write : ready.writes) {
    apply_write(cluster.disk(2), write);
  }
  cluster.crash(2);
  cluster.hold(2, false);
  cluster.restart(2);
  result.vote_after_restart = cluster.node(2).voted_for();
  cluster.clear_queue();
  cluster.inject(make_message(MessageType::kVote, 3, 2, 1));
  const RaftMessage* answer = only_message(cluster, MessageType::kVoteResponse, 2, 3);
  result.granted_again_in_same_term = answer != nullptr && !answer->reject;
  return result;
}

TEST(RaftBug, VoteBeforePersistSendsUndurableVote) {  // B03
  const VoteGrant correct = grant_then_crash(false);
  EXPECT_TRUE(correct.granted_in_messages);
  EXPECT_TRUE(correct.vote_in_writes);
  EXPECT_EQ(correct.vote_after_restart, NodeId{1});
  EXPECT_FALSE(correct.granted_again_in_same_term);

  const VoteGrant buggy = grant_then_crash(true);
  EXPECT_TRUE(buggy.granted_in_messages);
  EXPECT_FALSE(buggy.vote_in_writes);
  EXPECT_FALSE(buggy.vote_after_restart.valid());
  EXPECT_TRUE(buggy.granted_again_in_same_term) << "a second vote in term 1: two leaders possible";
}

TEST(RaftBug, VoteBeforePersistStillPersistsWithTheNextReady) {  // B03: only the order is wrong
  RaftCluster cluster(3, [](RaftConfig& config) {
    config.pre_vote = false;
    config.bugs.vote_before_persist = true;
  });
  cluster.inject(make_message(MessageType::kVote, 1, 2, 1));
  const std::optional<HardState> state = disk_hard_state(cluster.disk(2));
  ASSERT_TRUE(state.has_value());
  EXPECT_EQ(state->vote, NodeId{1});
}

// --- B05 truncate_on_stale_append.

uint64_t last_index_after_stale_append(bool bug) {
  RaftCluster cluster(3, [bug](RaftConfig& config) { config.bugs.truncate_on_stale_append = bug; });
  cluster.elect(1);
  cluster.propose(1, 10);
  std::vector<Envelope> first = cluster.take(all_of(between(1, 2), of_type(MessageType::kAppend)));
  EXPECT_EQ(first.size(), 1u);
  cluster.step(first[0]);
  cluster.propose(1, 11);
  cluster.deliver(between(1, 2));
  EXPECT_EQ(cluster.node(2).log().last_index(), LogIndex{3});
  cluster.step(first[0]);  // late duplicate of the first append
  return cluster.node(2).log().last_index().value;
}

TEST(RaftBug, TruncateOnStaleAppendDropsAcknowledgedEntries) {  // B05
  EXPECT_EQ(last_index_after_stale_append(false), 3u);
  EXPECT_EQ(last_index_after_stale_append(true), 2u);
}

// --- vote_without_log_check (§5.4.1).

bool grants_stale_candidate(bool bug) {
  RaftCluster::Options options;
  options.configure = [bug](RaftConfig& config) {
    config.bugs.vote_without_log_check = bug;
    config.check_quorum = false;  // else the restarted voter withholds votes for a while
  };
  options.disks[1] = make_disk(2, 0, 0, {1, 2});
  RaftCluster cluster(options);
  RaftMessage request = make_message(MessageType::kVote, 2, 1, 3);
  request.index = LogIndex{1};
  request.log_term = Term{1};
  cluster.inject(request);
  const RaftMessage* answer = only_message(cluster, MessageType::kVoteResponse, 1, 2);
  return answer != nullptr && !answer->reject;
}

TEST(RaftBug, VoteWithoutLogCheckGrantsStaleLog) {  // §5.4.1
  EXPECT_FALSE(grants_stale_candidate(false));
  EXPECT_TRUE(grants_stale_candidate(true));
}

// --- B11 lease_ignores_drift.

TEST(RaftBug, LeaseIgnoresDriftLengthensTheLease) {  // B11
  RaftConfig config;
  config.id = NodeId{1};
  config.bootstrap = make_cluster_config(3);
  config.max_clock_drift_ppm = 1000;
  const uint32_t correct = config.lease_ticks();
  config.bugs.lease_ignores_drift = true;
  const uint32_t buggy = config.lease_ticks();
  EXPECT_EQ(correct, 7u);
  EXPECT_EQ(buggy, 8u);
  // With a large drift bound the correct lease shrinks further; the buggy one does not.
  config.max_clock_drift_ppm = 100'000;
  EXPECT_EQ(config.lease_ticks(), 8u);
  config.bugs.lease_ignores_drift = false;
  EXPECT_EQ(config.lease_ticks(), 6u);  // floor(9 * 0.9 / 1.1) - 1
}

size_t lease_reads_served_late(bool bug) {
  RaftCluster cluster(3, [bug](RaftConfig& config) { config.bugs.lease_ignores_drift = bug; });
  cluster.elect(1);
  cluster.tick(1);  // a heartbeat round at tick 1, answered by both followers
  cluster.stabilize();
  cluster.isolate(1);
  cluster.tick(1, 7);  // 7 ticks after that round left
  cluster.read(1, ReadMode::kLease);
  return cluster.reads(1).size();
}

TEST(RaftBug, LeaseIgnoresDriftServesReadsTooLate) {  // B11
  EXPECT_EQ(lease_reads_served_late(false), 0u);
  EXPECT_EQ(lease_reads_served_late(true), 1u);
}

// --- B02 conf_change_before_noop.

bool conf_change_accepted_before_noop(bool bug) {
  RaftCluster::Options options;
  options.nodes = 4;
  options.bootstrap = make_cluster_config(3);
  options.configure = [bug](RaftConfig& config) {
    config.bugs.conf_change_before_noop = bug;
    config.check_quorum = false;  // else the restarted voters withhold votes for a while
  };
  // n1 has committed history, so there is something before its no-op.
  options.disks[1] = make_disk(1, 1, 2, {1, 1});
  options.disks[2] = make_disk(1, 1, 2, {1, 1});
  options.disks[3] = make_disk(1, 1, 2, {1, 1});
  RaftCluster cluster(options);
  cluster.campaign(1);
  deliver_elections(cluster);
  EXPECT_EQ(cluster.node(1).role(), Role::kLeader);
  EXPECT_EQ(cluster.node(1).log().committed(), LogIndex{2});
  ConfChange change;
  change.kind = ConfChange::Kind::kAddVoter;
  change.node = NodeId{4};
  cluster.propose_conf_change(1, change);
  const RaftLog& log = cluster.node(1).log();
  return log.at(log.last_index()).type == EntryType::kConfChange;
}

TEST(RaftBug, ConfChangeBeforeNoopIsAccepted) {  // B02
  EXPECT_FALSE(conf_change_accepted_before_noop(false));
  EXPECT_TRUE(conf_change_accepted_before_noop(true));
}

}  // namespace
}  // namespace consim::protocols::raft::testing
