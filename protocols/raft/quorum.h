// Quorum arithmetic for majority and joint configurations (Raft §5.3, §6).
#pragma once

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

// The outcome of an election so far; `votes` maps a voter to granted (true) or rejected (false).
VoteResult majority_vote(const std::vector<NodeId>& voters, const std::map<NodeId, bool>& votes);
VoteResult vote_result(const ClusterConfig& config, const std::map<NodeId, bool>& votes);

// Whether the nodes in `active` (e.g. heard from recently) include a quorum of `config`.
bool has_quorum(const ClusterConfig& config, const std::vector<NodeId>& active);

}  // namespace consim::protocols::raft
