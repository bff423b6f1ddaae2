// Wing & Gong's search with Lowe's just-in-time linearization, as Porcupine runs it (Horn &
// Kroening's "lift/unlift" on a list of call and return entries), plus first-class optional
// operations and pruning rules that keep crash-heavy histories tractable.
//
// A configuration is (D, s, C): the required operations linearized, the model state, and the
// optional operations used. Its moves are: a required operation whose call precedes the first
// pending return (invoked before any unlinearized operation responded), or an optional one
// (info, pending: no return, so it may take effect at any point after its invocation, or
// never) invoked by then. A move is made when the model's step is legal and the memo has not
// seen a configuration that dominates the one it leads to; a configuration with no move left
// backtracks; the search succeeds when every required operation is linearized.
//
// Dominance (DominanceMemo): (D, s, C) dominates (D', s, C') when C ⊆ C' and D ⊇ D' with
// only read-only operations (Model::observes_only) in D \ D': every continuation of the second
// is one of the first, as unused optional operations may stay unused and read-only ones change
// nothing. A dominated configuration can succeed only if the dominating one can, so it is
// never explored twice; each rule below skips a move whose configuration is dominated by one
// that is explored anyway, or that cannot lead anywhere.
//
// Move order (Cursor): the urgent operation (the one whose return is first pending) first, as
// Lowe's just-in-time linearization does; when it is illegal, the moves after which it is
// legal; then every required move, by the midpoint of its interval (the likeliest order of
// linearization points), then the optional moves that could matter (rule 3).
//  1. Forced moves. A legal move by a read-only operation is taken first and alone: any
//     linearization that places it later can place it now, as nothing after it then sees a
//     different state and its real-time predecessors are all placed (it is a move).
//     Backtracking past it backtracks further. (An operation that merely leaves *this* state
//     alone, such as a write of the current value, does not qualify: later it would not.)
//  2. Symmetry. Optional operations the model puts in one effect class (two writes of 3) are
//     used in invocation order: the earliest unused one is available whenever a later one is.
//  3. Useless optional moves. An optional move that leaves the state unchanged, or returns it
//     to the state before the run of optional moves it extends, reaches a configuration
//     dominated by one on the path. Nor is an optional move tried (but to enable the urgent
//     operation) when no move that could follow it steps otherwise after it than here: a
//     shortest linearization never contains such a move, as following the next move straight
//     away reaches a configuration that dominates.
//  4. Useless runs. A required move q made right after a run of optional moves that started in
//     state p (configuration P) is skipped when q steps from p to the same state: what it
//     reaches is dominated by what q reaches straight from P, a move P tries too. Likewise a
//     blind write (ModelInstance::overwrites) never extends a run: it erases what the run did,
//     and P tries it too.
//  5. Hopeless reads. A required operation g that may move (or is urgent) is illegal here, and
//     the model says that no sequence of operations that do not overwrite makes it legal
//     (ModelInstance::can_become_legal: an append-only string that is not a prefix of what the
//     read returned), neither from here nor from what any unlinearized operation that
//     overwrites and is invoked before g returns would write (a blind write's next state does
//     not depend on where it starts). The configuration is a dead end: whatever moves before g
//     ends with a run of operations that do not overwrite, from here or from the last
//     overwrite's value.
//  6. Doomed operations. A required operation legal in no state the history can reach from the
//     initial one (a read of a value nothing writes) makes the history not linearizable. The
//     search then only descends until that operation may move, for a long prefix to report.
//  7. Values nobody can produce in time (ProducerWatch, producers.h). When the model says which
//     state each operation leaves (registers), a configuration is a dead end when a required
//     operation legal in one state only (a read of v) is unlinearized, the state is not v, and
//     no unlinearized or unused operation that leaves v is invoked before it completes. The
//     move that leads there is not made (its prefix still counts for the report).
// The rapidcheck property in tests/checkers holds the whole against a brute-force checker.
#include "checkers/linearizability/search.h"

#include <algorithm>
#include <memory>
#include <unordered_map>
#include <utility>

#include "base/assert.h"
#include "checkers/linearizability/memo.h"

namespace consim::checkers::lin {

Budget::Budget(const CheckOptions& check_options) : options(check_options) {
  if (options.time_limit_s > 0) {
    deadline = std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                      std::chrono::duration<double>(options.time_limit_s));
  }
}

bool Budget::within_memory(size_t held, size_t memo_entries) {
  if (held + memory_bytes_elsewhere <= options.memory_limit_bytes) {
    return true;
  }
  exhausted = "memory limit of " + std::to_string(options.memory_limit_bytes >> 20) + " MiB reached after " +
              std::to_string(memo_entries) + " memo entries";
  return false;
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

Search::Search(const History& history, const std::vector<size_t>& ops, const Model& model, Budget& budget)
    : history_(history), budget_(budget) {
  order_operations(ops, model);
  build_entries();
  std::vector<const Operation*> pointers;
  pointers.reserve(global_.size());
  for (const size_t index : global_) {
    pointers.push_back(&history.operations[index]);
  }
  instance_ = model.instantiate(pointers);
  build_classes();
  words_.assign((required_ + 63) / 64, 0);
  std::vector<uint64_t> read_only(words_.size(), 0);
  for (uint32_t op = 0; op < required_; ++op) {
    read_only[op / 64] |= observes_only_[op] ? uint64_t{1} << (op % 64) : 0;
  }
  memo_ = DominanceMemo(std::move(read_only));
  fixed_bytes_ = entries_.capacity() * sizeof(Entry) +
                 (next_.capacity() + prev_.capacity() + call_of_.capacity() + return_of_.capacity()) * sizeof(int32_t) +
                 global_.capacity() * sizeof(size_t) + invoke_ns_.capacity() * sizeof(int64_t) +
                 (class_of_.capacity() + words_.size() * 3) * sizeof(uint64_t) +
                 classes_.capacity() * sizeof(OptionalClass) + (global_.size() - required_) * sizeof(uint32_t);
}

void Search::order_operations(const std::vector<size_t>& ops, const Model& model) {
  // Required operations first, by invocation: the memo then stores about one window of bits.
  // Sorting (invocation time, index) pairs keeps the sort away from the operations themselves.
  std::vector<std::pair<int64_t, size_t>> required;
  std::vector<std::pair<int64_t, size_t>> optional;
  required.reserve(ops.size());
  for (const size_t index : ops) {
    const Operation& op = history_.operations[index];
    const Role role = model.role(op);
    CONSIM_ASSERT(role != Role::ignored);
    (role == Role::required ? required : optional).emplace_back(op.invoke_ns, index);
  }
  for (auto* part : {&required, &optional}) {
    sort_nearly_sorted(*part, std::less<>());  // ties keep history order: the index breaks them
  }
  CONSIM_ASSERT(required.size() + optional.size() < kNone);
  required_ = static_cast<uint32_t>(required.size());
  global_.reserve(ops.size());
  invoke_ns_.reserve(ops.size());
  observes_only_.reserve(ops.size());
  for (const auto* part : {&required, &optional}) {
    for (const auto& [invoke_ns, index] : *part) {
      global_.push_back(index);
      invoke_ns_.push_back(invoke_ns);
      observes_only_.push_back(model.observes_only(history_.operations[index]));
    }
  }
}

void Search::build_entries() {
  // Calls are already in invocation order; returns are sorted on their own and merged in.
  // Closed intervals: at equal times calls come first, so touching operations are concurrent.
  std::vector<std::pair<int64_t, uint32_t>> returns;
  returns.reserve(required_);
  for (uint32_t op = 0; op < required_; ++op) {
    const int64_t complete_ns = history_.operations[global_[op]].complete_ns;
    CONSIM_ASSERT(complete_ns >= invoke_ns_[op]);
    returns.emplace_back(complete_ns, op);
  }
  sort_nearly_sorted(returns, std::less<>());
  entries_.reserve(2 * size_t{required_});
  size_t next_return = 0;
  for (uint32_t op = 0; op <= required_; ++op) {
    while (next_return < returns.size() && (op == required_ || returns[next_return].first < invoke_ns_[op])) {
      entries_.push_back({returns[next_return].first, returns[next_return].second, false});
      ++next_return;
    }
    if (op < required_) {
      entries_.push_back({invoke_ns_[op], op, true});
    }
  }
  call_of_.assign(required_, -1);
  return_of_.assign(required_, -1);
  for (int32_t i = 0; i < static_cast<int32_t>(entries_.size()); ++i) {
    Entry& entry = entries_[static_cast<size_t>(i)];
    if (entry.is_call) {
      call_of_[entry.op] = i;
    } else {
      CONSIM_ASSERT(call_of_[entry.op] >= 0);
      return_of_[entry.op] = i;
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

Search::ClassList& Search::class_list(std::vector<ClassList>& lists, U64Map& index, StateId state) {
  if (const uint32_t* found = index.find(state)) {
    return lists[*found];
  }
  index.insert(state, static_cast<uint32_t>(lists.size()));
  lists.push_back({state, {}, 0});
  return lists.back();
}

void Search::build_classes() {
  overwrites_.resize(global_.size());
  for (uint32_t op = 0; op < global_.size(); ++op) {
    overwrites_[op] = instance_->overwrites(op);
  }
  std::unordered_map<uint32_t, uint32_t> by_effect;  // the model's effect class -> index in classes_
  for (auto op = static_cast<uint32_t>(required_); op < global_.size(); ++op) {
    const uint32_t effect = instance_->effect_class(op);
    uint32_t index = static_cast<uint32_t>(classes_.size());
    if (effect != 0) {
      index = by_effect.emplace(effect, index).first->second;
    }
    if (index == classes_.size()) {
      classes_.emplace_back();
    }
    classes_[index].ops.push_back(op);
    class_of_.push_back(index);
  }
  const StateId initial = instance_->init();
  for (uint32_t index = 0; index < classes_.size(); ++index) {
    OptionalClass& c = classes_[index];
    const uint32_t op = c.ops.front();
    c.blind = overwrites_[op];
    if (c.blind) {
      c.result = instance_->step(initial, op).next;
      class_list(blind_by_result_, blind_index_, c.result).classes.push_back(index);
      blind_.push_back(index);
    } else {
      c.needs = instance_->only_legal_in(op);
      (c.needs == ModelInstance::kAnyState ? legal_in_many_ : class_list(legal_only_in_, legal_index_, c.needs).classes)
          .push_back(index);
    }
  }
}

// Dancing links: unlinking call then return and relinking in reverse order restores the list.
void Search::lift(int32_t call) {
  const auto unlink = [this](int32_t e) {
    next_[static_cast<size_t>(prev_[static_cast<size_t>(e)])] = next_[static_cast<size_t>(e)];
    prev_[static_cast<size_t>(next_[static_cast<size_t>(e)])] = prev_[static_cast<size_t>(e)];
  };
  unlink(call);
  unlink(return_of_[entries_[static_cast<size_t>(call)].op]);
}

void Search::unlift(int32_t call) {
  const auto relink = [this](int32_t e) {
    next_[static_cast<size_t>(prev_[static_cast<size_t>(e)])] = e;
    prev_[static_cast<size_t>(next_[static_cast<size_t>(e)])] = e;
  };
  relink(return_of_[entries_[static_cast<size_t>(call)].op]);
  relink(call);
}

void Search::set_bit(uint32_t op) {
  const uint32_t word = op / 64;
  words_[word] |= uint64_t{1} << (op % 64);
  bits_hash_ ^= observes_only_[op] ? 0 : zobrist(op);
  high_ = std::max(high_, word + 1);
  while (low_ < words_.size() && words_[low_] == ~uint64_t{0}) {
    ++low_;
  }
}

void Search::clear_bit(uint32_t op) {
  const uint32_t word = op / 64;
  words_[word] &= ~(uint64_t{1} << (op % 64));
  bits_hash_ ^= observes_only_[op] ? 0 : zobrist(op);
  low_ = std::min(low_, word);
  while (high_ > low_ && words_[high_ - 1] == 0) {
    --high_;
  }
}

// Rule 4: `op` (required, legal with `step` here) after a run of optional moves that did not
// change what it does.
bool Search::useless_after_run(uint32_t op, const Step& step) {
  if (run_start_ == kNone) {
    return false;
  }
  ++steps_;
  const Step straight = instance_->step(run_start_, op);
  return straight.legal && straight.next == step.next;
}

// Rule 7, second half: in `state`, the first operation that needs it can no longer have it
// brought back (ProducerWatch::stranded), yet some unlinearized operation that changes the
// state must precede it in real time. `moved` is linearized already but still in the list.
bool Search::stranded_read(StateId state, uint32_t moved) {
  const uint32_t needy = producers_.stranded(state);
  if (needy == ProducerWatch::kNone) {
    return false;
  }
  const int32_t call = call_of_[needy];
  int scanned = 0;
  for (int32_t e = head(); e != call && scanned < kStrandedScanMax; e = next_[static_cast<size_t>(e)], ++scanned) {
    const uint32_t op = entry(e).op;
    if (!entry(e).is_call && op != moved && producers_.changes_state(op)) {
      return true;
    }
  }
  return false;
}

// Makes the move `op` if the configuration it leads to is new.
bool Search::enter(uint32_t op, Step step, bool forced) {
  const bool optional = is_optional(op);
  uint32_t optional_set = optional_set_;
  if (optional) {
    optional_set = optional_sets_.with(optional_set_, op);
  } else {
    set_bit(op);
  }
  const ProducerWatch::Undo produced = producers_.take(op);
  const bool dead = producers_.dead(step.next) || stranded_read(step.next, op);
  if (dead || !memo_.insert(bits_hash_, step.next, words_, low_, std::max(low_, high_), optional_set, optional_sets_)) {
    if (dead && stack_.size() + 1 > best_.size()) {
      // Still a linearizable prefix, one that cannot be completed: worth reporting (rule 7).
      best_.resize(stack_.size());
      for (size_t i = dirty_from_; i < stack_.size(); ++i) {
        best_[i] = stack_[i].op;
      }
      best_.push_back(op);
      best_state_ = step.next;
      dirty_from_ = stack_.size();
    }
    producers_.give_back(op, produced);
    if (!optional) {
      clear_bit(op);
    }
    return false;
  }
  stack_.push_back({op, state_, run_start_, optional_set_, cursor_, forced, produced});
  if (optional) {
    ++classes_[class_of_[op - required_]].used;
    run_start_ = run_start_ == kNone ? state_ : run_start_;
    optional_set_ = optional_set;
  } else {
    lift(call_of_[op]);
    --required_left_;
    run_start_ = kNone;
  }
  state_ = step.next;
  cursor_ = Cursor{};
  drop_candidates(stack_.size());  // built for an earlier configuration at this depth
  record_prefix();
  return true;
}

// Rules 1 and 5 on a configuration just reached, for the read-only operations that may move.
// Returns true when it made a forced move; sets `dead_end` when the forced move leads to a
// configuration already explored, or when one of them can never become legal.
bool Search::forced_move(bool* dead_end) {
  for (int32_t e = head(); entry(e).is_call; e = next_[static_cast<size_t>(e)]) {
    const uint32_t op = entry(e).op;
    if (op == doomed_) {
      // Rule 6: everything that can precede it is on the stack.
      finished_ = true;
      *dead_end = true;
      return false;
    }
    if (!observes_only_[op]) {
      continue;
    }
    ++steps_;
    const Step step = instance_->step(state_, op);
    CONSIM_ASSERT(!step.legal || step.next == state_);
    if (!step.legal && hopeless(op)) {
      *dead_end = true;  // rule 5
      return false;
    }
    if (!step.legal || useless_after_run(op, step)) {
      continue;
    }
    if (enter(op, step, true)) {
      return true;
    }
    *dead_end = true;
    return false;
  }
  return false;
}

// Tries the required move `op`; with `enabling`, only if the urgent operation is legal after it.
Search::Outcome Search::try_required(uint32_t op, bool enabling) {
  ++steps_;
  const Step step = instance_->step(state_, op);
  if (!step.legal || useless_after_run(op, step)) {
    return Outcome::tried;
  }
  if (enabling) {
    ++steps_;
    if (!instance_->step(step.next, entry(cursor_.urgent).op).legal) {
      return Outcome::tried;
    }
  }
  return enter(op, step, false) ? Outcome::moved : Outcome::tried;
}

// Most configurations on a long path never build their candidates (their urgent move
// succeeds), so only those that do keep them: entries in order of depth, reused.
Search::Candidates& Search::candidates_here() {
  const size_t depth = stack_.size();
  if (live_candidates_ > 0 && candidates_depth_[live_candidates_ - 1] == depth) {
    return candidates_[live_candidates_ - 1];
  }
  CONSIM_ASSERT(live_candidates_ == 0 || candidates_depth_[live_candidates_ - 1] < depth);
  if (live_candidates_ == candidates_.size()) {
    candidates_.emplace_back();
    candidates_depth_.push_back(0);
  }
  Candidates& here = candidates_[live_candidates_];
  here.phase = Phase::fresh;
  here.calls_built = false;
  candidates_depth_[live_candidates_] = depth;
  ++live_candidates_;
  return here;
}

// Forgets the candidates of configurations at `depth` and deeper: no longer on the path.
void Search::drop_candidates(size_t depth) {
  while (live_candidates_ > 0 && candidates_depth_[live_candidates_ - 1] >= depth) {
    --live_candidates_;
  }
}

// The next call entry for Phase::required, or -1. Calls are tried by the midpoint of their
// interval: a linearization point is as likely anywhere in it, so that is the likeliest order.
int32_t Search::next_call() {
  Candidates& here = candidates_here();
  if (!here.calls_built) {
    candidates_bytes_ -= here.calls.capacity() * sizeof(int32_t);
    here.calls.clear();
    for (int32_t e = head(); entry(e).is_call; e = next_[static_cast<size_t>(e)]) {
      here.calls.push_back(e);
    }
    const auto midpoint = [this](int32_t call) {
      return entry(call).time / 2 + entry(return_of_[entry(call).op]).time / 2;
    };
    // Ties keep list order, which is entry order (as a stable sort would, without its buffer).
    std::sort(here.calls.begin(), here.calls.end(), [&midpoint](int32_t a, int32_t b) {
      const int64_t ma = midpoint(a);
      const int64_t mb = midpoint(b);
      return ma != mb ? ma < mb : a < b;
    });
    here.calls_built = true;
    candidates_bytes_ += here.calls.capacity() * sizeof(int32_t);
  }
  return cursor_.position < here.calls.size() ? here.calls[cursor_.position++] : -1;
}

// The optional classes worth trying in the current configuration (rule 3), in class order.
// Those that do not overwrite: the ones legal here. Those that overwrite leave a state that
// does not depend on where they start, so only those whose state some possible next move
// needs: the urgent operation's (`enabling`), or, for a plain optional move, the states that
// unlinearized operations invoked by now, or unused optional ones that do not overwrite, are
// legal in only. When some such operation is legal in several states, every blind class.
const Search::Candidates& Search::optional_candidates(bool enabling) {
  Candidates& built = candidates_here();
  const Phase phase = enabling ? Phase::enable_optional : Phase::optional;
  if (built.phase == phase) {
    return built;
  }
  std::vector<uint32_t>& classes = built.classes;
  candidates_bytes_ -= classes.capacity() * sizeof(uint32_t);
  classes.clear();
  wanted_.clear();
  ++wanted_stamp_;
  const int64_t until_ns = entry(cursor_.urgent).time;
  const auto add = [this, until_ns, &classes](const std::vector<uint32_t>& list) {
    for (const uint32_t index : list) {
      if (invoke_ns_[classes_[index].ops.front()] > until_ns) {
        break;  // lists are in class order, which is the order of first invocations
      }
      classes.push_back(index);
    }
  };
  if (const uint32_t* here = legal_index_.find(state_)) {
    add(legal_only_in_[*here].classes);
  }
  add(legal_in_many_);
  bool any_blind = false;
  const auto want = [this, &any_blind](StateId needs) {
    if (needs == ModelInstance::kAnyState) {
      any_blind = true;
      return;
    }
    const uint32_t* found = needs != state_ ? blind_index_.find(needs) : nullptr;
    if (found != nullptr && blind_by_result_[*found].stamp != wanted_stamp_) {
      blind_by_result_[*found].stamp = wanted_stamp_;
      wanted_.push_back(*found);
    }
  };
  if (enabling) {
    want(instance_->only_legal_in(entry(cursor_.urgent).op));
  } else {
    for (int32_t e = head(); entry(e).is_call && !any_blind; e = next_[static_cast<size_t>(e)]) {
      if (!overwrites_[entry(e).op]) {
        want(instance_->only_legal_in(entry(e).op));
      }
    }
    // Lists are in class order, which is the order of first invocations: classes invoked
    // after until_ns end them.
    const auto any_usable = [this, until_ns](const std::vector<uint32_t>& list) {
      for (const uint32_t index : list) {
        const OptionalClass& c = classes_[index];
        if (invoke_ns_[c.ops.front()] > until_ns) {
          return false;
        }
        if (c.used < c.ops.size() && invoke_ns_[c.ops[c.used]] <= until_ns) {
          return true;
        }
      }
      return false;
    };
    for (const ClassList& list : legal_only_in_) {
      if (!any_blind && any_usable(list.classes)) {
        want(list.state);
      }
    }
    any_blind = any_blind || any_usable(legal_in_many_);
  }
  if (any_blind) {
    add(blind_);
  } else {
    for (const uint32_t index : wanted_) {
      add(blind_by_result_[index].classes);
    }
  }
  std::sort(classes.begin(), classes.end());
  classes.erase(std::unique(classes.begin(), classes.end()), classes.end());
  built.any_blind = any_blind;
  built.phase = phase;
  candidates_bytes_ += classes.capacity() * sizeof(uint32_t);
  return built;
}

// Tries optional moves from class cursor_.position on, until one is made or none is left;
// with `enabling`, only those after which the urgent operation is legal.
Search::Outcome Search::next_optional(bool enabling) {
  const Candidates& candidates = optional_candidates(enabling);
  const int64_t until_ns = entry(cursor_.urgent).time;  // optional operations invoked by then may move
  for (auto next = std::lower_bound(candidates.classes.begin(), candidates.classes.end(), cursor_.position);
       next != candidates.classes.end(); ++next) {
    const OptionalClass& c = classes_[*next];
    cursor_.position = *next + 1;
    if (c.used == c.ops.size()) {
      continue;
    }
    const uint32_t op = c.ops[c.used];
    if (invoke_ns_[op] > until_ns || (run_start_ != kNone && c.blind)) {
      continue;
    }
    ++steps_;
    const Step step = instance_->step(state_, op);
    if (!step.legal || step.next == state_ || step.next == run_start_) {
      continue;
    }
    if (enabling) {
      ++steps_;
      if (!instance_->step(step.next, entry(cursor_.urgent).op).legal) {
        continue;
      }
    } else if ((!c.blind || candidates.any_blind) && !changes_a_move(step.next)) {
      continue;  // rule 3; a blind class found by its state changes a move by construction
    }
    if (enter(op, step, false)) {
      return Outcome::moved;
    }
  }
  cursor_.position = static_cast<uint32_t>(classes_.size());
  return Outcome::none_left;
}

// Rule 3: whether some move after an optional one that leads to `after` would step otherwise
// than it does from here. Only required moves and optional ones that do not overwrite can
// follow an optional move (rule 4).
bool Search::changes_a_move(StateId after) {
  const auto changed = [this, after](uint32_t op) {
    steps_ += 2;
    const Step there = instance_->step(after, op);
    if (!there.legal) {
      return false;
    }
    const Step here = instance_->step(state_, op);
    return !here.legal || here.next != there.next;
  };
  for (int32_t e = head(); entry(e).is_call; e = next_[static_cast<size_t>(e)]) {
    if (changed(entry(e).op)) {
      return true;
    }
  }
  const int64_t until_ns = entry(cursor_.urgent).time;
  for (const OptionalClass& c : classes_) {
    if (invoke_ns_[c.ops.front()] > until_ns) {
      break;
    }
    if (c.used < c.ops.size() && !c.blind && invoke_ns_[c.ops[c.used]] <= until_ns && changed(c.ops[c.used])) {
      return true;
    }
  }
  return false;
}

// One step of the enumeration of the current configuration's moves (see Phase).
Search::Outcome Search::advance() {
  switch (cursor_.phase) {
    case Phase::fresh: {
      if (producers_.dead(state_)) {
        return Outcome::none_left;  // rule 7 (checked by enter() on every other configuration)
      }
      bool dead_end = false;
      if (forced_move(&dead_end)) {
        return Outcome::moved;
      }
      if (dead_end) {
        return Outcome::none_left;
      }
      // Some required operation is unlinearized, so its return entry is in the list: scans
      // that stop at the first return never run off the end.
      int32_t e = head();
      while (entry(e).is_call) {
        e = next_[static_cast<size_t>(e)];
      }
      cursor_.urgent = e;
      cursor_.phase = Phase::urgent;
      return Outcome::tried;
    }
    case Phase::urgent: {
      const uint32_t urgent = entry(cursor_.urgent).op;
      ++steps_;
      const Step step = instance_->step(state_, urgent);
      if (!step.legal && hopeless(urgent)) {
        return Outcome::none_left;  // rule 5
      }
      // When the urgent operation is legal here, every move "enables" it: skip those stages.
      cursor_.phase = step.legal ? Phase::required : Phase::enable_required;
      cursor_.position = step.legal ? 0 : static_cast<uint32_t>(head());
      if (!step.legal || useless_after_run(urgent, step)) {
        return Outcome::tried;
      }
      return enter(urgent, step, false) ? Outcome::moved : Outcome::tried;
    }
    case Phase::required: {
      const int32_t e = next_call();
      if (e < 0) {
        cursor_.phase = Phase::optional;
        cursor_.position = 0;
        return Outcome::tried;
      }
      if (entry(e).op == entry(cursor_.urgent).op) {
        return Outcome::tried;  // tried first
      }
      return try_required(entry(e).op, false);
    }
    case Phase::enable_required: {
      const auto e = static_cast<int32_t>(cursor_.position);
      if (!entry(e).is_call) {
        cursor_.phase = Phase::enable_optional;
        cursor_.position = 0;
        return Outcome::tried;
      }
      cursor_.position = static_cast<uint32_t>(next_[static_cast<size_t>(e)]);
      if (entry(e).op == entry(cursor_.urgent).op) {
        return Outcome::tried;  // tried first
      }
      return try_required(entry(e).op, cursor_.phase == Phase::enable_required);
    }
    case Phase::enable_optional:
      if (next_optional(true) == Outcome::moved) {
        return Outcome::moved;
      }
      cursor_.phase = Phase::required;
      cursor_.position = 0;
      return Outcome::tried;
    case Phase::optional:
      return next_optional(false);
  }
  return Outcome::none_left;
}

// Rule 5 for the required operation `op`, unlinearized and illegal here: it can become legal
// neither from here through operations that do not overwrite, nor from what any unlinearized
// operation that overwrites and is invoked before `op` returns would write.
bool Search::hopeless(uint32_t op) {
  if (instance_->can_become_legal(state_, op, false)) {
    return false;
  }
  const auto rescues = [this, op](uint32_t writer) {
    ++steps_;
    const Step written = instance_->step(state_, writer);
    return !written.legal || instance_->can_become_legal(written.next, op, false);
  };
  const int64_t until_ns = history_.operations[global_[op]].complete_ns;
  // The list holds the unlinearized required operations, in time order.
  for (int32_t e = head(); e != sentinel_ && entry(e).time <= until_ns; e = next_[static_cast<size_t>(e)]) {
    if (entry(e).is_call && overwrites_[entry(e).op] && rescues(entry(e).op)) {
      return false;
    }
  }
  for (const OptionalClass& c : classes_) {
    if (invoke_ns_[c.ops.front()] > until_ns) {
      break;
    }
    if (c.used < c.ops.size() && overwrites_[c.ops[c.used]] && invoke_ns_[c.ops[c.used]] <= until_ns &&
        rescues(c.ops[c.used])) {
      return false;
    }
  }
  return true;
}

// Rule 6: a required operation that is legal in no state the history could ever reach.
void Search::find_doomed() {
  int64_t earliest = kNeverNs;
  doomed_ops_.assign(required_, false);
  for (uint32_t op = 0; op < required_; ++op) {
    const int64_t complete_ns = history_.operations[global_[op]].complete_ns;
    if (instance_->can_become_legal(state_, op, true)) {
      continue;
    }
    doomed_ops_[op] = true;
    if (complete_ns < earliest) {
      earliest = complete_ns;
      doomed_ = op;
    }
  }
}

void Search::record_prefix() {
  if (stack_.size() <= best_.size()) {
    return;
  }
  best_.resize(stack_.size());
  for (size_t i = dirty_from_; i < stack_.size(); ++i) {
    best_[i] = stack_[i].op;
  }
  best_state_ = state_;
  dirty_from_ = stack_.size();
}

bool Search::charge() {
  const uint64_t spent = steps_ - charged_;
  charged_ = steps_;
  return budget_.spend_steps(spent);
}

size_t Search::memory_bytes() const {
  return fixed_bytes_ + candidates_bytes_ + producers_.memory_bytes() + candidates_.capacity() * sizeof(Candidates) +
         candidates_depth_.capacity() * sizeof(size_t) + memo_.memory_bytes() + optional_sets_.memory_bytes() +
         instance_->memory_bytes() + stack_.capacity() * sizeof(Frame);
}

bool Search::within_memory() { return budget_.within_memory(memory_bytes(), memo_.size()); }

std::optional<SearchOutcome> Search::run(uint64_t max_steps) {
  if (!started_) {
    started_ = true;
    stack_.reserve(global_.size());  // the deepest path places every operation: never copy it
    state_ = instance_->init();
    best_state_ = state_;
    required_left_ = required_;
    cursor_ = Cursor{};
    find_doomed();
    std::vector<int64_t> complete_ns(global_.size(), kNeverNs);
    for (uint32_t op = 0; op < required_; ++op) {
      complete_ns[op] = history_.operations[global_[op]].complete_ns;
    }
    // Doomed operations are left to rule 6, which keeps a long prefix for the report.
    producers_ = ProducerWatch(*instance_, required_, invoke_ns_, complete_ns, doomed_ops_);
    doomed_ops_ = {};
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
    if (advance() != Outcome::none_left) {
      continue;
    }
    if (stack_.empty() || finished_) {
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

// The current configuration has no move left: undo the move that reached it and resume the
// enumeration of its parent's moves after that one (or keep backtracking past a forced move).
void Search::backtrack() {
  for (;;) {
    CONSIM_ASSERT(!stack_.empty());
    const Frame frame = stack_.back();
    stack_.pop_back();
    dirty_from_ = std::min(dirty_from_, stack_.size());
    state_ = frame.state_before;
    run_start_ = frame.run_start_before;
    cursor_ = frame.resume;
    producers_.give_back(frame.op, frame.produced);
    drop_candidates(stack_.size() + 1);
    if (is_optional(frame.op)) {
      --classes_[class_of_[frame.op - required_]].used;
      optional_set_ = frame.optional_set_before;
    } else {
      clear_bit(frame.op);
      unlift(call_of_[frame.op]);
      ++required_left_;
    }
    if (!frame.forced) {
      return;
    }
    if (stack_.empty()) {
      // The root's only move failed: nothing is left to try anywhere.
      cursor_.phase = Phase::optional;
      cursor_.position = static_cast<uint32_t>(classes_.size());
      return;
    }
  }
}

SearchOutcome Search::fail_outcome() const {
  SearchOutcome outcome;
  outcome.verdict = Verdict::not_linearizable;
  std::vector<bool> placed(global_.size(), false);
  for (const uint32_t op : best_) {
    placed[op] = true;
    outcome.longest_prefix.push_back(global_[op]);
  }
  if (doomed_ != kNone) {
    outcome.blocking_operation = global_[doomed_];
    outcome.state = instance_->describe_state(best_state_);
    return outcome;
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
