// The search for the sequential consistency levels (internal to the checker; see checker.h).
//
// Sequential consistency (Lamport 1979) asks for one total order of the operations that keeps
// each process's program order; real time between processes does not count. ZooKeeper's level
// adds real time back for every operation but a plain read: writes and sync_get are
// linearizable among themselves, while a plain read only keeps its place in its own process.
//
// The search is a depth-first search over configurations (set of placed operations, model
// state) with a memo. The candidates to place next are tried in order of invocation (so a
// history that is linearizable is walked in about its real-time order), and they are:
//   - the next required operation of each process (program order: processes are sequential,
//     so their operations complete in invocation order);
//   - any optional operation (info, pending) of a process once the required operations before
//     it are placed; later operations of the process do not wait for it, and it may never be
//     placed at all;
//   - for an operation of the real-time class (every operation at `linearizable`, none at
//     `sequential`, all but plain reads at `zookeeper`): only once every required real-time-
//     class operation that completed before its invocation is placed. That is checked in
//     O(processes) against each process's earliest completion among its unplaced such
//     operations (kept as suffix minima, since a process places them in program order).
// Ignored operations take no part.
//
// Cost: deciding sequential consistency is NP-complete (Gibbons & Korach 1997), and without
// real time every process may run ahead of the others, so a history that is not consistent can
// take time exponential in the number of processes; the budget then ends it with `unknown`.
// checker.cc first tries the linearizable search, which decides consistent histories fast.
//
// Pruning: an operation the model says never changes the state (Model::observes_only: a read,
// a failed conditional write) is placed at once, with no alternatives, when its step is legal.
// That loses nothing: placing an operation never makes another ineligible, and an order that
// places it later can place it here instead, since it changes no state where it stands. (An
// operation that merely leaves this state unchanged, such as writing the current value, does
// not qualify: later, it could have changed another state.)
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <vector>

#include "checkers/linearizability/checker.h"
#include "checkers/linearizability/memo.h"
#include "checkers/linearizability/search.h"

namespace consim::checkers::lin {

// Plain reads: held to program order only at Consistency::zookeeper.
bool is_plain_read(const Operation& op);

class SequentialSearch {
 public:
  // `ops`: indices into history.operations, none ignored by `model`, any keys.
  SequentialSearch(const History& history, const std::vector<size_t>& ops, const Model& model, Consistency consistency,
                   Budget& budget);

  // Runs at most about `max_steps` more model steps. Returns the outcome when the search is
  // over (a verdict, or unknown when the budget ran out), nothing when it paused.
  std::optional<SearchOutcome> run(uint64_t max_steps);

  size_t memory_bytes() const;

 private:
  static constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();

  struct OpInfo {
    uint32_t process = 0;   // index into processes_
    uint32_t position = 0;  // in its process's program order
    bool required = false;
    bool real_time = false;      // in the real-time class
    bool observes_only = false;  // Model::observes_only
    int64_t invoke_ns = 0;
    int64_t complete_ns = kNeverNs;
  };
  struct Process {
    std::vector<uint32_t> required;               // local ops, program order
    std::vector<uint32_t> optional;               // local ops, program order
    std::vector<uint32_t> real_time;              // the required ones in the real-time class, program order
    std::vector<int64_t> real_time_complete_min;  // [i]: earliest completion among real_time[i..]; then kNeverNs
  };
  // A configuration on the search path. Its candidates are candidates_[begin, end), by
  // invocation, and `next` is the first one not tried yet.
  struct Node {
    uint32_t placed = kNone;  // the operation placed to reach it; kNone at the root
    StateId state_before = 0;
    bool expanded = false;
    uint32_t begin = 0;
    uint32_t end = 0;
    uint32_t next = 0;
  };

  void build(const std::vector<size_t>& ops, const Model& model, Consistency consistency);
  int64_t real_time_bound() const;
  void expand(Node& node);
  uint32_t forced_candidate(const Node& node, Step* step);
  bool try_place(uint32_t op, Step step);
  void place(uint32_t op);
  void unplace(uint32_t op);
  void set_bit(uint32_t op);
  void clear_bit(uint32_t op);
  bool is_placed(uint32_t op) const { return ((words_[op / 64] >> (op % 64)) & 1U) != 0; }
  void record_prefix();
  bool charge();
  bool within_memory();
  SearchOutcome finish(Verdict verdict) const;

  const History& history_;
  Budget& budget_;
  std::vector<size_t> global_;  // local op -> index in history.operations
  std::vector<OpInfo> info_;
  std::vector<Process> processes_;
  std::vector<uint32_t> required_placed_;   // per process: how many of its required ops are placed
  std::vector<uint32_t> real_time_placed_;  // per process: how many of its real-time required ops are placed
  size_t required_left_ = 0;
  std::unique_ptr<ModelInstance> instance_;
  Memo memo_;
  std::vector<uint64_t> words_;
  uint32_t low_ = 0, high_ = 0;  // words below low_ are all ones; from high_ on, zero
  uint64_t bits_hash_ = 0;
  StateId state_ = 0;
  std::vector<Node> stack_;
  std::vector<uint32_t> candidates_;  // the stack's nodes' candidates, in stack order
  std::vector<uint32_t> best_;        // longest order found (local ops)
  StateId best_state_ = 0;
  size_t dirty_from_ = 0;  // best_ agrees with the stack below this depth
  bool started_ = false;
  uint64_t steps_ = 0;
  uint64_t charged_ = 0;
};

}  // namespace consim::checkers::lin
