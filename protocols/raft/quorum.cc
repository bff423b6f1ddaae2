#include "protocols/raft/quorum.h"

#include <algorithm>
#include <array>
#include <functional>
#include <limits>

namespace consim::protocols::raft {

LogIndex majority_committed(const std::vector<NodeId>& voters, const std::map<NodeId, LogIndex>& match) {
  if (voters.empty()) {
    return LogIndex{std::numeric_limits<uint64_t>::max()};
  }
  // Runs on every append acknowledgement: clusters of up to 15 voters sort on the stack.
  constexpr size_t kInline = 15;
  std::array<uint64_t, kInline> inline_indexes{};
  std::vector<uint64_t> heap_indexes;
  uint64_t* indexes = inline_indexes.data();
  if (voters.size() > kInline) {
    heap_indexes.resize(voters.size());
    indexes = heap_indexes.data();
  }
  for (size_t i = 0; i < voters.size(); ++i) {
    auto it = match.find(voters[i]);
    indexes[i] = it == match.end() ? 0 : it->second.value;
  }
  std::sort(indexes, indexes + voters.size(), std::greater<>());
  // With n voters, the (n/2 + 1)-th largest is held by a majority.
  return LogIndex{indexes[voters.size() / 2]};
}

LogIndex committed_index(const ClusterConfig& config, const std::map<NodeId, LogIndex>& match) {
  const LogIndex incoming = majority_committed(config.voters, match);
  if (!config.joint()) {
    return incoming;
  }
  return std::min(incoming, majority_committed(config.voters_outgoing, match));
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
