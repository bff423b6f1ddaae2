// The linearizability checker: Wing & Gong's search with Lowe's just-in-time linearization
// and memo (as Porcupine runs it), per key when the model allows (P-compositionality), with
// operations of unknown outcome (info, pending) as first-class optional operations.
//
// Verdicts are honest: `unknown` when a budget ran out, never a pass. The search reads no clock
// except to enforce the time budget, so the time limit is the only nondeterminism, and it can
// only turn a verdict into `unknown`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checkers/linearizability/explain.h"
#include "checkers/linearizability/history.h"
#include "checkers/linearizability/model.h"

namespace consim::checkers::lin {

enum class Verdict : uint8_t { linearizable, not_linearizable, unknown };

// "linearizable", "not linearizable", "unknown"
const char* verdict_name(Verdict verdict);

// What the history is held to.
enum class Consistency : uint8_t {
  linearizable,  // one total order that respects real time (Herlihy & Wing)
  sequential,    // one total order that respects each process's program order only (Lamport)
  // ZooKeeper's promise: writes (and sync_get, every operation but a plain read) are
  // linearizable; plain reads (read, get, exists, children) keep their process's order only.
  zookeeper,
};

// "linearizable", "sequential", "zookeeper"
const char* consistency_name(Consistency consistency);
std::optional<Consistency> consistency_from_name(std::string_view name);

struct CheckOptions {
  Consistency consistency = Consistency::linearizable;
  // Sequential levels: first try the (much faster) linearizable search, which also decides a
  // linearizable history consistent. Tests turn it off to exercise the level's own search.
  bool linearizable_shortcut = true;
  double time_limit_s = 0;                      // wall-clock budget for the whole check; 0 = none
  size_t memory_limit_bytes = size_t{1} << 30;  // per partition: memo plus interned states
  uint64_t step_limit = 0;  // model steps for the whole check; 0 = none. Deterministic, unlike the time limit
  // Model steps spent listing the states reachable before a violation's blocking operation
  // (explain.h); 0 = don't. Not counted in `steps`, and never changes the verdict.
  uint64_t explain_step_limit = 1'000'000;
};

// Why a partition is not linearizable, in terms of the history's operations (indices into
// History::operations).
struct Counterexample {
  std::string key;                     // the partition; empty for an unpartitioned history
  size_t operation = 0;                // the earliest-completing operation no extension of the prefix can place
  std::vector<size_t> longest_prefix;  // the longest linearization the search found, in order
  std::string state;                   // the model's state after that prefix
  // The states in which `operation` could be the next to take effect (explain.h); absent for
  // the sequential levels, whose orders ignore real time, and when CheckOptions turns it off.
  std::optional<ReachableStates> reachable;
};

struct PartitionReport {
  std::string key;
  size_t operations = 0;  // operations searched (ignored ones excluded)
  Verdict verdict = Verdict::unknown;
  uint64_t steps = 0;
  size_t memo_entries = 0;
};

struct CheckResult {
  Verdict verdict = Verdict::unknown;
  std::string reason;  // for unknown: which budget ran out, and where
  std::optional<Counterexample> counterexample;
  std::vector<PartitionReport> partitions;  // in order of each key's first operation
  uint64_t steps = 0;                       // model steps over every partition searched, finished or not
};

// The first operation `model` does not understand, as "line N: problem"; empty when all are fine.
std::optional<std::string> validate_history(const History& history, const Model& model);

// Checks `history` (which must pass validate_history) against `model`. Partitions are checked
// in a fixed order; the first non-linearizable one ends the check. With a consistency other
// than linearizable, the verdict names mean "consistent" and "not consistent" at that level,
// and the history is one partition: sequential consistency is not compositional (each key's
// sub-history may have its own sequential order while no single order exists for all keys),
// so per-key checking would accept histories that are not sequentially consistent.
CheckResult check(const History& history, const Model& model, const CheckOptions& options = {});

}  // namespace consim::checkers::lin
