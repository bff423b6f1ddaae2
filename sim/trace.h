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

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "base/assert.h"
#include "base/field_hash.h"
#include "base/fields.h"
#include "base/time.h"
#include "sim/ids.h"

namespace consim::sim {

using TraceValue = FieldValue;

struct TraceRecord {
  SimTime time;
  std::optional<HostId> node;
  Name kind;
  // Keys are Names (string literals, hashed at compile time): records are built for nearly
  // every event, and copying or hashing the keys would cost more than the rest of the record.
  Fields fields;

  // The field's value, or nullptr when absent (or of another type). Inline: the checkers read
  // several fields of nearly every protocol record.
  const int64_t* int_field(const Name& key) const { return find_field<int64_t>(fields, key); }
  const std::string* string_field(const Name& key) const { return find_field<std::string>(fields, key); }
  const bool* bool_field(const Name& key) const { return find_field<bool>(fields, key); }
};

namespace detail {
// The field hash lives in base/ (protocol events use it too); these names are the trace's.
using consim::fold_field;
using consim::Hasher;
using consim::kEmptyFieldsHash;

// One record folded into a running digest: its time, node (index + 1, or 0 for none), kind,
// field count and fields' hash.
inline uint64_t fold_record(uint64_t digest, SimTime time, uint64_t node, const Name& kind, uint64_t field_count,
                            uint64_t fields_hash) {
  Hasher hasher(digest);
  hasher.add(static_cast<uint64_t>(time.ns));
  hasher.add(node);
  hasher.add(kind.hash());
  hasher.add(field_count);
  hasher.add(fields_hash);
  return hasher.value();
}

// A field folded from its typed value, exactly as the FieldValue TraceEvent stores for it would
// be (integers as int64, text and nodes' names as strings), without building that value.
inline void fold_typed(Hasher& hash, const Name& key, bool value) { fold_field(hash, key, value); }
inline void fold_typed(Hasher& hash, const Name& key, int value) { fold_field(hash, key, int64_t{value}); }
inline void fold_typed(Hasher& hash, const Name& key, uint32_t value) { fold_field(hash, key, int64_t{value}); }
inline void fold_typed(Hasher& hash, const Name& key, int64_t value) { fold_field(hash, key, value); }
inline void fold_typed(Hasher& hash, const Name& key, uint64_t value) {
  fold_field(hash, key, static_cast<int64_t>(value));
}
inline void fold_typed(Hasher& hash, const Name& key, std::string_view value) { fold_field(hash, key, value); }
inline void fold_typed(Hasher& hash, const Name& key, const std::string& value) {
  fold_field(hash, key, std::string_view(value));
}
inline void fold_typed(Hasher& hash, const Name& key, const char* value) {
  fold_field(hash, key, std::string_view(value));
}
inline void fold_typed(Hasher& hash, const Name& key, HostId host) {
  if (host.index < 9) {  // "n1".."n9", as HostId::name() spells them, without building the text
    hash.add(key.hash() ^ 1);
    hash.add(uint64_t{2});
    hash.add(uint64_t{'n'} | (uint64_t{'1'} + host.index) << 8);
    return;
  }
  char name[12] = {'n'};  // "n" and up to 10 digits: HostId::name() without the allocation
  uint32_t number = host.index + 1;
  char digits[10];
  size_t count = 0;
  do {
    digits[count++] = static_cast<char>('0' + number % 10);
    number /= 10;
  } while (number != 0);
  for (size_t i = 0; i < count; ++i) {
    name[1 + i] = digits[count - 1 - i];
  }
  fold_field(hash, key, std::string_view(name, count + 1));
}
}  // namespace detail

// Builds a record's kind, node and fields; the time is stamped by the Trace. Every field is
// folded into the record's hash as it is added.
class TraceEvent {
 public:
  explicit TraceEvent(Name kind) {
    record_.kind = kind;
    record_.fields = acquire_fields();
  }
  // A record with fields built elsewhere (a protocol's event), taken over without a copy.
  TraceEvent(Name kind, Fields&& fields);
  // The same with the fields' hash already computed (protocols::Event::fields_hash(), folded as
  // detail::fold_field folds each field, in order), so that the fields are not read again.
  TraceEvent(Name kind, Fields&& fields, uint64_t fields_hash) : hash_(fields_hash) {
    record_.kind = kind;
    record_.fields = std::move(fields);
  }
  ~TraceEvent() { release_fields(std::move(record_.fields)); }
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
  template <typename V>
  TraceEvent& add(Name key, V value) & {
    record_.fields.emplace_back(key, to_value(value));
    detail::fold_field(hash_, key, record_.fields.back().second);
    return *this;
  }
  template <typename V>
  TraceEvent&& add(Name key, V value) && {
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
  detail::Hasher hash_{detail::kEmptyFieldsHash};
};

// A record nobody reads (see Trace::wants), for the simulator's busiest kinds (network, disk,
// timers): built with the same calls as a TraceEvent, it keeps only what the digest folds — the
// node, the field count and the fields' hash — and the trace folds it exactly as it would fold
// the TraceEvent. Nothing is allocated and no field is stored.
class DigestOnlyEvent {
 public:
  explicit DigestOnlyEvent(Name kind) : kind_(kind) {}

  DigestOnlyEvent& node(HostId host) {
    node_ = uint64_t{host.index} + 1;
    return *this;
  }
  template <typename V>
  DigestOnlyEvent& add(Name key, V value) {
    ++field_count_;
    detail::fold_typed(hash_, key, value);
    return *this;
  }

 private:
  friend class Trace;
  Name kind_;
  uint64_t node_ = 0;  // index + 1; 0 for none
  uint64_t field_count_ = 0;
  detail::Hasher hash_{detail::kEmptyFieldsHash};
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

  void emit(SimTime time, TraceEvent&& event);
  // A record of a kind nobody wants (wants() false): only folded into the digest. Inline: the
  // network, the disks and the timers make one for nearly every event.
  void emit(SimTime time, const DigestOnlyEvent& event) {
    digest_ = detail::fold_record(digest_, time, event.node_, event.kind_, event.field_count_, event.hash_.value());
    ++count_;
  }

  // True when a record of `kind` would be read by someone (a stream, the kept records, a
  // subscriber whose prefixes match); otherwise it only needs folding into the digest.
  bool wants(const Name& kind) const { return keep_ || out_ != nullptr || interested(kind) != 0; }

  // Streams every later record to `out` as JSONL. The stream must outlive the trace or be
  // detached with stream_to(nullptr).
  void stream_to(std::ostream* out) { out_ = out; }
  // Keeps every later record in memory (tests, small runs).
  void keep_records(bool keep) { keep_ = keep; }
  const std::vector<TraceRecord>& records() const { return kept_; }
  // Calls `subscriber` for every later record, in order (online checkers, reporters); with
  // `kinds`, only for records whose kind starts with one of them ("raft.", "host.crash").
  void subscribe(Subscriber subscriber, std::vector<std::string> kinds = {}) {
    CONSIM_ASSERT(subscribers_.size() < 64);
    subscribers_.push_back(Subscription{std::move(subscriber), std::move(kinds)});
    interest_.fill(Interest{});
  }

  uint64_t digest() const { return digest_; }
  uint64_t count() const { return count_; }

 private:
  uint64_t digest_ = kEmptyTraceDigest;
  uint64_t count_ = 0;
  std::string line_;
  std::ostream* out_ = nullptr;
  bool keep_ = false;
  std::vector<TraceRecord> kept_;
  struct Subscription {
    Subscriber subscriber;
    std::vector<std::string> kinds;  // empty: every kind
    bool matches(std::string_view kind) const;
  };
  // Which subscribers read a kind, as a bit per subscriber, cached by the kind's hash: the
  // question is asked for nearly every record, and the answer changes only on subscribe().
  struct Interest {
    uint64_t kind_hash = 0;
    uint64_t subscribers = 0;
    bool known = false;
  };
  // The cached answer in the kind's home slot (nearly always there), else the full lookup.
  uint64_t interested(const Name& kind) const {
    const Interest& home = interest_[kind.hash() % interest_.size()];
    if (home.known && home.kind_hash == kind.hash()) {
      return home.subscribers;
    }
    const Interest& next = interest_[(kind.hash() + 1) % interest_.size()];  // the first probe
    if (next.known && next.kind_hash == kind.hash()) {
      return next.subscribers;
    }
    return interested_slow(kind);
  }
  uint64_t interested_slow(const Name& kind) const;
  std::vector<Subscription> subscribers_;
  mutable std::array<Interest, 64> interest_{};
};

// The digest as 16 lowercase hex digits, as reports print it.
std::string format_digest(uint64_t digest);

}  // namespace consim::sim
