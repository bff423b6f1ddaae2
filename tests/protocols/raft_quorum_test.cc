// Quorum arithmetic (Raft §5.3 majorities, §6 joint consensus) against deliberately naive
// references: counting for every candidate index, and brute force over the undecided votes.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <vector>

#include "protocols/raft/quorum.h"

namespace consim::protocols::raft {
namespace {

constexpr uint32_t kNodesMax = 7;

// A sorted, duplicate-free subset of n1..n7.
rc::Gen<std::vector<NodeId>> node_set() {
  return rc::gen::map(rc::gen::inRange<uint32_t>(0, 1u << kNodesMax), [](uint32_t mask) {
    std::vector<NodeId> nodes;
    for (uint32_t i = 0; i < kNodesMax; ++i) {
      if ((mask & (1u << i)) != 0) {
        nodes.push_back(NodeId{i + 1});
      }
    }
    return nodes;
  });
}

ClusterConfig config_from(std::vector<NodeId> voters, std::vector<NodeId> outgoing) {
  ClusterConfig config;
  config.voters = std::move(voters);
  config.voters_outgoing = std::move(outgoing);
  return config;
}

// Naive: the largest index that at least a majority of `voters` has reached, found by trying
// every candidate index and counting.
uint64_t naive_majority_index(const std::vector<NodeId>& voters, const std::map<NodeId, LogIndex>& match) {
  if (voters.empty()) {
    return std::numeric_limits<uint64_t>::max();
  }
  const auto reached = [&](uint64_t index) {
    size_t count = 0;
    for (const NodeId voter : voters) {
      auto it = match.find(voter);
      if ((it == match.end() ? 0 : it->second.value) >= index) {
        ++count;
      }
    }
    return count * 2 > voters.size();
  };
  uint64_t best = 0;
  for (uint64_t index = 0; index <= 20; ++index) {
    if (reached(index)) {
      best = index;
    }
  }
  return best;
}

bool naive_won(const ClusterConfig& config, const std::map<NodeId, bool>& votes) {
  const auto half_won = [&](const std::vector<NodeId>& voters) {
    if (voters.empty()) {
      return true;
    }
    size_t granted = 0;
    for (const NodeId voter : voters) {
      auto it = votes.find(voter);
      granted += it != votes.end() && it->second ? 1 : 0;
    }
    return granted * 2 > voters.size();
  };
  return half_won(config.voters) && half_won(config.voters_outgoing);
}

// Brute force: the outcome is decided when every way the missing voters could still answer
// gives the same result.
VoteResult naive_vote_result(const ClusterConfig& config, const std::map<NodeId, bool>& votes) {
  std::vector<NodeId> missing;
  for (const NodeId voter : config.members()) {
    if (config.is_voter(voter) && votes.count(voter) == 0) {
      missing.push_back(voter);
    }
  }
  bool any_win = false;
  bool any_loss = false;
  for (uint32_t completion = 0; completion < (1u << missing.size()); ++completion) {
    std::map<NodeId, bool> full = votes;
    for (size_t i = 0; i < missing.size(); ++i) {
      full[missing[i]] = (completion & (1u << i)) != 0;
    }
    (naive_won(config, full) ? any_win : any_loss) = true;
  }
  if (!any_loss) {
    return VoteResult::kWon;
  }
  return any_win ? VoteResult::kPending : VoteResult::kLost;
}

RC_GTEST_PROP(RaftProperty, CommittedIndexMatchesNaiveCounting, ()) {
  const auto voters = *node_set();
  const auto outgoing = *node_set();
  RC_PRE(!voters.empty());
  const auto indexes = *rc::gen::container<std::vector<uint64_t>>(kNodesMax, rc::gen::inRange<uint64_t>(0, 20));
  const auto present = *rc::gen::inRange<uint32_t>(0, 1u << kNodesMax);
  std::map<NodeId, LogIndex> match;
  for (uint32_t i = 0; i < kNodesMax; ++i) {
    if ((present & (1u << i)) != 0) {
      match[NodeId{i + 1}] = LogIndex{indexes[i]};
    }
  }
  const ClusterConfig config = config_from(voters, outgoing);
  const uint64_t expected =
      std::min(naive_majority_index(voters, match), naive_majority_index(config.voters_outgoing, match));
  RC_ASSERT(committed_index(config, match).value == expected);
  RC_ASSERT(majority_committed(voters, match).value == naive_majority_index(voters, match));
}

RC_GTEST_PROP(RaftProperty, VoteResultMatchesBruteForce, ()) {
  const auto voters = *node_set();
  const auto outgoing = *node_set();
  // Each of n1..n7: 0 = no answer yet, 1 = granted, 2 = rejected (non-voters' answers are noise).
  const auto answers = *rc::gen::container<std::vector<int>>(kNodesMax, rc::gen::inRange(0, 3));
  std::map<NodeId, bool> votes;
  for (uint32_t i = 0; i < kNodesMax; ++i) {
    if (answers[i] != 0) {
      votes[NodeId{i + 1}] = answers[i] == 1;
    }
  }
  const ClusterConfig config = config_from(voters, outgoing);
  RC_ASSERT(vote_result(config, votes) == naive_vote_result(config, votes));
}

RC_GTEST_PROP(RaftProperty, HasQuorumMatchesNaiveCounting, ()) {
  const auto voters = *node_set();
  const auto outgoing = *node_set();
  const auto active = *node_set();
  const ClusterConfig config = config_from(voters, outgoing);
  std::map<NodeId, bool> votes;
  for (const NodeId node : active) {
    votes[node] = true;
  }
  RC_ASSERT(has_quorum(config, active) == naive_won(config, votes));
}

}  // namespace
}  // namespace consim::protocols::raft
