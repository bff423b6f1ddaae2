// Lowe's memo of visited configurations: (set of linearized operations, model state).
//
// The linearized set is a bitset, stored compactly: every word below `low` is all ones and
// every word from `high` on is zero, so an entry keeps only words [low, high). The search
// numbers definite operations first in invocation order, so `low` follows the oldest
// unlinearized operation and an entry holds about one concurrency window of bits, not the
// whole history (Porcupine clones the full set per entry: O(n^2) memory on long histories).
// The hash is a Zobrist hash the search updates incrementally, so a lookup costs O(window).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "checkers/linearizability/model.h"

namespace consim::checkers::lin {

class Memo {
 public:
  // Inserts the configuration; false when it was already present (already explored).
  // `words` is the full bitset; `low` and `high` delimit its informative words as above.
  bool insert(uint64_t bits_hash, StateId state, std::span<const uint64_t> words, uint32_t low, uint32_t high);

  size_t size() const { return size_; }
  size_t memory_bytes() const { return slots_.capacity() * sizeof(Slot) + arena_.capacity() * sizeof(uint64_t); }

 private:
  struct Slot {
    uint64_t hash = 0;
    StateId state = 0;
    uint32_t low = 0;
    uint32_t count = 0;   // words stored
    uint32_t offset = 0;  // into arena_; kEmpty marks a free slot
  };
  static constexpr uint32_t kEmpty = ~uint32_t{0};

  bool matches(const Slot& slot, uint64_t hash, StateId state, std::span<const uint64_t> words, uint32_t low,
               uint32_t high) const;
  void grow();

  std::vector<Slot> slots_;
  std::vector<uint64_t> arena_;
  size_t size_ = 0;
};

}  // namespace consim::checkers::lin
