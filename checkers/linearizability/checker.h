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
#include <vector>

#include "checkers/linearizability/history.h"
#include "checkers/linearizability/model.h"

namespace consim::checkers::lin {

enum class Verdict : uint8_t { linearizable, not_linearizable, unknown };

// "linearizable", "not linearizable", "unknown"
const char* verdict_name(Verdict verdict);

struct CheckOptions {
  double time_limit_s = 0;                      // wall-clock budget for the whole check; 0 = none
  size_t memory_limit_bytes = size_t{1} << 30;  // per partition: memo plus interned states
  uint64_t step_limit = 0;  // model steps for the whole check; 0 = none. Deterministic, unlike the time limit
};

// Why a partition is not linearizable, in terms of the history's operations (indices into
// History::operations).
struct Counterexample {
  std::string key;                     // the partition; empty for an unpartitioned history
  size_t operation = 0;                // the earliest-completing operation no extension of the prefix can place
  std::vector<size_t> longest_prefix;  // the longest linearization the search found, in order
  std::string state;                   // the model's state after that prefix
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
// in a fixed order; the first non-linearizable one ends the check.
CheckResult check(const History& history, const Model& model, const CheckOptions& options = {});

}  // namespace consim::checkers::lin
