// Synthetic client histories for the linearizability checker's tests and benchmarks, in the
// shape the research anchor used against Porcupine (shared/research/linearizability.md §4.5):
// closed-loop clients against one register, or against a key-value store, each operation's
// linearization point drawn inside its interval, so the history is linearizable by
// construction; optionally one read of a value nothing ever wrote, which no linearization can
// explain.
//
// Crashes follow Jepsen: a crashed operation completes as `info` (its outcome unknown; it took
// effect at its linearization point or never, each with probability 1/2) and its process is
// replaced by a fresh process id, as a crashed Jepsen client is.
//
// Deterministic: the same options give the same history on every platform (consim's own Rng,
// no std:: distributions).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "checkers/linearizability/history.h"

namespace consim::checkers::lin {

struct GeneratorOptions {
  bool kv = false;               // false: one register (read, write, cas); true: get, put, append per key
  size_t operations = 1000;      // operations in the history, crashed ones included
  size_t processes = 5;          // clients running at once (crashed clients are replaced)
  double crash_fraction = 0;     // probability that an operation completes as info
  size_t keys = 10;              // kv only: keys, chosen uniformly
  int64_t values = 10;           // register only: written values are drawn from [0, values)
  bool impossible_read = false;  // replace one completed read near the middle by a value never written
  uint64_t seed = 1;
  // Time: each operation lasts [1, latency_ns_max] ns; a client thinks [0, think_ns_max] ns in between.
  int64_t latency_ns_max = 100'000;
  int64_t think_ns_max = 10'000;
};

struct GeneratedHistory {
  History history;  // operations in invocation order, times in ns (format "generated")
  // The index (into history.operations) of the injected impossible read, if any.
  std::optional<size_t> impossible_read;
};

// The checker's model for a generated history: "kv" (initial value "") or "register" (nil).
GeneratedHistory generate_history(const GeneratorOptions& options);

// The history as consim JSONL, one event per line in time order, readable by parse_history.
// Info completions are written at the end: their interval is open to the end either way.
std::string to_jsonl(const History& history);

}  // namespace consim::checkers::lin
