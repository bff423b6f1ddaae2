// Names and fields of structured records: the trace's records and the protocols' events share
// this representation, so an event becomes a trace record by moving its fields, not copying them.
//
// A Name is text with static storage plus its 64-bit hash, computed at compile time when the
// name is a string literal (nearly always: kinds and field keys are written in the code). The
// trace digest folds a field's key as that one hash instead of hashing its bytes on every
// record, and lookups compare hashes before text. Names read at run time (a trace parsed back
// from a file) are interned for the life of the process.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace consim {

class Name {
 public:
  // FNV-1a over the bytes: simple, byte-order independent, and constexpr.
  static constexpr uint64_t hash_of(std::string_view text) {
    uint64_t hash = 0xcbf29ce484222325ULL;
    for (const char c : text) {
      hash ^= static_cast<uint8_t>(c);
      hash *= 0x100000001b3ULL;
    }
    return hash;
  }

  constexpr Name() : text_(), hash_(hash_of({})) {}
  // Implicit from a string literal, evaluated at compile time.
  consteval Name(const char* text) : text_(text), hash_(hash_of(text_)) {}  // NOLINT(google-explicit-constructor)

  // The name for text known only at run time; its storage lives until the process exits.
  static Name intern(std::string_view text);

  constexpr std::string_view text() const { return text_; }
  constexpr uint64_t hash() const { return hash_; }
  constexpr operator std::string_view() const { return text_; }  // NOLINT(google-explicit-constructor)
  std::string str() const { return std::string(text_); }

  friend constexpr bool operator==(const Name& a, std::string_view b) { return a.text_ == b; }
  // Equal hashes nearly always mean the same literal, whose text then sits at one address (the
  // linker merges equal literals): the bytes are compared only when the addresses differ.
  friend constexpr bool same(const Name& a, const Name& b) {
    if (a.hash_ != b.hash_ || a.text_.size() != b.text_.size()) {
      return false;
    }
    if (!std::is_constant_evaluated() && a.text_.data() == b.text_.data()) {
      return true;
    }
    return a.text_ == b.text_;
  }

 private:
  constexpr Name(std::string_view text, uint64_t hash) : text_(text), hash_(hash) {}
  std::string_view text_;
  uint64_t hash_;
};

std::ostream& operator<<(std::ostream& out, const Name& name);

// Field values: integers, strings or booleans. No floating point, whose printing and rounding
// could differ between builds and would break the digest.
using FieldValue = std::variant<int64_t, std::string, bool>;
using Field = std::pair<Name, FieldValue>;
using Fields = std::vector<Field>;

// Field vectors are recycled through a small per-thread pool: a record is built and dropped for
// almost every simulated event, and the allocation would otherwise dominate.
Fields acquire_fields();
void recycle_fields(Fields&& fields);
// Inline, because most calls hand back an empty, moved-from vector: nothing to do.
inline void release_fields(Fields&& fields) {
  if (fields.capacity() != 0) {
    recycle_fields(std::move(fields));
  }
}

// The value of field `key`, or nullptr when absent (or of another type). Always inlined: the
// keys are literals, so the comparisons fold to constants at each call site (the checkers read
// fields of nearly every record).
template <typename T>
[[gnu::always_inline]] inline const T* find_field(const Fields& fields, const Name& key) {
  for (const auto& [name, value] : fields) {
    if (same(name, key)) {
      return std::get_if<T>(&value);
    }
  }
  return nullptr;
}

}  // namespace consim
