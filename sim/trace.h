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

// A streaming 64-bit hash over integers: xor in, multiply, xor-shift (the murmur3 finalizer's
// shape). Not cryptographic; it only has to make accidental collisions between runs unlikely.
class Hasher {
 public:
  explicit Hasher(uint64_t state) : state_(state) {}
  void add(uint64_t value) {
    state_ ^= value;
    state_ *= 0xff51afd7ed558ccdULL;
    state_ ^= state_ >> 32;
  }
  // The length, then the bytes as little-endian words (the last one zero-padded). Inline for the
  // strings nearly every record carries (node names, message kinds); beyond 24 bytes (rare) the
  // rest goes out of line.
  void add(std::string_view bytes) {
    add(static_cast<uint64_t>(bytes.size()));
    const char* data = bytes.data();
    size_t left = bytes.size();
    if (left > 24) {
      add_words(data, left);
      return;
    }
    for (; left >= 8; left -= 8, data += 8) {
      add(load_word(data, 8));
    }
    if (left > 0) {
      add(load_word(data, left));
    }
  }
  uint64_t value() const { return state_; }

  // Up to 8 bytes read as a little-endian word, whatever the machine.
  static uint64_t load_word(const char* data, size_t count) {
    uint64_t word = 0;
    // One fixed-size copy per length: each inlines to a few moves, where a copy of a variable
    // length is a call into the C library (for nearly every record: node names, message kinds).
    switch (count) {
      case 8:
        std::memcpy(&word, data, 8);
        break;
      case 7:
        std::memcpy(&word, data, 7);
        break;
      case 6:
        std::memcpy(&word, data, 6);
        break;
      case 5:
        std::memcpy(&word, data, 5);
        break;
      case 4:
        std::memcpy(&word, data, 4);
        break;
      case 3:
        std::memcpy(&word, data, 3);
        break;
      case 2:
        std::memcpy(&word, data, 2);
        break;
      case 1:
        std::memcpy(&word, data, 1);
        break;
      default:
        CONSIM_ASSERT(count == 0);
        break;
    }
    if constexpr (std::endian::native == std::endian::big) {
      word = __builtin_bswap64(word);
    }
    return word;
  }

 private:
  // The words of `count` bytes, the last one zero-padded.
  void add_words(const char* data, size_t count);
  uint64_t state_;
};

inline constexpr uint64_t kEmptyFieldsHash = 0x3c6ef372fe94f82bULL;

// One field folded into the hash of a record's fields: the key's hash with the value's type in
// its low bits (0 integer, 1 string, 2 boolean, the FieldValue alternatives), then the value.
inline void fold_field(Hasher& hasher, const Name& key, int64_t value) {
  hasher.add(key.hash() ^ 0);
  hasher.add(static_cast<uint64_t>(value));
}
inline void fold_field(Hasher& hasher, const Name& key, std::string_view value) {
  hasher.add(key.hash() ^ 1);
  hasher.add(value);
}
inline void fold_field(Hasher& hasher, const Name& key, bool value) {
  hasher.add(key.hash() ^ 2);
  hasher.add(value ? 1 : 0);
}
void fold_field(Hasher& hasher, const Name& key, const FieldValue& value);

}  // namespace detail

// Builds a record's kind, node and fields; the time is stamped by the Trace.
//
// Every field is folded into the record's hash as it is added. An event built with
// Keep::hash_only stores nothing else: the trace folds it into the digest and drops it. The
// simulator builds its busiest records that way when nobody reads them (see Trace::wants).
class TraceEvent {
 public:
  enum class Keep : uint8_t { fields, hash_only };

  // `readers` (hash_only): Trace::readers_changed() when the trace said nobody wants the kind.
  explicit TraceEvent(Name kind, Keep keep = Keep::fields, uint64_t readers = 0) : keep_(keep), readers_(readers) {
    record_.kind = kind;
    if (keep_ == Keep::fields) {
      record_.fields = acquire_fields();
    }
  }
  // A record with fields built elsewhere (a protocol's event), taken over without a copy.
  TraceEvent(Name kind, Fields&& fields);
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
    ++field_count_;
    if (keep_ == Keep::fields) {
      add_field(key, value);
    } else {
      fold(key, value);  // the busiest path (hash-only records) stays inline
    }
    return *this;
  }
  template <typename V>
  TraceEvent&& add(Name key, V value) && {
    return std::move(add(key, value));
  }

 private:
  friend class Trace;
  template <typename V>
  [[gnu::noinline]] void add_field(Name key, V value) {
    record_.fields.emplace_back(key, to_value(value));
    fold(key, record_.fields.back().second);
  }
  static TraceValue to_value(bool value) { return value; }
  static TraceValue to_value(int value) { return static_cast<int64_t>(value); }
  static TraceValue to_value(uint32_t value) { return static_cast<int64_t>(value); }
  static TraceValue to_value(int64_t value) { return value; }
  static TraceValue to_value(uint64_t value) { return static_cast<int64_t>(value); }
  static TraceValue to_value(std::string_view value) { return std::string(value); }
  static TraceValue to_value(const std::string& value) { return value; }
  static TraceValue to_value(const char* value) { return std::string(value); }
  static TraceValue to_value(HostId host) { return host.name(); }

  void fold(const Name& key, const TraceValue& value) { detail::fold_field(hash_, key, value); }
  void fold(const Name& key, bool value) { detail::fold_field(hash_, key, value); }
  void fold(const Name& key, int value) { detail::fold_field(hash_, key, int64_t{value}); }
  void fold(const Name& key, uint32_t value) { detail::fold_field(hash_, key, int64_t{value}); }
  void fold(const Name& key, int64_t value) { detail::fold_field(hash_, key, value); }
  void fold(const Name& key, uint64_t value) { detail::fold_field(hash_, key, static_cast<int64_t>(value)); }
  void fold(const Name& key, std::string_view value) { detail::fold_field(hash_, key, value); }
  void fold(const Name& key, const std::string& value) { detail::fold_field(hash_, key, std::string_view(value)); }
  void fold(const Name& key, const char* value) { detail::fold_field(hash_, key, std::string_view(value)); }
  void fold(const Name& key, HostId host) {
    if (host.index < 9) {  // "n1".."n9", as HostId::name() spells them, without building the text
      hash_.add(key.hash() ^ 1);
      hash_.add(uint64_t{2});
      hash_.add(uint64_t{'n'} | (uint64_t{'1'} + host.index) << 8);
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
    detail::fold_field(hash_, key, std::string_view(name, count + 1));
  }

  TraceRecord record_;
  Keep keep_;
  uint32_t field_count_ = 0;
  uint64_t readers_ = 0;
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

  // True when a record of `kind` would be read by someone (a stream, the kept records, a
  // subscriber whose prefixes match); otherwise it only needs folding into the digest.
  bool wants(const Name& kind) const { return keep_ || out_ != nullptr || interested(kind) != 0; }

  // Streams every later record to `out` as JSONL. The stream must outlive the trace or be
  // detached with stream_to(nullptr).
  void stream_to(std::ostream* out) {
    out_ = out;
    ++readers_changed_;
  }
  // Keeps every later record in memory (tests, small runs).
  void keep_records(bool keep) {
    keep_ = keep;
    ++readers_changed_;
  }
  const std::vector<TraceRecord>& records() const { return kept_; }
  // Calls `subscriber` for every later record, in order (online checkers, reporters); with
  // `kinds`, only for records whose kind starts with one of them ("raft.", "host.crash").
  void subscribe(Subscriber subscriber, std::vector<std::string> kinds = {}) {
    CONSIM_ASSERT(subscribers_.size() < 64);
    subscribers_.push_back(Subscription{std::move(subscriber), std::move(kinds)});
    interest_.fill(Interest{});
    ++readers_changed_;
  }
  // Changes whenever the set of readers does (what wants() answers may change with it).
  uint64_t readers_changed() const { return readers_changed_; }

  uint64_t digest() const { return digest_; }
  uint64_t count() const { return count_; }

 private:
  uint64_t digest_ = kEmptyTraceDigest;
  uint64_t count_ = 0;
  uint64_t readers_changed_ = 0;
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
    return interested_slow(kind);
  }
  uint64_t interested_slow(const Name& kind) const;
  std::vector<Subscription> subscribers_;
  mutable std::array<Interest, 64> interest_{};
};

// The digest as 16 lowercase hex digits, as reports print it.
std::string format_digest(uint64_t digest);

}  // namespace consim::sim
