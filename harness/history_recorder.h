// Records every client event as one line of consim's JSONL history (DESIGN.md, "Clients and
// histories"), the format `consim check` reads, and keeps the counts and latencies the run's
// metrics need. Times are global simulated time: real-time order is what linearizability is
// judged on, whatever the nodes' clocks say.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/time.h"
#include "checkers/linearizability/history_parse.h"
#include "harness/client_op.h"

namespace consim::harness {

struct HistoryCounts {
  uint64_t invoked = 0;
  uint64_t ok = 0;
  uint64_t fail = 0;
  uint64_t info = 0;
  uint64_t reads_ok = 0;
  uint64_t writes_ok = 0;  // every ok operation that is not a read
  // Ok reads that saw a state older than a write to their key acknowledged before they were
  // invoked (by revision, or zxid: the service's own order of writes).
  uint64_t stale_reads = 0;
};

class HistoryRecorder {
 public:
  // Without `keep_text`, jsonl() stays empty and only the joined history is kept (long runs
  // that write no history file need not hold it twice).
  explicit HistoryRecorder(bool keep_text = true) : keep_text_(keep_text) {}

  void invoke(uint64_t process, const ClientOp& op, SimTime at);
  // A definite outcome (ok or fail) that `server` ("n2") gave.
  void complete(uint64_t process, const ClientOp& op, const OpOutcome& outcome, SimTime invoked, SimTime at,
                std::string_view server);
  // An operation nobody will ever complete: it may take effect at any time from `at` on, or
  // never (an expiry the harness proposed on a leader's behalf). Not counted as invoked.
  void possible(uint64_t process, const ClientOp& op, SimTime at);
  // The outcome is unknown (timeout); the process retires.
  void info(uint64_t process, const ClientOp& op, std::string_view error, SimTime at);

  const std::string& jsonl() const { return text_; }
  // The same history, joined as `consim check` would parse jsonl(), built as the events came
  // (no text is parsed). Takes it: call once, at the end.
  checkers::lin::History take_history() && { return std::move(builder_).finish(checkers::lin::Format::jsonl); }
  // The first history rule the recorded events broke ("line 7: ..."), which parse_history would
  // report for jsonl() too. Clients never break one; tests that write lines by hand may.
  const std::optional<std::string>& problem() const { return problem_; }
  const HistoryCounts& counts() const { return counts_; }
  // Latency of every ok operation, in nanoseconds of simulated time, in completion order.
  const std::vector<int64_t>& latencies_ns() const { return latencies_ns_; }
  // Completion times of ok writes (for throughput over time).
  const std::vector<int64_t>& write_completions_ns() const { return write_completions_ns_; }

 private:
  // A line of jsonl(): begin, the fields, end. Only with keep_text (the lines are not built at all
  // otherwise).
  void begin(uint64_t process, std::string_view type, const ClientOp& op);
  void end(SimTime at);
  // Feeds the event just written to the builder (the same fields, as values).
  void add_event(uint64_t process, std::string type, const ClientOp& op, checkers::lin::Value value, std::string error,
                 SimTime at);

  // Per key, the ok writes in completion order: when each completed, and the highest revision
  // among it and those before it.
  struct Acknowledged {
    std::vector<int64_t> completed_ns;
    std::vector<int64_t> max_revision;
  };
  bool stale(const ClientOp& op, const OpOutcome& outcome, SimTime invoked) const;

  bool keep_text_;
  std::string text_;
  checkers::lin::HistoryBuilder builder_;
  size_t lines_ = 0;
  std::optional<std::string> problem_;
  std::map<std::string, Acknowledged, std::less<>> acknowledged_;
  HistoryCounts counts_;
  std::vector<int64_t> latencies_ns_;
  std::vector<int64_t> write_completions_ns_;
};

}  // namespace consim::harness
