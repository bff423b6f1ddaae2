// Reading client histories: consim's JSONL, Jepsen EDN maps (one per line) and Jepsen log
// lines (Porcupine's etcd test data). Untrusted input: every problem is reported with its line,
// nothing crashes, and no partial history is returned.
#pragma once

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

// Whether a JSONL line is in the common shape that is read without building a JSON document
// (the full reader takes every other line, with the same result). For tests.
bool jsonl_line_takes_fast_path(std::string_view line);

}  // namespace consim::checkers::lin
