// Wing & Gong's search with Lowe's just-in-time linearization, as Porcupine implements it
// (Horn & Kroening's "lift/unlift" on a list of call and return entries):
// scan the entries from the head; at a call, try to linearize that operation now (the model
// step must be legal and the configuration new to the memo), lift it out of the list and
// restart from the head; at a return, the operation returning there was not linearized
// before its response, so undo the most recent choice and try the next entry after it.
//
// Optional operations (unknown outcome) have a call entry and no return entry: nothing ever
// forces them to be linearized, so "never took effect" is a branch like any other, and the
// search succeeds as soon as every required operation is linearized.
#include "checkers/linearizability/search.h"

#include <algorithm>
#include <memory>

#include "base/assert.h"
#include "checkers/linearizability/memo.h"

namespace consim::checkers::lin {

Budget::Budget(const CheckOptions& check_options) : options(check_options) {
  if (options.time_limit_s > 0) {
    deadline = std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                      std::chrono::duration<double>(options.time_limit_s));
  }
}

bool Budget::spend_steps(uint64_t count) {
  steps += count;
  if (options.step_limit != 0 && steps > options.step_limit) {
    exhausted = "step limit of " + std::to_string(options.step_limit) + " model steps reached";
    return false;
  }
  if (options.time_limit_s > 0 && std::chrono::steady_clock::now() > deadline) {
    exhausted = "time limit of " + std::to_string(options.time_limit_s) + " s reached";
    return false;
  }
  return true;
}

namespace {

uint64_t zobrist(uint64_t index) {
  // splitmix64: a fixed, well-mixed key per operation, the same on every run.
  uint64_t z = (index + 1) * 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

constexpr uint64_t kBudgetCheckSteps = 1024;

}  // namespace

Search::Search(const History& history, const std::vector<size_t>& ops, const Model& model, Budget& budget)
    : history_(history), budget_(budget) {
  order_operations(ops, model);
  build_entries();
  std::vector<const Operation*> pointers;
  for (const size_t index : global_) {
    pointers.push_back(&history.operations[index]);
  }
  instance_ = model.instantiate(pointers);
  words_.assign((global_.size() + 63) / 64, 0);
}

void Search::order_operations(const std::vector<size_t>& ops, const Model& model) {
  // Required operations first, by invocation: the memo then stores about one window of bits.
  for (const bool required : {true, false}) {
    for (const size_t index : ops) {
      const Role role = model.role(history_.operations[index]);
      CONSIM_ASSERT(role != Role::ignored);
      if ((role == Role::required) == required) {
        global_.push_back(index);
      }
    }
    if (required) {
      required_ = global_.size();
    }
  }
  std::stable_sort(
      global_.begin(), global_.begin() + static_cast<std::ptrdiff_t>(required_),
      [this](size_t a, size_t b) { return history_.operations[a].invoke_ns < history_.operations[b].invoke_ns; });
}

void Search::build_entries() {
  for (uint32_t op = 0; op < global_.size(); ++op) {
    const Operation& operation = history_.operations[global_[op]];
    entries_.push_back({operation.invoke_ns, op, true, -1});
    if (op < required_) {
      CONSIM_ASSERT(operation.complete_ns >= operation.invoke_ns);
      entries_.push_back({operation.complete_ns, op, false, -1});
    }
  }
  // Closed intervals: at equal times calls come first, so touching operations are concurrent.
  std::sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) {
    if (a.time != b.time) {
      return a.time < b.time;
    }
    if (a.is_call != b.is_call) {
      return a.is_call;
    }
    return a.op < b.op;
  });
  std::vector<int32_t> call_of(global_.size(), -1);
  for (int32_t i = 0; i < static_cast<int32_t>(entries_.size()); ++i) {
    Entry& entry = entries_[static_cast<size_t>(i)];
    if (entry.is_call) {
      call_of[entry.op] = i;
    } else {
      CONSIM_ASSERT(call_of[entry.op] >= 0);
      entries_[static_cast<size_t>(call_of[entry.op])].match = i;
    }
  }
  // A circular doubly linked list with a sentinel after the last entry.
  const auto count = static_cast<int32_t>(entries_.size());
  sentinel_ = count;
  next_.resize(static_cast<size_t>(count) + 1);
  prev_.resize(static_cast<size_t>(count) + 1);
  for (int32_t i = 0; i <= count; ++i) {
    next_[static_cast<size_t>(i)] = i == count ? 0 : i + 1;
    prev_[static_cast<size_t>(i)] = i == 0 ? count : i - 1;
  }
  if (count == 0) {
    next_[0] = prev_[0] = 0;
  }
}

// Dancing links: unlinking call then return and relinking in reverse order restores the list.
void Search::lift(int32_t call) {
  const auto unlink = [this](int32_t e) {
    next_[static_cast<size_t>(prev_[static_cast<size_t>(e)])] = next_[static_cast<size_t>(e)];
    prev_[static_cast<size_t>(next_[static_cast<size_t>(e)])] = prev_[static_cast<size_t>(e)];
  };
  unlink(call);
  const int32_t ret = entries_[static_cast<size_t>(call)].match;
  if (ret >= 0) {
    unlink(ret);
  }
}

void Search::unlift(int32_t call) {
  const auto relink = [this](int32_t e) {
    next_[static_cast<size_t>(prev_[static_cast<size_t>(e)])] = e;
    prev_[static_cast<size_t>(next_[static_cast<size_t>(e)])] = e;
  };
  const int32_t ret = entries_[static_cast<size_t>(call)].match;
  if (ret >= 0) {
    relink(ret);
  }
  relink(call);
}

void Search::set_bit(uint32_t op) {
  const uint32_t word = op / 64;
  words_[word] |= uint64_t{1} << (op % 64);
  bits_hash_ ^= zobrist(op);
  high_ = std::max(high_, word + 1);
  while (low_ < words_.size() && words_[low_] == ~uint64_t{0}) {
    ++low_;
  }
}

void Search::clear_bit(uint32_t op) {
  const uint32_t word = op / 64;
  words_[word] &= ~(uint64_t{1} << (op % 64));
  bits_hash_ ^= zobrist(op);
  low_ = std::min(low_, word);
  while (high_ > low_ && words_[high_ - 1] == 0) {
    --high_;
  }
}

bool Search::try_linearize(int32_t call) {
  const uint32_t op = entries_[static_cast<size_t>(call)].op;
  ++steps_;
  const Step step = instance_->step(state_, op);
  if (!step.legal) {
    return false;
  }
  set_bit(op);
  if (!memo_.insert(bits_hash_, step.next, words_, low_, std::max(low_, high_))) {
    clear_bit(op);
    return false;
  }
  stack_.push_back({call, state_});
  state_ = step.next;
  lift(call);
  if (op < required_) {
    --required_left_;
  }
  return true;
}

void Search::record_prefix() {
  if (stack_.size() <= best_.size()) {
    return;
  }
  best_.resize(stack_.size());
  for (size_t i = dirty_from_; i < stack_.size(); ++i) {
    best_[i] = entries_[static_cast<size_t>(stack_[i].entry)].op;
  }
  best_state_ = state_;
  dirty_from_ = stack_.size();
}

bool Search::charge() {
  const uint64_t spent = steps_ - charged_;
  charged_ = steps_;
  return budget_.spend_steps(spent);
}

size_t Search::memory_bytes() const { return memo_.memory_bytes() + instance_->memory_bytes(); }

bool Search::within_memory() {
  if (memory_bytes() + budget_.memory_bytes_elsewhere <= budget_.options.memory_limit_bytes) {
    return true;
  }
  budget_.exhausted = "memory limit of " + std::to_string(budget_.options.memory_limit_bytes >> 20) +
                      " MiB reached after " + std::to_string(memo_.size()) + " memo entries";
  return false;
}

std::optional<SearchOutcome> Search::run(uint64_t max_steps) {
  if (!started_) {
    started_ = true;
    state_ = instance_->init();
    best_state_ = state_;
    required_left_ = required_;
    entry_ = head();
  }
  const uint64_t pause_at = steps_ + max_steps;
  SearchOutcome outcome;
  while (required_left_ > 0) {
    if (steps_ - charged_ >= kBudgetCheckSteps || steps_ >= pause_at) {
      if (!charge() || !within_memory()) {
        outcome.steps = steps_;
        return outcome;
      }
      if (steps_ >= pause_at) {
        return std::nullopt;
      }
    }
    // Some required operation is unlinearized, so its return entry is ahead: the scan never
    // runs off the end of the list.
    CONSIM_ASSERT(entry_ != sentinel_);
    if (entries_[static_cast<size_t>(entry_)].is_call) {
      if (try_linearize(entry_)) {
        record_prefix();
        entry_ = head();
      } else {
        entry_ = next_[static_cast<size_t>(entry_)];
      }
      continue;
    }
    if (stack_.empty()) {
      charge();
      SearchOutcome failed = fail_outcome();
      failed.steps = steps_;
      failed.memo_entries = memo_.size();
      return failed;
    }
    backtrack();
  }
  charge();
  outcome.verdict = Verdict::linearizable;
  outcome.steps = steps_;
  outcome.memo_entries = memo_.size();
  return outcome;
}

// The operation returning at the scan position was not linearized in time: undo the latest
// choice and try the entries after it.
void Search::backtrack() {
  const Frame frame = stack_.back();
  stack_.pop_back();
  dirty_from_ = std::min(dirty_from_, stack_.size());
  const uint32_t op = entries_[static_cast<size_t>(frame.entry)].op;
  state_ = frame.state_before;
  clear_bit(op);
  unlift(frame.entry);
  if (op < required_) {
    ++required_left_;
  }
  entry_ = next_[static_cast<size_t>(frame.entry)];
}

SearchOutcome Search::fail_outcome() const {
  SearchOutcome outcome;
  outcome.verdict = Verdict::not_linearizable;
  std::vector<bool> placed(global_.size(), false);
  for (const uint32_t op : best_) {
    placed[op] = true;
    outcome.longest_prefix.push_back(global_[op]);
  }
  // The operation that blocks the longest prefix: the first required one to return.
  int64_t earliest = kNeverNs;
  for (uint32_t op = 0; op < required_; ++op) {
    const int64_t complete_ns = history_.operations[global_[op]].complete_ns;
    if (!placed[op] && complete_ns < earliest) {
      earliest = complete_ns;
      outcome.blocking_operation = global_[op];
    }
  }
  outcome.state = instance_->describe_state(best_state_);
  return outcome;
}

}  // namespace consim::checkers::lin
