#include "checkers/linearizability/memo.h"

#include <algorithm>

#include "base/assert.h"

namespace consim::checkers::lin {

namespace {

constexpr uint32_t kFree = ~uint32_t{0};

}  // namespace

// --- U64Map ---------------------------------------------------------------------------------

const uint32_t* U64Map::find(uint64_t key) const {
  if (slots_.empty()) {
    return nullptr;
  }
  const size_t mask = slots_.size() - 1;
  for (size_t i = mix(key) & mask;; i = (i + 1) & mask) {
    const Slot& slot = slots_[i];
    if (slot.key == key) {
      return &slot.value;
    }
    if (slot.key == kNoKey) {
      return nullptr;
    }
  }
}

void U64Map::insert(uint64_t key, uint32_t value) {
  CONSIM_ASSERT(key != kNoKey);
  if (2 * (size_ + 1) > slots_.size()) {
    grow();
  }
  const size_t mask = slots_.size() - 1;
  size_t i = mix(key) & mask;
  while (slots_[i].key != kNoKey) {
    CONSIM_ASSERT(slots_[i].key != key);
    i = (i + 1) & mask;
  }
  slots_[i] = {key, value};
  ++size_;
}

void U64Map::grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(std::max<size_t>(64, old.size() * 2), Slot{});
  const size_t mask = slots_.size() - 1;
  for (const Slot& slot : old) {
    if (slot.key == kNoKey) {
      continue;
    }
    size_t i = mix(slot.key) & mask;
    while (slots_[i].key != kNoKey) {
      i = (i + 1) & mask;
    }
    slots_[i] = slot;
  }
}

// --- OptionalSets ---------------------------------------------------------------------------

OptionalSets::OptionalSets() { nodes_.push_back({0, 0, 0, 0, 0}); }

bool OptionalSets::subset(uint32_t a, uint32_t b) const {
  if (a == b || a == 0) {
    return true;
  }
  if (nodes_[a].size >= nodes_[b].size || (nodes_[a].signature & ~nodes_[b].signature) != 0) {
    return false;
  }
  // Ids form a tree (each set's parent is one fewer operation), and the sets the memo compares
  // are usually near relatives on the search path: walk both up to their lowest common
  // ancestor, which both contain, and compare only the operations added since.
  // Scratch lists kept between calls: the memo asks on every insert.
  std::vector<uint32_t>& only_a = scratch_a_;
  std::vector<uint32_t>& only_b = scratch_b_;
  only_a.clear();
  only_b.clear();
  uint32_t x = a;
  uint32_t y = b;
  while (x != y) {
    if (nodes_[x].size >= nodes_[y].size) {
      only_a.push_back(nodes_[x].op);
      x = nodes_[x].parent;
    } else {
      only_b.push_back(nodes_[y].op);
      y = nodes_[y].parent;
    }
  }
  if (only_a.size() > only_b.size()) {
    return false;
  }
  std::sort(only_a.begin(), only_a.end());
  std::sort(only_b.begin(), only_b.end());
  return std::includes(only_b.begin(), only_b.end(), only_a.begin(), only_a.end());
}

std::vector<uint32_t> OptionalSets::members(uint32_t set) const {
  std::vector<uint32_t> ops;
  for (uint32_t id = set; id != 0; id = nodes_[id].parent) {
    ops.push_back(nodes_[id].op);
  }
  std::sort(ops.begin(), ops.end());
  return ops;
}

// An existing set equal to parent ∪ {op}, or 0.
uint32_t OptionalSets::find_equal(uint64_t hash, uint32_t size, uint32_t parent, uint32_t op) const {
  if (by_hash_.empty()) {
    return 0;
  }
  const size_t mask = by_hash_.size() - 1;
  std::vector<uint32_t> wanted;
  for (size_t i = mix(hash) & mask; by_hash_[i] != kFree; i = (i + 1) & mask) {
    const Node& node = nodes_[by_hash_[i]];
    if (node.hash != hash || node.size != size) {
      continue;
    }
    if (wanted.empty()) {
      wanted = members(parent);
      wanted.insert(std::upper_bound(wanted.begin(), wanted.end(), op), op);
    }
    if (members(by_hash_[i]) == wanted) {
      return by_hash_[i];
    }
  }
  return 0;
}

void OptionalSets::index(uint32_t id) {
  if (2 * nodes_.size() > by_hash_.size()) {
    by_hash_.assign(std::max<size_t>(64, by_hash_.size() * 2), kFree);
    for (uint32_t old = 1; old < id; ++old) {
      index(old);
    }
  }
  const size_t mask = by_hash_.size() - 1;
  size_t i = mix(nodes_[id].hash) & mask;
  while (by_hash_[i] != kFree) {
    i = (i + 1) & mask;
  }
  by_hash_[i] = id;
}

uint32_t OptionalSets::with(uint32_t set, uint32_t op) {
  CONSIM_ASSERT(set < nodes_.size());
  const uint64_t transition = (uint64_t{set} << 32) | op;
  if (const uint32_t* known = added_.find(transition)) {
    return *known;
  }
  const uint64_t hash = nodes_[set].hash ^ zobrist(op);
  const uint32_t size = nodes_[set].size + 1;
  uint32_t id = find_equal(hash, size, set, op);
  if (id == 0) {
    CONSIM_ASSERT(nodes_.size() < kFree);
    id = static_cast<uint32_t>(nodes_.size());
    nodes_.push_back({set, op, size, hash, nodes_[set].signature | (uint64_t{1} << (zobrist(op) >> 58))});
    index(id);
  }
  added_.insert(transition, id);
  return id;
}

size_t OptionalSets::memory_bytes() const {
  return nodes_.capacity() * sizeof(Node) + added_.memory_bytes() + by_hash_.capacity() * sizeof(uint32_t);
}

// --- Memo ---------------------------------------------------------------------------------

bool Memo::matches(const Entry& entry, uint64_t hash, StateId state, uint32_t optional_set,
                   std::span<const uint64_t> words, uint32_t low, uint32_t high) const {
  if (entry.hash != hash || entry.state != state || entry.optional_set != optional_set || entry.low != low ||
      entry.count != high - low) {
    return false;
  }
  return std::equal(words.begin() + low, words.begin() + high, arena_.begin() + entry.offset);
}

bool Memo::insert(uint64_t bits_hash, StateId state, std::span<const uint64_t> words, uint32_t low, uint32_t high,
                  uint32_t optional_set) {
  CONSIM_ASSERT(low <= high);
  CONSIM_ASSERT(high <= words.size());
  if (2 * (entries_.size() + 1) > table_.size()) {
    grow();
  }
  const uint64_t hash =
      mix(bits_hash ^ (uint64_t{state} * 0x9e3779b97f4a7c15ULL) ^ (uint64_t{optional_set} * 0xc2b2ae3d27d4eb4fULL));
  const auto tag = static_cast<uint32_t>(hash >> 32);
  const size_t mask = table_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot slot = table_[i];
    if (slot.entry == kEmpty) {
      CONSIM_ASSERT(entries_.size() < kEmpty);
      CONSIM_ASSERT(arena_.size() + (high - low) < kEmpty);
      table_[i] = {static_cast<uint32_t>(entries_.size()), tag};
      entries_.push_back({hash, state, optional_set, low, high - low, static_cast<uint32_t>(arena_.size())});
      arena_.insert(arena_.end(), words.begin() + low, words.begin() + high);
      return true;
    }
    if (slot.tag == tag && matches(entries_[slot.entry], hash, state, optional_set, words, low, high)) {
      return false;
    }
  }
}

void Memo::grow() {
  table_.assign(std::max<size_t>(1024, table_.size() * 2), Slot{kEmpty, 0});
  const size_t mask = table_.size() - 1;
  for (uint32_t e = 0; e < entries_.size(); ++e) {
    size_t i = entries_[e].hash & mask;
    while (table_[i].entry != kEmpty) {
      i = (i + 1) & mask;
    }
    table_[i] = {e, static_cast<uint32_t>(entries_[e].hash >> 32)};
  }
}

// --- DominanceMemo --------------------------------------------------------------------------

bool DominanceMemo::covers(uint32_t big_low, uint32_t big_count, const uint64_t* big, uint32_t small_low,
                           uint32_t small_count, const uint64_t* small) const {
  const uint32_t big_high = big_low + big_count;
  const uint32_t small_high = small_low + small_count;
  const uint32_t from = std::min(big_low, small_low);
  const uint32_t to = std::max(big_high, small_high);
  for (uint32_t i = from; i < to; ++i) {
    const uint64_t b = i < big_low ? ~uint64_t{0} : i < big_high ? big[i - big_low] : 0;
    const uint64_t s = i < small_low ? ~uint64_t{0} : i < small_high ? small[i - small_low] : 0;
    if ((((b ^ s) & ~read_only_[i]) | (s & ~b)) != 0) {
      return false;
    }
  }
  return true;
}

bool DominanceMemo::insert(uint64_t bits_hash, StateId state, std::span<const uint64_t> words, uint32_t low,
                           uint32_t high, uint32_t optional_set, const OptionalSets& sets) {
  CONSIM_ASSERT(low <= high);
  CONSIM_ASSERT(high <= words.size());
  CONSIM_ASSERT(words.size() == read_only_.size());
  if (2 * (groups_ + 1) > table_.size()) {
    grow();
  }
  const uint64_t hash = mix(bits_hash ^ (uint64_t{state} * 0x9e3779b97f4a7c15ULL));
  const auto tag = static_cast<uint32_t>(hash >> 32);
  const size_t mask = table_.size() - 1;
  size_t i = hash & mask;
  while (table_[i].head != kEmpty &&
         (table_[i].tag != tag || entries_[table_[i].head].hash != hash || entries_[table_[i].head].state != state)) {
    i = (i + 1) & mask;
  }
  const uint64_t* mine = words.data() + low;
  const uint32_t count = high - low;
  // One pass over the group: the members form an antichain, so the new configuration cannot
  // both dominate one member and be dominated by another.
  uint32_t* link = &table_[i].head;
  while (*link != kEmpty) {
    Entry& member = entries_[*link];
    const uint64_t* theirs = arena_.data() + member.offset;
    if (covers(member.low, member.count, theirs, low, count, mine) && sets.subset(member.optional_set, optional_set)) {
      return false;
    }
    if (covers(low, count, mine, member.low, member.count, theirs) && sets.subset(optional_set, member.optional_set)) {
      *link = member.next;  // dominated by the new configuration: forget it
      --live_;
      continue;
    }
    link = &member.next;
  }
  CONSIM_ASSERT(entries_.size() < kEmpty);
  CONSIM_ASSERT(arena_.size() + count < kEmpty);
  if (table_[i].head == kEmpty) {
    ++groups_;
    table_[i].tag = tag;
  }
  entries_.push_back({hash, state, optional_set, low, count, static_cast<uint32_t>(arena_.size()), table_[i].head});
  table_[i].head = static_cast<uint32_t>(entries_.size() - 1);
  arena_.insert(arena_.end(), words.begin() + low, words.begin() + high);
  ++live_;
  return true;
}

void DominanceMemo::grow() {
  std::vector<Slot> old = std::move(table_);
  table_.assign(std::max<size_t>(1024, old.size() * 2), Slot{kEmpty, 0});
  const size_t mask = table_.size() - 1;
  for (const Slot& slot : old) {
    if (slot.head == kEmpty) {
      continue;
    }
    size_t i = entries_[slot.head].hash & mask;
    while (table_[i].head != kEmpty) {
      i = (i + 1) & mask;
    }
    table_[i] = slot;
  }
}

}  // namespace consim::checkers::lin
