// Elections: timeouts, PreVote, votes, CheckQuorum and leadership transfer (Raft §5.2, §5.4.1;
// dissertation §3.10, §9.6).
#include <algorithm>

#include "base/assert.h"
#include "protocols/raft/quorum.h"
#include "protocols/raft/raft_node.h"

namespace consim::protocols::raft {

void RaftNode::tick_election() {
  ++election_elapsed_;
  if (promotable() && election_elapsed_ >= randomized_timeout_) {
    election_elapsed_ = 0;
    emit(Event("raft.timeout").add("term", term_).add("ticks", randomized_timeout_));
    start_election(config_.pre_vote, false);
  }
}

void RaftNode::tick_heartbeat() {
  ++heartbeat_elapsed_;
  ++election_elapsed_;
  if (election_elapsed_ >= config_.election_ticks) {
    election_elapsed_ = 0;
    if (config_.check_quorum) {
      std::vector<NodeId> active{config_.id};
      for (auto& [peer, progress] : progress_) {
        if (peer != config_.id && progress.recent_active) {
          active.push_back(peer);
        }
        progress.recent_active = false;
      }
      if (!has_quorum(cluster_, active)) {
        emit(Event("raft.step_down").add("term", term_).add("reason", "no_quorum"));
        become_follower(term_, NodeId{});
        return;
      }
    }
    if (transferee_.valid()) {
      emit(Event("raft.transfer_aborted").add("to", transferee_).add("reason", "timeout"));
      transferee_ = NodeId{};
    }
  }
  for (auto& [peer, progress] : progress_) {
    // A snapshot that was never answered (lost on the way) is sent again.
    if (progress.state() == Progress::State::kSnapshot &&
        ticks_ - progress.snapshot_sent_tick > config_.election_ticks) {
      progress.become_probe();
    }
  }
  if (heartbeat_elapsed_ >= config_.heartbeat_ticks) {
    heartbeat_elapsed_ = 0;
    broadcast_heartbeat(0);
  }
}

void RaftNode::start_election(bool pre_vote, bool transfer) {
  if (has_unapplied_conf_changes()) {
    // Configurations take effect when applied, and a quorum of the configuration in effect is
    // only known to overlap with the next one's. A node that knows of a committed change it has
    // not applied may be two changes behind (e.g. restarted before re-applying its log): its
    // quorum need not overlap the newest configuration's, and two leaders of one term could be
    // elected. Wait until the change is applied (etcd checks the same before campaigning).
    emit(Event("raft.campaign_deferred").add("term", term_).add("reason", "unapplied_conf_change"));
    return;
  }
  Term campaign_term;
  if (pre_vote) {
    become_pre_candidate();
    campaign_term = Term{term_.value + 1};
  } else {
    become_candidate();
    campaign_term = term_;
  }
  if (cluster_.is_voter(config_.id)) {
    votes_[config_.id] = true;
  }
  const VoteResult result = vote_result(cluster_, votes_);
  if (result == VoteResult::kWon) {
    if (pre_vote) {
      start_election(false, transfer);
    } else {
      become_leader();
    }
    return;
  }
  for (const NodeId voter : cluster_.members()) {
    if (voter == config_.id || !cluster_.is_voter(voter)) {
      continue;
    }
    RaftMessage message;
    message.type = pre_vote ? MessageType::kPreVote : MessageType::kVote;
    message.to = voter;
    message.term = campaign_term;
    message.index = log_.last_index();
    message.log_term = log_.last_term();
    message.transfer = transfer;
    send(std::move(message));
  }
}

bool RaftNode::in_lease() const {
  // CheckQuorum's vote withholding: a follower that heard from a leader within the minimum
  // election timeout believes that leader alive and will not help depose it (thesis §4.2.3).
  if (!config_.check_quorum) {
    return false;
  }
  return (leader_.valid() && election_elapsed_ < config_.election_ticks) || restart_lease_ticks_ > 0;
}

// The term comparison every message goes through first (etcd's Step). Returns whether the
// message should be handled further.
bool RaftNode::step_term(const RaftMessage& message) {
  const bool forwarded = message.type == MessageType::kPropose || message.type == MessageType::kReadIndex ||
                         message.type == MessageType::kTransferLeader;
  if (forwarded) {
    return true;
  }
  const bool vote_request = message.type == MessageType::kVote || message.type == MessageType::kPreVote;
  if (message.term > term_) {
    if (vote_request && !message.transfer && in_lease()) {
      emit(Event("raft.vote_withheld")
               .add("from", message.from)
               .add("term", message.term)
               .add("leader", static_cast<int64_t>(leader_.value)));
      return false;
    }
    if (message.type == MessageType::kPreVote) {
      return true;  // a pre-vote never changes our term
    }
    if (message.type == MessageType::kPreVoteResponse && !message.reject) {
      return true;  // granted pre-votes carry the term we would campaign in
    }
    const bool from_leader = message.type == MessageType::kAppend || message.type == MessageType::kHeartbeat ||
                             message.type == MessageType::kSnapshot;
    become_follower(message.term, from_leader ? message.from : NodeId{});
    return true;
  }
  if (message.term < term_) {
    if (message.type == MessageType::kHeartbeat || message.type == MessageType::kAppend) {
      // A stale leader (or a node stuck in a higher term's pre-campaign) learns of our term;
      // without this a partitioned node's higher term could never be overcome (etcd #5451).
      // etcd answers only under CheckQuorum or PreVote, counting on the higher-term node to
      // campaign otherwise; but a member that has not yet applied the configuration adding it
      // never campaigns, and the stale leader, needing its acks, could never commit again.
      // Raft Figure 2 answers every AppendEntries with the current term.
      RaftMessage answer;
      answer.type = MessageType::kAppendResponse;
      answer.to = message.from;
      send(std::move(answer));
    } else if (message.type == MessageType::kPreVote || message.type == MessageType::kVote) {
      // Raft Figure 2: every answer carries the current term, so a candidate behind in terms
      // catches up. etcd drops stale RequestVotes; then a candidate can stay forever behind a
      // voter whose term others keep raising (e.g. a removed server that campaigns in a stale
      // configuration excluding the candidate), and no leader is elected.
      RaftMessage answer;
      answer.type = message.type == MessageType::kPreVote ? MessageType::kPreVoteResponse : MessageType::kVoteResponse;
      answer.to = message.from;
      answer.reject = true;
      send(std::move(answer));
    }
    return false;
  }
  return true;
}

void RaftNode::handle_vote_request(const RaftMessage& message) {
  const bool pre_vote = message.type == MessageType::kPreVote;
  // We can vote for a candidate we already voted for in this term, for anyone if we have not
  // voted and know no leader, and grant any pre-vote for a later term.
  const bool can_vote =
      vote_ == message.from || (!vote_.valid() && !leader_.valid()) || (pre_vote && message.term > term_);
  const bool up_to_date = config_.bugs.vote_without_log_check || log_.is_up_to_date(message.index, message.log_term);
  RaftMessage answer;
  answer.type = pre_vote ? MessageType::kPreVoteResponse : MessageType::kVoteResponse;
  answer.to = message.from;
  if (can_vote && up_to_date) {
    // The answer carries the request's term: a pre-vote's is the term the candidate would
    // campaign in, which we have not adopted.
    answer.term = message.term;
    if (!pre_vote) {
      election_elapsed_ = 0;
      vote_ = message.from;
      // The bug: the vote goes out with this Ready but reaches the disk only with the next one.
      vote_unpersisted_ = config_.bugs.vote_before_persist;
      emit(Event("raft.vote").add("term", term_).add("candidate", message.from));
    }
  } else {
    answer.reject = true;
    answer.term = term_;
    // A commit hint. Configurations take effect when applied, so a voter of a new configuration
    // that never learned it committed (the leader that committed it stepped down or crashed
    // first) campaigns in the old one, whose quorum may need the votes of removed servers; those
    // hold longer logs and refuse, and no leader is ever elected again. Our entry at
    // min(our commit, its last index) is committed: if its log holds the same entry there, its
    // log up to there is committed too (Log Matching), and it may commit it and move on.
    const LogIndex hint = std::min(log_.committed(), message.index);
    if (const std::optional<Term> hint_term = log_.term(hint); hint_term.has_value() && hint.value > 0) {
      answer.commit = hint;
      answer.log_term = *hint_term;
    }
  }
  emit(Event("raft.vote_answer")
           .add("to", message.from)
           .add("pre_vote", pre_vote)
           .add("term", message.term)
           .add("granted", !answer.reject));
  send(std::move(answer));
}

void RaftNode::handle_vote_response(const RaftMessage& message) {
  // A rejecting voter's commit hint (see handle_vote_request): safe to adopt only where our log
  // holds the very entry the voter knows committed.
  if (message.reject && message.commit > log_.committed() && log_.match_term(message.commit, message.log_term)) {
    emit(Event("raft.commit_hint").add("from", message.from).add("index", message.commit));
    commit_to(message.commit);
  }
  const bool expected = (role_ == Role::kPreCandidate && message.type == MessageType::kPreVoteResponse) ||
                        (role_ == Role::kCandidate && message.type == MessageType::kVoteResponse);
  if (!expected) {
    return;
  }
  // Only the first answer of each voter counts: duplicates cannot add votes (B04).
  votes_.emplace(message.from, !message.reject);
  switch (vote_result(cluster_, votes_)) {
    case VoteResult::kWon:
      if (role_ == Role::kPreCandidate) {
        start_election(false, false);
      } else {
        become_leader();
      }
      break;
    case VoteResult::kLost:
      become_follower(term_, NodeId{});
      break;
    case VoteResult::kPending:
      break;
  }
}

void RaftNode::handle_timeout_now(const RaftMessage& message) {
  if (!promotable()) {
    return;
  }
  emit(Event("raft.timeout_now").add("from", message.from).add("term", term_));
  // The leader asked us to take over: campaign at once, skipping the pre-vote, with the
  // transfer flag that lets voters ignore their lease (thesis §3.10).
  start_election(false, true);
}

void RaftNode::handle_transfer_leader(NodeId transferee) {
  CONSIM_ASSERT(role_ == Role::kLeader);
  if (transferee == config_.id || !cluster_.is_voter(transferee) || transferee == transferee_) {
    return;
  }
  auto it = progress_.find(transferee);
  if (it == progress_.end()) {
    return;
  }
  transferee_ = transferee;
  election_elapsed_ = 0;  // the transfer is abandoned after one election timeout
  emit(Event("raft.transfer").add("to", transferee).add("term", term_));
  if (it->second.match() == log_.last_index()) {
    send_timeout_now(transferee);
  } else {
    send_append(transferee, true);
  }
}

void RaftNode::send_timeout_now(NodeId to) {
  CONSIM_ASSERT(role_ == Role::kLeader);
  RaftMessage message;
  message.type = MessageType::kTimeoutNow;
  message.to = to;
  send(std::move(message));
  // The transferee may win at once: its campaign bypasses the followers' lease, so a follower
  // may vote for it right after acknowledging our heartbeat. Leases are off for the rest of
  // this term, even if the transfer is later abandoned locally (B11, etcd#12704).
  timeout_now_sent_ = true;
}

}  // namespace consim::protocols::raft
