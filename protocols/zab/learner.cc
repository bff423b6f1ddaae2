// The learner's side (ZooKeeper's Learner, Follower and Observer): discovery, synchronization
// with the leader (Learner.syncWithLeader, in the order of the ZOOKEEPER-3023/4394/4643/4646
// fixes), then broadcast.
#include <algorithm>

#include "protocols/zab/zab_node.h"

namespace consim::protocols::zab {

void ZabNode::follow() {
  phase_ = Phase::kDiscovery;
  serving_ = false;
  silent_ticks_ = 0;
  sync_ = SyncState{};
  emit_state();
  auto info = make(MessageType::kFollowerInfo, config_.id);
  info->epoch = accepted_epoch_;
  info->observer = state_ == PeerState::kObserving;
  send(leader_, std::move(info));
}

void ZabNode::handle_leader_info(const ZabMessage& message) {
  if (phase_ != Phase::kDiscovery) {
    return;  // an answer to a repeated FOLLOWERINFO
  }
  auto ack = make(MessageType::kAckEpoch, config_.id);
  if (message.epoch > accepted_epoch_) {
    write_accepted_epoch(message.epoch);  // durable before ACKEPOCH leaves (same Ready)
    ack->epoch_ack = true;
  } else if (message.epoch == accepted_epoch_) {
    ack->epoch_ack = false;  // ZooKeeper's "-1": no epoch ack, but the leader may still sync it
  } else {
    go_looking("the leader's epoch is older than the accepted epoch");
    return;
  }
  ack->epoch = current_epoch_;
  ack->zxid = last_zxid();
  send(leader_, std::move(ack));
  phase_ = Phase::kSync;
  emit_state();
}

void ZabNode::handle_sync_start(const ZabMessage& message) {
  if (phase_ != Phase::kSync || sync_.mode != SyncState::Mode::kNone) {
    emit(Event("zab.error").add("what", "unexpected " + std::string(message.kind())).add("from", leader_));
    go_looking("protocol error");
    return;
  }
  switch (message.type) {
    case MessageType::kDiff:
      sync_.mode = SyncState::Mode::kDiff;
      if (config_.bugs.set_lastprocessed_on_diff && message.zxid > applied_zxid_) {
        applied_zxid_ = message.zxid;  // ZOOKEEPER-2355: the tree is taken to be at the leader's zxid
      }
      return;
    case MessageType::kTrunc:
      if (message.zxid < snapshot_->zxid) {
        emit(Event("zab.error").add("what", "TRUNC below the snapshot").add("from", leader_));
        go_looking("cannot truncate below the snapshot");
        return;
      }
      sync_.mode = SyncState::Mode::kTrunc;
      truncate_log(message.zxid);
      if (!config_.bugs.retain_db_on_trunc) {
        reload_application(last_zxid());  // the tree may hold what was cut: rebuild it
      }
      return;
    case MessageType::kSnap:
      sync_.mode = SyncState::Mode::kSnap;
      install_snapshot(message.snapshot);  // persisted at once (ZOOKEEPER-3642)
      committed_ = snapshot_->zxid;
      reload_application(snapshot_->zxid);
      return;
    default:
      return;
  }
}

bool ZabNode::contiguous(uint64_t zxid) const {
  const uint64_t previous = sync_.queued.empty() ? last_zxid() : sync_.queued.back().zxid;
  if (layout_.epoch(zxid) == layout_.epoch(previous) && previous != 0) {
    return layout_.counter(zxid) == layout_.counter(previous) + 1;
  }
  return layout_.epoch(zxid) > layout_.epoch(previous) && layout_.counter(zxid) == 1;
}

namespace {

bool queueing(Phase phase, bool newleader, bool deferred) { return phase == Phase::kSync && (!newleader || deferred); }

}  // namespace

void ZabNode::handle_proposal(const ZabMessage& message) {
  if (!message.txn.has_value() || sync_.mode == SyncState::Mode::kNone) {
    return;
  }
  const Txn& txn = *message.txn;
  const uint64_t last = sync_.queued.empty() ? last_zxid() : sync_.queued.back().zxid;
  if (txn.zxid <= last) {
    return;  // already held (a late joiner may be sent a proposal twice)
  }
  if (!contiguous(txn.zxid)) {
    // ZOOKEEPER-4925: a hole in the history is refused.
    emit(Event("zab.error")
             .add("what", "proposal " + layout_.describe(txn.zxid) + " is not contiguous")
             .add("from", leader_));
    go_looking("proposal gap");
    return;
  }
  if (queueing(phase_, sync_.newleader, deferred_newleader_epoch_ != 0)) {
    sync_.queued.push_back(txn);
    return;
  }
  append_log(txn);  // durable before the ACK below leaves (same Ready)
  if (state_ == PeerState::kFollowing) {
    auto ack = make(MessageType::kAck, config_.id);
    ack->zxid = txn.zxid;
    send(leader_, std::move(ack));
    emit(Event("zab.ack").add("zxid", txn.zxid).add("leader", leader_));
  }
}

void ZabNode::handle_commit(const ZabMessage& message) {
  if (phase_ == Phase::kDiscovery || sync_.mode == SyncState::Mode::kNone) {
    emit(Event("zab.error").add("what", "COMMIT before synchronization").add("from", leader_));
    return;
  }
  if (queueing(phase_, sync_.newleader, deferred_newleader_epoch_ != 0)) {
    sync_.commit_to = std::max(sync_.commit_to, message.zxid);
    return;
  }
  commit_to(message.zxid);
}

void ZabNode::handle_inform(const ZabMessage& message) {
  if (state_ != PeerState::kObserving || !message.txn.has_value() || sync_.mode == SyncState::Mode::kNone) {
    return;
  }
  if (queueing(phase_, sync_.newleader, deferred_newleader_epoch_ != 0)) {
    handle_proposal(message);
    sync_.commit_to = std::max(sync_.commit_to, message.txn->zxid);
    return;
  }
  if (message.txn->zxid > last_zxid()) {
    if (!contiguous(message.txn->zxid)) {
      go_looking("inform gap");
      return;
    }
    append_log(*message.txn);
  }
  commit_to(message.txn->zxid);
}

// NEWLEADER: log the synced transactions and make them durable, then write currentEpoch, then
// acknowledge; outstanding proposals are acknowledged after the NEWLEADER ack (ZOOKEEPER-4685).
void ZabNode::handle_newleader(const ZabMessage& message) {
  if (phase_ != Phase::kSync || sync_.mode == SyncState::Mode::kNone || sync_.newleader) {
    emit(Event("zab.error").add("what", "unexpected NewLeader").add("from", leader_));
    go_looking("protocol error");
    return;
  }
  if (message.epoch != accepted_epoch_) {
    go_looking("NEWLEADER for an epoch this node did not accept");
    return;
  }
  sync_.newleader = true;
  sync_.synced = std::move(sync_.queued);
  sync_.queued.clear();
  if (config_.bugs.drop_outstanding_on_newleader) {
    // ZOOKEEPER-4394: only what is committed is kept.
    std::erase_if(sync_.synced, [this](const Txn& txn) { return txn.zxid > sync_.commit_to; });
  }
  deferred_newleader_epoch_ = message.epoch;
  deferred_in_flight_ = false;
  const bool split = config_.bugs.ack_newleader_before_persist || config_.bugs.write_epoch_before_persist;
  if (!split) {
    finish_newleader();
    return;
  }
  // The buggy orders: the epoch (and with 3911/4646 the ack) go out in a Ready of their own,
  // before the transactions are written; the rest waits for that Ready's advance().
  uint64_t last = last_zxid();
  uint64_t chain = last_chain();
  for (const Txn& txn : sync_.synced) {
    chain = chain_hash(chain, txn.zxid, txn.command);
    last = txn.zxid;
  }
  emit(Event("zab.newleader")
           .add("epoch", message.epoch)
           .add("leader", leader_)
           .add("last_zxid", last)
           .add("last_chain", chain));
  write_current_epoch(message.epoch);
  if (config_.bugs.ack_newleader_before_persist) {
    auto ack = make(MessageType::kAck, config_.id);
    ack->zxid = layout_.make(message.epoch, 0);
    send(leader_, std::move(ack));
    emit(Event("zab.ack_newleader")
             .add("epoch", message.epoch)
             .add("leader", leader_)
             .add("last_zxid", last)
             .add("last_chain", chain));
  }
}

void ZabNode::finish_newleader() {
  const uint64_t epoch = deferred_newleader_epoch_;
  const bool split = config_.bugs.ack_newleader_before_persist || config_.bugs.write_epoch_before_persist;
  deferred_newleader_epoch_ = 0;
  deferred_in_flight_ = false;
  // Logs `txns` (emptying it); returns the last zxid before them.
  const auto log_all = [this](std::vector<Txn>& txns) {
    const uint64_t before = last_zxid();
    for (const Txn& txn : txns) {
      append_log(txn);
    }
    txns.clear();
    return before;
  };
  // Acknowledges the logged proposals after `after` that are not committed yet.
  const auto ack_outstanding = [this](uint64_t after) {
    if (state_ != PeerState::kFollowing) {
      return;
    }
    for (const Txn& txn : log_) {
      if (txn.zxid > after && txn.zxid > sync_.commit_to) {
        auto ack = make(MessageType::kAck, config_.id);
        ack->zxid = txn.zxid;
        send(leader_, std::move(ack));
        emit(Event("zab.ack").add("zxid", txn.zxid).add("leader", leader_));
      }
    }
  };
  const uint64_t synced_from = log_all(sync_.synced);
  if (!split) {
    emit(Event("zab.newleader")
             .add("epoch", epoch)
             .add("leader", leader_)
             .add("last_zxid", last_zxid())
             .add("last_chain", last_chain()));
    write_current_epoch(epoch);
  }
  if (!config_.bugs.ack_newleader_before_persist) {
    auto ack = make(MessageType::kAck, config_.id);
    ack->zxid = layout_.make(epoch, 0);
    send(leader_, std::move(ack));
    emit(Event("zab.ack_newleader")
             .add("epoch", epoch)
             .add("leader", leader_)
             .add("last_zxid", last_zxid())
             .add("last_chain", last_chain()));
  }
  ack_outstanding(synced_from);
  // Proposals that arrived while a split NEWLEADER waited come after the acknowledged history.
  ack_outstanding(log_all(sync_.queued));
  commit_to(sync_.commit_to);
}

void ZabNode::handle_uptodate(const ZabMessage& message) {
  if (phase_ != Phase::kSync || !sync_.newleader) {
    emit(Event("zab.error").add("what", "unexpected UpToDate").add("from", leader_));
    go_looking("protocol error");
    return;
  }
  if (deferred_newleader_epoch_ != 0) {
    finish_newleader();
  }
  commit_to(message.zxid);
  if (applied_zxid_ > committed_) {
    // The tree was fast-forwarded over a tail this leader has not committed (yet): serve only
    // committed state, so rebuild it up to the commit point; the rest applies as it commits.
    reload_application(committed_);
  }
  phase_ = Phase::kBroadcast;
  serving_ = true;
  vote_.epoch = current_epoch_;  // updateElectionVote
  emit_state();
  emit(Event("zab.serving").add("zxid", applied_zxid_).add("chain", applied_chain_));
}

void ZabNode::handle_sync_answer(const ZabMessage& message) {
  if (message.request.has_value()) {
    reads_.push_back(ReadReady{message.request->id, LogIndex{message.zxid}});
  }
}

void ZabNode::tick_learner() {
  ++silent_ticks_;
  const uint32_t limit = phase_ == Phase::kBroadcast ? config_.sync_limit_ticks : config_.init_limit_ticks;
  if (silent_ticks_ > limit) {
    go_looking("the leader is silent");
    return;
  }
  if (phase_ == Phase::kDiscovery && silent_ticks_ % config_.ping_ticks == 0) {
    // The leader may not have been leading yet when the first FOLLOWERINFO arrived: ask again.
    auto info = make(MessageType::kFollowerInfo, config_.id);
    info->epoch = accepted_epoch_;
    info->observer = state_ == PeerState::kObserving;
    send(leader_, std::move(info));
  }
}

}  // namespace consim::protocols::zab
