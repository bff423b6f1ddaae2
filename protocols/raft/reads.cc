// Reads: through the log, ReadIndex (thesis §6.4), leases (§6.4.1, shortened by the clock
// drift bound), and local reads that may be stale by design.
#include <algorithm>

#include "base/assert.h"
#include "protocols/raft/quorum.h"
#include "protocols/raft/raft_node.h"

namespace consim::protocols::raft {

void RaftNode::read(const ClientRequest& request, NodeId origin) {
  switch (request.read_mode) {
    case ReadMode::kLog:
      propose(request, origin);
      return;
    case ReadMode::kLocal:
    case ReadMode::kSync:
      // Served from whatever this replica has applied: stale by design.
      reads_.push_back(ReadReady{request.id, LogIndex{}});
      return;
    case ReadMode::kReadIndex:
    case ReadMode::kLease:
      break;
  }
  if (role_ == Role::kLeader) {
    if (request.read_mode == ReadMode::kLease && lease_valid()) {
      finish_read(PendingRead{request, origin, log_.committed(), {}});
      return;
    }
    serve_read_index(request, origin);
    return;
  }
  if (role_ == Role::kFollower && leader_.valid() && origin == config_.id) {
    RaftMessage message;
    message.type = MessageType::kReadIndex;
    message.to = leader_;
    message.request = request;
    send(std::move(message));
    return;
  }
  if (origin == config_.id) {
    reject(request, Rejection::Reason::kNotLeader);
  }
}

void RaftNode::serve_read_index(const ClientRequest& request, NodeId origin) {
  // The commit index is only known to be the latest once an entry of this term committed
  // (thesis §6.4 step 1; B09).
  if (log_.term(log_.committed()) != term_) {
    reads_waiting_for_commit_.emplace_back(request, origin);
    return;
  }
  PendingRead pending{request, origin, log_.committed(), {config_.id}};
  if (acknowledged_by_quorum(pending.acks)) {
    finish_read(pending);  // a single voter confirms its own leadership
    return;
  }
  const uint64_t context = next_read_context_++;
  reads_in_flight_.emplace(context, std::move(pending));
  broadcast_heartbeat(context);
}

bool RaftNode::acknowledged_by_quorum(const std::set<NodeId>& acks) const {
  // vote_result() with a vote for each member, granted when it acknowledged, counted without
  // building that map: a majority of the voters, of both halves when joint (an empty half needs
  // nobody). Asked on every heartbeat answer that carries a read round.
  auto majority_of = [&acks](const std::vector<NodeId>& voters) {
    size_t acknowledged = 0;
    for (const NodeId voter : voters) {
      acknowledged += acks.count(voter);
    }
    return voters.empty() || acknowledged >= voters.size() / 2 + 1;
  };
  return majority_of(cluster_.voters) && majority_of(cluster_.voters_outgoing);
}

void RaftNode::release_pending_reads() {
  std::vector<std::pair<ClientRequest, NodeId>> waiting = std::move(reads_waiting_for_commit_);
  reads_waiting_for_commit_.clear();
  for (const auto& [request, origin] : waiting) {
    serve_read_index(request, origin);
  }
}

void RaftNode::handle_read_acks(NodeId from, uint64_t context) {
  auto it = reads_in_flight_.find(context);
  if (it == reads_in_flight_.end()) {
    return;
  }
  it->second.acks.insert(from);
  if (!acknowledged_by_quorum(it->second.acks)) {
    return;
  }
  // A quorum answered the round of `context` after it was sent, so the leader was still the
  // leader then; every read of an earlier round is confirmed by that too.
  std::vector<PendingRead> confirmed;
  for (auto read = reads_in_flight_.begin(); read != reads_in_flight_.end() && read->first <= context;) {
    confirmed.push_back(std::move(read->second));
    read = reads_in_flight_.erase(read);
  }
  for (const PendingRead& read : confirmed) {
    finish_read(read);
  }
}

void RaftNode::finish_read(const PendingRead& read) {
  // Traced when decided: a lease read is valid at this moment, not a sync later (B11).
  emit_now(Event("raft.read_index")
               .add("request", read.request.id.value)
               .add("index", read.index)
               .add("origin", read.origin)
               .add("lease", read.acks.empty()));
  if (read.origin == config_.id) {
    reads_.push_back(ReadReady{read.request.id, read.index});
    return;
  }
  RaftMessage message;
  message.type = MessageType::kReadIndexResponse;
  message.to = read.origin;
  message.index = read.index;
  message.request = read.request;
  send(std::move(message));
}

void RaftNode::handle_read_index_response(const RaftMessage& message) {
  if (message.request.has_value()) {
    reads_.push_back(ReadReady{message.request->id, message.index});
  }
}

bool RaftNode::lease_valid() const {
  if (!config_.check_quorum) {
    // The lease rests on the followers' vote withholding, which only CheckQuorum turns on:
    // without it a follower votes for a new leader right after acking us (etcd requires
    // CheckQuorum for ReadOnlyLeaseBased). Such reads take the ReadIndex path instead.
    return false;
  }
  if (transferee_.valid() || timeout_now_sent_) {
    return false;  // after TimeoutNow the transferee may win at once, lease or not (B11)
  }
  if (log_.term(log_.committed()) != term_) {
    return false;
  }
  // The lease starts when the quorum's oldest needed heartbeat left: the quorum-th newest
  // acknowledged send tick, the leader's own being now.
  std::map<NodeId, LogIndex> acked;
  acked[config_.id] = LogIndex{ticks_ + 1};
  for (const auto& [peer, tick] : lease_acks_) {
    acked[peer] = LogIndex{tick + 1};
  }
  const LogIndex start = committed_index(cluster_, acked);
  if (start.value == 0) {
    return false;
  }
  const uint64_t start_tick = start.value - 1;
  return ticks_ - start_tick < config_.lease_ticks();
}

}  // namespace consim::protocols::raft
