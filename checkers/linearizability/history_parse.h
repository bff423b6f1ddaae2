// Reading client histories: consim's JSONL, Jepsen EDN maps (one per line) and Jepsen log
// lines (Porcupine's etcd test data). Untrusted input: every problem is reported with its line,
// nothing crashes, and no partial history is returned.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "checkers/linearizability/history.h"

namespace consim::checkers::lin {

enum class Format : uint8_t { automatic, jsonl, jepsen_edn, jepsen_log };

// "auto", "jsonl", "jepsen-edn", "jepsen-log"
const char* format_name(Format format);
std::optional<Format> format_from_name(std::string_view name);

struct HistoryError {
  size_t line = 0;  // 1-based; 0 when the problem is not on one line
  std::string message;

  // "line 7: unknown type 'done' (expected invoke, ok, fail or info)"
  std::string describe() const;
};

struct ParsedHistory {
  History history;
  std::optional<HistoryError> error;  // when set, `history` is empty
};

// Parses `text`. Format::automatic looks at the first non-blank line: a JSON object is jsonl,
// an EDN map is jepsen-edn, and a file with "jepsen.util - " lines is jepsen-log.
//
// Rules for every format: an invocation opens an operation for its process, which must have
// none open; ok, fail and info complete it (f, and key when given, must match); an invocation
// with no completion is pending. Times (time_ns, or :time in EDN) must be on every event or on
// none, and never decrease; without times, the line number orders events. In jepsen-log,
// `:fail ... :timed-out` means the outcome is unknown, so it becomes info. Events of a
// non-numeric process (Jepsen's :nemesis) are skipped.
ParsedHistory parse_history(std::string_view text, Format format = Format::automatic);

// One event of a history, before invocations and completions are joined: what a line of any
// format says, or what a recorder holding its events in memory says.
struct HistoryEvent {
  int64_t process = 0;
  std::string type;  // invoke, ok, fail, info
  std::string f;     // may be empty on a completion
  std::optional<std::string> key;
  Value value;
  std::optional<int64_t> time_ns;
  std::optional<int64_t> version;  // znode set and delete; read from the invocation only
  std::string error;
};

// Joins events into a History with the rules parse_history enforces for every format (one open
// operation per process, matching completions, times on every event or none, never
// decreasing). A recorder that holds its events feeds them here instead of writing and parsing
// text. add() returns the broken rule, if any; `line` is the event's 1-based position.
class HistoryBuilder {
 public:
  std::optional<std::string> add(size_t line, HistoryEvent event);
  void reserve(size_t operations) { history_.operations.reserve(operations); }
  History finish(Format format) {
    history_.format = format_name(format);
    return std::move(history_);
  }

 private:
  std::optional<std::string> check_time(size_t line, const HistoryEvent& event);
  std::optional<std::string> complete(size_t line, HistoryEvent& event);

  History history_;
  std::map<int64_t, size_t> open_;  // process -> its open operation
  std::optional<bool> timed_;
  int64_t last_time_ = std::numeric_limits<int64_t>::min();
};

// Whether a JSONL line is in the common shape that is read without building a JSON document
// (the full reader takes every other line, with the same result). For tests.
bool jsonl_line_takes_fast_path(std::string_view line);

}  // namespace consim::checkers::lin
