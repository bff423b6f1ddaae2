// Lowe's memo of visited configurations, and the other hash tables of the search.
//
// A configuration is (set of linearized required operations, model state, set of optional
// operations used). The required set is a bitset, stored compactly: every word below `low` is
// all ones and every word from `high` on is zero, so an entry keeps only words [low, high). The
// search numbers required operations in invocation order, so `low` follows the oldest
// unlinearized operation and an entry holds about one concurrency window of bits, not the whole
// history (Porcupine clones the full set per entry: O(n^2) memory on long histories). The
// optional set is interned (OptionalSets) and stored as its id. The bitset's hash is a Zobrist
// hash the search updates incrementally, so a lookup costs O(window), never O(n).
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "checkers/linearizability/model.h"

namespace consim::checkers::lin {

// The murmur3 finalizer: spreads a 64-bit key over every bit, for open-addressing tables.
inline uint64_t mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

// A fixed, well-mixed key per operation (splitmix64), the same on every run: sets of
// operations hash as the xor of their members' keys.
inline uint64_t zobrist(uint64_t index) {
  uint64_t z = (index + 1) * 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Sorts `items` stably by `less`. Histories arrive almost sorted by the orders the search
// needs (completions follow invocations within a concurrency window), so an insertion sort
// does it in about n * window moves; past a budget of moves it hands over to std::stable_sort,
// which gives the same result.
template <typename T, typename Less>
void sort_nearly_sorted(std::vector<T>& items, Less less) {
  constexpr size_t kMovesPerItem = 32;
  const size_t budget = kMovesPerItem * items.size();
  size_t moves = 0;
  for (size_t i = 1; i < items.size(); ++i) {
    if (!less(items[i], items[i - 1])) {
      continue;
    }
    T item = std::move(items[i]);
    size_t j = i;
    while (j > 0 && less(item, items[j - 1]) && moves < budget) {
      items[j] = std::move(items[j - 1]);
      --j;
      ++moves;
    }
    items[j] = std::move(item);
    if (moves >= budget) {
      std::stable_sort(items.begin(), items.end(), less);
      return;
    }
  }
}

// Searches check the time and step budgets once per this many steps.
constexpr uint64_t kBudgetCheckSteps = 1024;

// An open-addressing map from 64-bit keys (never ~0) to 32-bit values, for caches on the hot
// path (std::unordered_map allocates a node per entry).
class U64Map {
 public:
  static constexpr uint64_t kNoKey = ~uint64_t{0};

  // The value stored under `key`, or nullptr.
  const uint32_t* find(uint64_t key) const;
  void insert(uint64_t key, uint32_t value);  // `key` must be absent
  size_t size() const { return size_; }
  size_t memory_bytes() const { return slots_.capacity() * sizeof(Slot); }

 private:
  struct Slot {
    uint64_t key = kNoKey;
    uint32_t value = 0;
  };
  void grow();

  std::vector<Slot> slots_;
  size_t size_ = 0;
};

// Sets of optional operations, interned as dense ids (0 is the empty set), so that a memo
// entry names its set in 4 bytes however many operations it holds. Equal sets get equal ids
// whatever order their operations were added in (checked exactly, not only by hash).
class OptionalSets {
 public:
  OptionalSets();
  // The id of set ∪ {op}; `op` must not be in `set`.
  uint32_t with(uint32_t set, uint32_t op);
  uint64_t hash(uint32_t set) const { return nodes_[set].hash; }
  // True when every operation of `a` is in `b`.
  bool subset(uint32_t a, uint32_t b) const;
  size_t size() const { return nodes_.size(); }
  size_t memory_bytes() const;

 private:
  struct Node {
    uint32_t parent;  // the set without `op`
    uint32_t op;
    uint32_t size;
    uint64_t hash;       // Zobrist: xor of every member's key
    uint64_t signature;  // a one-word Bloom filter of the members, for quick subset rejections
  };
  std::vector<uint32_t> members(uint32_t set) const;  // sorted
  uint32_t find_equal(uint64_t hash, uint32_t size, uint32_t parent, uint32_t op) const;
  void index(uint32_t id);

  std::vector<Node> nodes_;
  mutable std::vector<uint32_t> scratch_a_, scratch_b_;  // subset()'s work lists
  U64Map added_;                                         // (set, op) -> set ∪ {op}
  std::vector<uint32_t> by_hash_;                        // open addressing over node ids, by hash; ~0 is free
};

// Configurations seen, compared exactly: (required set, state, optional set id).
class Memo {
 public:
  // Inserts the configuration; false when it was already present (already explored).
  // `words` is the full bitset; `low` and `high` delimit its informative words as above.
  bool insert(uint64_t bits_hash, StateId state, std::span<const uint64_t> words, uint32_t low, uint32_t high,
              uint32_t optional_set = 0);

  size_t size() const { return entries_.size(); }
  size_t memory_bytes() const {
    return table_.capacity() * sizeof(Slot) + entries_.capacity() * sizeof(Entry) +
           arena_.capacity() * sizeof(uint64_t);
  }

 private:
  struct Entry {
    uint64_t hash;
    StateId state;
    uint32_t optional_set;
    uint32_t low;
    uint32_t count;   // words stored
    uint32_t offset;  // into arena_
  };
  // A table slot: the entry's index and the top bits of its hash, so that most probes never
  // touch the entry. kEmpty marks a free slot.
  struct Slot {
    uint32_t entry;
    uint32_t tag;
  };
  static constexpr uint32_t kEmpty = ~uint32_t{0};

  bool matches(const Entry& entry, uint64_t hash, StateId state, uint32_t optional_set, std::span<const uint64_t> words,
               uint32_t low, uint32_t high) const;
  void grow();

  std::vector<Slot> table_;
  std::vector<Entry> entries_;
  std::vector<uint64_t> arena_;
};

// Configurations seen, with dominance. A configuration counts as seen when one that dominates
// it was: same state, a subset of its optional operations, and the same required operations
// except for some more in `read_only` (operations that never change the state). Every
// continuation of the dominated configuration is then one of the other's: the read-only
// operations it still has to place change nothing when left out, and the optional operations
// the other did not use may stay unused. (A dominating configuration on the search path is an
// ancestor reached again with more optional operations used: a detour, pruned as well.)
//
// Configurations with the same state and the same required operations outside `read_only`
// form a group; a group keeps only its undominated members (an antichain), so that a new
// configuration is compared with few others.
class DominanceMemo {
 public:
  // `read_only`: a mask over the required bitset's words.
  explicit DominanceMemo(std::vector<uint64_t> read_only = {}) : read_only_(std::move(read_only)) {}

  // Inserts the configuration; false when it or one dominating it was already present.
  // `bits_hash` hashes the required operations outside `read_only` only. `words`, `low` and
  // `high` as for Memo; `optional_set` is an id in `sets`.
  bool insert(uint64_t bits_hash, StateId state, std::span<const uint64_t> words, uint32_t low, uint32_t high,
              uint32_t optional_set, const OptionalSets& sets);

  size_t size() const { return live_; }  // configurations kept (undominated)
  size_t memory_bytes() const {
    return table_.capacity() * sizeof(Slot) + entries_.capacity() * sizeof(Entry) +
           arena_.capacity() * sizeof(uint64_t);
  }

 private:
  struct Entry {
    uint64_t hash;  // of the group: bits_hash and state
    StateId state;
    uint32_t optional_set;
    uint32_t low;
    uint32_t count;   // words stored
    uint32_t offset;  // into arena_
    uint32_t next;    // the next member of the group, kEmpty at the end
  };
  struct Slot {
    uint32_t head;  // the group's first member; kEmpty marks a free slot
    uint32_t tag;
  };
  static constexpr uint32_t kEmpty = ~uint32_t{0};

  // True when `big` has every required operation `small` has, and differs from it only in
  // read-only ones. Each is (low, count, words from low).
  bool covers(uint32_t big_low, uint32_t big_count, const uint64_t* big, uint32_t small_low, uint32_t small_count,
              const uint64_t* small) const;
  void grow();

  std::vector<uint64_t> read_only_;
  std::vector<Slot> table_;
  std::vector<Entry> entries_;
  std::vector<uint64_t> arena_;
  size_t groups_ = 0;
  size_t live_ = 0;
};

}  // namespace consim::checkers::lin
