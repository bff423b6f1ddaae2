#include "protocols/raft/quorum.h"

#include <algorithm>
#include <array>
#include <functional>
#include <limits>

namespace consim::protocols::raft {

namespace {
LogIndex match_in(const std::map<NodeId, LogIndex>& match, NodeId node) {
  auto it = match.find(node);
  return it == match.end() ? LogIndex{} : it->second;
}
}  // namespace

LogIndex majority_committed(const std::vector<NodeId>& voters, const std::map<NodeId, LogIndex>& match) {
  return majority_committed_by(voters, [&match](NodeId node) { return match_in(match, node); });
}

LogIndex committed_index(const ClusterConfig& config, const std::map<NodeId, LogIndex>& match) {
  return committed_index_by(config, [&match](NodeId node) { return match_in(match, node); });
}

VoteResult majority_vote(const std::vector<NodeId>& voters, const std::map<NodeId, bool>& votes) {
  if (voters.empty()) {
    return VoteResult::kWon;
  }
  size_t granted = 0;
  size_t missing = 0;
  for (const NodeId voter : voters) {
    auto it = votes.find(voter);
    if (it == votes.end()) {
      ++missing;
    } else if (it->second) {
      ++granted;
    }
  }
  const size_t quorum = voters.size() / 2 + 1;
  if (granted >= quorum) {
    return VoteResult::kWon;
  }
  if (granted + missing >= quorum) {
    return VoteResult::kPending;
  }
  return VoteResult::kLost;
}

VoteResult vote_result(const ClusterConfig& config, const std::map<NodeId, bool>& votes) {
  const VoteResult incoming = majority_vote(config.voters, votes);
  const VoteResult outgoing = majority_vote(config.voters_outgoing, votes);
  if (incoming == VoteResult::kLost || outgoing == VoteResult::kLost) {
    return VoteResult::kLost;
  }
  if (incoming == VoteResult::kWon && outgoing == VoteResult::kWon) {
    return VoteResult::kWon;
  }
  return VoteResult::kPending;
}

bool has_quorum(const ClusterConfig& config, const std::vector<NodeId>& active) {
  std::map<NodeId, bool> votes;
  for (const NodeId node : active) {
    votes[node] = true;
  }
  for (const NodeId node : config.members()) {
    votes.emplace(node, false);
  }
  return vote_result(config, votes) == VoteResult::kWon;
}

}  // namespace consim::protocols::raft
