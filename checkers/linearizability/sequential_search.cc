#include "checkers/linearizability/sequential_search.h"

#include <algorithm>
#include <map>

#include "base/assert.h"

namespace consim::checkers::lin {

bool is_plain_read(const Operation& op) {
  return op.f == "read" || op.f == "get" || op.f == "exists" || op.f == "children";
}

SequentialSearch::SequentialSearch(const History& history, const std::vector<size_t>& ops, const Model& model,
                                   Consistency consistency, Budget& budget)
    : history_(history), budget_(budget) {
  build(ops, model, consistency);
  std::vector<const Operation*> pointers;
  for (const size_t index : global_) {
    pointers.push_back(&history.operations[index]);
  }
  instance_ = model.instantiate(pointers);
  words_.assign((global_.size() + 63) / 64, 0);
}

void SequentialSearch::build(const std::vector<size_t>& ops, const Model& model, Consistency consistency) {
  // Local numbering: required operations first, by invocation, as in Search, so that the memo's
  // bitsets stay short where processes advance together.
  std::vector<size_t> required;
  std::vector<size_t> optional;
  for (const size_t index : ops) {
    const Role role = model.role(history_.operations[index]);
    CONSIM_ASSERT(role != Role::ignored);
    (role == Role::required ? required : optional).push_back(index);
  }
  const auto by_invocation = [this](size_t a, size_t b) {
    return history_.operations[a].invoke_ns < history_.operations[b].invoke_ns;
  };
  std::ranges::stable_sort(required, by_invocation);
  global_ = required;
  global_.insert(global_.end(), optional.begin(), optional.end());
  required_left_ = required.size();

  // Program order: a process's operations in the order of the history (invocation order).
  std::vector<uint32_t> local(global_.size());
  for (uint32_t op = 0; op < global_.size(); ++op) {
    local[op] = op;
  }
  std::ranges::sort(local, [this](uint32_t a, uint32_t b) { return global_[a] < global_[b]; });
  std::map<int64_t, uint32_t> process_index;  // by process id: a fixed scan order
  for (const size_t index : global_) {
    process_index.emplace(history_.operations[index].process, 0);
  }
  uint32_t next_index = 0;
  for (auto& entry : process_index) {
    entry.second = next_index++;
  }
  processes_.resize(process_index.size());
  info_.resize(global_.size());
  std::vector<uint32_t> positions(processes_.size(), 0);
  for (const uint32_t op : local) {
    const Operation& operation = history_.operations[global_[op]];
    OpInfo& info = info_[op];
    info.process = process_index.at(operation.process);
    info.position = positions[info.process]++;
    info.required = op < required.size();
    info.observes_only = model.observes_only(operation);
    info.real_time = consistency == Consistency::linearizable ||
                     (consistency == Consistency::zookeeper && !is_plain_read(operation));
    info.invoke_ns = operation.invoke_ns;
    info.complete_ns = operation.complete_ns;
    Process& process = processes_[info.process];
    (info.required ? process.required : process.optional).push_back(op);
    if (info.required && info.real_time) {
      process.real_time.push_back(op);
    }
  }
  for (Process& process : processes_) {
    process.real_time_complete_min.assign(process.real_time.size() + 1, kNeverNs);
    for (size_t i = process.real_time.size(); i-- > 0;) {
      process.real_time_complete_min[i] =
          std::min(process.real_time_complete_min[i + 1], info_[process.real_time[i]].complete_ns);
    }
  }
  required_placed_.assign(processes_.size(), 0);
  real_time_placed_.assign(processes_.size(), 0);
}

// Real-time-class candidates must be invoked no later than this: the earliest completion of an
// unplaced required real-time-class operation (closed intervals: touching is concurrent).
int64_t SequentialSearch::real_time_bound() const {
  int64_t bound = kNeverNs;
  for (size_t p = 0; p < processes_.size(); ++p) {
    bound = std::min(bound, processes_[p].real_time_complete_min[real_time_placed_[p]]);
  }
  return bound;
}

// Lists `node`'s candidates at the end of candidates_, by invocation: per process, its
// unplaced optional operations whose required predecessors are placed, and its next required
// operation; real-time-class ones only when no earlier-completed one is left to place.
void SequentialSearch::expand(Node& node) {
  const int64_t bound_ns = real_time_bound();
  node.expanded = true;
  node.begin = static_cast<uint32_t>(candidates_.size());
  const auto add = [&](uint32_t op) {
    if (!info_[op].real_time || info_[op].invoke_ns <= bound_ns) {
      candidates_.push_back(op);
    }
  };
  for (size_t p = 0; p < processes_.size(); ++p) {
    const Process& process = processes_[p];
    const uint32_t placed = required_placed_[p];
    const uint32_t next_required = placed < process.required.size() ? process.required[placed] : kNone;
    for (const uint32_t op : process.optional) {
      if (next_required != kNone && info_[op].position > info_[next_required].position) {
        break;  // the rest wait for next_required
      }
      if (!is_placed(op)) {
        add(op);
      }
    }
    if (next_required != kNone) {
      add(next_required);
    }
  }
  node.end = static_cast<uint32_t>(candidates_.size());
  node.next = node.begin;
  std::sort(candidates_.begin() + node.begin, candidates_.end(), [this](uint32_t a, uint32_t b) {
    return info_[a].invoke_ns != info_[b].invoke_ns ? info_[a].invoke_ns < info_[b].invoke_ns : a < b;
  });
}

// The first candidate that only observes and whose step is legal (see the header), or kNone.
uint32_t SequentialSearch::forced_candidate(const Node& node, Step* step) {
  for (uint32_t i = node.begin; i < node.end; ++i) {
    const uint32_t op = candidates_[i];
    if (!info_[op].observes_only) {
      continue;
    }
    ++steps_;
    *step = instance_->step(state_, op);
    if (step->legal) {
      CONSIM_ASSERT(step->next == state_);
      return op;
    }
  }
  return kNone;
}

void SequentialSearch::set_bit(uint32_t op) {
  const uint32_t word = op / 64;
  words_[word] |= uint64_t{1} << (op % 64);
  bits_hash_ ^= zobrist(op);
  high_ = std::max(high_, word + 1);
  while (low_ < words_.size() && words_[low_] == ~uint64_t{0}) {
    ++low_;
  }
}

void SequentialSearch::clear_bit(uint32_t op) {
  const uint32_t word = op / 64;
  words_[word] &= ~(uint64_t{1} << (op % 64));
  bits_hash_ ^= zobrist(op);
  low_ = std::min(low_, word);
  while (high_ > low_ && words_[high_ - 1] == 0) {
    --high_;
  }
}

void SequentialSearch::place(uint32_t op) {
  const OpInfo& info = info_[op];
  set_bit(op);
  if (info.required) {
    const Process& process = processes_[info.process];
    CONSIM_ASSERT(process.required[required_placed_[info.process]] == op);
    ++required_placed_[info.process];
    --required_left_;
    if (info.real_time) {
      CONSIM_ASSERT(process.real_time[real_time_placed_[info.process]] == op);
      ++real_time_placed_[info.process];
    }
  }
}

void SequentialSearch::unplace(uint32_t op) {
  const OpInfo& info = info_[op];
  clear_bit(op);
  if (info.required) {
    CONSIM_ASSERT(required_placed_[info.process] > 0);
    --required_placed_[info.process];
    ++required_left_;
    if (info.real_time) {
      CONSIM_ASSERT(real_time_placed_[info.process] > 0);
      --real_time_placed_[info.process];
    }
  }
}

// Places `op` (its step legal) unless the configuration it leads to was explored already.
bool SequentialSearch::try_place(uint32_t op, Step step) {
  CONSIM_ASSERT(step.legal);
  place(op);
  if (!memo_.insert(bits_hash_, step.next, words_, low_, std::max(low_, high_))) {
    unplace(op);
    return false;
  }
  stack_.push_back({op, state_, false, 0, 0, 0});
  state_ = step.next;
  record_prefix();
  return true;
}

void SequentialSearch::record_prefix() {
  const size_t depth = stack_.size() - 1;  // the root places nothing
  if (depth <= best_.size()) {
    return;
  }
  best_.resize(depth);
  for (size_t i = dirty_from_; i < depth; ++i) {
    best_[i] = stack_[i + 1].placed;
  }
  best_state_ = state_;
  dirty_from_ = depth;
}

bool SequentialSearch::charge() {
  const uint64_t spent = steps_ - charged_;
  charged_ = steps_;
  return budget_.spend_steps(spent);
}

size_t SequentialSearch::memory_bytes() const {
  return memo_.memory_bytes() + instance_->memory_bytes() + stack_.capacity() * sizeof(Node) +
         (best_.capacity() + candidates_.capacity()) * sizeof(uint32_t);
}

bool SequentialSearch::within_memory() { return budget_.within_memory(memory_bytes(), memo_.size()); }

std::optional<SearchOutcome> SequentialSearch::run(uint64_t max_steps) {
  if (!started_) {
    started_ = true;
    state_ = instance_->init();
    best_state_ = state_;
    stack_.push_back({});
  }
  const uint64_t pause_at = max_steps > ~uint64_t{0} - steps_ ? ~uint64_t{0} : steps_ + max_steps;
  while (required_left_ > 0) {
    if (steps_ - charged_ >= kBudgetCheckSteps || steps_ >= pause_at) {
      if (!charge() || !within_memory()) {
        return finish(Verdict::unknown);
      }
      if (steps_ >= pause_at) {
        return std::nullopt;
      }
    }
    Node& node = stack_.back();
    uint32_t op = kNone;
    Step step;
    if (!node.expanded) {
      expand(node);
      op = forced_candidate(node, &step);
      if (op != kNone) {
        node.next = node.end;  // no alternatives to a forced move
      }
    }
    if (op == kNone && node.next < node.end) {
      op = candidates_[node.next++];
      ++steps_;
      step = instance_->step(state_, op);
    }
    if (op != kNone) {
      if (step.legal) {
        try_place(op, step);  // invalidates `node`
      }
      continue;
    }
    // Every candidate here has been tried: undo the move that led here.
    if (stack_.size() == 1) {
      charge();
      return finish(Verdict::not_linearizable);
    }
    const Node done = stack_.back();
    stack_.pop_back();
    candidates_.resize(done.begin);
    unplace(done.placed);
    state_ = done.state_before;
    dirty_from_ = std::min(dirty_from_, stack_.size() - 1);
  }
  charge();
  return finish(Verdict::linearizable);
}

SearchOutcome SequentialSearch::finish(Verdict verdict) const {
  SearchOutcome outcome;
  outcome.verdict = verdict;
  outcome.steps = steps_;
  outcome.memo_entries = memo_.size();
  if (verdict != Verdict::not_linearizable) {
    return outcome;
  }
  std::vector<bool> placed(global_.size(), false);
  for (const uint32_t op : best_) {
    placed[op] = true;
    outcome.longest_prefix.push_back(global_[op]);
  }
  // The operation that blocks the longest order: the first required one to return.
  bool found = false;
  for (uint32_t op = 0; op < global_.size(); ++op) {
    const OpInfo& info = info_[op];
    if (info.required && !placed[op] && (!found || info.complete_ns < info_[outcome.blocking_operation].complete_ns)) {
      found = true;
      outcome.blocking_operation = op;
    }
  }
  CONSIM_ASSERT(found);
  outcome.blocking_operation = global_[outcome.blocking_operation];
  outcome.state = instance_->describe_state(best_state_);
  return outcome;
}

}  // namespace consim::checkers::lin
