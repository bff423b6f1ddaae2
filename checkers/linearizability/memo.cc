#include "checkers/linearizability/memo.h"

#include <algorithm>

#include "base/assert.h"

namespace consim::checkers::lin {

namespace {

uint64_t mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return x;
}

}  // namespace

bool Memo::matches(const Slot& slot, uint64_t hash, StateId state, std::span<const uint64_t> words, uint32_t low,
                   uint32_t high) const {
  if (slot.hash != hash || slot.state != state || slot.low != low || slot.count != high - low) {
    return false;
  }
  return std::equal(words.begin() + low, words.begin() + high, arena_.begin() + slot.offset);
}

bool Memo::insert(uint64_t bits_hash, StateId state, std::span<const uint64_t> words, uint32_t low, uint32_t high) {
  CONSIM_ASSERT(low <= high);
  CONSIM_ASSERT(high <= words.size());
  if (2 * (size_ + 1) > slots_.size()) {
    grow();
  }
  const uint64_t hash = bits_hash ^ mix(state + 0x9e3779b97f4a7c15ULL);
  const size_t mask = slots_.size() - 1;
  for (size_t i = mix(hash) & mask;; i = (i + 1) & mask) {
    Slot& slot = slots_[i];
    if (slot.offset == kEmpty) {
      CONSIM_ASSERT(arena_.size() + (high - low) < kEmpty);
      slot = {hash, state, low, high - low, static_cast<uint32_t>(arena_.size())};
      arena_.insert(arena_.end(), words.begin() + low, words.begin() + high);
      ++size_;
      return true;
    }
    if (matches(slot, hash, state, words, low, high)) {
      return false;
    }
  }
}

void Memo::grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(std::max<size_t>(1024, old.size() * 2), Slot{0, 0, 0, 0, kEmpty});
  const size_t mask = slots_.size() - 1;
  for (const Slot& slot : old) {
    if (slot.offset == kEmpty) {
      continue;
    }
    size_t i = mix(slot.hash) & mask;
    while (slots_[i].offset != kEmpty) {
      i = (i + 1) & mask;
    }
    slots_[i] = slot;
  }
}

}  // namespace consim::checkers::lin
