// Reading a run directory (what `consim run --out DIR` writes) into plain structs: summary.json,
// trace.jsonl and history.jsonl. Every report is rendered from these files alone, never from the
// simulator, so that a user can re-render or post-process any run they kept.
//
// The files are untrusted input: a missing file, a line that is not JSON, a field of the wrong
// type or a time that goes backwards is reported as a ReadError naming the file, the line and the
// problem. Nothing crashes, and no partial result is returned.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace consim::reports {

struct ReadError {
  std::string file;  // the path as it was opened
  size_t line = 0;   // 1-based; 0 when the problem is not on one line (a missing file or field)
  std::string problem;

  // "DIR/trace.jsonl:12: problem", or "DIR/summary.json: problem" without a line.
  std::string describe() const;
};

// A scalar field of a trace record. Nested arrays and objects are kept as their JSON text.
using FieldValue = std::variant<std::monostate, bool, int64_t, uint64_t, double, std::string>;

struct TraceField {
  std::string name;
  FieldValue value;
};

// One line of trace.jsonl: {"t": ns, "node": "n3", "kind": "net.send", ...fields}.
struct TraceRecord {
  int64_t t_ns = 0;
  std::string node;  // empty for records of the whole world (faults)
  std::string kind;
  std::vector<TraceField> fields;  // every other key, in the order of the line
  size_t line = 0;                 // 1-based line in trace.jsonl

  const FieldValue* field(std::string_view name) const;
  // The field as text: a string as it is, a number or a flag printed, "" when absent.
  std::string text(std::string_view name) const;
  // The field as an integer, when it is one.
  std::optional<int64_t> integer(std::string_view name) const;
  bool flag(std::string_view name) const;  // true only for a boolean field that is true
};

// One line of history.jsonl.
struct HistoryRecord {
  int64_t process = 0;
  std::string type;  // invoke, ok, fail, info
  std::string f;
  std::string key;         // empty when the operation has none
  std::string value_json;  // the value as compact JSON ("null", "3", "[1,2]", "\"a\"")
  int64_t time_ns = 0;
  std::string error;  // on fail and info
  std::string node;   // the server that answered, when the recorder says
  size_t line = 0;    // 1-based line in history.jsonl
};

struct CheckSummary {
  std::string name;    // invariants, linearizability, sequential, liveness
  std::string status;  // pass, fail, unknown, skipped
  std::string detail;
};

struct MetricSummary {
  std::string name;   // dotted path: "latency_ms.p99"
  std::string value;  // as JSON prints it
};

struct RunSummary {
  std::string consim_version;
  std::string scenario;
  std::string description;
  std::string file;
  std::string protocol;
  std::string service;
  uint32_t nodes = 0;  // servers n1..nN; higher nN are client hosts
  uint64_t seed = 0;
  double duration_ms = 0;
  std::string read_mode;
  std::vector<std::string> bugs;
  std::string verdict;
  std::vector<CheckSummary> checks;  // in the file's order
  std::string expect_verdict;
  bool expect_held = true;
  std::string expect_detail;
  std::vector<MetricSummary> metrics;  // flattened, in the file's order
  std::string trace_digest;
};

// A place to start reading trace.jsonl from: line number `line` starts at byte `offset`, and no
// record before it is later than t_ns (-1 before the first record).
struct TraceMark {
  int64_t t_ns = -1;
  uint64_t offset = 0;
  size_t line = 1;
};
inline constexpr size_t kTraceMarkLines = 4096;  // a mark every this many records

struct RunFiles {
  std::string dir;
  RunSummary summary;
  std::vector<TraceRecord> trace;      // in file order, which is time order
  int64_t trace_end_ns = 0;            // the time of the trace's last record, kept or not
  std::vector<TraceMark> trace_marks;  // every kTraceMarkLines records, for read_trace_window
  std::vector<HistoryRecord> history;
};

// Whether to keep a trace record, by its kind and time.
using KeepRecord = std::function<bool(std::string_view kind, int64_t t_ns)>;

struct ReadOptions {
  // Trace records to keep; every record when empty. Every line is still parsed and checked, so a
  // filter never hides a malformed file.
  KeepRecord keep_record;
};

// A run directory's files; DIR/summary.json, DIR/trace.jsonl and DIR/history.jsonl must exist.
std::variant<RunFiles, ReadError> read_run_dir(const std::string& dir, const ReadOptions& options = {});
// The records of files.dir's trace.jsonl with times in [from_ns, to_ns] that `options` keeps,
// appended to `records` in file order. It reads from the last of files.trace_marks before the
// window and stops after it, so a window costs what it holds, not what the trace holds.
std::optional<ReadError> read_trace_window(const RunFiles& files, int64_t from_ns, int64_t to_ns,
                                           const ReadOptions& options, std::vector<TraceRecord>* records);

// The same readers on text already at hand; `file` names it in errors. *end_ns, when given, gets
// the time of the trace's last record, and `marks` a mark every kTraceMarkLines records.
std::variant<RunSummary, ReadError> parse_summary(std::string_view text, const std::string& file);
std::optional<ReadError> parse_trace(std::istream& in, const std::string& file, const ReadOptions& options,
                                     std::vector<TraceRecord>* records, int64_t* end_ns = nullptr,
                                     std::vector<TraceMark>* marks = nullptr);
std::optional<ReadError> parse_history(std::istream& in, const std::string& file, std::vector<HistoryRecord>* records);

// "n3" -> 3; 0 for anything else.
uint32_t node_number(std::string_view name);

}  // namespace consim::reports
