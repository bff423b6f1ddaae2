// ZabNode: plumbing, persistence, recovery and the application's view. The protocol's phases
// are in election.cc (FLE), leader.cc and learner.cc.
#include "protocols/zab/zab_node.h"

#include <algorithm>
#include <utility>

#include "base/assert.h"

namespace consim::protocols::zab {

std::string_view phase_name(Phase phase) {
  switch (phase) {
    case Phase::kElection:
      return "election";
    case Phase::kDiscovery:
      return "discovery";
    case Phase::kSync:
      return "sync";
    case Phase::kBroadcast:
      return "broadcast";
  }
  return "?";
}

namespace {

std::string node_list(const std::vector<NodeId>& nodes) {
  std::string text;
  for (const NodeId node : nodes) {
    if (!text.empty()) {
      text += ',';
    }
    text += node.name();
  }
  return text;
}

std::string node_name(NodeId node) { return node.valid() ? node.name() : std::string(); }

// The last intact record of a single-record file, or null.
const Record* last_intact(const Recovered& disk, const char* file) {
  auto it = disk.find(file);
  if (it == disk.end()) {
    return nullptr;
  }
  for (auto record = it->second.rbegin(); record != it->second.rend(); ++record) {
    if (!record->torn) {
      return record->record.get();
    }
  }
  return nullptr;
}

}  // namespace

// ZAB draws nothing at random (FLE is deterministic): the generator the host offers goes unused.
ZabNode::ZabNode(const ZabConfig& config, const Recovered& disk, RandomSource& /*random*/)
    : config_(config), layout_{config.counter_bits} {
  CONSIM_ASSERT(config_.validate().empty());
  snapshot_ = std::make_shared<Snapshot>();
  recover(disk);
  start_election();
}

// ZooKeeper's loadDataBase: the snapshot, then the whole log replayed into the data tree,
// uncommitted tail included.
void ZabNode::recover(const Recovered& disk) {
  if (const auto* record = dynamic_cast<const EpochRecord*>(last_intact(disk, kAcceptedEpochFile))) {
    accepted_epoch_ = record->epoch();
  }
  if (const auto* record = dynamic_cast<const EpochRecord*>(last_intact(disk, kCurrentEpochFile))) {
    current_epoch_ = record->epoch();
  }
  if (const auto* record = dynamic_cast<const SnapshotRecord*>(last_intact(disk, kSnapshotFile))) {
    snapshot_ = record->snapshot();
  }
  uint64_t torn = 0;
  auto it = disk.find(kLogFile);
  if (it != disk.end()) {
    for (const StoredRecord& stored : it->second) {
      const auto* record = dynamic_cast<const TxnRecord*>(stored.record.get());
      if (stored.torn || record == nullptr) {
        ++torn;  // only the tail can be torn: a crash interrupted the last append
        continue;
      }
      CONSIM_ASSERT(torn == 0);
      log_.push_back(record->txn());
    }
  }
  if (torn > 0) {
    StorageWrite cut;
    cut.kind = StorageWrite::Kind::kTruncateSuffix;
    cut.file = kLogFile;
    cut.count = log_.size();
    writes_.push_back(std::move(cut));
  }
  emit(Event("zab.start")
           .add("accepted_epoch", accepted_epoch_)
           .add("current_epoch", current_epoch_)
           .add("last_zxid", last_zxid())
           .add("last_chain", last_chain())
           .add("snapshot_zxid", snapshot_->zxid)
           .add("snapshot_chain", snapshot_->chain)
           .add("voters", node_list(config_.voters))
           .add("counter_bits", config_.counter_bits));
  durable_ = last_zxid();
  if (snapshot_->zxid > 0 || !log_.empty()) {
    reload_application(last_zxid());
  }
}

// ---------------------------------------------------------------------------------------------
// The log and the application

uint64_t ZabNode::last_zxid() const { return log_.empty() ? snapshot_->zxid : log_.back().zxid; }

uint64_t ZabNode::last_chain() const { return log_.empty() ? snapshot_->chain : log_.back().chain; }

const Txn* ZabNode::find(uint64_t zxid) const {
  auto it = std::lower_bound(log_.begin(), log_.end(), zxid, [](const Txn& txn, uint64_t z) { return txn.zxid < z; });
  return it != log_.end() && it->zxid == zxid ? &*it : nullptr;
}

uint64_t ZabNode::chain_at(uint64_t zxid) const {
  if (const Txn* txn = find(zxid)) {
    return txn->chain;
  }
  return zxid == snapshot_->zxid ? snapshot_->chain : 0;
}

void ZabNode::append_log(Txn txn) {
  txn.chain = chain_hash(last_chain(), txn.zxid, txn.command);
  const uint64_t zxid = txn.zxid;
  const uint64_t chain = txn.chain;
  const uint32_t bytes = txn.bytes();
  log_.push_back(txn);
  if (writes_.empty() || writes_.back().kind != StorageWrite::Kind::kAppend || writes_.back().file != kLogFile) {
    StorageWrite write;
    write.kind = StorageWrite::Kind::kAppend;
    write.file = kLogFile;
    writes_.push_back(std::move(write));
  }
  writes_.back().records.push_back(StoredRecord{std::make_shared<TxnRecord>(std::move(txn)), bytes, false});
  emit(Event("zab.log").add("zxid", zxid).add("chain", chain));
}

void ZabNode::truncate_log(uint64_t zxid) {
  auto keep = std::upper_bound(log_.begin(), log_.end(), zxid, [](uint64_t z, const Txn& txn) { return z < txn.zxid; });
  log_.erase(keep, log_.end());
  StorageWrite write;
  write.kind = StorageWrite::Kind::kTruncateSuffix;
  write.file = kLogFile;
  write.count = log_.size();
  writes_.push_back(std::move(write));
  committed_ = std::min(committed_, last_zxid());
  emit(Event("zab.truncate").add("zxid", zxid));
}

void ZabNode::install_snapshot(const SnapshotPtr& snapshot) {
  snapshot_ = snapshot;
  log_.clear();
  StorageWrite replace;
  replace.kind = StorageWrite::Kind::kReplace;
  replace.file = kSnapshotFile;
  replace.records.push_back(StoredRecord{std::make_shared<SnapshotRecord>(snapshot), 16 + snapshot->data_bytes, false});
  writes_.push_back(std::move(replace));
  StorageWrite cut;
  cut.kind = StorageWrite::Kind::kTruncateSuffix;
  cut.file = kLogFile;
  cut.count = 0;
  writes_.push_back(std::move(cut));
  emit(Event("zab.snap_install").add("zxid", snapshot->zxid).add("chain", snapshot->chain));
}

void ZabNode::write_accepted_epoch(uint64_t epoch) {
  accepted_epoch_ = epoch;
  StorageWrite write;
  write.kind = StorageWrite::Kind::kReplace;
  write.file = kAcceptedEpochFile;
  write.records.push_back(StoredRecord{std::make_shared<EpochRecord>(epoch), 8, false});
  writes_.push_back(std::move(write));
  emit(Event("zab.accepted_epoch").add("epoch", epoch));
}

void ZabNode::write_current_epoch(uint64_t epoch) {
  current_epoch_ = epoch;
  StorageWrite write;
  write.kind = StorageWrite::Kind::kReplace;
  write.file = kCurrentEpochFile;
  write.records.push_back(StoredRecord{std::make_shared<EpochRecord>(epoch), 8, false});
  writes_.push_back(std::move(write));
  emit(Event("zab.current_epoch").add("epoch", epoch));
}

void ZabNode::apply_to(uint64_t upto, bool answer) {
  auto it = std::upper_bound(log_.begin(), log_.end(), applied_zxid_,
                             [](uint64_t z, const Txn& txn) { return z < txn.zxid; });
  uint32_t count = 0;
  for (; it != log_.end() && it->zxid <= upto; ++it) {
    applied_chain_ = chain_hash(applied_chain_, it->zxid, it->command);
    applied_zxid_ = it->zxid;
    Committed entry;
    entry.index = LogIndex{it->zxid};
    entry.term = Term{layout_.epoch(it->zxid)};
    entry.command = it->command;
    // The request id always goes along (exactly-once application keys on it, so every replica
    // must see it); the origin only when the application may answer the client.
    entry.request = it->request;
    if (answer) {
      entry.origin = it->origin;
    }
    committed_entries_.push_back(std::move(entry));
    ++count;
  }
  if (count > 0) {
    emit(Event("zab.apply").add("zxid", applied_zxid_).add("chain", applied_chain_).add("count", count));
  }
}

void ZabNode::reload_application(uint64_t upto) {
  committed_entries_.clear();  // superseded: the tree is rebuilt from the snapshot
  restore_ = snapshot_->data;
  restore_zxid_ = snapshot_->zxid;
  restore_pending_ = true;
  applied_zxid_ = snapshot_->zxid;
  applied_chain_ = snapshot_->chain;
  emit(Event("zab.restore").add("zxid", applied_zxid_).add("chain", applied_chain_));
  apply_to(upto, false);
}

void ZabNode::commit_to(uint64_t zxid) {
  if (zxid <= committed_) {
    return;
  }
  if (find(zxid) == nullptr && zxid != snapshot_->zxid) {
    // A COMMIT for a transaction this node does not hold: it breaks the protocol (ZOOKEEPER-4394).
    emit(Event("zab.commit").add("zxid", zxid).add("chain", uint64_t{0}).add("held", false));
    return;
  }
  committed_ = zxid;
  emit(Event("zab.commit").add("zxid", zxid).add("chain", chain_at(zxid)).add("held", true));
  apply_to(committed_, true);
}

void ZabNode::compact(LogIndex applied, RecordPtr snapshot) {
  // Only state that is known committed goes into a snapshot: a TRUNC never has to cut into it.
  if (applied.value != applied_zxid_ || applied_zxid_ > committed_ || applied_zxid_ <= snapshot_->zxid) {
    return;
  }
  auto next = std::make_shared<Snapshot>();
  next->zxid = applied_zxid_;
  next->chain = applied_chain_;
  next->data_bytes = snapshot != nullptr ? snapshot->bytes() : 0;
  next->data = std::move(snapshot);
  snapshot_ = next;
  StorageWrite replace;
  replace.kind = StorageWrite::Kind::kReplace;
  replace.file = kSnapshotFile;
  replace.records.push_back(StoredRecord{std::make_shared<SnapshotRecord>(next), 16 + next->data_bytes, false});
  writes_.push_back(std::move(replace));
  // Like ZooKeeper's older log files, the log keeps the last commit_log_count transactions the
  // snapshot covers, so that a slightly lagging learner still gets a DIFF.
  const auto covered = static_cast<uint64_t>(
      std::upper_bound(log_.begin(), log_.end(), next->zxid, [](uint64_t z, const Txn& txn) { return z < txn.zxid; }) -
      log_.begin());
  const uint64_t drop = covered > config_.commit_log_count ? covered - config_.commit_log_count : 0;
  if (drop > 0) {
    log_.erase(log_.begin(), log_.begin() + static_cast<std::ptrdiff_t>(drop));
    StorageWrite cut;
    cut.kind = StorageWrite::Kind::kTruncatePrefix;
    cut.file = kLogFile;
    cut.count = drop;
    writes_.push_back(std::move(cut));
  }
  emit(Event("zab.snapshot")
           .add("zxid", next->zxid)
           .add("chain", next->chain)
           .add("log_first", log_.empty() ? uint64_t{0} : log_.front().zxid));
}

// ---------------------------------------------------------------------------------------------
// Plumbing

std::shared_ptr<ZabMessage> ZabNode::make(MessageType type, NodeId from) {
  auto message = std::make_shared<ZabMessage>();
  message->type = type;
  message->from = from;
  return message;
}

void ZabNode::send(NodeId to, std::shared_ptr<ZabMessage> message, Channel channel) {
  CONSIM_ASSERT(to != config_.id);
  const uint32_t bytes = message->bytes();
  messages_.push_back(Outgoing{to, std::move(message), bytes, channel});
}

void ZabNode::emit_state() {
  emit(Event("zab.state")
           .add("state", peer_state_name(state_))
           .add("phase", phase_name(phase_))
           .add("epoch", current_epoch_)
           .add("leader", node_name(leader_))
           .add("round", round_));
}

void ZabNode::reject(const ClientRequest& request, Rejection::Reason reason) {
  rejections_.push_back(Rejection{request.id, reason, leader_});
}

void ZabNode::go_looking(std::string_view reason) {
  if (state_ != PeerState::kLooking) {
    emit(Event("zab.step_down").add("reason", reason));
  }
  // No read is answered from here on: those not yet handed to the host are turned away, and the
  // host turns away those it holds, before the fast-forward below reaches the application.
  for (const ReadReady& read : reads_) {
    rejections_.push_back(Rejection{read.id, Rejection::Reason::kNotReady, NodeId{}});
  }
  reads_.clear();
  cancel_reads_ = true;
  // ZooKeeper's fastForwardDataBase: the tree catches up with the whole log, uncommitted tail
  // included, so that the vote and a later sync start from lastLoggedZxid.
  apply_to(last_zxid(), false);
  // Close the quorum connections, as ZooKeeper's shutdown does: the other end notices at once,
  // and nothing of this session arrives after it.
  if ((state_ == PeerState::kFollowing || state_ == PeerState::kObserving) && leader_.valid()) {
    disconnects_.push_back(leader_);
  }
  if (state_ == PeerState::kLeading) {
    for (const auto& [node, learner] : learners_) {
      disconnects_.push_back(node);
    }
  }
  learners_.clear();
  outstanding_.clear();
  syncs_.clear();
  sync_ = SyncState{};
  deferred_newleader_epoch_ = 0;
  established_ = false;
  epoch_quorum_ = false;
  new_epoch_ = 0;
  start_election();
}

void ZabNode::step(NodeId from, const Message& message) {
  const auto& zab = static_cast<const ZabMessage&>(message);
  if (zab.type == MessageType::kNotification) {
    handle_notification(from, zab);
    return;
  }
  switch (state_) {
    case PeerState::kLooking:
      return;  // no quorum connections while looking
    case PeerState::kLeading: {
      if (zab.type == MessageType::kFollowerInfo) {
        handle_follower_info(from, zab);
        return;
      }
      auto it = learners_.find(from);
      if (it == learners_.end()) {
        return;  // a learner this leader does not know (any more)
      }
      it->second.heard_tick = ticks_;
      switch (zab.type) {
        case MessageType::kAckEpoch:
          handle_ack_epoch(from, zab);
          return;
        case MessageType::kAck:
          handle_ack(from, zab);
          return;
        case MessageType::kRequest:
          if (zab.request.has_value()) {
            handle_request(from, *zab.request);
          }
          return;
        case MessageType::kPing:
          return;
        default:
          emit(Event("zab.error").add("what", "leader got " + std::string(zab.kind())).add("from", from));
          return;
      }
    }
    case PeerState::kFollowing:
    case PeerState::kObserving: {
      if (from != leader_ || zab.type == MessageType::kFollowerInfo) {
        return;  // only the leader's packets; its FOLLOWERINFO means it follows someone else
      }
      silent_ticks_ = 0;
      switch (zab.type) {
        case MessageType::kLeaderInfo:
          handle_leader_info(zab);
          return;
        case MessageType::kDiff:
        case MessageType::kTrunc:
        case MessageType::kSnap:
          handle_sync_start(zab);
          return;
        case MessageType::kProposal:
          handle_proposal(zab);
          return;
        case MessageType::kCommit:
          handle_commit(zab);
          return;
        case MessageType::kInform:
          handle_inform(zab);
          return;
        case MessageType::kNewLeader:
          handle_newleader(zab);
          return;
        case MessageType::kUpToDate:
          handle_uptodate(zab);
          return;
        case MessageType::kSync:
          handle_sync_answer(zab);
          return;
        case MessageType::kPing:
          send(leader_, make(MessageType::kPing, config_.id));
          return;
        default:
          emit(Event("zab.error").add("what", "learner got " + std::string(zab.kind())).add("from", from));
          return;
      }
    }
  }
}

void ZabNode::tick() {
  ++ticks_;
  switch (state_) {
    case PeerState::kLooking:
      tick_election();
      return;
    case PeerState::kLeading:
      tick_leader();
      return;
    case PeerState::kFollowing:
    case PeerState::kObserving:
      tick_learner();
      return;
  }
}

void ZabNode::request(const ClientRequest& request) {
  const bool write = request.kind == ClientRequest::Kind::kWrite || request.read_mode == ReadMode::kLog;
  if (write) {
    if (state_ == PeerState::kLeading && established_) {
      propose(request, config_.id);
    } else if (state_ != PeerState::kLeading && state_ != PeerState::kLooking && serving_) {
      auto forward = make(MessageType::kRequest, config_.id);
      forward->request = request;
      send(leader_, std::move(forward));
    } else {
      reject(request, state_ == PeerState::kLooking ? Rejection::Reason::kNotReady : Rejection::Reason::kNotLeader);
    }
    return;
  }
  if (!serving_) {
    reject(request, Rejection::Reason::kNotReady);
    return;
  }
  if (request.read_mode == ReadMode::kLocal) {
    reads_.push_back(ReadReady{request.id, LogIndex{}});  // ZooKeeper's local read: may be stale
    return;
  }
  // sync, then read (the other linearizable modes of Raft map to it).
  if (state_ == PeerState::kLeading) {
    handle_request(config_.id, request);
    return;
  }
  auto forward = make(MessageType::kRequest, config_.id);
  forward->request = request;
  send(leader_, std::move(forward));
}

void ZabNode::peer_unreachable(NodeId peer) {
  if ((state_ == PeerState::kFollowing || state_ == PeerState::kObserving) && peer == leader_) {
    go_looking("connection to the leader lost");
    return;
  }
  if (state_ == PeerState::kLeading) {
    learners_.erase(peer);  // its LearnerHandler dies with the connection
  }
}

bool ZabNode::has_ready() const {
  return !writes_.empty() || !events_.empty() || !messages_.empty() || !disconnects_.empty() || cancel_reads_ ||
         restore_pending_ || !committed_entries_.empty() || !reads_.empty() || !rejections_.empty();
}

Ready ZabNode::ready() {
  Ready ready;
  ready.writes = std::move(writes_);
  ready.must_sync = !ready.writes.empty();
  ready.events = std::move(events_);
  ready.messages = std::move(messages_);
  ready.disconnects = std::move(disconnects_);
  ready.cancel_waiting_reads = cancel_reads_;
  cancel_reads_ = false;
  if (restore_pending_) {
    ready.restore = restore_;
    ready.restore_index = LogIndex{restore_zxid_};
    ready.restore_empty = restore_ == nullptr && restore_zxid_ == 0;
    restore_ = nullptr;
    restore_pending_ = false;
  }
  ready.committed = std::move(committed_entries_);
  ready.reads = std::move(reads_);
  ready.rejections = std::move(rejections_);
  writes_.clear();
  events_.clear();
  messages_.clear();
  disconnects_.clear();
  committed_entries_.clear();
  reads_.clear();
  rejections_.clear();
  writing_upto_ = last_zxid();
  deferred_in_flight_ = deferred_newleader_epoch_ != 0;
  return ready;
}

void ZabNode::advance() {
  durable_ = std::max(durable_, writing_upto_);
  if (deferred_newleader_epoch_ != 0 && deferred_in_flight_) {
    finish_newleader();
  }
  if (state_ == PeerState::kLeading && established_) {
    try_commit();
  }
}

NodeStatus ZabNode::status() const {
  NodeStatus status;
  status.id = config_.id;
  status.role = std::string(peer_state_name(state_));
  status.leader = leader_;
  status.term = current_epoch_;
  status.commit = LogIndex{committed_};
  status.applied = LogIndex{applied_zxid_};
  status.last = LogIndex{last_zxid()};
  return status;
}

}  // namespace consim::protocols::zab
