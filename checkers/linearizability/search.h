// One partition's search (internal to the checker). See checker.h for the contract and
// search.cc for the algorithm and its pruning rules.
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "checkers/linearizability/checker.h"
#include "checkers/linearizability/memo.h"
#include "checkers/linearizability/producers.h"

namespace consim::checkers::lin {

// The budget shared by every partition of one check.
struct Budget {
  CheckOptions options;
  std::chrono::steady_clock::time_point deadline;  // meaningful when options.time_limit_s > 0
  uint64_t steps = 0;
  std::string exhausted;              // set when a budget ran out: why
  size_t memory_bytes_elsewhere = 0;  // held by the other partitions' paused searches

  explicit Budget(const CheckOptions& check_options);
  // False (and `exhausted` set) when the time or step budget is spent.
  bool spend_steps(uint64_t count);
  // False (and `exhausted` set) when a search holding `held` bytes in `memo_entries` entries,
  // with what the other partitions hold, is over the memory budget.
  bool within_memory(size_t held, size_t memo_entries);
};

struct SearchOutcome {
  Verdict verdict = Verdict::unknown;
  uint64_t steps = 0;
  size_t memo_entries = 0;
  // When not linearizable: indices into History::operations.
  size_t blocking_operation = 0;
  std::vector<size_t> longest_prefix;
  std::string state;
};

// Searches for a linearization of history.operations[ops] (none of them ignored by `model`),
// in slices, so that the checker can interleave partitions.
class Search {
 public:
  Search(const History& history, const std::vector<size_t>& ops, const Model& model, Budget& budget);

  // Runs at most about `max_steps` more model steps. Returns the outcome when the search is
  // over (a verdict, or unknown when the budget ran out), nothing when it paused.
  std::optional<SearchOutcome> run(uint64_t max_steps);

  size_t memory_bytes() const;

 private:
  static constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();

  // A required operation's invocation (call) or response (return) in the list of pending events.
  struct Entry {
    int64_t time = 0;
    uint32_t op = 0;  // local operation index (= its bit)
    bool is_call = true;
  };
  // Optional operations that step identically from every state, in invocation order. The
  // search only ever uses the first `used` of them (symmetry: any one would do).
  struct OptionalClass {
    std::vector<uint32_t> ops;  // local operation indices
    uint32_t used = 0;
    bool blind = false;                        // ModelInstance::overwrites
    StateId result = 0;                        // blind: the state it leaves, wherever it starts
    StateId needs = ModelInstance::kAnyState;  // not blind: ModelInstance::only_legal_in
  };
  // Where the enumeration of a configuration's moves stands. Stages, in order: forced moves
  // (rule 1); the urgent operation, the one whose return is first pending (Lowe's
  // just-in-time order); when it is illegal here, the moves after which it is legal, required
  // then optional; every required move by interval midpoint; the optional moves that could
  // matter, by class. A move tried twice finds its configuration in the memo the second time.
  // `position` is an entry (Phase::enable_required), an index into Candidates::calls
  // (Phase::required) or a class (optional phases).
  enum class Phase : uint8_t { fresh, urgent, enable_required, enable_optional, required, optional };
  struct Cursor {
    Phase phase = Phase::fresh;
    int32_t urgent = 0;     // the first return entry in the list (set after Phase::fresh)
    uint32_t position = 0;  // where to go on (see above)
  };
  // One linearized operation on the search path, and what to restore when it is undone.
  struct Frame {
    uint32_t op;
    StateId state_before;
    StateId run_start_before;
    uint32_t optional_set_before;
    Cursor resume;  // the parent configuration's enumeration, after this move
    bool forced;    // the only move worth trying from its configuration: undo it and keep backtracking
    ProducerWatch::Undo produced;
  };
  enum class Outcome : uint8_t { moved, tried, none_left };
  // The orders in which a configuration's moves are tried, built when first needed and kept
  // while its moves are tried: rebuilding them after every failed move would cost more than
  // the moves.
  struct Candidates {
    std::vector<uint32_t> classes;  // in class order
    Phase phase = Phase::fresh;     // the phase they were built for; fresh: not built
    bool any_blind = false;         // every blind class is in
    std::vector<int32_t> calls;     // Phase::required: the call entries, by interval midpoint
    bool calls_built = false;
  };

  void order_operations(const std::vector<size_t>& ops, const Model& model);
  void build_entries();
  void build_classes();
  struct ClassList;
  static ClassList& class_list(std::vector<ClassList>& lists, U64Map& index, StateId state);
  void lift(int32_t call);
  void unlift(int32_t call);
  void set_bit(uint32_t op);
  void clear_bit(uint32_t op);
  bool useless_after_run(uint32_t op, const Step& step);
  bool enter(uint32_t op, Step step, bool forced);
  bool stranded_read(StateId state, uint32_t moved);
  // How far stranded_read looks into the list of pending events.
  static constexpr int kStrandedScanMax = 256;
  bool forced_move(bool* dead_end);
  Outcome try_required(uint32_t op, bool enabling);
  Outcome next_optional(bool enabling);
  const Candidates& optional_candidates(bool enabling);
  Candidates& candidates_here();
  void drop_candidates(size_t depth);
  int32_t next_call();
  Outcome advance();
  bool hopeless(uint32_t op);
  bool changes_a_move(StateId after);
  void find_doomed();
  void record_prefix();
  bool charge();
  bool within_memory();
  void backtrack();
  SearchOutcome fail_outcome() const;

  bool is_optional(uint32_t op) const { return op >= required_; }
  int32_t head() const { return next_[static_cast<size_t>(sentinel_)]; }
  const Entry& entry(int32_t e) const { return entries_[static_cast<size_t>(e)]; }

  const History& history_;
  Budget& budget_;
  std::vector<size_t> global_;  // local op -> index in history.operations; required ops first
  uint32_t required_ = 0;
  std::vector<Entry> entries_;      // required operations only
  std::vector<int32_t> call_of_;    // required op -> its call entry
  std::vector<int32_t> return_of_;  // required op -> its return entry
  std::vector<int32_t> next_, prev_;
  int32_t sentinel_ = 0;
  std::vector<OptionalClass> classes_;  // by their first operation's invocation
  std::vector<uint32_t> class_of_;      // optional op - required_ -> class
  // Indexes of the classes (each list in class order), to find the optional moves that could
  // matter in a configuration without trying every class (see optional_candidates).
  struct ClassList {
    StateId state = 0;
    std::vector<uint32_t> classes;
    uint64_t stamp = 0;  // optional_candidates: wanted in the call with this stamp
  };
  std::vector<ClassList> blind_by_result_;  // blind classes, by the state they leave
  U64Map blind_index_;                      // state -> index in blind_by_result_
  std::vector<ClassList> legal_only_in_;    // classes that are not blind, by their one legal state
  U64Map legal_index_;                      // state -> index in legal_only_in_
  std::vector<uint32_t> blind_;             // all blind classes
  std::vector<uint32_t> legal_in_many_;     // not blind, several legal states
  // The candidates of configurations on the path that built them, by depth (candidates_depth_,
  // increasing); entries from live_candidates_ on are kept for reuse.
  std::vector<Candidates> candidates_;
  std::vector<size_t> candidates_depth_;
  size_t live_candidates_ = 0;
  size_t candidates_bytes_ = 0;   // held by the lists in candidates_
  size_t fixed_bytes_ = 0;        // held by the tables built once, for the memory budget
  std::vector<uint32_t> wanted_;  // scratch for optional_candidates: indices in blind_by_result_
  uint64_t wanted_stamp_ = 0;
  std::vector<int64_t> invoke_ns_;   // local op -> invocation time
  std::vector<bool> overwrites_;     // local op -> ModelInstance::overwrites
  std::vector<bool> observes_only_;  // local op -> Model::observes_only
  std::unique_ptr<ModelInstance> instance_;
  DominanceMemo memo_;
  ProducerWatch producers_;  // rule 7
  OptionalSets optional_sets_;
  std::vector<uint64_t> words_;  // linearized required operations
  uint32_t low_ = 0, high_ = 0;  // words below low_ are all ones; from high_ on, zero
  // Zobrist hash of the linearized required operations that are not observes_only (see
  // DominanceMemo).
  uint64_t bits_hash_ = 0;
  StateId state_ = 0;
  // The state before the optional operations linearized since the last required one (kNone:
  // the last operation linearized was required).
  StateId run_start_ = kNone;
  uint32_t optional_set_ = 0;
  std::vector<Frame> stack_;
  size_t required_left_ = 0;
  Cursor cursor_;
  uint64_t steps_ = 0;
  std::vector<uint32_t> best_;  // longest linearization found (local ops)
  StateId best_state_ = 0;
  size_t dirty_from_ = 0;  // best_ agrees with the stack below this depth
  bool started_ = false;
  uint32_t doomed_ = kNone;       // a required operation no reachable state allows (rule 6)
  std::vector<bool> doomed_ops_;  // every such operation, while the search starts
  bool finished_ = false;         // the doomed operation became urgent: the search is over
  uint64_t charged_ = 0;          // steps already charged to the budget
};

}  // namespace consim::checkers::lin
