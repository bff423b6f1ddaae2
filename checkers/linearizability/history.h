// A client history as the linearizability checker sees it: one record per operation, its
// invocation and completion joined (Jepsen's and Porcupine's Operation).
//
// Times are closed intervals, as in Porcupine: an operation completing at t and one invoked at
// t are concurrent. Formats without times (Jepsen logs, EDN without :time) use the event's
// position in the file as its time, which keeps the real-time order the file records.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "checkers/linearizability/value.h"

namespace consim::checkers::lin {

// How an operation ended. `fail` definitely did not happen (unless the model calls the failure
// an observation); `info` and `pending` (no completion at all) may or may not have happened.
enum class Status : uint8_t { ok, fail, info, pending };

const char* status_name(Status status);

constexpr int64_t kNeverNs = std::numeric_limits<int64_t>::max();

struct Operation {
  int64_t process = 0;
  std::string f;  // register/kv: read, write, cas, delete, append (get/put = read/write); znode: see znode_model.h
  Text key;       // empty when the history has no keys
  Value input;    // the invocation's value: written value, [expected, new] for cas
  Value output;   // the completion's value: what a read returned; null when there was none
  Text error;     // optional, on fail and info (e.g. "CompareFailed", "Timeout")
  int64_t version = -1;  // the expected version of a znode set or delete (from the invocation); -1 = any
  int64_t invoke_ns = 0;
  int64_t complete_ns = kNeverNs;  // kNeverNs for info and pending: open to the end of the history
  // Lines are 32-bit (a history of 4G lines would not fit in memory anyway), and the status
  // shares their word: a long history holds many operations.
  uint32_t invoke_line = 0;    // 1-based line of the invocation in the source, for reports
  uint32_t complete_line = 0;  // 0 when the operation never completed
  Status status = Status::pending;

  // "process 3 cas [1 2] -> fail (line 17)"
  std::string describe() const;
};

struct History {
  std::string format;                 // jsonl, jepsen-edn or jepsen-log
  std::vector<Operation> operations;  // in invocation order
};

}  // namespace consim::checkers::lin
