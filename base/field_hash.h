// The hash that the trace digest folds a record's fields with, shared by the simulator's trace
// and the protocols' events: an event hashes its fields as it gathers them, so that the trace
// does not read them again when the event becomes a record.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "base/assert.h"
#include "base/fields.h"

namespace consim {

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

  // Up to 8 bytes read as a little-endian word (zero above the last byte), whatever the machine.
  // Built in registers from at most two loads of exactly 4 or 8 bytes: a copy of an odd length
  // into a word in memory is done in overlapping pieces, and reading the word back at once is a
  // load the processor cannot forward from those stores (a stall for nearly every message kind
  // hashed into the trace).
  static uint64_t load_word(const char* data, size_t count) {
    CONSIM_ASSERT(count <= 8);
    if (count == 8) {
      return load_le64(data);
    }
    if (count >= 4) {  // two loads of 4 bytes, overlapping when count < 8: equal bytes OR alike
      return uint64_t{load_le32(data)} | uint64_t{load_le32(data + count - 4)} << (8 * (count - 4));
    }
    if (count > 0) {  // the first, middle and last bytes: all of them when count <= 3
      return uint64_t{static_cast<uint8_t>(data[0])} |
             uint64_t{static_cast<uint8_t>(data[count / 2])} << (8 * (count / 2)) |
             uint64_t{static_cast<uint8_t>(data[count - 1])} << (8 * (count - 1));
    }
    return 0;
  }

 private:
  static uint64_t load_le64(const char* data) {
    uint64_t word;
    std::memcpy(&word, data, sizeof word);
    if constexpr (std::endian::native == std::endian::big) {
      word = __builtin_bswap64(word);
    }
    return word;
  }
  static uint32_t load_le32(const char* data) {
    uint32_t word;
    std::memcpy(&word, data, sizeof word);
    if constexpr (std::endian::native == std::endian::big) {
      word = __builtin_bswap32(word);
    }
    return word;
  }

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

}  // namespace consim
