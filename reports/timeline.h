// What the reports draw, derived from a run's files: each server's role and term (or ZAB state
// and epoch) over time, its commit progress, the periods of each fault, leader changes, the
// client operations from invocation to completion, and the first invariant violation.
//
// Everything here is computed from RunFiles alone, in file order, so the same files always give
// the same timeline.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "reports/run_files.h"

namespace consim::reports {

// A stretch of time in which a server kept one state. Raft roles: follower, pre_candidate,
// candidate, leader, learner. ZAB states: looking, following, leading, observing (with a phase).
// "down" while the host is crashed.
struct StateSpan {
  int64_t from_ns = 0;
  int64_t to_ns = 0;
  std::string role;
  std::string phase;   // ZAB: election, discovery, sync, broadcast; empty for Raft
  int64_t term = 0;    // Raft term, ZAB epoch
  std::string leader;  // the leader the server knows of, "" for none
};

// A server's commit progress: Raft's commit index, or for ZAB the position of the last
// committed zxid among every zxid committed in the run (labelled epoch:counter).
struct CommitPoint {
  int64_t t_ns = 0;
  int64_t value = 0;
  std::string label;
};

// A fault as a period (partition until the heal or the next partition, crash until restart,
// pause for its length) or, with from_ns == to_ns, an instant (clock, network, disk, heal...).
struct FaultSpan {
  std::string kind;  // partition, cut, heal, crash, pause, clock, network, disk, crash_point, ...
  std::string label;
  std::vector<uint32_t> servers;  // the servers it struck, empty for the whole cluster
  int64_t from_ns = 0;
  int64_t to_ns = 0;
  bool period = false;  // false: an instant
};

struct LeaderChange {
  int64_t t_ns = 0;
  uint32_t server = 0;
  int64_t term = 0;  // Raft term, ZAB epoch
};

// One client operation: its invocation and completion (info and pending ones stay open until
// the end of the run).
struct OperationSpan {
  int64_t process = 0;
  std::string f;
  std::string key;
  std::string value_json;   // the invocation's value
  std::string result_json;  // the completion's value
  std::string outcome;      // ok, fail, info, pending
  std::string error;
  std::string node;
  int64_t invoke_ns = 0;
  int64_t complete_ns = 0;
  size_t invoke_line = 0;    // 1-based lines in history.jsonl
  size_t complete_line = 0;  // 0 when pending
};

struct Violation {
  int64_t t_ns = 0;
  std::string text;
};

struct RunTimeline {
  std::string protocol;  // raft or zab (from the summary, or guessed from the trace kinds)
  uint32_t servers = 0;
  int64_t end_ns = 0;                             // the last time in the trace or the history
  std::vector<std::vector<StateSpan>> states;     // per server, index server - 1
  std::vector<std::vector<CommitPoint>> commits;  // per server
  int64_t commit_max = 0;
  std::vector<FaultSpan> faults;  // by start time, then file order
  std::vector<LeaderChange> leader_changes;
  std::vector<OperationSpan> operations;  // by invocation
  std::optional<Violation> violation;     // the failed invariant, when summary.json gives its time
};

RunTimeline build_timeline(const RunFiles& files);

// The trace kinds build_timeline and the sequence diagram read (for ReadOptions::keep_record).
bool report_kind(std::string_view kind);

// "3000.194" for 3000194628 ns: milliseconds with three decimals.
std::string format_ms(int64_t t_ns);

}  // namespace consim::reports
