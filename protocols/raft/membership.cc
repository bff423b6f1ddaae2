// Membership changes: single-server (dissertation §4.1) and joint consensus (§4.3), taking
// effect when applied, with one change pending at a time.
#include <algorithm>

#include "base/assert.h"
#include "protocols/raft/quorum.h"
#include "protocols/raft/raft_node.h"

namespace consim::protocols::raft {

void RaftNode::propose_conf_change(RequestId id, const ConfChange& change) {
  handle_conf_change(id, change, config_.id);
  drain_log_changes();
}

void RaftNode::handle_conf_change(RequestId id, const ConfChange& change, NodeId origin) {
  if (role_ != Role::kLeader) {
    if (role_ == Role::kFollower && leader_.valid() && config_.forward_proposals && origin == config_.id) {
      RaftMessage message;
      message.type = MessageType::kPropose;
      message.to = leader_;
      message.request = ClientRequest{id, ClientRequest::Kind::kWrite, ReadMode::kLog, nullptr};
      message.conf_change = change;
      send(std::move(message));
    } else if (origin == config_.id) {
      reject_id(id, Rejection::Reason::kNotLeader);
    }
    return;
  }
  const auto refuse = [&](std::string_view reason) {
    emit(Event("raft.conf_change_refused").add("change", change.describe()).add("reason", reason));
    if (origin == config_.id) {
      reject_id(id, Rejection::Reason::kNotReady);
    }
  };
  if (transferee_.valid()) {
    refuse("transferring leadership");
    return;
  }
  // One change at a time, and none before this term's first entry is applied.
  if (pending_conf_index_ > config_applied()) {
    refuse("a configuration change is pending");
    return;
  }
  const ConfChangeResult result = apply_conf_change(cluster_, change);
  if (!result.error.empty()) {
    refuse(result.error);
    return;
  }
  propose_entry(EntryType::kConfChange, std::make_shared<ConfChangeRecord>(change), id, origin);
  pending_conf_index_ = log_.last_index();
}

// The index up to which configuration changes are in effect. The log counts the entries of the
// Ready being executed as applied already, but their changes take effect only in advance(); a
// change proposed in between must still see the earlier one as pending.
LogIndex RaftNode::config_applied() const {
  return handed_out_.empty() ? log_.applied() : handed_out_.front().index.prev();
}

// Whether a committed configuration change has not taken effect yet (etcd's
// hasUnappliedConfChanges): after a restart until the first Ready is advanced, or while the
// Ready handing it out is executed.
bool RaftNode::has_unapplied_conf_changes() const {
  for (LogIndex i = std::max(config_applied().next(), log_.first_index()); i <= log_.committed(); i = i.next()) {
    if (log_.at(i).type == EntryType::kConfChange) {
      return true;
    }
  }
  return false;
}

void RaftNode::apply_conf_changes(const std::vector<Entry>& entries) {
  for (const Entry& entry : entries) {
    const ConfChange* change = entry.conf_change();
    if (change == nullptr) {
      continue;
    }
    const ConfChangeResult result = apply_conf_change(cluster_, *change);
    if (!result.error.empty()) {
      // Validated when proposed; a change can still be moot when another one of an earlier
      // leader's applied first. Every node skips it alike, since it depends only on the log.
      emit(Event("raft.conf_change_skipped").add("index", entry.index).add("reason", result.error));
      continue;
    }
    emit(Event("raft.conf_change_applied").add("index", entry.index).add("change", change->describe()));
    set_cluster(result.config);
  }
}

void RaftNode::set_cluster(const ClusterConfig& cluster) {
  cluster_ = cluster;
  emit(Event("raft.config")
           .add("voters", cluster_.describe())
           .add("joint", cluster_.joint())
           .add("index", log_.applied()));
  if (role_ != Role::kLeader) {
    return;
  }
  if (!cluster_.is_voter(config_.id)) {
    // A leader removed from the configuration steps down once the change applies (etcd's
    // StepDownOnRemoval): it keeps no quorum it belongs to.
    emit(Event("raft.step_down").add("term", term_).add("reason", "removed"));
    become_follower(term_, NodeId{});
    return;
  }
  update_progress_set();
  if (maybe_commit()) {
    broadcast_append();
  }
}

void RaftNode::update_progress_set() {
  std::map<NodeId, Progress> next;
  for (const NodeId member : cluster_.members()) {
    auto it = progress_.find(member);
    if (it != progress_.end()) {
      next.emplace(member, std::move(it->second));
    } else {
      Progress progress(log_.last_index().next(), config_.max_inflight_messages);
      if (member == config_.id) {
        progress.maybe_update(log_.last_index());
      }
      next.emplace(member, std::move(progress));
    }
  }
  progress_ = std::move(next);
}

void RaftNode::maybe_leave_joint() {
  if (!cluster_.joint() || !config_.auto_leave_joint || pending_conf_index_ > config_applied() || transferee_.valid()) {
    return;
  }
  ConfChange leave;
  leave.kind = ConfChange::Kind::kLeaveJoint;
  emit(Event("raft.leave_joint").add("term", term_));
  propose_entry(EntryType::kConfChange, std::make_shared<ConfChangeRecord>(leave), RequestId{}, config_.id);
  pending_conf_index_ = log_.last_index();
}

}  // namespace consim::protocols::raft
