// One partition's search (internal to the checker). See checker.h for the contract.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "checkers/linearizability/checker.h"
#include "checkers/linearizability/memo.h"

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
  struct Entry {
    int64_t time = 0;
    uint32_t op = 0;  // local operation index (= its bit)
    bool is_call = true;
    int32_t match = -1;  // a call's return entry, -1 when the operation is optional
  };
  struct Frame {
    int32_t entry;
    StateId state_before;
  };

  void order_operations(const std::vector<size_t>& ops, const Model& model);
  void build_entries();
  void lift(int32_t call);
  void unlift(int32_t call);
  void set_bit(uint32_t op);
  void clear_bit(uint32_t op);
  bool try_linearize(int32_t call);
  void record_prefix();
  bool charge();
  bool within_memory();
  void backtrack();
  SearchOutcome fail_outcome() const;

  int32_t head() const { return next_[sentinel_]; }

  const History& history_;
  Budget& budget_;
  std::vector<size_t> global_;  // local op -> index in history.operations; required ops first
  size_t required_ = 0;
  std::vector<Entry> entries_;
  std::vector<int32_t> next_, prev_;
  int32_t sentinel_ = 0;
  std::unique_ptr<ModelInstance> instance_;
  Memo memo_;
  std::vector<uint64_t> words_;
  uint32_t low_ = 0, high_ = 0;  // words below low_ are all ones; from high_ on, zero
  uint64_t bits_hash_ = 0;
  StateId state_ = 0;
  std::vector<Frame> stack_;
  size_t required_left_ = 0;
  uint64_t steps_ = 0;
  std::vector<uint32_t> best_;  // longest linearization found (local ops)
  StateId best_state_ = 0;
  size_t dirty_from_ = 0;  // best_ agrees with the stack below this depth
  bool started_ = false;
  int32_t entry_ = 0;     // where the scan resumes
  uint64_t charged_ = 0;  // steps already charged to the budget
};

}  // namespace consim::checkers::lin
