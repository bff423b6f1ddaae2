// Explaining a violation: the model states reachable just before the operation that cannot be
// linearized (Knossos reports the same thing as its final configurations).
//
// Definition. Let P be the partition's operations (none ignored) and b the blocking operation.
// A partial linearization is a sequence s of distinct operations of P, without b, such that
//   - every model step along s is legal from the initial state,
//   - s respects real time: a required operation that completed before some x in s was invoked
//     comes before x in s (intervals are closed, so touching operations are concurrent), and
//   - no operation of s was invoked after b completed (such an operation must follow b).
// The states reachable just before b are the states after every such s that places every
// required operation completed before b was invoked: the states in which b could be the next
// operation to take effect. Since the partition is not linearizable, b is illegal in each of
// them, or legal but with no linearization of the rest continuing from there.
//
// The exploration is separate from the search (it shares only the Model interface), exhaustive
// over (placed set, state) configurations with a memo, and bounded in model steps and
// configurations; when a bound stops it, the result says so.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "checkers/linearizability/history.h"
#include "checkers/linearizability/model.h"

namespace consim::checkers::lin {

struct ExplainLimits {
  uint64_t max_steps = 1'000'000;  // model steps
  size_t max_configurations = 200'000;
  size_t max_memory_bytes = size_t{64} << 20;  // held by the memo of configurations
  size_t max_states_shown = 16;                // states described; the rest are only counted
};

struct ReachableState {
  std::string state;             // Model's describe_state
  bool operation_legal = false;  // the blocking operation's step is legal from this state
};

struct ReachableStates {
  std::vector<ReachableState> shown;  // at most max_states_shown, sorted by description
  size_t found = 0;                   // distinct states found, shown or not
  bool exhaustive = true;             // false when a bound stopped the exploration: more may exist
  uint64_t steps = 0;
};

// `ops`: the partition (indices into history.operations, every one not ignored by `model`);
// `blocking`: one of them, required (it completed).
ReachableStates reachable_before(const History& history, std::span<const size_t> ops, const Model& model,
                                 size_t blocking, const ExplainLimits& limits = {});

}  // namespace consim::checkers::lin
