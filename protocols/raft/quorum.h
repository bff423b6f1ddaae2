// Quorum arithmetic for majority and joint configurations (Raft §5.3, §6).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <vector>

#include "protocols/common/ids.h"
#include "protocols/raft/types.h"

namespace consim::protocols::raft {

enum class VoteResult : uint8_t { kPending, kWon, kLost };

// The largest index that a majority of `voters` has matched; `match` maps node -> index, and a
// voter missing from it counts as 0. An empty voter set commits everything (joint with an empty
// half behaves as that half not existing).
LogIndex majority_committed(const std::vector<NodeId>& voters, const std::map<NodeId, LogIndex>& match);
// The joint rule: the smaller of the two majorities' indexes.
LogIndex committed_index(const ClusterConfig& config, const std::map<NodeId, LogIndex>& match);

// The same rules with `match_of(NodeId) -> LogIndex` in place of the map, for callers that hold
// the indexes elsewhere (the leader's progress): no map is built per acknowledgement.
template <typename MatchOf>
LogIndex majority_committed_by(const std::vector<NodeId>& voters, const MatchOf& match_of) {
  if (voters.empty()) {
    return LogIndex{std::numeric_limits<uint64_t>::max()};
  }
  // Runs on every append acknowledgement: clusters of up to 15 voters sort on the stack.
  constexpr size_t kInline = 15;
  std::array<uint64_t, kInline> inline_indexes;  // NOLINT(cppcoreguidelines-pro-type-member-init): filled below
  std::vector<uint64_t> heap_indexes;
  uint64_t* indexes = inline_indexes.data();
  if (voters.size() > kInline) {
    heap_indexes.resize(voters.size());
    indexes = heap_indexes.data();
  }
  for (size_t i = 0; i < voters.size(); ++i) {
    indexes[i] = match_of(voters[i]).value;
  }
  // Insertion sort, descending: a handful of voters, nearly always already in order.
  for (size_t i = 1; i < voters.size(); ++i) {
    const uint64_t moving = indexes[i];
    size_t j = i;
    for (; j > 0 && indexes[j - 1] < moving; --j) {
      indexes[j] = indexes[j - 1];
    }
    indexes[j] = moving;
  }
  // With n voters, the (n/2 + 1)-th largest is held by a majority.
  return LogIndex{indexes[voters.size() / 2]};
}
template <typename MatchOf>
LogIndex committed_index_by(const ClusterConfig& config, const MatchOf& match_of) {
  const LogIndex incoming = majority_committed_by(config.voters, match_of);
  if (!config.joint()) {
    return incoming;
  }
  return std::min(incoming, majority_committed_by(config.voters_outgoing, match_of));
}

// The outcome of an election so far; `votes` maps a voter to granted (true) or rejected (false).
VoteResult majority_vote(const std::vector<NodeId>& voters, const std::map<NodeId, bool>& votes);
VoteResult vote_result(const ClusterConfig& config, const std::map<NodeId, bool>& votes);

// Whether the nodes in `active` (e.g. heard from recently) include a quorum of `config`.
bool has_quorum(const ClusterConfig& config, const std::vector<NodeId>& active);

}  // namespace consim::protocols::raft
