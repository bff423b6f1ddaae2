// Log replication and commitment (Raft §5.3, §5.4.2; etcd's progress tracking).
#include <algorithm>
#include <iterator>

#include "base/assert.h"
#include "protocols/raft/quorum.h"
#include "protocols/raft/raft_node.h"

namespace consim::protocols::raft {

// ---------------------------------------------------------------------------------------------
// Per-role dispatch

void RaftNode::step_leader(const RaftMessage& message) {
  switch (message.type) {
    case MessageType::kAppendResponse:
      handle_append_response(message);
      return;
    case MessageType::kHeartbeatResponse:
      handle_heartbeat_response(message);
      return;
    case MessageType::kPropose:
      if (message.conf_change.has_value() && message.request.has_value()) {
        handle_conf_change(message.request->id, *message.conf_change, message.from);
      } else if (message.request.has_value()) {
        propose(*message.request, message.from);
      }
      return;
    case MessageType::kReadIndex:
      if (message.request.has_value()) {
        read(*message.request, message.from);
      }
      return;
    case MessageType::kTransferLeader:
      handle_transfer_leader(NodeId{static_cast<uint32_t>(message.index.value)});
      return;
    default:
      return;  // vote responses after winning, a rival's heartbeat of our own term cannot exist
  }
}

void RaftNode::step_candidate(const RaftMessage& message) {
  switch (message.type) {
    case MessageType::kAppend:
    case MessageType::kHeartbeat:
    case MessageType::kSnapshot:
      // A leader of our term exists (§5.2): give up and follow it.
      become_follower(message.term, message.from);
      step_follower(message);
      return;
    case MessageType::kPreVoteResponse:
    case MessageType::kVoteResponse:
      handle_vote_response(message);
      return;
    default:
      return;  // proposals and reads forwarded to a candidate are dropped; the client retries
  }
}

void RaftNode::step_follower(const RaftMessage& message) {
  switch (message.type) {
    case MessageType::kAppend:
      handle_append(message);
      return;
    case MessageType::kHeartbeat:
      handle_heartbeat(message);
      return;
    case MessageType::kSnapshot:
      handle_snapshot(message);
      return;
    case MessageType::kTimeoutNow:
      handle_timeout_now(message);
      return;
    case MessageType::kReadIndexResponse:
      handle_read_index_response(message);
      return;
    case MessageType::kPropose:
    case MessageType::kReadIndex:
    case MessageType::kTransferLeader:
      // Forwarded to us by a node that thinks we lead: we cannot serve it. Dropped, as etcd
      // does; the origin's client times out and retries.
      emit(Event("raft.dropped").add("from", message.from).add("msg", message_type_name(message.type)));
      return;
    default:
      return;
  }
}

// ---------------------------------------------------------------------------------------------
// Leader side

void RaftNode::propose(const ClientRequest& request, NodeId origin) {
  if (role_ != Role::kLeader) {
    if (role_ == Role::kFollower && leader_.valid() && config_.forward_proposals) {
      RaftMessage message;
      message.type = MessageType::kPropose;
      message.to = leader_;
      message.request = request;
      send(std::move(message));
    } else if (origin == config_.id) {
      reject(request, Rejection::Reason::kNotLeader);
    }
    return;
  }
  if (transferee_.valid()) {
    if (origin == config_.id) {
      reject(request, Rejection::Reason::kTransferring);
    }
    return;
  }
  if (config_.max_uncommitted_bytes > 0 &&
      log_.uncommitted_bytes(log_.committed().next()) > config_.max_uncommitted_bytes) {
    if (origin == config_.id) {
      reject(request, Rejection::Reason::kDropped);
    }
    return;
  }
  const EntryType type = request.kind == ClientRequest::Kind::kRead ? EntryType::kRead : EntryType::kNormal;
  propose_entry(type, request.command, request.id, origin);
}

void RaftNode::propose_entry(EntryType type, RecordPtr command, RequestId request, NodeId origin) {
  CONSIM_ASSERT(role_ == Role::kLeader);
  Entry entry;
  entry.term = term_;
  entry.type = type;
  entry.command = std::move(command);
  entry.request = request;
  entry.origin = origin;
  std::vector<Entry> entries;
  entries.push_back(std::move(entry));
  append_entries(std::move(entries));
  // Sent with the next Ready: proposals that arrive while the host is still syncing the last
  // one go out together, one message per follower (group commit).
  broadcast_pending_ = true;
}

bool RaftNode::append_entries(std::vector<Entry> entries) {
  const LogIndex last = log_.append(std::move(entries));
  auto self = progress_.find(config_.id);
  if (self != progress_.end()) {
    self->second.maybe_update(last);
  }
  // A single-voter cluster commits at once.
  return maybe_commit();
}

void RaftNode::broadcast_append() {
  for (const auto& [peer, progress] : progress_) {
    if (peer != config_.id) {
      send_append(peer, true);
    }
  }
}

bool RaftNode::send_append(NodeId to, bool send_if_empty) {
  auto it = progress_.find(to);
  CONSIM_ASSERT(it != progress_.end());
  Progress& progress = it->second;
  if (progress.paused()) {
    return false;
  }
  const LogIndex prev = progress.next().prev();
  const std::optional<Term> prev_term = log_.term(prev);
  if (!prev_term.has_value()) {
    // What the follower needs next was compacted away: send the snapshot (Raft §7).
    CONSIM_ASSERT(snapshot_ != nullptr);
    RaftMessage message;
    message.type = MessageType::kSnapshot;
    message.to = to;
    message.snapshot = snapshot_;
    send(std::move(message));
    progress.become_snapshot(snapshot_->meta.index);
    progress.snapshot_sent_tick = ticks_;
    emit(Event("raft.send_snapshot").add("to", to).add("index", snapshot_->meta.index));
    return true;
  }
  std::vector<Entry> entries = log_.slice(progress.next(), config_.max_entries_per_message);
  if (entries.empty() && !send_if_empty) {
    return false;
  }
  const LogIndex last = entries.empty() ? prev : entries.back().index;
  const bool carried = !entries.empty();
  auto message = make_message(MessageType::kAppend, to);
  message->index = prev;
  message->log_term = *prev_term;
  message->entries = std::move(entries);
  message->commit = log_.committed();
  send(std::move(message));
  progress.sent(last, carried);
  return true;
}

void RaftNode::send_heartbeat(NodeId to, uint64_t context) {
  const Progress& progress = progress_.at(to);
  auto message = make_message(MessageType::kHeartbeat, to);
  // Never tell a follower to commit beyond what it is known to hold (etcd; B06).
  message->commit = std::min(progress.match(), log_.committed());
  message->context = context;
  message->sent_tick = ticks_;
  send(std::move(message));
}

void RaftNode::broadcast_heartbeat(uint64_t context) {
  for (const auto& [peer, progress] : progress_) {
    if (peer != config_.id) {
      send_heartbeat(peer, context);
    }
  }
}

void RaftNode::handle_append_response(const RaftMessage& message) {
  auto it = progress_.find(message.from);
  if (it == progress_.end()) {
    return;
  }
  Progress& progress = it->second;
  progress.recent_active = true;
  if (!message.reject && message.index > log_.last_index()) {
    // No follower can hold more of this term's log than we do, nor have committed more than
    // we hold (Leader Completeness). Only a safety violation elsewhere can produce such an ack:
    // record it and ignore it, rather than let it push `next` past our log (where the next
    // append would find neither an entry nor a snapshot to send).
    emit(Event("raft.ignored").add("from", message.from).add("reason", "ack beyond the last index"));
    return;
  }
  if (message.reject) {
    // Fast backtracking (etcd): the follower's hint (index, term) says its log may match up to
    // `index` and holds `term` there; our last index with a term no later than that one is the
    // next place where the logs can match, skipping every entry of a term the follower lacks.
    // (Without this the leader backed off one index per round trip, whatever the comment said.)
    LogIndex hint = message.reject_hint;
    if (message.hint_term != Term{}) {
      hint = log_.find_conflict_by_term(message.reject_hint, message.hint_term);
    }
    if (progress.maybe_decrease_to(message.index, hint)) {
      // Jump to the last index of the hinted term in our log.
      if (progress.state() == Progress::State::kReplicate) {
        progress.become_probe();
      }
      emit(Event("raft.backtrack").add("peer", message.from).add("next", progress.next()));
      send_append(message.from, true);
    }
    return;
  }
  const bool was_paused = progress.paused();
  if (!progress.maybe_update(message.index)) {
    return;
  }
  switch (progress.state()) {
    case Progress::State::kProbe:
      progress.become_replicate();
      break;
    case Progress::State::kSnapshot:
      if (progress.match() >= progress.pending_snapshot()) {
        progress.become_probe();
        progress.become_replicate();
      }
      break;
    case Progress::State::kReplicate:
      break;
  }
  if (maybe_commit()) {
    broadcast_append();
  } else if (was_paused) {
    send_append(message.from, true);
  }
  // Stream whatever else the follower is missing, up to the inflight window.
  while (send_append(message.from, false)) {
  }
  if (message.from == transferee_ && progress.match() == log_.last_index()) {
    send_timeout_now(transferee_);
  }
}

void RaftNode::handle_heartbeat_response(const RaftMessage& message) {
  auto it = progress_.find(message.from);
  if (it == progress_.end()) {
    return;
  }
  Progress& progress = it->second;
  progress.recent_active = true;
  progress.heartbeat_answered();
  uint64_t& acked = lease_acks_[message.from];
  acked = std::max(acked, message.sent_tick);
  if (progress.match() < log_.last_index()) {
    send_append(message.from, true);
  }
  if (message.context != 0) {
    handle_read_acks(message.from, message.context);
  }
}

bool RaftNode::maybe_commit() {
  // Voters are asked for in ascending order (configurations keep them sorted), as progress_ holds
  // them: a cursor walks the map instead of a lookup per voter. It starts over when asked for a
  // smaller node (the outgoing half of a joint configuration), so any order gives the right match.
  auto cursor = progress_.begin();
  const LogIndex candidate = committed_index_by(cluster_, [this, &cursor](NodeId peer) {
    if (cursor != progress_.begin() && std::prev(cursor)->first >= peer) {
      cursor = progress_.begin();
    }
    while (cursor != progress_.end() && cursor->first < peer) {
      ++cursor;
    }
    return cursor != progress_.end() && cursor->first == peer ? cursor->second.match() : LogIndex{};
  });
  if (candidate <= log_.committed() || candidate > log_.last_index()) {
    return false;
  }
  // Raft §5.4.2: only an entry of the current term is committed by counting replicas; earlier
  // ones commit with it (Figure 8).
  if (log_.term(candidate) != term_ && !config_.bugs.commit_previous_term) {
    return false;
  }
  commit_to(candidate);
  return true;
}

void RaftNode::commit_to(LogIndex index) {
  const LogIndex before = log_.committed();
  const bool first_in_term = role_ == Role::kLeader && log_.term(before) != term_;
  log_.commit_to(index);
  if (log_.committed() == before) {
    return;
  }
  emit(Event("raft.commit")
           .add("index", log_.committed())
           .add("term", *log_.term(log_.committed()))
           .add("hash", log_.hash(log_.committed()))
           .add("leader", role_ == Role::kLeader));
  if (first_in_term && log_.term(log_.committed()) == term_) {
    release_pending_reads();
  }
}

// ---------------------------------------------------------------------------------------------
// Follower side

void RaftNode::handle_append(const RaftMessage& message) {
  leader_ = message.from;
  election_elapsed_ = 0;
  auto answer = make_message(MessageType::kAppendResponse, message.from);
  if (message.index < log_.committed() && !config_.bugs.truncate_on_stale_append) {
    // Everything up to our commit index matches any leader's log: tell it where we are.
    answer->index = log_.committed();
    send(std::move(answer));
    return;
  }
  const std::optional<LogIndex> last_new =
      log_.maybe_append(message.index, message.log_term, message.entries, config_.bugs.truncate_on_stale_append);
  if (last_new.has_value()) {
    commit_to(std::min(message.commit, *last_new));
    answer->index = *last_new;
  } else {
    // Fast backtracking: our last index with a term no later than the probe's, so the leader
    // can skip every entry of a term we do not share.
    const LogIndex hint = log_.find_conflict_by_term(message.index, message.log_term);
    answer->reject = true;
    answer->index = message.index;
    answer->reject_hint = hint;
    answer->hint_term = log_.term(hint).value_or(Term{});
    emit(Event("raft.reject_append").add("from", message.from).add("index", message.index).add("hint", hint));
  }
  send(std::move(answer));
}

void RaftNode::handle_heartbeat(const RaftMessage& message) {
  leader_ = message.from;
  election_elapsed_ = 0;
  commit_to(std::min(message.commit, log_.last_index()));
  auto answer = make_message(MessageType::kHeartbeatResponse, message.from);
  answer->context = message.context;
  answer->sent_tick = message.sent_tick;
  send(std::move(answer));
}

void RaftNode::handle_snapshot(const RaftMessage& message) {
  leader_ = message.from;
  election_elapsed_ = 0;
  CONSIM_ASSERT(message.snapshot != nullptr);
  const SnapshotMeta& meta = message.snapshot->meta;
  RaftMessage answer;
  answer.type = MessageType::kAppendResponse;
  answer.to = message.from;
  if (meta.index <= log_.committed()) {
    answer.index = log_.committed();
  } else if (log_.match_term(meta.index, meta.term)) {
    // We already hold the snapshot's last entry: no need to install, just commit up to it.
    commit_to(meta.index);
    answer.index = meta.index;
  } else {
    log_.restore(meta);
    snapshot_ = message.snapshot;
    snapshot_dirty_ = true;
    restore_ = message.snapshot;
    emit(Event("raft.install_snapshot")
             .add("from", message.from)
             .add("index", meta.index)
             .add("term", meta.term)
             .add("hash", meta.hash));
    set_cluster(meta.config);
    answer.index = meta.index;
  }
  send(std::move(answer));
}

}  // namespace consim::protocols::raft
