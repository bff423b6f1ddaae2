// `consim run`: a scenario in, a verdict, metrics, a trace, a history and a summary out.
//
// A run builds the cluster the scenario names (servers n1..nN hosting the protocol and the
// service, one host per client), starts the clients, fires the faults at their times, stops the
// workload at duration_ms, then heals everything (partitions and cuts removed, crashed servers
// restarted) and checks liveness: a leader within liveness.leader_within_ms, then a probe write
// committed within liveness.commit_within_ms. The checks the scenario enables decide the verdict:
// the online invariants (the run stops at the first violation), linearizability of the history
// (with the model matching the service; `unknown` when the checker's budget runs out, never a
// pass), and liveness. `expect` then says whether that verdict was the one wanted.
//
// Everything depends only on the scenario and the seed: the same pair gives the same trace
// digest and a byte-identical summary.json (nothing in it comes from the wall clock).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "harness/scenario.h"

namespace consim::harness {

struct RunOptions {
  std::optional<uint64_t> seed;     // overrides the scenario's
  std::string out_dir;              // when set: summary.json, trace.jsonl, history.jsonl written here
  std::ostream* explain = nullptr;  // when set: a narrated timeline, line by line, as it happens
  // When set (a terminal): a progress line, rewritten in place every 5% of the simulated time.
  std::ostream* progress = nullptr;
  // Linearizability checker budget, in model steps (deterministic, unlike a time limit).
  uint64_t check_step_limit = 200'000'000;
  std::string version;  // consim's version, for summary.json
  // Keep the history's JSONL in RunReport::history_jsonl (always when out_dir is set). Off, a
  // long run holds its history once, as the checker's operations.
  bool keep_history_text = true;
};

struct CheckOutcome {
  std::string name;    // "invariants", "linearizability", "liveness"
  std::string status;  // "pass", "fail", "unknown", "skipped"
  std::string detail;  // what failed, or what was checked
};

struct RunMetrics {
  double simulated_s = 0;  // simulated time the run covered
  uint64_t events = 0;
  uint64_t invoked = 0;
  uint64_t ok = 0;
  uint64_t fail = 0;
  uint64_t info = 0;
  uint64_t pending = 0;        // invoked, never completed
  uint64_t committed_ops = 0;  // ok writes
  uint64_t ok_reads = 0;
  double throughput_ops_per_s = 0;  // ok operations per simulated second of workload
  double latency_ms_p50 = 0;
  double latency_ms_p90 = 0;
  double latency_ms_p99 = 0;
  double latency_ms_max = 0;
  uint64_t messages = 0;  // protocol messages sent (client traffic excluded)
  uint64_t bytes = 0;
  double messages_per_committed_op = 0;
  double bytes_per_committed_op = 0;
  uint64_t elections = 0;       // campaigns started (candidates, not pre-candidates)
  uint64_t leader_changes = 0;  // times a different node (or term) took over
  uint64_t terms = 0;           // the highest term reached
  double time_without_leader_ms = 0;
  uint64_t stale_reads = 0;  // ok reads that returned a state older than a write acknowledged before they began
  uint64_t faults = 0;
  uint64_t crashes = 0;
  uint64_t fsyncs = 0;
};

struct RunReport {
  std::string scenario;
  uint64_t seed = 0;
  std::string verdict;  // "pass" or "fail": every enabled check passed, or not
  std::vector<CheckOutcome> checks;
  bool expect_held = true;
  std::string expect_detail;  // why expect did not hold
  RunMetrics metrics;
  std::string digest;  // the trace digest, 16 hex digits
  std::string history_jsonl;
  std::string summary_json;  // what summary.json holds

  // 0 when expect held, 1 otherwise (the CLI's exit code).
  int exit_code() const { return expect_held ? 0 : 1; }
};

// Runs the scenario. File problems with `out_dir` are reported as an error string (exit 2).
struct RunResult {
  std::optional<RunReport> report;
  std::string error;
};
RunResult run_scenario(const Scenario& scenario, const RunOptions& options);

// A human summary of a report, for the terminal.
std::string format_report(const RunReport& report);

}  // namespace consim::harness
