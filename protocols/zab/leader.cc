// The leader's side of discovery, synchronization and broadcast (ZooKeeper's Leader and one
// LearnerHandler per learner; research/zab.md a.4). Each learner moves through its stages on
// its own: one may be syncing while another already acknowledges proposals.
#include <algorithm>

#include "protocols/zab/zab_node.h"

namespace consim::protocols::zab {

size_t ZabNode::count_voters(const std::function<bool(NodeId, const Learner&)>& counts) const {
  size_t count = is_voter(config_.id) ? 1 : 0;
  for (const auto& [node, learner] : learners_) {
    if (is_voter(node) && !learner.observer && counts(node, learner)) {
      ++count;
    }
  }
  return count;
}

void ZabNode::lead() {
  state_ = PeerState::kLeading;
  phase_ = Phase::kDiscovery;
  serving_ = false;
  role_ticks_ = 0;
  new_epoch_ = 0;
  epoch_quorum_ = false;
  established_ = false;
  learners_.clear();
  outstanding_.clear();
  syncs_.clear();
  emit_state();
  choose_epoch();  // a single-voter ensemble has its quorum already
}

void ZabNode::handle_follower_info(NodeId from, const ZabMessage& message) {
  auto it = learners_.find(from);
  if (it != learners_.end() && it->second.stage <= Learner::Stage::kEpochSent) {
    // The learner asked again (its first FOLLOWERINFO may have reached this node before it led).
    if (it->second.stage == Learner::Stage::kEpochSent) {
      auto info = make(MessageType::kLeaderInfo, config_.id);
      info->epoch = new_epoch_;
      send(from, std::move(info));
    } else {
      choose_epoch();
    }
    return;
  }
  Learner learner;
  learner.observer = message.observer || !is_voter(from);
  learner.accepted_epoch = message.epoch;
  learner.heard_tick = ticks_;
  learners_[from] = learner;
  if (new_epoch_ != 0) {
    auto info = make(MessageType::kLeaderInfo, config_.id);
    info->epoch = new_epoch_;
    send(from, std::move(info));
    learners_[from].stage = Learner::Stage::kEpochSent;
    return;
  }
  choose_epoch();
}

// getEpochToPropose: once a quorum of participants connected, epoch = max(acceptedEpoch) + 1,
// persisted as this node's acceptedEpoch before LEADERINFO goes out.
void ZabNode::choose_epoch() {
  if (new_epoch_ != 0 || count_voters([](NodeId, const Learner&) { return true; }) < config_.quorum()) {
    return;
  }
  uint64_t highest = accepted_epoch_;
  for (const auto& [node, learner] : learners_) {
    if (!learner.observer) {
      highest = std::max(highest, learner.accepted_epoch);
    }
  }
  new_epoch_ = highest + 1;
  write_accepted_epoch(new_epoch_);
  for (auto& [node, learner] : learners_) {
    auto info = make(MessageType::kLeaderInfo, config_.id);
    info->epoch = new_epoch_;
    send(node, std::move(info));
    learner.stage = Learner::Stage::kEpochSent;
  }
  if (count_voters([](NodeId, const Learner&) { return false; }) >= config_.quorum()) {
    handle_ack_epoch(config_.id, ZabMessage{});  // alone: the epoch quorum is this node
  }
}

void ZabNode::handle_ack_epoch(NodeId from, const ZabMessage& message) {
  if (from != config_.id) {
    Learner& learner = learners_.at(from);
    if (learner.stage != Learner::Stage::kEpochSent) {
      emit(Event("zab.error").add("what", "unexpected AckEpoch").add("from", from));
      return;
    }
    learner.current_epoch = message.epoch;
    learner.last_zxid = message.zxid;
    learner.epoch_ack = message.epoch_ack;
    learner.stage = Learner::Stage::kEpochAcked;
    if (!epoch_quorum_ && !learner.observer &&
        (message.epoch > current_epoch_ || (message.epoch == current_epoch_ && message.zxid > last_zxid()))) {
      // waitForEpochAck: FLE should have picked the most up-to-date server; this one is not.
      go_looking("a follower is more recent than the leader");
      return;
    }
    if (epoch_quorum_) {
      sync_learner(from, learner);
      return;
    }
  }
  if (count_voters([](NodeId, const Learner& l) { return l.stage >= Learner::Stage::kEpochAcked && l.epoch_ack; }) <
      config_.quorum()) {
    return;
  }
  epoch_quorum_ = true;
  write_current_epoch(new_epoch_);
  phase_ = Phase::kSync;
  emit_state();
  for (auto& [node, learner] : learners_) {
    if (learner.stage == Learner::Stage::kEpochAcked) {
      sync_learner(node, learner);
    }
  }
  if (count_voters([](NodeId, const Learner&) { return false; }) >= config_.quorum()) {
    establish();  // alone
  }
}

// LearnerHandler.syncFollower: DIFF, TRUNC (+DIFF) or SNAP from the learner's last zxid, the
// committed-log window and the size of the log against the snapshot's.
void ZabNode::sync_learner(NodeId peer, Learner& learner) {
  const uint64_t last = last_zxid();
  const uint64_t peer_last = learner.last_zxid;
  std::string_view mode = "diff";
  uint64_t base = peer_last;  // the learner's log is kept up to here; txns after it are sent
  auto lowest = std::min(snapshot_->zxid, log_.empty() ? snapshot_->zxid : log_.front().zxid);
  if (peer_last == last) {
    mode = "diff";
  } else if (peer_last > last) {
    mode = "trunc";  // the learner holds transactions this history lacks
    base = last;
  } else if (peer_last >= lowest) {
    const bool known = peer_last == snapshot_->zxid || find(peer_last) != nullptr;
    if (!known && !config_.bugs.diff_instead_of_trunc) {
      // TRUNC to the largest zxid below the learner's that this history holds, then DIFF
      // (the ZOOKEEPER-1154 fix).
      auto below = std::lower_bound(log_.begin(), log_.end(), peer_last,
                                    [](const Txn& txn, uint64_t z) { return txn.zxid < z; });
      base = below == log_.begin() ? snapshot_->zxid : std::prev(below)->zxid;
      if (snapshot_->zxid < peer_last) {
        base = std::max(base, snapshot_->zxid);
      }
      mode = "trunc_diff";
    }
    // Outside the committed-log window, the disk log is used only if it is smaller than a share
    // of the snapshot; otherwise SNAP.
    const auto first_sent =
        std::upper_bound(log_.begin(), log_.end(), base, [](uint64_t z, const Txn& txn) { return z < txn.zxid; });
    const auto count = static_cast<uint64_t>(log_.end() - first_sent);
    if (count > config_.commit_log_count) {
      uint64_t bytes = 0;
      for (auto it = first_sent; it != log_.end(); ++it) {
        bytes += it->bytes();
      }
      // A SNAP never takes a learner back: the snapshot must cover its whole history.
      if (snapshot_->zxid >= peer_last &&
          bytes * 100 > uint64_t{config_.snapshot_size_factor_percent} * (16 + snapshot_->data_bytes)) {
        mode = "snap";
      }
    }
  } else {
    mode = "snap";
  }

  uint64_t sent_from = base;
  if (mode == "snap") {
    auto snap = make(MessageType::kSnap, config_.id);
    snap->snapshot = snapshot_;
    snap->zxid = snapshot_->zxid;
    send(peer, std::move(snap));
    sent_from = snapshot_->zxid;
  } else if (mode == "diff") {
    auto diff = make(MessageType::kDiff, config_.id);
    diff->zxid = last;
    send(peer, std::move(diff));
  } else {
    auto trunc = make(MessageType::kTrunc, config_.id);
    trunc->zxid = base;
    send(peer, std::move(trunc));
  }
  uint64_t txns = 0;
  uint64_t last_committed_sent = 0;
  for (auto it = std::upper_bound(log_.begin(), log_.end(), sent_from,
                                  [](uint64_t z, const Txn&txn) { return z < txn.zxid; });
       it != log_.end(); ++it) {
    auto proposal = make(MessageType::kProposal, config_.id);
    proposal->txn = *it;
    send(peer, std::move(proposal));
    ++txns;
    if (it->zxid <= committed_) {
      last_committed_sent = it->zxid;
    }
  }
  if (last_committed_sent != 0) {
    auto commit = make(MessageType::kCommit, config_.id);
    commit->zxid = last_committed_sent;
    send(peer, std::move(commit));
  }
  auto newleader = make(MessageType::kNewLeader, config_.id);
  newleader->epoch = new_epoch_;
  newleader->zxid = layout_.make(new_epoch_, 0);
  send(peer, std::move(newleader));
  learner.stage = Learner::Stage::kSyncing;  // startForwarding: proposals and commits follow
  emit(Event("zab.sync")
           .add("peer", peer)
           .add("mode", mode)
           .add("peer_zxid", peer_last)
           .add("zxid", mode == "snap" ? snapshot_->zxid : base)
           .add("txns", txns));
}

void ZabNode::handle_ack(NodeId from, const ZabMessage& message) {
  Learner& learner = learners_.at(from);
  if (layout_.counter(message.zxid) == 0) {
    // The NEWLEADER ack.
    if (learner.stage != Learner::Stage::kSyncing || layout_.epoch(message.zxid) != new_epoch_) {
      return;
    }
    learner.stage = Learner::Stage::kSynced;
    if (established_) {
      auto uptodate = make(MessageType::kUpToDate, config_.id);
      uptodate->zxid = committed_;
      send(from, std::move(uptodate));
      learner.stage = Learner::Stage::kUpToDate;
      return;
    }
    if (count_voters([](NodeId, const Learner& l) { return l.stage >= Learner::Stage::kSynced; }) >= config_.quorum()) {
      establish();
    }
    return;
  }
  if (learner.stage < Learner::Stage::kSynced) {
    emit(Event("zab.error").add("what", "proposal ack before the NEWLEADER ack").add("from", from));
    return;
  }
  if (learner.observer) {
    return;
  }
  for (Outstanding& outstanding : outstanding_) {
    if (outstanding.zxid == message.zxid) {
      outstanding.acks |= uint64_t{1} << (from.value - 1);
      break;
    }
  }
  try_commit();
}

// A quorum acknowledged NEWLEADER: the epoch is established and the leader's whole history is
// committed; learners that synced get UPTODATE and start serving.
void ZabNode::establish() {
  established_ = true;
  phase_ = Phase::kBroadcast;
  serving_ = true;
  vote_.epoch = current_epoch_;  // updateElectionVote: joiners see the new epoch
  vote_.zxid = last_zxid();
  emit(Event("zab.established")
           .add("epoch", current_epoch_)
           .add("last_zxid", last_zxid())
           .add("last_chain", last_chain()));
  commit_to(last_zxid());
  emit_state();
  emit(Event("zab.serving").add("zxid", applied_zxid_).add("chain", applied_chain_));
  for (auto& [node, learner] : learners_) {
    if (learner.stage == Learner::Stage::kSynced) {
      auto uptodate = make(MessageType::kUpToDate, config_.id);
      uptodate->zxid = committed_;
      send(node, std::move(uptodate));
      learner.stage = Learner::Stage::kUpToDate;
    }
  }
}

void ZabNode::propose(const ClientRequest& request, NodeId origin) {
  const uint64_t last = last_zxid();
  const uint64_t counter = layout_.epoch(last) == current_epoch_ ? layout_.counter(last) : 0;
  if (counter >= layout_.max_counter()) {
    // ZOOKEEPER-1277: the counter would roll over; a new epoch is needed.
    if (origin == config_.id) {
      reject(request, Rejection::Reason::kNotReady);
    }
    go_looking("zxid counter rollover");
    return;
  }
  Txn txn;
  txn.zxid = layout_.make(current_epoch_, counter + 1);
  txn.command = request.command;
  txn.request = request.id;
  txn.origin = origin;
  append_log(txn);
  const Txn& logged = log_.back();
  emit(Event("zab.propose")
           .add("zxid", logged.zxid)
           .add("chain", logged.chain)
           .add("digest", logged.command != nullptr ? logged.command->digest() : uint64_t{0})
           .add("epoch", current_epoch_));
  outstanding_.push_back(Outstanding{logged.zxid, 0});
  for (const auto& [node, learner] : learners_) {
    if (!learner.observer && learner.stage >= Learner::Stage::kSyncing) {
      auto proposal = make(MessageType::kProposal, config_.id);
      proposal->txn = logged;
      send(node, std::move(proposal));
    }
  }
}

void ZabNode::handle_request(NodeId origin, const ClientRequest& request) {
  if (!established_) {
    return;  // not serving yet: the learner's client times out and retries
  }
  if (request.kind == ClientRequest::Kind::kWrite || request.read_mode == ReadMode::kLog) {
    propose(request, origin);
    return;
  }
  // sync: answered once everything proposed so far is committed.
  const uint64_t upto = outstanding_.empty() ? committed_ : outstanding_.back().zxid;
  syncs_.push_back(PendingSync{upto, request.id, origin});
  answer_syncs();
}

void ZabNode::answer_syncs() {
  while (!syncs_.empty() && syncs_.front().zxid <= committed_) {
    const PendingSync& sync = syncs_.front();
    if (sync.origin == config_.id) {
      reads_.push_back(ReadReady{sync.request, LogIndex{sync.zxid}});
    } else if (learners_.count(sync.origin) != 0) {
      auto answer = make(MessageType::kSync, config_.id);
      answer->zxid = sync.zxid;
      answer->request = ClientRequest{sync.request, ClientRequest::Kind::kRead, ReadMode::kSync, nullptr};
      send(sync.origin, std::move(answer));
    }
    syncs_.pop_front();
  }
}

// tryToCommit: in zxid order, each once a quorum (the leader's own durable copy included) acked.
void ZabNode::try_commit() {
  while (!outstanding_.empty()) {
    Outstanding& next = outstanding_.front();
    if (durable_ >= next.zxid && is_voter(config_.id)) {
      next.acks |= uint64_t{1} << (config_.id.value - 1);
    }
    if (next.ack_count() < config_.quorum()) {
      break;
    }
    const uint64_t zxid = next.zxid;
    outstanding_.pop_front();
    commit_to(zxid);
    const Txn* txn = find(zxid);
    for (const auto& [node, learner] : learners_) {
      if (learner.stage < Learner::Stage::kSyncing) {
        continue;
      }
      if (learner.observer) {
        auto inform = make(MessageType::kInform, config_.id);
        inform->txn = *txn;
        send(node, std::move(inform));
      } else {
        auto commit = make(MessageType::kCommit, config_.id);
        commit->zxid = zxid;
        send(node, std::move(commit));
      }
    }
  }
  answer_syncs();
}

void ZabNode::tick_leader() {
  ++role_ticks_;
  if (ticks_ % config_.ping_ticks == 0) {
    for (const auto& [node, learner] : learners_) {
      send(node, make(MessageType::kPing, config_.id));
    }
  }
  if (!established_) {
    if (role_ticks_ > config_.init_limit_ticks) {
      go_looking("no quorum synced within the init limit");
    }
    return;
  }
  const uint64_t now = ticks_;
  const uint32_t limit = config_.sync_limit_ticks;
  const size_t synced = count_voters([now, limit](NodeId, const Learner& l) {
    return l.stage >= Learner::Stage::kSynced && now - l.heard_tick <= limit;
  });
  if (synced < config_.quorum()) {
    go_looking("not enough followers synced within the sync limit");
  }
}

}  // namespace consim::protocols::zab
