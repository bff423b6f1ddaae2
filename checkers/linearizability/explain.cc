// A depth-first enumeration of partial linearizations (see explain.h for the definition), with
// a memo of (placed set, state) so that every configuration is expanded once.
//
// Operations are numbered by invocation. An unplaced operation x may come next exactly when
// every required operation that completed before x was invoked is placed, that is when
// x.invoke <= M, M being the earliest completion among unplaced required operations; so the
// candidates are a prefix of the invocation order, scanned from the oldest unplaced operation.
// The blocking operation is never placed and is required, so M <= b.complete always, and the
// goal "every required operation completed before b's invocation is placed" is M >= b.invoke.
#include "checkers/linearizability/explain.h"

#include <algorithm>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "base/assert.h"

namespace consim::checkers::lin {
namespace {

constexpr uint32_t kNone = ~uint32_t{0};

class Explorer {
 public:
  Explorer(const History& history, std::span<const size_t> ops, const Model& model, size_t blocking,
           const ExplainLimits& limits);
  ReachableStates run();

 private:
  struct Frame {
    StateId state = 0;
    uint32_t cursor = 0;      // the next candidate to try
    uint32_t placed = kNone;  // the operation placed to reach this frame; kNone at the root
  };

  bool is_placed(uint32_t op) const { return (words_[op / 64] >> (op % 64) & 1) != 0; }
  int64_t earliest_unplaced_completion() const;
  void place(uint32_t op);
  void unplace(uint32_t op);
  bool visit(StateId state);  // false when the configuration was seen already
  bool within_bounds() const;
  ReachableStates result(bool exhaustive) const;

  const History& history_;
  const ExplainLimits& limits_;
  std::vector<size_t> global_;  // local op -> index in history.operations; the blocking op is last
  std::vector<int64_t> invoke_ns_;
  std::vector<uint32_t> by_completion_;    // required local ops (the blocking one too), by completion
  std::vector<uint32_t> completion_rank_;  // local op -> position in by_completion_, kNone if optional
  uint32_t candidates_ = 0;                // local ops other than the blocking one
  uint32_t blocking_ = 0;
  std::unique_ptr<ModelInstance> instance_;
  std::vector<uint64_t> words_;  // the placed set
  uint32_t low_ = 0;             // every op below low_ is placed
  uint32_t low_rank_ = 0;        // every op of by_completion_ below low_rank_ is placed
  std::unordered_set<std::string> memo_;
  size_t memo_bytes_ = 0;
  uint64_t steps_ = 0;
  std::vector<StateId> found_;  // in discovery order
  std::unordered_set<StateId> found_set_;
};

Explorer::Explorer(const History& history, std::span<const size_t> ops, const Model& model, size_t blocking,
                   const ExplainLimits& limits)
    : history_(history), limits_(limits) {
  CONSIM_ASSERT(blocking < history.operations.size());
  const Operation& b = history.operations[blocking];
  CONSIM_ASSERT(model.role(b) == Role::required);
  CONSIM_ASSERT(b.complete_ns != kNeverNs);
  // Operations invoked after b completed must follow b, so they are never placed before it.
  for (const size_t index : ops) {
    if (index != blocking && history.operations[index].invoke_ns <= b.complete_ns) {
      global_.push_back(index);
    }
  }
  CONSIM_ASSERT(std::find(ops.begin(), ops.end(), blocking) != ops.end());
  std::stable_sort(global_.begin(), global_.end(), [&history](size_t x, size_t y) {
    return history.operations[x].invoke_ns < history.operations[y].invoke_ns;
  });
  candidates_ = static_cast<uint32_t>(global_.size());
  blocking_ = candidates_;
  global_.push_back(blocking);
  for (uint32_t op = 0; op < global_.size(); ++op) {
    const Operation& operation = history.operations[global_[op]];
    invoke_ns_.push_back(operation.invoke_ns);
    if (model.role(operation) == Role::required) {
      by_completion_.push_back(op);
    }
  }
  std::stable_sort(by_completion_.begin(), by_completion_.end(), [this](uint32_t x, uint32_t y) {
    return history_.operations[global_[x]].complete_ns < history_.operations[global_[y]].complete_ns;
  });
  completion_rank_.assign(global_.size(), kNone);
  for (uint32_t rank = 0; rank < by_completion_.size(); ++rank) {
    completion_rank_[by_completion_[rank]] = rank;
  }
  words_.assign((global_.size() + 63) / 64, 0);
  std::vector<const Operation*> pointers;
  for (const size_t index : global_) {
    pointers.push_back(&history.operations[index]);
  }
  instance_ = model.instantiate(pointers);
}

int64_t Explorer::earliest_unplaced_completion() const {
  // The blocking operation is required and never placed, so an unplaced one always exists.
  CONSIM_ASSERT(low_rank_ < by_completion_.size());
  return history_.operations[global_[by_completion_[low_rank_]]].complete_ns;
}

void Explorer::place(uint32_t op) {
  CONSIM_ASSERT(op < candidates_);
  CONSIM_ASSERT(!is_placed(op));
  words_[op / 64] |= uint64_t{1} << (op % 64);
  while (low_ < candidates_ && is_placed(low_)) {
    ++low_;
  }
  while (low_rank_ < by_completion_.size() && is_placed(by_completion_[low_rank_])) {
    ++low_rank_;
  }
}

void Explorer::unplace(uint32_t op) {
  CONSIM_ASSERT(is_placed(op));
  words_[op / 64] &= ~(uint64_t{1} << (op % 64));
  low_ = std::min(low_, op);
  if (completion_rank_[op] != kNone) {
    low_rank_ = std::min(low_rank_, completion_rank_[op]);
  }
}

// The memo key holds the state and the words from the oldest unplaced operation's word to the
// last non-zero one: about one concurrency window, not the whole history.
bool Explorer::visit(StateId state) {
  size_t high = words_.size();
  while (high > low_ / 64 && words_[high - 1] == 0) {
    --high;
  }
  std::string key(sizeof(StateId) + sizeof(uint32_t), '\0');
  const uint32_t low_word = low_ / 64;
  std::copy_n(reinterpret_cast<const char*>(&state), sizeof(StateId), key.begin());
  std::copy_n(reinterpret_cast<const char*>(&low_word), sizeof(uint32_t), key.begin() + sizeof(StateId));
  for (size_t word = low_word; word < high; ++word) {
    key.append(reinterpret_cast<const char*>(&words_[word]), sizeof(uint64_t));
  }
  const size_t key_bytes = key.size();
  if (!memo_.insert(std::move(key)).second) {
    return false;
  }
  memo_bytes_ += key_bytes + 64;  // the string and the hash node, roughly
  if (earliest_unplaced_completion() >= invoke_ns_[blocking_] && found_set_.insert(state).second) {
    found_.push_back(state);
  }
  return true;
}

bool Explorer::within_bounds() const {
  return steps_ < limits_.max_steps && memo_.size() < limits_.max_configurations &&
         memo_bytes_ < limits_.max_memory_bytes;
}

ReachableStates Explorer::run() {
  std::vector<Frame> stack;
  stack.push_back({instance_->init(), 0, kNone});
  visit(stack.back().state);
  bool exhaustive = true;
  while (!stack.empty()) {
    if (!within_bounds()) {
      exhaustive = false;
      break;
    }
    Frame& frame = stack.back();
    const int64_t horizon_ns = earliest_unplaced_completion();
    uint32_t op = std::max(frame.cursor, low_);
    while (op < candidates_ && invoke_ns_[op] <= horizon_ns && is_placed(op)) {
      ++op;
    }
    if (op >= candidates_ || invoke_ns_[op] > horizon_ns) {
      const uint32_t placed = frame.placed;
      stack.pop_back();
      if (placed != kNone) {
        unplace(placed);
      }
      continue;
    }
    frame.cursor = op + 1;
    ++steps_;
    const Step step = instance_->step(frame.state, op);
    if (!step.legal) {
      continue;
    }
    place(op);
    if (!visit(step.next)) {
      unplace(op);
      continue;
    }
    stack.push_back({step.next, 0, op});
  }
  return result(exhaustive);
}

ReachableStates Explorer::result(bool exhaustive) const {
  ReachableStates reachable;
  reachable.found = found_.size();
  reachable.exhaustive = exhaustive;
  reachable.steps = steps_;
  for (size_t i = 0; i < found_.size() && i < limits_.max_states_shown; ++i) {
    reachable.shown.push_back({instance_->describe_state(found_[i]), instance_->step(found_[i], blocking_).legal});
  }
  std::sort(reachable.shown.begin(), reachable.shown.end(),
            [](const ReachableState& x, const ReachableState& y) { return x.state < y.state; });
  return reachable;
}

}  // namespace

ReachableStates reachable_before(const History& history, std::span<const size_t> ops, const Model& model,
                                 size_t blocking, const ExplainLimits& limits) {
  Explorer explorer(history, ops, model, blocking, limits);
  return explorer.run();
}

}  // namespace consim::checkers::lin
