// The trace: every event of a run as a structured record, and the run's digest.
//
// Each record has a canonical one-line JSON form (keys in a fixed order: "t", "node", "kind",
// then the fields in the order they were added), written only when the trace is streamed or
// kept. The digest folds every record's structured content (time, node, kind, each field's key,
// type and value) through a 64-bit hash of integer operations only — the same on every compiler
// and platform, and cheap enough to run on every event. digest_of() recomputes it from records
// (for example, records parsed back from trace.jsonl). Field values are integers, strings or
// booleans: no floating point, whose printing and rounding could differ between builds.
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
  // Keys are string literals (static storage): records are built for nearly every event, and
  // copying the keys would cost more than the rest of the record.
  std::vector<std::pair<std::string_view, TraceValue>> fields;

  // The field's value, or nullptr when absent (or of another type).
  const int64_t* int_field(std::string_view key) const;
  const std::string* string_field(std::string_view key) const;
  const bool* bool_field(std::string_view key) const;
};

namespace detail {
// Field vectors are recycled through a small per-thread pool: a record is built and dropped
// for almost every simulated event, and the allocation would otherwise dominate.
using TraceFields = std::vector<std::pair<std::string_view, TraceValue>>;
TraceFields acquire_fields();
void release_fields(TraceFields&& fields);
}  // namespace detail

// Builds a record's kind, node and fields; the time is stamped by the Trace.
class TraceEvent {
 public:
  explicit TraceEvent(std::string_view kind) {
    record_.kind = kind;
    record_.fields = detail::acquire_fields();
  }
  ~TraceEvent() {
    if (record_.fields.capacity() != 0) {
      detail::release_fields(std::move(record_.fields));
    }
  }
  TraceEvent(const TraceEvent&) = default;
  TraceEvent(TraceEvent&&) = default;
  TraceEvent& operator=(const TraceEvent&) = default;
  TraceEvent& operator=(TraceEvent&&) = default;

  // Builders work on lvalues and on temporaries alike; on a temporary they return it as an
  // rvalue, so `trace.emit(TraceEvent("x").add("k", 1))` moves the record instead of copying it.
  TraceEvent& node(HostId host) & {
    record_.node = host;
    return *this;
  }
  TraceEvent&& node(HostId host) && { return std::move(node(host)); }
  // `key` must have static storage (a string literal).
  template <typename V>
  TraceEvent& add(std::string_view key, V value) & {
    record_.fields.emplace_back(key, to_value(value));
    return *this;
  }
  template <typename V>
  TraceEvent&& add(std::string_view key, V value) && {
    return std::move(add(key, value));
  }

 private:
  friend class Trace;
  static TraceValue to_value(bool value) { return value; }
  static TraceValue to_value(int value) { return static_cast<int64_t>(value); }
  static TraceValue to_value(uint32_t value) { return static_cast<int64_t>(value); }
  static TraceValue to_value(int64_t value) { return value; }
  static TraceValue to_value(uint64_t value) { return static_cast<int64_t>(value); }
  static TraceValue to_value(std::string_view value) { return std::string(value); }
  static TraceValue to_value(const std::string& value) { return value; }
  static TraceValue to_value(const char* value) { return std::string(value); }
  static TraceValue to_value(HostId host) { return host.name(); }
  TraceRecord record_;
};

// The digest of a record sequence, as Trace::digest() computes it while recording.
uint64_t digest_of(const std::vector<TraceRecord>& records);
// One record folded into a running digest.
uint64_t fold_record(uint64_t digest, const TraceRecord& record);
inline constexpr uint64_t kEmptyTraceDigest = 0x6a09e667f3bcc909ULL;

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
  uint64_t digest_ = kEmptyTraceDigest;
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
