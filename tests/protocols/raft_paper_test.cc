// Raft paper conformance (Ongaro & Ousterhout 2014, §5.1-§5.4), one test per claim, in the
// manner of etcd's raft_paper_test.go: nodes built from disk images or driven into a role, then
// messages injected and the answers asserted exactly.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <vector>

#include "tests/protocols/raft_fixture.h"

namespace consim::protocols::raft::testing {
namespace {

void no_pre_vote(RaftConfig& config) { config.pre_vote = false; }

RaftMessage append(uint32_t from, uint32_t to, uint64_t term, uint64_t prev_index, uint64_t prev_term,
                   std::vector<Entry> entries = {}, uint64_t commit = 0) {
  RaftMessage message = make_message(MessageType::kAppend, from, to, term);
  message.index = LogIndex{prev_index};
  message.log_term = Term{prev_term};
  message.entries = std::move(entries);
  message.commit = LogIndex{commit};
  return message;
}

RaftMessage vote_request(uint32_t from, uint32_t to, uint64_t term, uint64_t last_index, uint64_t last_term) {
  RaftMessage message = make_message(MessageType::kVote, from, to, term);
  message.index = LogIndex{last_index};
  message.log_term = Term{last_term};
  return message;
}

// ---------------------------------------------------------------------------------------------
// §5.1: terms

TEST(RaftPaper, FollowerUpdatesTermFromMessage) {  // §5.1
  RaftCluster cluster(3);
  cluster.inject(append(2, 1, 2, 0, 0));
  EXPECT_EQ(cluster.node(1).term(), Term{2});
  EXPECT_EQ(cluster.node(1).role(), Role::kFollower);
  EXPECT_EQ(cluster.node(1).leader(), NodeId{2});
}

TEST(RaftPaper, PreCandidateUpdatesTermFromMessage) {  // §5.1, thesis §9.6
  RaftCluster cluster(3);
  cluster.campaign(1);
  ASSERT_EQ(cluster.node(1).role(), Role::kPreCandidate);
  ASSERT_EQ(cluster.node(1).term(), Term{0});
  cluster.clear_queue();
  RaftMessage heartbeat = make_message(MessageType::kHeartbeat, 2, 1, 2);
  cluster.inject(heartbeat);
  EXPECT_EQ(cluster.node(1).term(), Term{2});
  EXPECT_EQ(cluster.node(1).role(), Role::kFollower);
  EXPECT_EQ(cluster.node(1).leader(), NodeId{2});
}

TEST(RaftPaper, CandidateUpdatesTermFromMessage) {  // §5.1
  RaftCluster cluster(3, no_pre_vote);
  cluster.campaign(1);
  ASSERT_EQ(cluster.node(1).role(), Role::kCandidate);
  ASSERT_EQ(cluster.node(1).term(), Term{1});
  ASSERT_EQ(cluster.node(1).voted_for(), NodeId{1});
  cluster.clear_queue();
  cluster.inject(append(2, 1, 2, 0, 0));
  EXPECT_EQ(cluster.node(1).term(), Term{2});
  EXPECT_EQ(cluster.node(1).role(), Role::kFollower);
  EXPECT_EQ(cluster.node(1).leader(), NodeId{2});
  EXPECT_FALSE(cluster.node(1).voted_for().valid()) << "a new term starts without a vote";
}

TEST(RaftPaper, LeaderUpdatesTermFromMessage) {  // §5.1
  RaftCluster cluster(3);
  cluster.elect(1);
  ASSERT_EQ(cluster.node(1).term(), Term{1});
  cluster.inject(append(2, 1, 5, 0, 0));
  EXPECT_EQ(cluster.node(1).term(), Term{5});
  EXPECT_EQ(cluster.node(1).role(), Role::kFollower);
  EXPECT_EQ(cluster.node(1).leader(), NodeId{2});
}

TEST(RaftPaper, StaleTermMessagesAreRejected) {  // §5.1
  RaftCluster::Options options;
  options.disks[1] = make_disk(3, 0, 0, {1});
  RaftCluster cluster(options);
  const uint64_t hash_before = cluster.node(1).log().last_hash();

  // A stale leader's append changes nothing, and it learns the newer term from the answer.
  cluster.inject(append(2, 1, 2, 0, 0, make_entries({2}), 1));
  EXPECT_EQ(cluster.node(1).term(), Term{3});
  EXPECT_FALSE(cluster.node(1).leader().valid());
  EXPECT_EQ(cluster.node(1).log().last_index(), LogIndex{1});
  EXPECT_EQ(cluster.node(1).log().last_hash(), hash_before);
  EXPECT_EQ(cluster.node(1).log().committed(), LogIndex{0});
  const RaftMessage* answer = only_message(cluster, MessageType::kAppendResponse, 1, 2);
  ASSERT_NE(answer, nullptr);
  EXPECT_EQ(answer->term, Term{3});
  cluster.clear_queue();

  // A stale candidate gets no vote, only the newer term (Figure 2: replies carry currentTerm).
  cluster.inject(vote_request(2, 1, 2, 5, 2));
  EXPECT_FALSE(cluster.node(1).voted_for().valid());
  const RaftMessage* refusal = only_message(cluster, MessageType::kVoteResponse, 1, 2);
  ASSERT_NE(refusal, nullptr);
  EXPECT_TRUE(refusal->reject);
  EXPECT_EQ(refusal->term, Term{3});
}

TEST(RaftPaper, StaleLeaderStepsDownAndItsUncommittedEntryIsOverwritten) {  // §5.1, §5.3
  // Without CheckQuorum the isolated leader keeps believing it leads until it hears a newer term;
  // the answers to its heartbeats carry it (Figure 2), with or without PreVote.
  RaftCluster cluster(3, [](RaftConfig& config) {
    config.check_quorum = false;
    config.pre_vote = false;
  });
  cluster.elect(1);
  cluster.isolate(1);
  cluster.propose(1, 99);  // can never commit
  cluster.elect(2);
  ASSERT_EQ(cluster.node(2).term(), Term{2});
  ASSERT_EQ(cluster.node(1).role(), Role::kLeader);
  ASSERT_EQ(cluster.node(1).term(), Term{1});

  cluster.heal();
  cluster.tick(1);  // the stale leader's heartbeat draws an answer in term 2
  cluster.stabilize();
  EXPECT_EQ(cluster.node(1).role(), Role::kFollower);
  EXPECT_EQ(cluster.node(1).term(), Term{2});

  cluster.propose(2, 7);
  cluster.stabilize();
  cluster.tick(2);  // n2's probe to n1 was lost during the partition: the heartbeat resumes it
  cluster.stabilize();
  EXPECT_TRUE(cluster.logs_match(2));
  for (uint32_t id = 1; id <= 3; ++id) {
    EXPECT_EQ(cluster.committed_values(id), std::vector<uint64_t>{7}) << "n" << id;
  }
  EXPECT_TRUE(cluster.violations().empty());
}

// ---------------------------------------------------------------------------------------------
// §5.2: leader election

TEST(RaftPaper, StaleCandidateLearnsTheTermFromTheRefusal) {  // §5.1, Figure 2
  RaftCluster::Options options;
  options.configure = no_pre_vote;
  options.disks[2] = make_disk(5, 0, 0, {});
  RaftCluster cluster(options);
  cluster.campaign(1);
  ASSERT_EQ(cluster.node(1).term(), Term{1});
  cluster.deliver(between(1, 2));
  cluster.deliver(between(2, 1));
  EXPECT_EQ(cluster.node(1).role(), Role::kFollower);
  EXPECT_EQ(cluster.node(1).term(), Term{5});
  EXPECT_EQ(cluster.node(2).term(), Term{5});
}

TEST(RaftPaper, FollowerStartsElectionAfterRandomizedTimeout) {  // §5.2
  RaftCluster::Options options;
  options.configure = no_pre_vote;
  options.jitter[1] = 3;
  RaftCluster cluster(options);
  ASSERT_EQ(cluster.node(1).randomized_election_timeout(), 13u);
  cluster.tick(1, 12);
  EXPECT_EQ(cluster.node(1).role(), Role::kFollower);
  EXPECT_TRUE(cluster.queue().empty());
  cluster.tick(1);
  EXPECT_EQ(cluster.node(1).role(), Role::kCandidate);
  EXPECT_EQ(cluster.node(1).term(), Term{1});
  EXPECT_EQ(cluster.node(1).voted_for(), NodeId{1});
  for (const uint32_t peer : {2u, 3u}) {
    const RaftMessage* request = only_message(cluster, MessageType::kVote, 1, peer);
    ASSERT_NE(request, nullptr);
    EXPECT_EQ(request->term, Term{1});
    EXPECT_EQ(request->index, LogIndex{0});
    EXPECT_EQ(request->log_term, Term{0});
  }
  EXPECT_EQ(cluster.queue().size(), 2u);
}

TEST(RaftPaper, ElectionTimeoutIsRandomizedOverOneElectionTimeout) {  // §5.2
  RaftCluster cluster(3, no_pre_vote);
  cluster.isolate(1);
  std::map<uint32_t, int> seen;
  for (int election = 0; election < 300; ++election) {
    const uint32_t timeout = cluster.node(1).randomized_election_timeout();
    const Term before = cluster.node(1).term();
    // The candidate times out after exactly the timeout it drew, then draws again.
    cluster.tick(1, timeout - 1);
    ASSERT_EQ(cluster.node(1).term(), before);
    cluster.tick(1);
    ASSERT_EQ(cluster.node(1).term(), Term{before.value + 1});
    ++seen[timeout];
  }
  EXPECT_EQ(seen.size(), 10u) << "every timeout in [10, 20) occurs";
  EXPECT_EQ(seen.begin()->first, 10u);
  EXPECT_EQ(seen.rbegin()->first, 19u);
}

TEST(RaftPaper, CandidateOutcomeDependsOnVoteMajority) {  // §5.2
  struct Case {
    uint32_t size;
    std::map<uint32_t, bool> votes;  // voter -> granted
    Role expected;
  };
  const std::vector<Case> cases = {
      {1, {}, Role::kLeader},
      {3, {{2, true}, {3, true}}, Role::kLeader},
      {3, {{2, true}}, Role::kLeader},
      {5, {{2, true}, {3, true}, {4, true}, {5, true}}, Role::kLeader},
      {5, {{2, true}, {3, true}}, Role::kLeader},
      {3, {}, Role::kCandidate},
      {5, {{2, true}}, Role::kCandidate},
      {5, {{2, true}, {3, false}, {4, false}}, Role::kCandidate},
      {3, {{2, false}, {3, false}}, Role::kFollower},
      {5, {{2, false}, {3, false}, {4, false}}, Role::kFollower},
      {5, {{2, true}, {3, false}, {4, false}, {5, false}}, Role::kFollower},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    RaftCluster cluster(c.size, no_pre_vote);
    cluster.campaign(1);
    cluster.clear_queue();
    for (const auto& [voter, granted] : c.votes) {
      RaftMessage response = make_message(MessageType::kVoteResponse, voter, 1, 1);
      response.reject = !granted;
      cluster.inject(response);
    }
    EXPECT_EQ(cluster.node(1).role(), c.expected) << "case " << i;
    EXPECT_EQ(cluster.node(1).term(), Term{1}) << "case " << i;
  }
}

TEST(RaftPaper, DuplicateVoteResponsesCountOnce) {  // §5.2 (B04)
  RaftCluster cluster(5, no_pre_vote);
  cluster.campaign(1);
  cluster.clear_queue();
  for (int i = 0; i < 3; ++i) {
    cluster.inject(make_message(MessageType::kVoteResponse, 2, 1, 1));
  }
  EXPECT_EQ(cluster.node(1).role(), Role::kCandidate);
}

TEST(RaftPaper, CandidateFollowsLeaderOfItsTerm) {  // §5.2
  RaftCluster cluster(3, no_pre_vote);
  cluster.campaign(1);
  cluster.clear_queue();
  cluster.inject(append(2, 1, 1, 0, 0));
  EXPECT_EQ(cluster.node(1).role(), Role::kFollower);
  EXPECT_EQ(cluster.node(1).term(), Term{1});
  EXPECT_EQ(cluster.node(1).leader(), NodeId{2});
  EXPECT_EQ(cluster.node(1).voted_for(), NodeId{1}) << "the vote of the term is kept (B03 scenario B)";
}

TEST(RaftPaper, SplitVoteLeadsToNewElection) {  // §5.2
  RaftCluster cluster(4, no_pre_vote);
  cluster.campaign(1);
  cluster.campaign(2);
  cluster.deliver(between(1, 3));  // n3 votes for n1
  cluster.deliver(between(2, 4));  // n4 votes for n2
  cluster.stabilize();
  EXPECT_TRUE(cluster.leaders().empty());
  for (uint32_t id = 1; id <= 4; ++id) {
    EXPECT_EQ(cluster.node(id).term(), Term{1}) << "n" << id;
  }
  EXPECT_EQ(cluster.node(3).voted_for(), NodeId{1});
  EXPECT_EQ(cluster.node(4).voted_for(), NodeId{2});

  for (int round = 0; round < 100 && cluster.leader() == 0; ++round) {
    cluster.tick_all();
    cluster.stabilize();
  }
  ASSERT_NE(cluster.leader(), 0u);
  EXPECT_EQ(cluster.leaders().size(), 1u);
  EXPECT_GE(cluster.node(cluster.leader()).term(), Term{2});
  EXPECT_TRUE(cluster.violations().empty());
}

TEST(RaftPaper, FollowerVotesOncePerTermFirstComeFirstServed) {  // §5.2
  RaftCluster cluster(3, no_pre_vote);
  const auto answer_to = [&](uint32_t candidate) {
    const RaftMessage* answer = only_message(cluster, MessageType::kVoteResponse, 1, candidate);
    const bool granted = answer != nullptr && !answer->reject;
    cluster.clear_queue();
    return granted;
  };
  cluster.inject(vote_request(2, 1, 1, 0, 0));
  EXPECT_TRUE(answer_to(2));
  EXPECT_EQ(cluster.node(1).voted_for(), NodeId{2});
  cluster.inject(vote_request(3, 1, 1, 0, 0));
  EXPECT_FALSE(answer_to(3)) << "already voted for n2 in term 1";
  cluster.inject(vote_request(2, 1, 1, 0, 0));
  EXPECT_TRUE(answer_to(2)) << "a repeated request from the same candidate is granted again";
  cluster.inject(vote_request(3, 1, 2, 0, 0));
  EXPECT_TRUE(answer_to(3)) << "a new term, a new vote";
  EXPECT_EQ(cluster.node(1).voted_for(), NodeId{3});
}

TEST(RaftPaper, VoteIsDurableBeforeItsResponseIsSent) {  // §5.2, Figure 2 "persistent state"
  RaftCluster cluster(3, no_pre_vote);
  int grants_seen = 0;
  cluster.on_send = [&](uint32_t from, const Outgoing& outgoing) {
    const auto* message = dynamic_cast<const RaftMessage*>(outgoing.message.get());
    if (from != 2 || message->type != MessageType::kVoteResponse || message->reject) {
      return;
    }
    ++grants_seen;
    const std::optional<HardState> state = disk_hard_state(cluster.disk(2));
    ASSERT_TRUE(state.has_value());
    EXPECT_EQ(state->term, message->term);
    EXPECT_EQ(state->vote, outgoing.to);
  };
  cluster.elect(1);
  EXPECT_EQ(grants_seen, 1);

  cluster.crash(2);
  cluster.restart(2);
  EXPECT_EQ(cluster.node(2).term(), Term{1});
  EXPECT_EQ(cluster.node(2).voted_for(), NodeId{1});
  cluster.clear_queue();
  cluster.inject(vote_request(3, 2, 1, 5, 1));
  const RaftMessage* answer = only_message(cluster, MessageType::kVoteResponse, 2, 3);
  ASSERT_NE(answer, nullptr);
  EXPECT_TRUE(answer->reject) << "the restarted node remembers its vote of term 1";
}

TEST(RaftPaper, VoterRejectsCandidateWithLessUpToDateLog) {  // §5.4.1
  struct Case {
    uint64_t last_index;
    uint64_t last_term;
    bool granted;
  };
  // The voter's log ends at index 2, term 2.
  const std::vector<Case> cases = {
      {1, 1, false}, {2, 1, false}, {3, 1, false},  // a lower last term loses, however long
      {1, 2, false},                                // same term, shorter
      {2, 2, true},  {3, 2, true},                  // same term, at least as long
      {1, 3, true},  {0, 3, true},                  // a higher last term wins, however short
  };
  for (const Case& c : cases) {
    RaftCluster::Options options;
    // Restarted from a disk, n1 would withhold votes for an election timeout under CheckQuorum.
    options.configure = [](RaftConfig& config) { config.check_quorum = false; };
    options.disks[1] = make_disk(2, 0, 0, {1, 2});
    RaftCluster cluster(options);
    cluster.inject(vote_request(2, 1, 3, c.last_index, c.last_term));
    const RaftMessage* answer = only_message(cluster, MessageType::kVoteResponse, 1, 2);
    ASSERT_NE(answer, nullptr);
    EXPECT_EQ(!answer->reject, c.granted) << "candidate log (" << c.last_index << ", " << c.last_term << ")";
    EXPECT_EQ(cluster.node(1).term(), Term{3});
    EXPECT_EQ(cluster.node(1).voted_for(), c.granted ? NodeId{2} : NodeId{});
  }
}

// ---------------------------------------------------------------------------------------------
// §5.3: log replication

TEST(RaftPaper, LeaderAppendsReplicatesAndCommits) {  // §5.3
  RaftCluster cluster(3);
  cluster.elect(1);
  ASSERT_EQ(cluster.node(1).log().committed(), LogIndex{1});
  cluster.propose(1, 7);
  const RaftLog& log = cluster.node(1).log();
  ASSERT_EQ(log.last_index(), LogIndex{2});
  EXPECT_EQ(log.at(LogIndex{2}).term, Term{1});
  EXPECT_EQ(log.at(LogIndex{2}).type, EntryType::kNormal);
  EXPECT_EQ(log.committed(), LogIndex{1}) << "not committed before a majority has it";
  for (const uint32_t peer : {2u, 3u}) {
    const RaftMessage* message = only_message(cluster, MessageType::kAppend, 1, peer);
    ASSERT_NE(message, nullptr);
    EXPECT_EQ(message->index, LogIndex{1});
    EXPECT_EQ(message->log_term, Term{1});
    ASSERT_EQ(message->entries.size(), 1u);
    EXPECT_EQ(message->entries[0].index, LogIndex{2});
    EXPECT_EQ(message->commit, LogIndex{1});
  }
  // One follower's ack is a majority with the leader.
  cluster.deliver(between(1, 2));
  cluster.deliver(between(2, 1));
  EXPECT_EQ(cluster.node(1).log().committed(), LogIndex{2});
  EXPECT_EQ(cluster.committed_values(1), std::vector<uint64_t>{7});
  cluster.stabilize();
  for (uint32_t id = 1; id <= 3; ++id) {
    EXPECT_EQ(cluster.node(id).log().committed(), LogIndex{2}) << "n" << id;
    EXPECT_EQ(cluster.committed_values(id), std::vector<uint64_t>{7}) << "n" << id;
    ASSERT_EQ(cluster.committed(id).size(), 2u);
    EXPECT_EQ(cluster.committed(id)[1].origin, NodeId{1});
  }
}

TEST(RaftPaper, FollowerRejectsAppendWhosePreviousEntryDoesNotMatch) {  // §5.3
  struct Case {
    uint64_t prev_index;
    uint64_t prev_term;
    bool accepted;
    uint64_t hint;  // on reject
  };
  // The follower's log: terms [1, 2, 2].
  const std::vector<Case> cases = {
      {0, 0, true, 0},  {1, 1, true, 0},
      {3, 2, true, 0},  {3, 3, false, 3},  // last index, other term: its entry of term 2 <= 3 may still match
      {2, 1, false, 1},                    // index 2 has term 2 > 1: the hint skips back to index 1
      {5, 3, false, 3},                    // beyond the log: the hint is the last index
  };
  for (const Case& c : cases) {
    RaftCluster::Options options;
    options.disks[1] = make_disk(2, 0, 0, {1, 2, 2});
    RaftCluster cluster(options);
    cluster.inject(append(2, 1, 3, c.prev_index, c.prev_term));
    const RaftMessage* answer = only_message(cluster, MessageType::kAppendResponse, 1, 2);
    ASSERT_NE(answer, nullptr);
    EXPECT_EQ(!answer->reject, c.accepted) << "prev (" << c.prev_index << ", " << c.prev_term << ")";
    if (!c.accepted) {
      EXPECT_EQ(answer->index, LogIndex{c.prev_index});
      EXPECT_EQ(answer->reject_hint, LogIndex{c.hint});
    }
    EXPECT_EQ(cluster.node(1).log().last_index(), LogIndex{3}) << "nothing appended or truncated";
  }
}

TEST(RaftPaper, FollowerCommitsOnlyUpToLastNewEntry) {  // §5.3, Figure 2 (B06)
  // The follower holds [1, 1, 1] but the leader has only verified index 1: commit stops there.
  RaftCluster::Options options;
  options.disks[1] = make_disk(1, 0, 0, {1, 1, 1});
  RaftCluster cluster(options);
  cluster.inject(append(2, 1, 1, 1, 1, {}, 3));
  EXPECT_EQ(cluster.node(1).log().committed(), LogIndex{1});
  cluster.inject(append(2, 1, 1, 1, 1, make_entries({1}, LogIndex{2}, cluster.node(1).log().hash(LogIndex{1})), 3));
  EXPECT_EQ(cluster.node(1).log().committed(), LogIndex{2});
}

TEST(RaftPaper, FollowerDeletesConflictingSuffixAndAppends) {  // §5.3
  // The follower holds [1, 1, 2, 2]; the leader (term 3) sends [3, 3] after index 2.
  RaftCluster::Options options;
  options.disks[1] = make_disk(2, 0, 0, {1, 1, 2, 2});
  RaftCluster cluster(options);
  const uint64_t hash2 = cluster.node(1).log().hash(LogIndex{2});
  cluster.inject(append(2, 1, 3, 2, 1, make_entries({3, 3}, LogIndex{3}, hash2)));
  EXPECT_EQ(log_terms(cluster.node(1)), (std::vector<uint64_t>{1, 1, 3, 3}));
  EXPECT_EQ(cluster.count_events(1, "raft.truncate"), 1u);
  // The disk follows: truncated after index 2, then the new entries.
  cluster.crash(1);
  cluster.restart(1);
  EXPECT_EQ(log_terms(cluster.node(1)), (std::vector<uint64_t>{1, 1, 3, 3}));
}

// The Raft paper's Figure 7: a leader of term 8 and six possible follower logs. After the
// leader's no-op replicates, every follower's log equals the leader's.
TEST(RaftPaper, LeaderRepairsEveryFigure7FollowerLog) {  // §5.3, Figure 7
  const std::vector<uint64_t> leader_log = {1, 1, 1, 4, 4, 5, 5, 6, 6, 6};
  struct Case {
    const char* name;
    uint64_t term;
    std::vector<uint64_t> log;
  };
  const std::vector<Case> cases = {
      {"a", 6, {1, 1, 1, 4, 4, 5, 5, 6, 6}},
      {"b", 4, {1, 1, 1, 4}},
      {"c", 6, {1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6}},
      {"d", 7, {1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7}},
      {"e", 4, {1, 1, 1, 4, 4, 4, 4}},
      {"f", 3, {1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    RaftCluster::Options options;
    options.disks[1] = make_disk(7, 0, 0, leader_log);
    options.disks[2] = make_disk(c.term, 0, 0, c.log);
    // n3 starts empty and grants n1 its vote (d's follower would not).
    RaftCluster cluster(options);
    cluster.campaign(1);
    cluster.stabilize();
    ASSERT_EQ(cluster.node(1).role(), Role::kLeader);
    ASSERT_EQ(cluster.node(1).term(), Term{8});
    std::vector<uint64_t> expected = leader_log;
    expected.push_back(8);  // the no-op
    EXPECT_EQ(log_terms(cluster.node(2)), expected);
    EXPECT_EQ(log_terms(cluster.node(3)), expected);
    EXPECT_TRUE(cluster.logs_match(1));
    EXPECT_EQ(cluster.node(1).log().committed(), LogIndex{11});
    EXPECT_TRUE(cluster.violations().empty());
  }
}

TEST(RaftPaper, LeaderSkipsAWholeTermPerRejection) {  // §5.3 "optimized to reduce rejected RPCs" (etcd E35)
  RaftCluster::Options options;
  options.disks[1] = make_disk(4, 0, 0, {1, 2, 2, 4, 4, 4, 4});
  options.disks[2] = make_disk(3, 0, 0, {1, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3});
  RaftCluster cluster(options);
  cluster.campaign(1);
  deliver_elections(cluster);
  ASSERT_EQ(cluster.node(1).role(), Role::kLeader);
  cluster.deliver(between(1, 2));  // append after (7, term 4): rejected with hint (7, term 3)
  cluster.deliver(between(2, 1));
  const RaftMessage* probe = only_message(cluster, MessageType::kAppend, 1, 2);
  ASSERT_NE(probe, nullptr);
  // The leader's last entry of a term <= 3 is (3, term 2): all of term 4 is skipped at once.
  EXPECT_EQ(probe->index, LogIndex{3});
  EXPECT_EQ(probe->log_term, Term{2});
  cluster.stabilize();
  EXPECT_TRUE(cluster.logs_match(1));
  EXPECT_EQ(cluster.count_events(2, "raft.reject_append"), 1u);
}

TEST(RaftPaper, LeaderIgnoresAnAckBeyondItsLog) {  // §5.4 Leader Completeness; untrusted input
  // Only a broken peer (e.g. under the vote_without_log_check bug) can acknowledge more than the
  // leader holds: the leader records and ignores it instead of failing an assertion later.
  RaftCluster cluster(3);
  cluster.elect(1);
  RaftMessage ack = make_message(MessageType::kAppendResponse, 2, 1, 1);
  ack.index = LogIndex{9};
  cluster.inject(ack);
  EXPECT_EQ(cluster.node(1).progress(NodeId{2})->match(), LogIndex{1});
  EXPECT_EQ(cluster.node(1).progress(NodeId{2})->next(), LogIndex{2});
  cluster.propose(1, 3);
  cluster.stabilize();
  EXPECT_EQ(cluster.committed_values(2), std::vector<uint64_t>{3});
}

TEST(RaftPaper, StaleOrDuplicatedAppendNeverTruncates) {  // §5.3 (B05)
  RaftCluster cluster(3);
  cluster.elect(1);
  cluster.propose(1, 10);
  std::vector<Envelope> first = cluster.take(all_of(between(1, 2), of_type(MessageType::kAppend)));
  ASSERT_EQ(first.size(), 1u);
  ASSERT_EQ(first[0].message->entries.size(), 1u);
  cluster.step(first[0]);
  cluster.propose(1, 11);
  cluster.deliver(between(1, 2));
  ASSERT_EQ(cluster.node(2).log().last_index(), LogIndex{3});
  const uint64_t hash_before = cluster.node(2).log().last_hash();

  // The first append arrives again, late, twice: both entries stay.
  cluster.step(first[0]);
  cluster.step(first[0]);
  EXPECT_EQ(cluster.node(2).log().last_index(), LogIndex{3});
  EXPECT_EQ(cluster.node(2).log().last_hash(), hash_before);
  EXPECT_EQ(cluster.count_events(2, "raft.truncate"), 0u);

  cluster.stabilize();
  for (uint32_t id = 1; id <= 3; ++id) {
    EXPECT_EQ(cluster.committed_values(id), (std::vector<uint64_t>{10, 11})) << "n" << id;
  }
}

// ---------------------------------------------------------------------------------------------
// §5.4.2: committing entries from previous terms

// Figure 8's core: the leader of term 3 holds an entry of term 2 that a majority also holds once
// replicated; that alone must not commit it.
struct Figure8 {
  RaftCluster cluster;

  explicit Figure8(bool bug)
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
        }()) {}

  // Elects n1 in term 3 with n3 cut off, and lets n2 acknowledge index 2 (term 2) only.
  void replicate_old_entry() {
    cluster.isolate(3);
    cluster.campaign(1);
    deliver_elections(cluster);
    ASSERT_EQ(cluster.node(1).role(), Role::kLeader);
    ASSERT_EQ(cluster.node(1).term(), Term{3});
    ASSERT_EQ(cluster.node(1).log().last_index(), LogIndex{3});  // the no-op
    cluster.deliver(between(1, 2));                              // append(prev 2): rejected
    cluster.deliver(between(2, 1));                              // backtrack to prev 1
    const RaftMessage* old_entry = only_message(cluster, MessageType::kAppend, 1, 2);
    ASSERT_NE(old_entry, nullptr);
    ASSERT_EQ(old_entry->entries.size(), 1u);
    ASSERT_EQ(old_entry->entries[0].term, Term{2});
    cluster.deliver(between(1, 2));
    ASSERT_EQ(cluster.node(2).log().last_index(), LogIndex{2});
    cluster.deliver(between(2, 1));  // the ack for index 2: a majority holds it
  }
};

TEST(RaftPaper, LeaderDoesNotCommitPreviousTermEntryByCountingReplicas) {  // §5.4.2, Figure 8
  Figure8 figure(false);
  ASSERT_NO_FATAL_FAILURE(figure.replicate_old_entry());
  EXPECT_EQ(figure.cluster.node(1).log().committed(), LogIndex{1});
  EXPECT_TRUE(figure.cluster.committed(1).empty() || figure.cluster.committed(1).back().index == LogIndex{1});
}

TEST(RaftPaper, PreviousTermEntryCommitsWithCurrentTermEntry) {  // §5.4.2, Figure 8
  Figure8 figure(false);
  ASSERT_NO_FATAL_FAILURE(figure.replicate_old_entry());
  RaftCluster& cluster = figure.cluster;
  cluster.stabilize();  // the no-op of term 3 reaches n2
  EXPECT_EQ(cluster.node(1).log().committed(), LogIndex{3});
  const std::vector<Committed>& committed = cluster.committed(1);
  ASSERT_GE(committed.size(), 2u);
  EXPECT_EQ(committed[committed.size() - 2].index, LogIndex{2});
  EXPECT_EQ(committed[committed.size() - 2].term, Term{2});
  EXPECT_EQ(committed.back().index, LogIndex{3});
  EXPECT_EQ(committed.back().term, Term{3});
}

TEST(RaftPaper, NewLeaderCommitsNoopOfItsTerm) {  // §5.4.2, §8
  RaftCluster cluster(3);
  cluster.elect(1);
  const RaftLog& log = cluster.node(1).log();
  ASSERT_EQ(log.last_index(), LogIndex{1});
  EXPECT_EQ(log.at(LogIndex{1}).type, EntryType::kNoop);
  EXPECT_EQ(log.at(LogIndex{1}).term, Term{1});
  for (uint32_t id = 1; id <= 3; ++id) {
    ASSERT_EQ(cluster.committed(id).size(), 1u) << "n" << id;
    EXPECT_EQ(cluster.committed(id)[0].command, nullptr) << "the no-op is not the application's";
  }
}

}  // namespace
}  // namespace consim::protocols::raft::testing
