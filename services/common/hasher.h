// Integer-only hashing for digests of service state and commands: the same value on every
// compiler, standard library and platform (std::hash promises none of that).
#pragma once

#include <concepts>
#include <cstdint>
#include <string_view>
#include <type_traits>

namespace consim::services {

class Hasher {
 public:
  // `domain` keeps digests of different kinds of values apart ("kv state", "znode command").
  explicit constexpr Hasher(uint64_t domain) : state_(mix(domain)) {}

  template <std::integral T>
  constexpr Hasher& add(T value) {
    state_ = mix(state_ ^ (static_cast<uint64_t>(value) + 0x9e3779b97f4a7c15ULL));
    return *this;
  }

  template <typename E>
  requires std::is_enum_v<E>
  constexpr Hasher& add(E value) { return add(static_cast<std::underlying_type_t<E>>(value)); }

  // The length first, so ("ab", "c") and ("a", "bc") differ.
  constexpr Hasher& add(std::string_view bytes) {
    uint64_t fnv = 0xcbf29ce484222325ULL;
    for (const char c : bytes) {
      fnv ^= static_cast<uint8_t>(c);
      fnv *= 0x100000001b3ULL;
    }
    add(bytes.size());
    return add(fnv);
  }

  constexpr uint64_t value() const { return mix(state_); }

  // MurmurHash3's 64-bit finalizer: a bijection that spreads every input bit.
  static constexpr uint64_t mix(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
  }

 private:
  uint64_t state_;
};

}  // namespace consim::services
