// Fast Leader Election (ZooKeeper's FastLeaderElection; research/zab.md a.4): votes ordered by
// (epoch, zxid, id), rounds (the logical clock), the finalize wait, notification back-off, and
// joining an established ensemble from the votes of FOLLOWING/LEADING peers.
#include <algorithm>

#include "protocols/zab/zab_node.h"

namespace consim::protocols::zab {

void ZabNode::start_election() {
  state_ = PeerState::kLooking;
  phase_ = Phase::kElection;
  serving_ = false;
  leader_ = NodeId{};
  ++round_;
  received_.clear();
  out_of_election_.clear();
  out_of_election_state_.clear();
  finalize_left_ = 0;
  notify_elapsed_ = 0;
  notify_timeout_ = config_.notification_min_ticks;
  if (is_voter(config_.id)) {
    vote_ = Vote{config_.id, last_zxid(), current_epoch_};
    received_[config_.id] = vote_;
  } else {
    vote_ = Vote{};  // an observer proposes no one: it learns the leader from the others
  }
  emit_state();
  emit(Event("zab.vote")
           .add("round", round_)
           .add("leader", vote_.leader)
           .add("zxid", vote_.zxid)
           .add("epoch", vote_.epoch));
  broadcast_vote();
  if (is_voter(config_.id) && quorum_agrees(received_, vote_, true)) {
    finalize_left_ = std::max<uint32_t>(config_.finalize_wait_ticks, 1);
  }
}

void ZabNode::send_vote(NodeId to) {
  auto message = make(MessageType::kNotification, config_.id);
  message->vote = vote_;
  message->round = round_;
  message->state = state_;
  send(to, std::move(message), Channel::kDatagram);
}

void ZabNode::broadcast_vote() {
  for (const NodeId voter : config_.voters) {
    if (voter != config_.id) {
      send_vote(voter);
    }
  }
}

bool ZabNode::quorum_agrees(const std::map<NodeId, Vote>& votes, const Vote& vote, bool full) const {
  size_t agree = 0;
  for (const auto& [node, cast] : votes) {
    if (!is_voter(node)) {
      continue;
    }
    // Within a round the whole vote must match; from peers outside the election, the leader and
    // its epoch (ZooKeeper's Vote.equals for non-LOOKING states).
    const bool same = full ? cast == vote : cast.leader == vote.leader && cast.epoch == vote.epoch;
    agree += same ? 1 : 0;
  }
  return agree >= config_.quorum();
}

void ZabNode::handle_notification(NodeId from, const ZabMessage& message) {
  if (!is_voter(from)) {
    // An observer (or a non-voting server) asks who leads: answer right away.
    if (is_voter(config_.id)) {
      send_vote(from);
    }
    return;
  }
  if (state_ != PeerState::kLooking) {
    // A peer that is looking gets this node's decided vote, so that it can join.
    if (message.state == PeerState::kLooking) {
      send_vote(from);
    }
    return;
  }
  notify_elapsed_ = 0;
  const bool voter = is_voter(config_.id);
  if (message.state == PeerState::kLooking) {
    if (!voter) {
      return;  // an observer waits for peers that have decided
    }
    bool changed = false;
    if (message.round > round_) {
      round_ = message.round;
      received_.clear();
      const Vote own{config_.id, last_zxid(), current_epoch_};
      vote_ = message.vote.beats(own) ? message.vote : own;
      changed = true;
    } else if (message.round < round_) {
      send_vote(from);  // a lagging peer: tell it the current round and vote
      return;
    } else if (message.vote.beats(vote_)) {
      vote_ = message.vote;
      changed = true;
    }
    received_[from] = message.vote;
    if (changed) {
      received_[config_.id] = vote_;
      finalize_left_ = 0;  // a better vote arrived: wait again for a quorum on the new one
      emit(Event("zab.vote")
               .add("round", round_)
               .add("leader", vote_.leader)
               .add("zxid", vote_.zxid)
               .add("epoch", vote_.epoch));
      broadcast_vote();
    }
    if (finalize_left_ == 0 && quorum_agrees(received_, vote_, true)) {
      finalize_left_ = std::max<uint32_t>(config_.finalize_wait_ticks, 1);
    }
    return;
  }
  // From a FOLLOWING or LEADING peer: the ensemble may already have a leader.
  out_of_election_state_[from] = message.state;
  const auto leader_confirms = [&](NodeId leader, uint64_t round) {
    if (leader == config_.id) {
      return round == round_;
    }
    auto it = out_of_election_state_.find(leader);
    return it != out_of_election_state_.end() && it->second == PeerState::kLeading;
  };
  if (message.round == round_) {
    received_[from] = message.vote;
    if (quorum_agrees(received_, message.vote, true) && leader_confirms(message.vote.leader, message.round)) {
      decide(message.vote);
      return;
    }
  }
  out_of_election_[from] = message.vote;
  if (quorum_agrees(out_of_election_, message.vote, false) && leader_confirms(message.vote.leader, message.round)) {
    round_ = message.round;
    decide(message.vote);
  }
}

void ZabNode::decide(const Vote& vote) {
  vote_ = vote;
  leader_ = vote.leader;
  finalize_left_ = 0;
  received_.clear();
  out_of_election_.clear();
  out_of_election_state_.clear();
  const PeerState next = leader_ == config_.id  ? PeerState::kLeading
                         : is_voter(config_.id) ? PeerState::kFollowing
                                                : PeerState::kObserving;
  emit(Event("zab.elected").add("round", round_).add("leader", leader_).add("state", peer_state_name(next)));
  if (next == PeerState::kLeading) {
    lead();
  } else {
    state_ = next;
    follow();
  }
}

void ZabNode::tick_election() {
  if (finalize_left_ > 0 && --finalize_left_ == 0) {
    decide(vote_);  // no better vote within the finalize wait
    return;
  }
  if (++notify_elapsed_ >= notify_timeout_) {
    // Nothing heard for a while: send the vote again and back off (200 ms doubling to 60 s).
    notify_elapsed_ = 0;
    notify_timeout_ = std::min(notify_timeout_ * 2, config_.notification_max_ticks);
    broadcast_vote();
  }
}

}  // namespace consim::protocols::zab
