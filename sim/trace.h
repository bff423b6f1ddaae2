// The trace: every event of a run as a structured record, and the run's digest.
//
// Each record has a canonical one-line JSON form (keys in a fixed order: "t", "node", "kind",
// then the fields in the order they were added). The digest is 64-bit FNV-1a over the
// canonical lines, each followed by '\n' — exactly the bytes of trace.jsonl, so anyone can
// recompute it from the file. Field values are integers, strings or booleans: no floating
// point, whose printing and rounding could differ between builds.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "base/time.h"
#include "sim/ids.h"

namespace consim::sim {

using TraceValue = std::variant<int64_t, std::string, bool>;

struct TraceRecord {
  SimTime time;
  std::optional<HostId> node;
  std::string kind;
  std::vector<std::pair<std::string, TraceValue>> fields;

  // The field's value, or nullptr when absent (or of another type).
  const int64_t* int_field(std::string_view key) const;
  const std::string* string_field(std::string_view key) const;
  const bool* bool_field(std::string_view key) const;
};

// Builds a record's kind, node and fields; the time is stamped by the Trace.
class TraceEvent {
 public:
  explicit TraceEvent(std::string_view kind) { record_.kind = kind; }

  TraceEvent& node(HostId host) {
    record_.node = host;
    return *this;
  }
  TraceEvent& add(std::string_view key, int64_t value) { return put(key, value); }
  TraceEvent& add(std::string_view key, uint32_t value) { return put(key, static_cast<int64_t>(value)); }
  TraceEvent& add(std::string_view key, int value) { return put(key, static_cast<int64_t>(value)); }
  TraceEvent& add(std::string_view key, uint64_t value) { return put(key, static_cast<int64_t>(value)); }
  TraceEvent& add(std::string_view key, bool value) { return put(key, value); }
  TraceEvent& add(std::string_view key, std::string_view value) { return put(key, std::string(value)); }
  TraceEvent& add(std::string_view key, const char* value) { return put(key, std::string(value)); }
  TraceEvent& add(std::string_view key, HostId host) { return put(key, host.name()); }

 private:
  friend class Trace;
  TraceEvent& put(std::string_view key, TraceValue value) {
    record_.fields.emplace_back(std::string(key), std::move(value));
    return *this;
  }
  TraceRecord record_;
};

// Appends the canonical JSON line of `record` (without the newline) to `out`.
void append_canonical_json(const TraceRecord& record, std::string& out);
// Appends `text` as a JSON string literal, quotes included.
void append_json_string(std::string_view text, std::string& out);

class Trace {
 public:
  using Subscriber = std::function<void(const TraceRecord&)>;

  void emit(SimTime time, TraceEvent event);

  // Streams every later record to `out` as JSONL. The stream must outlive the trace or be
  // detached with stream_to(nullptr).
  void stream_to(std::ostream* out) { out_ = out; }
  // Keeps every later record in memory (tests, small runs).
  void keep_records(bool keep) { keep_ = keep; }
  const std::vector<TraceRecord>& records() const { return kept_; }
  // Calls `subscriber` for every later record, in order (online checkers, reporters).
  void subscribe(Subscriber subscriber) { subscribers_.push_back(std::move(subscriber)); }

  uint64_t digest() const { return digest_; }
  uint64_t count() const { return count_; }

 private:
  uint64_t digest_ = 0xcbf29ce484222325ULL;
  uint64_t count_ = 0;
  std::string line_;
  std::ostream* out_ = nullptr;
  bool keep_ = false;
  std::vector<TraceRecord> kept_;
  std::vector<Subscriber> subscribers_;
};

// The digest as 16 lowercase hex digits, as reports print it.
std::string format_digest(uint64_t digest);

}  // namespace consim::sim
