#include "protocols/raft/raft_node.h"

#include <algorithm>
#include <typeinfo>
#include <utility>

#include "base/assert.h"
#include "base/pool.h"
#include "protocols/raft/quorum.h"
#include "protocols/raft/storage.h"

namespace consim::protocols::raft {

std::string_view role_name(Role role) {
  switch (role) {
    case Role::kFollower:
      return "follower";
    case Role::kPreCandidate:
      return "pre_candidate";
    case Role::kCandidate:
      return "candidate";
    case Role::kLeader:
      return "leader";
  }
  return "unknown";
}

RaftNode::RaftNode(const RaftConfig& config, const Recovered& disk, RandomSource& random)
    : config_(config), random_(random) {
  CONSIM_ASSERT_MSG(config_.validate().empty(), config_.validate());
  recover(disk);
}

void RaftNode::recover(const Recovered& disk) {
  RecoveredState state = read_disk(disk);
  SnapshotMeta base{LogIndex{}, Term{}, 0, config_.bootstrap};
  if (state.snapshot != nullptr) {
    base = state.snapshot->meta;
    snapshot_ = state.snapshot;
    restore_ = state.snapshot->data != nullptr ? state.snapshot : nullptr;
  }
  disk_log_first_ = state.entries.empty() ? base.index.next() : state.entries.front().index;
  disk_log_last_ = LogIndex{disk_log_first_.value + state.entries.size() - 1};
  disk_log_torn_ = state.torn_records > 0;
  // Entries the snapshot already covers can only be left over from before a compaction whose
  // prefix cut was written in the same batch; they agree with the snapshot and are dropped.
  std::vector<Entry> entries;
  for (Entry& entry : state.entries) {
    if (entry.index > base.index) {
      entries.push_back(std::move(entry));
    }
  }
  CONSIM_ASSERT(entries.empty() || entries.front().index == base.index.next());
  LogIndex commit;
  if (state.hard_state.has_value()) {
    term_ = state.hard_state->term;
    vote_ = state.hard_state->vote;
    commit = state.hard_state->commit;
  }
  log_.recover(base, std::move(entries), commit);
  disk_term_ = term_;
  disk_vote_ = vote_;
  disk_commit_ = commit;
  cluster_ = base.config;
  const bool recovered = state.hard_state.has_value() || state.snapshot != nullptr || !state.entries.empty();
  // A restarted node forgot when it last heard from a leader. Had it acknowledged a heartbeat
  // just before crashing, the leader counts it towards a lease during which it must not help
  // elect anyone else: so it withholds votes for one election timeout, as if it had just heard
  // from a leader. (A node that never wrote anything never acknowledged a heartbeat.)
  restart_lease_ticks_ = recovered && config_.check_quorum ? config_.election_ticks : 0;
  emit(Event("raft.start")
           .add("recovered", recovered)
           .add("term", term_)
           .add("vote", static_cast<int64_t>(vote_.value))
           .add("commit", log_.committed())
           .add("last_index", log_.last_index())
           .add("last_term", log_.last_term())
           .add("last_hash", log_.last_hash())
           .add("snapshot_index", log_.snapshot().index)
           .add("snapshot_hash", log_.snapshot().hash)
           .add("torn_records", state.torn_records));
  emit(Event("raft.config")
           .add("voters", cluster_.describe())
           .add("joint", cluster_.joint())
           .add("index", log_.snapshot().index));
  become_follower(term_, NodeId{});
}

// ---------------------------------------------------------------------------------------------
// Roles

void RaftNode::reset(Term term) {
  if (term_ != term) {
    CONSIM_ASSERT(term > term_);
    term_ = term;
    vote_ = NodeId{};
  }
  leader_ = NodeId{};
  election_elapsed_ = 0;
  heartbeat_elapsed_ = 0;
  reset_randomized_timeout();
  votes_.clear();
  transferee_ = NodeId{};
  timeout_now_sent_ = false;
  lease_acks_.clear();
  progress_.clear();
  for (const auto& [request, origin] : reads_waiting_for_commit_) {
    if (origin == config_.id) {
      reject_id(request.id, Rejection::Reason::kNotLeader);
    }
  }
  reads_waiting_for_commit_.clear();
  for (const auto& [context, read] : reads_in_flight_) {
    if (read.origin == config_.id) {
      reject_id(read.request.id, Rejection::Reason::kNotLeader);
    }
  }
  reads_in_flight_.clear();
}

void RaftNode::become_follower(Term term, NodeId leader) {
  reset(term);
  role_ = Role::kFollower;
  leader_ = leader;
  emit_state();
}

void RaftNode::become_pre_candidate() {
  CONSIM_ASSERT(role_ != Role::kLeader);
  // Thesis §9.6: a pre-candidate changes neither its term nor its vote.
  votes_.clear();
  leader_ = NodeId{};
  role_ = Role::kPreCandidate;
  emit_state();
}

void RaftNode::become_candidate() {
  CONSIM_ASSERT(role_ != Role::kLeader);
  reset(Term{term_.value + 1});
  vote_ = config_.id;
  role_ = Role::kCandidate;
  emit_state();
  emit(Event("raft.vote").add("term", term_).add("candidate", config_.id));
}

void RaftNode::become_leader() {
  CONSIM_ASSERT(role_ == Role::kCandidate);
  reset(term_);
  role_ = Role::kLeader;
  leader_ = config_.id;
  update_progress_set();
  emit_state();
  // Raft §8: a no-op entry of the new term lets the leader commit what its predecessors left.
  propose_entry(EntryType::kNoop, nullptr, RequestId{}, config_.id);
  // No configuration change until an entry of this term has been applied (the 2015 fix to
  // single-server changes). The pending index is the no-op's own index: taking the last index
  // from before the no-op (as etcd does) lets a change through as soon as the predecessors'
  // entries are applied, before the no-op commits, which the contract of propose_conf_change()
  // forbids.
  pending_conf_index_ = config_.bugs.conf_change_before_noop ? LogIndex{} : log_.last_index();
}

void RaftNode::emit_state() {
  emit(Event("raft.state")
           .add("role", role_name(role_))
           .add("term", term_)
           .add("leader", static_cast<int64_t>(leader_.value))
           .add("last_index", log_.last_index()));
}

void RaftNode::reset_randomized_timeout() {
  randomized_timeout_ = config_.election_ticks + static_cast<uint32_t>(random_.uniform(config_.election_ticks));
}

bool RaftNode::promotable() const { return cluster_.is_voter(config_.id); }

const Progress* RaftNode::progress(NodeId peer) const {
  auto it = progress_.find(peer);
  return it == progress_.end() ? nullptr : &it->second;
}

// ---------------------------------------------------------------------------------------------
// Plumbing

void RaftNode::send(RaftMessage message) { send(make_pooled<RaftMessage>(std::move(message))); }

std::shared_ptr<RaftMessage> RaftNode::make_message(MessageType type, NodeId to) {
  auto message = make_pooled<RaftMessage>();
  message->type = type;
  message->to = to;
  return message;
}

void RaftNode::send(std::shared_ptr<RaftMessage> message) {
  message->from = config_.id;
  // Forwarded requests carry no term (etcd): they are not part of the term protocol.
  if (message->type != MessageType::kPropose && message->type != MessageType::kReadIndex &&
      message->type != MessageType::kTransferLeader && message->term == Term{}) {
    message->term = term_;
  }
  const NodeId to = message->to;
  CONSIM_ASSERT(to.valid());
  CONSIM_ASSERT(to != config_.id);
  const uint32_t bytes = message->bytes();
  messages_.push_back(Outgoing{to, std::move(message), bytes, Channel::kDatagram});
}

void RaftNode::trace_log_changes() {
  log_.take_changes(changes_);
  for (const LogChange& change : changes_) {
    if (change.kind == LogChange::Kind::kAppend) {
      emit(Event("raft.append")
               .add("index", change.index)
               .add("term", change.term)
               .add("hash", change.hash)
               .add("type", entry_type_name(change.type)));
    } else {
      CONSIM_ASSERT(role_ != Role::kLeader);  // Leader Append-Only (Raft Figure 3)
      emit(Event("raft.truncate").add("after", change.index));
    }
  }
}

void RaftNode::reject(const ClientRequest& request, Rejection::Reason reason) { reject_id(request.id, reason); }

void RaftNode::reject_id(RequestId id, Rejection::Reason reason) {
  rejections_.push_back(Rejection{id, reason, leader_});
}

// ---------------------------------------------------------------------------------------------
// Inputs

void RaftNode::tick() {
  ++ticks_;
  if (restart_lease_ticks_ > 0) {
    --restart_lease_ticks_;
  }
  if (role_ == Role::kLeader) {
    tick_heartbeat();
  } else {
    tick_election();
  }
}

void RaftNode::request(const ClientRequest& request) {
  if (request.kind == ClientRequest::Kind::kRead) {
    read(request, config_.id);
  } else {
    propose(request, config_.id);
  }
  drain_log_changes();
}

void RaftNode::step(NodeId from, const Message& message) {
  // RaftMessage is final: comparing the dynamic type is exact and far cheaper than a dynamic_cast.
  const auto* raft_message =
      typeid(message) == typeid(RaftMessage) ? static_cast<const RaftMessage*>(&message) : nullptr;
  if (raft_message == nullptr || raft_message->from != from || raft_message->to != config_.id) {
    emit(Event("raft.ignored").add("from", from).add("reason", "malformed"));
    return;
  }
  if (step_term(*raft_message)) {
    switch (raft_message->type) {
      case MessageType::kPreVote:
      case MessageType::kVote:
        handle_vote_request(*raft_message);
        break;
      default:
        switch (role_) {
          case Role::kLeader:
            step_leader(*raft_message);
            break;
          case Role::kCandidate:
          case Role::kPreCandidate:
            step_candidate(*raft_message);
            break;
          case Role::kFollower:
            step_follower(*raft_message);
            break;
        }
    }
  }
  drain_log_changes();
}

void RaftNode::compact(LogIndex applied, RecordPtr snapshot) {
  CONSIM_ASSERT_MSG(!ready_in_flight_, "compact between advance() and the next ready()");
  if (applied <= log_.snapshot().index) {
    return;
  }
  CONSIM_ASSERT(applied == log_.applied());
  log_.compact(applied, cluster_);
  auto taken = std::make_shared<Snapshot>();
  taken->meta = log_.snapshot();
  taken->data_bytes = snapshot != nullptr ? snapshot->bytes() : 0;
  taken->data = std::move(snapshot);
  snapshot_ = std::move(taken);
  snapshot_dirty_ = true;
  emit(Event("raft.compact").add("index", applied).add("term", log_.snapshot().term).add("hash", log_.snapshot().hash));
}

void RaftNode::peer_unreachable(NodeId peer) {
  auto it = progress_.find(peer);
  if (role_ == Role::kLeader && it != progress_.end() && it->second.state() == Progress::State::kReplicate) {
    it->second.become_probe();
  }
}

void RaftNode::campaign() {
  if (role_ != Role::kLeader && promotable()) {
    start_election(config_.pre_vote, false);
    drain_log_changes();
  }
}

void RaftNode::transfer_leadership(NodeId transferee) {
  if (role_ == Role::kLeader) {
    handle_transfer_leader(transferee);
  } else if (leader_.valid()) {
    RaftMessage message;
    message.type = MessageType::kTransferLeader;
    message.to = leader_;
    message.index = LogIndex{transferee.value};
    send(std::move(message));
  }
  drain_log_changes();
}

// ---------------------------------------------------------------------------------------------
// Ready

bool RaftNode::has_ready() const {
  if (ready_in_flight_) {
    return false;
  }
  return broadcast_pending_ || !messages_.empty() || has_more_than_messages();
}

bool RaftNode::has_more_than_messages() const {
  return !events_.empty() || !immediate_events_.empty() || !reads_.empty() || !rejections_.empty() || snapshot_dirty_ ||
         restore_ != nullptr || disk_log_torn_ || log_.dirty_from() <= log_.last_index() ||
         log_.dirty_from() <= disk_log_last_ || term_ != disk_term_ || vote_ != disk_vote_ ||
         log_.committed() != disk_commit_ || log_.has_committed_to_apply();
}

Ready RaftNode::ready() {
  CONSIM_ASSERT_MSG(!ready_in_flight_, "ready() before advance()");
  // Immediate events that no host took go out with the batch.
  for (Event& event : immediate_events_) {
    events_.push_back(std::move(event));
  }
  immediate_events_.clear();
  drain_log_changes();
  if (broadcast_pending_) {
    broadcast_pending_ = false;
    broadcast_append();
    drain_log_changes();
  }
  std::vector<StorageWrite> writes = std::move(spare_writes_);
  bool durable_change = write_log(writes);
  durable_change = write_hard_state(writes, durable_change);
  vote_unpersisted_ = false;
  if (!writes.empty()) {
    emit(Event("raft.persist")
             .add("term", disk_term_)
             .add("vote", static_cast<int64_t>(disk_vote_.value))
             .add("commit", disk_commit_)
             .add("last_index", log_.last_index())
             .add("last_hash", log_.last_hash()));
  }
  RecordPtr restore;
  LogIndex restore_index;
  if (restore_ != nullptr) {
    restore = restore_->data;
    restore_index = restore_->meta.index;
    restore_ = nullptr;
  }
  std::vector<Committed> committed = std::move(spare_committed_);
  hand_out_committed(committed);
  ready_in_flight_ = true;
  // Built once, from the batch's parts (nothing is zeroed and then overwritten). Moved from, the
  // members' vectors are left empty, as the next batch needs them. Entries, term, vote and
  // snapshots must be durable before anything that depends on them leaves; a commit index alone
  // need not be (it is re-learned after a crash), as in etcd, unless it covers a configuration
  // change (write_hard_state()).
  return Ready{.writes = std::move(writes),
               .must_sync = durable_change,
               .events = std::move(events_),
               .messages = std::move(messages_),
               .disconnects = {},
               .restore = std::move(restore),
               .restore_index = restore_index,
               .restore_empty = false,
               .cancel_waiting_reads = false,
               .committed = std::move(committed),
               .reads = std::move(reads_),
               .rejections = std::move(rejections_)};
}

bool RaftNode::write_log(std::vector<StorageWrite>& writes) {
  bool durable_change = false;
  using Kind = StorageWrite::Kind;
  if (disk_log_torn_) {
    const uint64_t intact = disk_log_last_.value + 1 - disk_log_first_.value;
    writes.push_back(StorageWrite{Kind::kTruncateSuffix, kLogFile, {}, intact});
    disk_log_torn_ = false;
    durable_change = true;
  }
  if (snapshot_dirty_) {
    durable_change = true;
    writes.push_back(
        StorageWrite{Kind::kReplace, kSnapshotFile, {store(std::make_shared<SnapshotRecord>(snapshot_))}, 0});
    const LogIndex covered = snapshot_->meta.index;
    if (covered >= disk_log_last_) {
      writes.push_back(StorageWrite{Kind::kRemove, kLogFile, {}, 0});
      disk_log_first_ = covered.next();
      disk_log_last_ = covered;
    } else if (covered >= disk_log_first_) {
      writes.push_back(StorageWrite{Kind::kTruncatePrefix, kLogFile, {}, covered.value - disk_log_first_.value + 1});
      disk_log_first_ = covered.next();
    }
    snapshot_dirty_ = false;
  }
  const LogIndex dirty = log_.dirty_from();
  if (dirty <= disk_log_last_) {
    CONSIM_ASSERT(dirty >= disk_log_first_);
    writes.push_back(StorageWrite{Kind::kTruncateSuffix, kLogFile, {}, dirty.value - disk_log_first_.value});
    disk_log_last_ = dirty.prev();
    durable_change = true;
  }
  if (log_.last_index() > disk_log_last_) {
    // Filled where it stays (as the hard state is): moving a write just filled would read back at
    // once what was just written (see Event::add).
    StorageWrite& append = add_write(writes, Kind::kAppend, kLogFile);
    for (LogIndex i = disk_log_last_.next(); i <= log_.last_index(); i = i.next()) {
      append.records.push_back(store(make_pooled<EntryRecord>(log_.at(i))));
    }
    disk_log_last_ = log_.last_index();
    durable_change = true;
  }
  log_.mark_written();
  return durable_change;
}

bool RaftNode::write_hard_state(std::vector<StorageWrite>& writes, bool durable_change) {
  if (term_ == disk_term_ && vote_ == disk_vote_ && log_.committed() == disk_commit_) {
    return durable_change;
  }
  const NodeId vote = vote_unpersisted_ ? (term_ == disk_term_ ? disk_vote_ : NodeId{}) : vote_;
  const HardState state{term_, vote, log_.committed()};
  durable_change = durable_change || term_ != disk_term_ || vote != disk_vote_;
  // The configuration in effect after a restart is rebuilt from the log up to the recovered
  // commit index. A commit index covering a configuration change must not be lost, or the node
  // would come back with an older configuration than one it already acted in (it may then be
  // two changes behind, with a quorum that does not overlap the newest one's).
  for (LogIndex i = std::max(disk_commit_.next(), log_.first_index()); !durable_change && i <= log_.committed();
       i = i.next()) {
    durable_change = log_.at(i).type == EntryType::kConfChange;
  }
  add_write(writes, StorageWrite::Kind::kReplace, kHardStateFile)
      .records.push_back(store(make_pooled<HardStateRecord>(state)));
  disk_term_ = term_;
  disk_vote_ = vote;
  disk_commit_ = log_.committed();
  return durable_change;
}

void RaftNode::hand_out_committed(std::vector<Committed>& committed) {
  log_.take_committed(handed_out_);
  if (handed_out_.empty()) {
    return;
  }
  emit(Event("raft.apply")
           .add("first", handed_out_.front().index)
           .add("last", handed_out_.back().index)
           .add("last_term", handed_out_.back().term)
           .add("last_hash", handed_out_.back().hash));
  for (const Entry& entry : handed_out_) {
    const bool for_application = entry.type == EntryType::kNormal || entry.type == EntryType::kRead;
    committed.push_back(
        Committed{entry.index, entry.term, for_application ? entry.command : nullptr, entry.request, entry.origin});
  }
}

// What ready() does when it finds nothing but messages: the log is marked written and the vote
// settled as there (both already so, as nothing is to be written), and no event is traced.
bool RaftNode::take_messages_only(std::vector<Outgoing>& out) {
  CONSIM_ASSERT(out.empty());
  if (ready_in_flight_ || messages_.empty() || broadcast_pending_ || log_.has_changes() ||
      log_.last_index() > disk_log_last_ || has_more_than_messages()) {
    return false;
  }
  log_.mark_written();
  vote_unpersisted_ = false;
  ready_in_flight_ = true;
  out.swap(messages_);
  return true;
}

void RaftNode::recycle(Ready&& done) {
  // Buffers only: what the batch held is dropped. Members that filled up again meanwhile keep
  // their own buffers.
  // The record lists of the writes go back to spare_records_ (the writes themselves are cheap).
  for (StorageWrite& write : done.writes) {
    if (write.records.capacity() != 0 && spare_records_.size() < kSpareRecordsMax) {
      write.records.clear();
      spare_records_.push_back(std::move(write.records));
    }
  }
  auto reuse = [](auto& member, auto& buffer) {
    if (member.empty() && member.capacity() < buffer.capacity()) {
      buffer.clear();
      member.swap(buffer);
    }
  };
  reuse(spare_writes_, done.writes);
  reuse(spare_committed_, done.committed);
  reuse(events_, done.events);
  reuse(messages_, done.messages);
  reuse(reads_, done.reads);
  reuse(rejections_, done.rejections);
}

StorageWrite& RaftNode::add_write(std::vector<StorageWrite>& writes, StorageWrite::Kind kind, const char* file) {
  StorageWrite& write = writes.emplace_back();
  write.kind = kind;
  write.file = file;
  if (!spare_records_.empty()) {
    write.records.swap(spare_records_.back());
    spare_records_.pop_back();
  }
  return write;
}

void RaftNode::advance() {
  CONSIM_ASSERT_MSG(ready_in_flight_, "advance() without ready()");
  ready_in_flight_ = false;
  // The entries move to a second buffer, so that handed_out_ is empty while they are applied;
  // the two swap buffers and keep their capacity.
  std::vector<Entry>& applied = applying_;
  applied.swap(handed_out_);
  handed_out_.clear();
  // A snapshot installed while this Ready was executed (inputs may be stepped meanwhile)
  // already carries the configuration of everything it covers: replaying older changes on top
  // of it would corrupt it.
  std::erase_if(applied, [this](const Entry& entry) { return entry.index <= log_.snapshot().index; });
  apply_conf_changes(applied);
  applied.clear();
  if (role_ == Role::kLeader) {
    maybe_leave_joint();
  }
  drain_log_changes();
}

NodeStatus RaftNode::status() const {
  NodeStatus status;
  status.id = config_.id;
  status.role = role_ == Role::kFollower && cluster_.is_learner(config_.id) ? "learner" : std::string(role_name(role_));
  status.leader = leader_;
  status.term = term_.value;
  status.commit = log_.committed();
  status.applied = log_.applied();
  status.last = log_.last_index();
  return status;
}

}  // namespace consim::protocols::raft
