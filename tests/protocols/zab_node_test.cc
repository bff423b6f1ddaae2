// Scripted tests of one ZabNode, driven message by message (as ZooKeeper's Zab1_0Test drives a
// peer over a socket): FLE's vote order and rounds, joining an established ensemble, discovery's
// epoch rules, each sync mode, NEWLEADER's persistence order, in-order commit and pipelining,
// step-down without a quorum, restart and recovery.
#include "protocols/zab/zab_node.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "harness/command_log.h"

namespace consim::protocols::zab {
namespace {

using harness::NumberCommand;

class NoRandom final : public RandomSource {
 public:
  uint64_t uniform(uint64_t) override { return 0; }
};

const ZxidLayout kLayout{};
uint64_t zxid(uint64_t epoch, uint64_t counter) { return kLayout.make(epoch, counter); }

// A disk as ZabNode writes it: the epoch files and a log of NumberCommand transactions.
struct DiskBuilder {
  Recovered disk;
  uint64_t chain = 0;
  uint64_t snapshot_chain = 0;

  DiskBuilder& epochs(uint64_t accepted, uint64_t current) {
    disk[kAcceptedEpochFile] = {StoredRecord{std::make_shared<EpochRecord>(accepted), 8, false}};
    disk[kCurrentEpochFile] = {StoredRecord{std::make_shared<EpochRecord>(current), 8, false}};
    return *this;
  }
  DiskBuilder& txn(uint64_t at, uint64_t value) {
    Txn txn;
    txn.zxid = at;
    txn.command = std::make_shared<NumberCommand>(value);
    txn.chain = chain = chain_hash(chain, at, txn.command);
    disk[kLogFile].push_back(StoredRecord{std::make_shared<TxnRecord>(txn), txn.bytes(), false});
    return *this;
  }
  // A snapshot at the current end of the log; the log is emptied (it was compacted away).
  DiskBuilder& snapshot() {
    auto snap = std::make_shared<Snapshot>();
    const auto& log = disk[kLogFile];
    snap->zxid = log.empty() ? 0 : static_cast<const TxnRecord&>(*log.back().record).txn().zxid;
    snap->chain = chain;
    disk[kSnapshotFile] = {StoredRecord{std::make_shared<SnapshotRecord>(snap), 16, false}};
    disk[kLogFile].clear();
    return *this;
  }
};

ZabConfig config_for(uint32_t id, uint32_t voters = 3) {
  ZabConfig config;
  config.id = NodeId{id};
  for (uint32_t i = 1; i <= voters; ++i) {
    config.voters.push_back(NodeId{i});
  }
  return config;
}

// Drives one node: every input is followed by executing its Readies in order.
class Driver {
 public:
  explicit Driver(const ZabConfig& config, const Recovered& disk = {})
      : node_(std::make_unique<ZabNode>(config, disk, random_)) {
    pump();
  }

  ZabNode& node() { return *node_; }

  void pump() {
    while (node_->has_ready()) {
      Ready ready = node_->ready();
      for (StorageWrite& write : ready.writes) {
        writes.push_back(std::move(write));
      }
      for (Event& event : ready.events) {
        events.push_back(std::string(event.kind().text()));
      }
      for (Outgoing& outgoing : ready.messages) {
        sent.push_back({outgoing.to, std::static_pointer_cast<const ZabMessage>(outgoing.message)});
      }
      if (ready.restore != nullptr || ready.restore_index.value > 0 || ready.restore_empty) {
        restores.push_back(ready.restore_index.value);
        applied.clear();
      }
      for (const Committed& entry : ready.committed) {
        applied.push_back(entry.index.value);
        if (entry.origin.valid()) {  // the application may answer the client
          answered.push_back(entry.request.value);
        }
      }
      for (const ReadReady& read : ready.reads) {
        reads.push_back(read);
      }
      for (const Rejection& rejection : ready.rejections) {
        rejected.push_back(rejection);
      }
      node_->advance();
    }
  }

  void deliver(NodeId from, ZabMessage message) {
    message.from = from;
    node_->step(from, message);
    pump();
  }
  void tick(uint32_t times = 1) {
    for (uint32_t i = 0; i < times; ++i) {
      node_->tick();
      pump();
    }
  }
  void request(const ClientRequest& request) {
    node_->request(request);
    pump();
  }

  // Messages sent since the last call, optionally of one type.
  std::vector<std::pair<NodeId, ZabMessagePtr>> take(std::optional<MessageType> type = std::nullopt) {
    std::vector<std::pair<NodeId, ZabMessagePtr>> out;
    for (auto& item : sent) {
      if (!type.has_value() || item.second->type == *type) {
        out.push_back(item);
      }
    }
    sent.clear();
    return out;
  }
  std::vector<MessageType> types_to(NodeId to) {
    std::vector<MessageType> out;
    for (auto& item : sent) {
      if (item.first == to) {
        out.push_back(item.second->type);
      }
    }
    return out;
  }
  bool saw(const std::string& event) const { return std::find(events.begin(), events.end(), event) != events.end(); }

  std::vector<StorageWrite> writes;
  std::vector<std::string> events;
  std::vector<std::pair<NodeId, ZabMessagePtr>> sent;
  std::vector<uint64_t> restores;
  std::vector<uint64_t> applied;
  std::vector<uint64_t> answered;
  std::vector<ReadReady> reads;
  std::vector<Rejection> rejected;

 private:
  NoRandom random_;
  std::unique_ptr<ZabNode> node_;
};

ZabMessage notification(Vote vote, uint64_t round, PeerState state = PeerState::kLooking) {
  ZabMessage message;
  message.type = MessageType::kNotification;
  message.vote = vote;
  message.round = round;
  message.state = state;
  return message;
}

ZabMessage packet(MessageType type, uint64_t zxid_value = 0, uint64_t epoch = 0) {
  ZabMessage message;
  message.type = type;
  message.zxid = zxid_value;
  message.epoch = epoch;
  return message;
}

ZabMessage ack_epoch(uint64_t current_epoch, uint64_t last, bool epoch_ack = true) {
  ZabMessage message = packet(MessageType::kAckEpoch, last, current_epoch);
  message.epoch_ack = epoch_ack;
  return message;
}

ZabMessage proposal(uint64_t at, uint64_t value) {
  ZabMessage message;
  message.type = MessageType::kProposal;
  Txn txn;
  txn.zxid = at;
  txn.command = std::make_shared<NumberCommand>(value);
  message.txn = txn;
  return message;
}

// Makes `driver`'s node (n3 of 3) the leader: n1 and n2 vote for it in round 1, the finalize
// wait passes, n1 connects and acks the epoch.
void elect_self(Driver& driver, uint64_t n1_last = 0, uint64_t n1_epoch = 0) {
  ZabNode& node = driver.node();
  const Vote own{node.id(), node.last_zxid(), node.current_epoch()};
  driver.deliver(NodeId{1}, notification(own, 1));
  driver.tick(node.config().finalize_wait_ticks);
  ASSERT_EQ(node.state(), PeerState::kLeading);
  ZabMessage info = packet(MessageType::kFollowerInfo, 0, n1_epoch);
  driver.deliver(NodeId{1}, info);
  ASSERT_NE(node.accepted_epoch(), 0u);
  driver.deliver(NodeId{1}, ack_epoch(n1_epoch, n1_last));
}

// --- FLE

TEST(ZabVote, OrdersByEpochThenZxidThenId) {
  EXPECT_TRUE((Vote{NodeId{1}, zxid(1, 1), 2}).beats(Vote{NodeId{3}, zxid(5, 9), 1}));  // epoch first
  EXPECT_TRUE((Vote{NodeId{1}, zxid(1, 2), 1}).beats(Vote{NodeId{3}, zxid(1, 1), 1}));  // then zxid
  EXPECT_TRUE((Vote{NodeId{3}, zxid(1, 1), 1}).beats(Vote{NodeId{2}, zxid(1, 1), 1}));  // then id
  EXPECT_FALSE((Vote{NodeId{2}, zxid(1, 1), 1}).beats(Vote{NodeId{2}, zxid(1, 1), 1}));
}

TEST(ZabElection, VotesForItselfThenAdoptsABetterVote) {
  Driver driver(config_for(1), DiskBuilder().epochs(1, 1).txn(zxid(1, 1), 10).disk);
  auto first = driver.take(MessageType::kNotification);
  ASSERT_EQ(first.size(), 2u);  // to n2 and n3
  EXPECT_EQ(first[0].second->vote, (Vote{NodeId{1}, zxid(1, 1), 1}));
  EXPECT_EQ(first[0].second->round, 1u);
  // n2 has a longer log: n1 adopts its vote and tells everyone.
  driver.deliver(NodeId{2}, notification(Vote{NodeId{2}, zxid(1, 2), 1}, 1));
  EXPECT_EQ(driver.node().vote(), (Vote{NodeId{2}, zxid(1, 2), 1}));
  EXPECT_EQ(driver.take(MessageType::kNotification).size(), 2u);
  // A worse vote changes nothing and sends nothing.
  driver.deliver(NodeId{3}, notification(Vote{NodeId{3}, zxid(1, 1), 1}, 1));
  EXPECT_EQ(driver.node().vote().leader, NodeId{2});
  EXPECT_TRUE(driver.take(MessageType::kNotification).empty());
}

TEST(ZabElection, AHigherRoundResetsTheVotesAndALowerRoundGetsAnAnswer) {
  Driver driver(config_for(1));
  driver.take();
  driver.deliver(NodeId{2}, notification(Vote{NodeId{2}, 0, 0}, 5));
  EXPECT_EQ(driver.node().round(), 5u);
  EXPECT_EQ(driver.node().vote().leader, NodeId{2});  // n2 beats n1 on id
  driver.take();
  driver.deliver(NodeId{3}, notification(Vote{NodeId{3}, 0, 0}, 2));  // a laggard
  auto answer = driver.take(MessageType::kNotification);
  ASSERT_EQ(answer.size(), 1u);
  EXPECT_EQ(answer[0].first, NodeId{3});
  EXPECT_EQ(answer[0].second->round, 5u);
  EXPECT_EQ(driver.node().vote().leader, NodeId{2});  // a lower round's vote is not adopted
}

TEST(ZabElection, DecidesOnlyAfterTheFinalizeWaitAndABetterVoteRestartsIt) {
  Driver driver(config_for(2));
  driver.deliver(NodeId{1}, notification(Vote{NodeId{2}, 0, 0}, 1));  // n1 agrees: a quorum
  driver.tick(driver.node().config().finalize_wait_ticks - 1);
  EXPECT_EQ(driver.node().state(), PeerState::kLooking);
  // n3's vote is better: n2 adopts it (n2 and n3 agree: a quorum again) and waits anew.
  driver.deliver(NodeId{3}, notification(Vote{NodeId{3}, 0, 0}, 1));
  driver.tick(driver.node().config().finalize_wait_ticks - 1);
  EXPECT_EQ(driver.node().state(), PeerState::kLooking);
  driver.tick();
  EXPECT_EQ(driver.node().state(), PeerState::kFollowing);
  EXPECT_EQ(driver.node().leader(), NodeId{3});
  EXPECT_FALSE(driver.take(MessageType::kFollowerInfo).empty());
}

TEST(ZabElection, JoinsAnEstablishedEnsembleFromTheVotesOfDecidedPeers) {
  Driver driver(config_for(1));
  const Vote established{NodeId{3}, zxid(2, 7), 2};
  driver.deliver(NodeId{2}, notification(established, 4, PeerState::kFollowing));
  EXPECT_EQ(driver.node().state(), PeerState::kLooking);  // n3 itself has not said it leads
  driver.deliver(NodeId{3}, notification(established, 4, PeerState::kLeading));
  EXPECT_EQ(driver.node().state(), PeerState::kFollowing);
  EXPECT_EQ(driver.node().leader(), NodeId{3});
  EXPECT_EQ(driver.node().round(), 4u);
}

TEST(ZabElection, ADecidedPeerAnswersALookingOne) {
  Driver driver(config_for(3));
  elect_self(driver);
  driver.take();
  driver.deliver(NodeId{2}, notification(Vote{NodeId{2}, 0, 0}, 9));
  auto answer = driver.take(MessageType::kNotification);
  ASSERT_EQ(answer.size(), 1u);
  EXPECT_EQ(answer[0].second->state, PeerState::kLeading);
  EXPECT_EQ(answer[0].second->vote.leader, NodeId{3});
}

// --- Discovery

TEST(ZabDiscovery, TheLeaderProposesOneMoreThanTheHighestAcceptedEpoch) {
  Driver driver(config_for(3), DiskBuilder().epochs(4, 3).disk);
  driver.deliver(NodeId{1}, notification(Vote{NodeId{3}, 0, 3}, 1));
  driver.tick(driver.node().config().finalize_wait_ticks);
  ASSERT_EQ(driver.node().state(), PeerState::kLeading);
  driver.deliver(NodeId{1}, packet(MessageType::kFollowerInfo, 0, 6));  // n1 accepted epoch 6
  EXPECT_EQ(driver.node().accepted_epoch(), 7u);
  auto info = driver.take(MessageType::kLeaderInfo);
  ASSERT_EQ(info.size(), 1u);
  EXPECT_EQ(info[0].second->epoch, 7u);
  EXPECT_TRUE(driver.saw("zab.accepted_epoch"));
  EXPECT_EQ(driver.node().current_epoch(), 3u);  // written only on a quorum of ACKEPOCH
  driver.deliver(NodeId{1}, ack_epoch(3, 0));
  EXPECT_EQ(driver.node().current_epoch(), 7u);
}

TEST(ZabDiscovery, TheLeaderAbortsWhenAFollowerIsMoreRecent) {
  Driver driver(config_for(3), DiskBuilder().epochs(1, 1).txn(zxid(1, 1), 1).disk);
  driver.deliver(NodeId{1}, notification(Vote{NodeId{3}, zxid(1, 1), 1}, 1));
  driver.tick(driver.node().config().finalize_wait_ticks);
  driver.deliver(NodeId{1}, packet(MessageType::kFollowerInfo, 0, 1));
  driver.deliver(NodeId{1}, ack_epoch(1, zxid(1, 2)));
  EXPECT_EQ(driver.node().state(), PeerState::kLooking);
  EXPECT_TRUE(driver.saw("zab.step_down"));
}

TEST(ZabDiscovery, AckEpochRules) {
  for (const uint64_t offered : {uint64_t{4}, uint64_t{3}, uint64_t{2}}) {
    Driver follower(config_for(1), DiskBuilder().epochs(3, 2).disk);
    const Vote vote{NodeId{3}, 0, 2};
    follower.deliver(NodeId{2}, notification(vote, 1, PeerState::kFollowing));
    follower.deliver(NodeId{3}, notification(vote, 1, PeerState::kLeading));
    ASSERT_EQ(follower.node().state(), PeerState::kFollowing);
    follower.take();
    follower.deliver(NodeId{3}, packet(MessageType::kLeaderInfo, 0, offered));
    auto acks = follower.take(MessageType::kAckEpoch);
    if (offered == 4) {  // newer: persisted, then acked
      EXPECT_EQ(follower.node().accepted_epoch(), 4u);
      ASSERT_EQ(acks.size(), 1u);
      EXPECT_TRUE(acks[0].second->epoch_ack);
      EXPECT_EQ(acks[0].second->epoch, 2u);  // its currentEpoch
    } else if (offered == 3) {               // already accepted: the "-1" reply
      ASSERT_EQ(acks.size(), 1u);
      EXPECT_FALSE(acks[0].second->epoch_ack);
    } else {  // older: back to election
      EXPECT_TRUE(acks.empty());
      EXPECT_EQ(follower.node().state(), PeerState::kLooking);
    }
  }
}

// --- Synchronization, the leader's choice

struct SyncCase {
  std::string name;
  Recovered leader_disk;
  uint64_t peer_last;
  MessageType first;
  uint64_t first_zxid;
  std::vector<uint64_t> proposals;
};

TEST(ZabSync, ChoosesDiffTruncTruncDiffOrSnap) {
  const Recovered log3 = DiskBuilder().epochs(1, 1).txn(zxid(1, 1), 1).txn(zxid(1, 2), 2).txn(zxid(1, 3), 3).disk;
  const Recovered epochs = DiskBuilder().epochs(2, 2).txn(zxid(1, 1), 1).txn(zxid(1, 2), 2).txn(zxid(2, 1), 3).disk;
  const Recovered snapped =
      DiskBuilder().epochs(1, 1).txn(zxid(1, 1), 1).txn(zxid(1, 2), 2).snapshot().txn(zxid(1, 3), 3).disk;
  const std::vector<SyncCase> cases = {
      {"empty diff", log3, zxid(1, 3), MessageType::kDiff, zxid(1, 3), {}},
      {"diff", log3, zxid(1, 1), MessageType::kDiff, zxid(1, 3), {zxid(1, 2), zxid(1, 3)}},
      {"trunc", log3, zxid(1, 5), MessageType::kTrunc, zxid(1, 3), {}},
      {"trunc+diff", epochs, zxid(1, 3), MessageType::kTrunc, zxid(1, 2), {zxid(2, 1)}},
      {"snap", snapped, zxid(1, 1) - 1, MessageType::kSnap, zxid(1, 2), {zxid(1, 3)}},
  };
  for (const SyncCase& c : cases) {
    SCOPED_TRACE(c.name);
    Driver leader(config_for(3), c.leader_disk);
    const Vote own{NodeId{3}, leader.node().last_zxid(), leader.node().current_epoch()};
    leader.deliver(NodeId{1}, notification(own, 1));
    leader.tick(leader.node().config().finalize_wait_ticks);
    ASSERT_EQ(leader.node().state(), PeerState::kLeading);
    // n1 gives the epoch quorum; then n2, whose log is the case's, syncs.
    leader.deliver(NodeId{1}, packet(MessageType::kFollowerInfo, 0, 0));
    leader.deliver(NodeId{1}, ack_epoch(0, 0));
    leader.deliver(NodeId{2}, packet(MessageType::kFollowerInfo, 0, 0));
    leader.take();
    leader.deliver(NodeId{2}, ack_epoch(0, c.peer_last));
    auto to_n2 = leader.take();
    ASSERT_FALSE(to_n2.empty());
    EXPECT_EQ(to_n2.front().second->type, c.first);
    EXPECT_EQ(to_n2.front().second->zxid, c.first_zxid);
    std::vector<uint64_t> proposals;
    for (const auto& [to, message] : to_n2) {
      if (message->type == MessageType::kProposal) {
        proposals.push_back(message->txn->zxid);
      }
    }
    EXPECT_EQ(proposals, c.proposals);
    EXPECT_EQ(to_n2.back().second->type, MessageType::kNewLeader);
  }
}

TEST(ZabSync, TheBuggyLeaderSendsDiffWhereTruncWasNeeded) {
  ZabConfig config = config_for(3);
  config.bugs.diff_instead_of_trunc = true;
  Driver leader(config, DiskBuilder().epochs(2, 2).txn(zxid(1, 1), 1).txn(zxid(1, 2), 2).txn(zxid(2, 1), 3).disk);
  leader.deliver(NodeId{1}, notification(Vote{NodeId{3}, zxid(2, 1), 2}, 1));
  leader.tick(leader.node().config().finalize_wait_ticks);
  leader.deliver(NodeId{1}, packet(MessageType::kFollowerInfo, 0, 0));
  leader.deliver(NodeId{1}, ack_epoch(0, 0));
  leader.deliver(NodeId{2}, packet(MessageType::kFollowerInfo, 0, 0));
  leader.take();
  leader.deliver(NodeId{2}, ack_epoch(1, zxid(1, 3)));
  auto to_n2 = leader.take();
  ASSERT_FALSE(to_n2.empty());
  EXPECT_EQ(to_n2.front().second->type, MessageType::kDiff);  // ZOOKEEPER-1154
}

// --- Synchronization, the learner's side

// A follower of n3 in epoch `epoch`, past ACKEPOCH.
void follow_n3(Driver& follower, uint64_t epoch) {
  const Vote vote{NodeId{3}, 0, epoch - 1};
  follower.deliver(NodeId{2}, notification(vote, 1, PeerState::kFollowing));
  follower.deliver(NodeId{3}, notification(vote, 1, PeerState::kLeading));
  ASSERT_EQ(follower.node().state(), PeerState::kFollowing);
  follower.deliver(NodeId{3}, packet(MessageType::kLeaderInfo, 0, epoch));
  follower.take();
}

TEST(ZabLearner, TruncCutsTheLogAndReloadsTheTree) {
  Driver follower(config_for(1), DiskBuilder().epochs(1, 1).txn(zxid(1, 1), 1).txn(zxid(1, 2), 2).disk);
  EXPECT_EQ(follower.applied, (std::vector<uint64_t>{zxid(1, 1), zxid(1, 2)}));  // replayed on start, tail too
  follow_n3(follower, 2);
  follower.deliver(NodeId{3}, packet(MessageType::kTrunc, zxid(1, 1)));
  EXPECT_EQ(follower.node().last_zxid(), zxid(1, 1));
  EXPECT_EQ(follower.node().applied_zxid(), zxid(1, 1));
  EXPECT_EQ(follower.applied, (std::vector<uint64_t>{zxid(1, 1)}));  // rebuilt without (1,2)
}

TEST(ZabLearner, WithRetainDbTruncKeepsTheTree) {
  ZabConfig config = config_for(1);
  config.bugs.retain_db_on_trunc = true;
  Driver follower(config, DiskBuilder().epochs(1, 1).txn(zxid(1, 1), 1).txn(zxid(1, 2), 2).disk);
  follow_n3(follower, 2);
  follower.deliver(NodeId{3}, packet(MessageType::kTrunc, zxid(1, 1)));
  EXPECT_EQ(follower.node().last_zxid(), zxid(1, 1));
  EXPECT_EQ(follower.node().applied_zxid(), zxid(1, 2));  // ZOOKEEPER-2845
}

TEST(ZabLearner, SnapInstallsTheSnapshotAtOnce) {
  Driver follower(config_for(1), DiskBuilder().epochs(1, 1).txn(zxid(1, 1), 1).disk);
  follow_n3(follower, 2);
  ZabMessage snap = packet(MessageType::kSnap, zxid(1, 5));
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->zxid = zxid(1, 5);
  snapshot->chain = 77;
  snap.snapshot = snapshot;
  follower.writes.clear();
  follower.deliver(NodeId{3}, snap);
  EXPECT_EQ(follower.node().last_zxid(), zxid(1, 5));
  EXPECT_EQ(follower.node().last_chain(), 77u);
  EXPECT_EQ(follower.restores.back(), zxid(1, 5));
  ASSERT_FALSE(follower.writes.empty());
  EXPECT_EQ(follower.writes.front().file, kSnapshotFile);  // ZOOKEEPER-3642: persisted on SNAP
}

TEST(ZabLearner, NewLeaderLogsThenWritesTheEpochThenAcks) {
  Driver follower(config_for(1));
  follow_n3(follower, 1);
  follower.deliver(NodeId{3}, packet(MessageType::kDiff, zxid(0, 0)));
  follower.deliver(NodeId{3}, proposal(zxid(1, 1), 10));
  follower.deliver(NodeId{3}, packet(MessageType::kCommit, zxid(1, 1)));
  follower.deliver(NodeId{3}, proposal(zxid(1, 2), 11));  // outstanding: not committed
  EXPECT_EQ(follower.node().last_zxid(), 0u);             // queued until NEWLEADER
  follower.writes.clear();
  follower.events.clear();
  follower.deliver(NodeId{3}, packet(MessageType::kNewLeader, zxid(1, 0), 1));
  // One Ready: both transactions, then currentEpoch; the ack follows the sync.
  ASSERT_EQ(follower.writes.size(), 2u);
  EXPECT_EQ(follower.writes[0].file, kLogFile);
  EXPECT_EQ(follower.writes[0].records.size(), 2u);
  EXPECT_EQ(follower.writes[1].file, kCurrentEpochFile);
  auto acks = follower.take(MessageType::kAck);
  ASSERT_EQ(acks.size(), 2u);
  EXPECT_EQ(acks[0].second->zxid, zxid(1, 0));  // the NEWLEADER ack first (ZOOKEEPER-4685)
  EXPECT_EQ(acks[1].second->zxid, zxid(1, 2));  // then the outstanding proposal
  EXPECT_EQ(follower.node().committed_zxid(), zxid(1, 1));
  EXPECT_EQ(follower.node().current_epoch(), 1u);
  EXPECT_FALSE(follower.node().serving());
  follower.deliver(NodeId{3}, packet(MessageType::kUpToDate, zxid(1, 1)));
  EXPECT_TRUE(follower.node().serving());
  follower.deliver(NodeId{3}, packet(MessageType::kCommit, zxid(1, 2)));
  EXPECT_EQ(follower.applied, (std::vector<uint64_t>{zxid(1, 1), zxid(1, 2)}));
}

TEST(ZabLearner, WithWriteEpochBeforePersistTheEpochIsDurableFirst) {
  ZabConfig config = config_for(1);
  config.bugs.write_epoch_before_persist = true;
  Driver follower(config);
  follow_n3(follower, 1);
  follower.deliver(NodeId{3}, packet(MessageType::kDiff, 0));
  follower.deliver(NodeId{3}, proposal(zxid(1, 1), 10));
  follower.deliver(NodeId{3}, packet(MessageType::kCommit, zxid(1, 1)));
  follower.writes.clear();
  follower.deliver(NodeId{3}, packet(MessageType::kNewLeader, zxid(1, 0), 1));
  ASSERT_GE(follower.writes.size(), 2u);
  EXPECT_EQ(follower.writes[0].file, kCurrentEpochFile);  // ZOOKEEPER-4643: epoch before history
  EXPECT_EQ(follower.writes[1].file, kLogFile);
}

TEST(ZabLearner, RefusesAProposalThatLeavesAGap) {
  Driver follower(config_for(1));
  follow_n3(follower, 1);
  follower.deliver(NodeId{3}, packet(MessageType::kDiff, 0));
  follower.deliver(NodeId{3}, proposal(zxid(1, 2), 10));  // (1,1) missing
  EXPECT_EQ(follower.node().state(), PeerState::kLooking);
}

// --- Broadcast

TEST(ZabBroadcast, CommitsInZxidOrderAndPipelines) {
  Driver leader(config_for(3, 5));
  ZabNode& node = leader.node();
  leader.deliver(NodeId{1}, notification(Vote{NodeId{3}, 0, 0}, 1));
  leader.deliver(NodeId{2}, notification(Vote{NodeId{3}, 0, 0}, 1));
  leader.tick(node.config().finalize_wait_ticks);
  for (uint32_t peer : {1u, 2u}) {
    leader.deliver(NodeId{peer}, packet(MessageType::kFollowerInfo, 0, 0));
  }
  for (uint32_t peer : {1u, 2u}) {
    leader.deliver(NodeId{peer}, ack_epoch(0, 0));
  }
  for (uint32_t peer : {1u, 2u}) {
    leader.deliver(NodeId{peer}, packet(MessageType::kAck, zxid(1, 0)));
  }
  ASSERT_TRUE(node.serving());
  leader.take();
  for (uint64_t i = 1; i <= 3; ++i) {
    ClientRequest request;
    request.id = RequestId{i};
    request.command = std::make_shared<NumberCommand>(i);
    leader.request(request);
  }
  EXPECT_EQ(leader.take(MessageType::kProposal).size(), 6u);  // three in flight to two followers
  // Acks for (1,2) and (1,3) first: nothing commits before (1,1).
  for (uint32_t peer : {1u, 2u}) {
    leader.deliver(NodeId{peer}, packet(MessageType::kAck, zxid(1, 3)));
    leader.deliver(NodeId{peer}, packet(MessageType::kAck, zxid(1, 2)));
  }
  EXPECT_EQ(node.committed_zxid(), 0u);
  leader.deliver(NodeId{1}, packet(MessageType::kAck, zxid(1, 1)));  // leader + n1: 2 of 5
  EXPECT_EQ(node.committed_zxid(), 0u);
  leader.deliver(NodeId{2}, packet(MessageType::kAck, zxid(1, 1)));  // 3 of 5: all three commit
  EXPECT_EQ(node.committed_zxid(), zxid(1, 3));
  auto commits = leader.take(MessageType::kCommit);
  ASSERT_EQ(commits.size(), 6u);
  EXPECT_EQ(commits[0].second->zxid, zxid(1, 1));
  EXPECT_EQ(leader.answered, (std::vector<uint64_t>{1, 2, 3}));
}

TEST(ZabBroadcast, TheLeaderStepsDownWithoutASyncedQuorum) {
  Driver leader(config_for(3));
  elect_self(leader);
  leader.deliver(NodeId{1}, packet(MessageType::kAck, zxid(1, 0)));
  ASSERT_TRUE(leader.node().serving());
  leader.tick(leader.node().config().sync_limit_ticks);
  EXPECT_EQ(leader.node().state(), PeerState::kLeading);  // n1 was heard within the limit
  leader.tick(2);
  EXPECT_EQ(leader.node().state(), PeerState::kLooking);
}

TEST(ZabBroadcast, ACounterRolloverForcesANewEpoch) {
  ZabConfig config = config_for(3);
  config.counter_bits = 2;  // counters 1..2, then a new epoch
  Driver leader(config);
  elect_self(leader);
  ZxidLayout layout{2};
  leader.deliver(NodeId{1}, packet(MessageType::kAck, layout.make(1, 0)));
  ASSERT_TRUE(leader.node().serving());
  for (uint64_t i = 1; i <= 3; ++i) {
    ClientRequest request;
    request.id = RequestId{i};
    request.command = std::make_shared<NumberCommand>(i);
    leader.request(request);
    if (i <= 2) {
      leader.deliver(NodeId{1}, packet(MessageType::kAck, layout.make(1, i)));
    }
  }
  EXPECT_EQ(leader.node().state(), PeerState::kLooking);
  EXPECT_EQ(leader.node().last_zxid(), layout.make(1, 2));
}

// --- Reads

TEST(ZabReads, LocalReadsAreServedAtOnceAndSyncWaitsForOutstandingProposals) {
  Driver leader(config_for(3));
  elect_self(leader);
  leader.deliver(NodeId{1}, packet(MessageType::kAck, zxid(1, 0)));
  ClientRequest write;
  write.id = RequestId{1};
  write.command = std::make_shared<NumberCommand>(5);
  leader.request(write);
  ClientRequest local;
  local.id = RequestId{2};
  local.kind = ClientRequest::Kind::kRead;
  local.read_mode = ReadMode::kLocal;
  leader.request(local);
  ASSERT_EQ(leader.reads.size(), 1u);
  EXPECT_EQ(leader.reads[0].index.value, 0u);
  ClientRequest sync = local;
  sync.id = RequestId{3};
  sync.read_mode = ReadMode::kSync;
  leader.request(sync);
  EXPECT_EQ(leader.reads.size(), 1u);  // waits for (1,1)
  leader.deliver(NodeId{1}, packet(MessageType::kAck, zxid(1, 1)));
  ASSERT_EQ(leader.reads.size(), 2u);
  EXPECT_EQ(leader.reads[1].index.value, zxid(1, 1));
}

// --- Restart

TEST(ZabRecovery, ReplaysTheWholeLogAndVotesWithTheLastLoggedZxid) {
  Driver node(config_for(2), DiskBuilder().epochs(3, 2).txn(zxid(2, 1), 1).txn(zxid(2, 2), 2).disk);
  EXPECT_TRUE(node.saw("zab.start"));
  EXPECT_EQ(node.applied, (std::vector<uint64_t>{zxid(2, 1), zxid(2, 2)}));
  EXPECT_TRUE(node.answered.empty());  // a replay answers no client
  EXPECT_EQ(node.node().vote(), (Vote{NodeId{2}, zxid(2, 2), 2}));
  EXPECT_EQ(node.node().accepted_epoch(), 3u);
}

}  // namespace
}  // namespace consim::protocols::zab
