#include "checkers/linearizability/keyed_instance.h"

#include <algorithm>
#include <string>
#include <unordered_map>

#include "base/assert.h"
#include "checkers/linearizability/memo.h"

namespace consim::checkers::lin {

uint64_t TupleStates::hash(std::span<const uint64_t> tuple) {
  uint64_t h = 0x9e3779b97f4a7c15ULL;
  for (const uint64_t part : tuple) {
    h = mix(h ^ part) + 0x9e3779b97f4a7c15ULL;
  }
  return h;
}

StateId TupleStates::intern(std::span<const uint64_t> tuple) {
  CONSIM_ASSERT(tuple.size() == width_);
  if (2 * (hashes_.size() + 1) > table_.size()) {
    grow();
  }
  const uint64_t h = hash(tuple);
  const size_t mask = table_.size() - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    const StateId id = table_[i];
    if (id == kEmpty) {
      CONSIM_ASSERT(hashes_.size() < kEmpty);
      const auto fresh = static_cast<StateId>(hashes_.size());
      table_[i] = fresh;
      hashes_.push_back(h);
      parts_.insert(parts_.end(), tuple.begin(), tuple.end());
      return fresh;
    }
    if (hashes_[id] == h && std::ranges::equal(get(id), tuple)) {
      return id;
    }
  }
}

std::span<const uint64_t> TupleStates::get(StateId state) const {
  CONSIM_ASSERT(state < hashes_.size());
  return std::span<const uint64_t>(parts_).subspan(size_t{state} * width_, width_);
}

size_t TupleStates::memory_bytes() const {
  return parts_.capacity() * sizeof(uint64_t) + hashes_.capacity() * sizeof(uint64_t) +
         table_.capacity() * sizeof(StateId);
}

void TupleStates::grow() {
  table_.assign(std::max<size_t>(64, table_.size() * 2), kEmpty);
  const size_t mask = table_.size() - 1;
  for (StateId id = 0; id < hashes_.size(); ++id) {
    size_t i = hashes_[id] & mask;
    while (table_[i] != kEmpty) {
      i = (i + 1) & mask;
    }
    table_[i] = id;
  }
}

namespace {

// The product of one instance per key. A state is the tuple of the keys' states.
class KeyedInstance final : public ModelInstance {
 public:
  KeyedInstance(std::vector<std::string> keys, std::vector<std::unique_ptr<ModelInstance>> parts,
                std::vector<uint32_t> key_of, std::vector<uint32_t> local_of)
      : keys_(std::move(keys)),
        parts_(std::move(parts)),
        key_of_(std::move(key_of)),
        local_of_(std::move(local_of)),
        states_(parts_.size()) {
    CONSIM_ASSERT(keys_.size() == parts_.size());
    CONSIM_ASSERT(key_of_.size() == local_of_.size());
  }

  StateId init() override {
    std::vector<uint64_t> tuple;
    for (const auto& part : parts_) {
      tuple.push_back(part->init());
    }
    return states_.intern(tuple);
  }

  // No step cache: a step costs one part's step plus hashing a tuple of one part per key, and a
  // hash map of past steps would cost more memory (and time to grow) than it saves.
  Step step(StateId state, uint32_t op) override {
    CONSIM_ASSERT(op < key_of_.size());
    const uint32_t key = key_of_[op];
    const auto before = static_cast<StateId>(states_.get(state)[key]);
    const Step part = parts_[key]->step(before, local_of_[op]);
    if (!part.legal) {
      return {false, state};
    }
    if (part.next == before) {
      return {true, state};
    }
    const std::span<const uint64_t> current = states_.get(state);
    scratch_.assign(current.begin(), current.end());
    scratch_[key] = part.next;
    return {true, states_.intern(scratch_)};
  }

  // {"a" 1, "b" nil}
  std::string describe_state(StateId state) const override {
    const std::span<const uint64_t> tuple = states_.get(state);
    std::string text = "{";
    for (size_t key = 0; key < keys_.size(); ++key) {
      text += (key == 0 ? "\"" : ", \"") + keys_[key] + "\" " +
              parts_[key]->describe_state(static_cast<StateId>(tuple[key]));
    }
    return text + "}";
  }

  size_t memory_bytes() const override {
    size_t bytes = states_.memory_bytes() + scratch_.capacity() * sizeof(uint64_t);
    for (const auto& part : parts_) {
      bytes += part->memory_bytes();
    }
    return bytes;
  }

 private:
  std::vector<std::string> keys_;
  std::vector<std::unique_ptr<ModelInstance>> parts_;
  std::vector<uint32_t> key_of_;    // op -> key
  std::vector<uint32_t> local_of_;  // op -> its index in its key's instance
  TupleStates states_;
  std::vector<uint64_t> scratch_;
};

}  // namespace

std::unique_ptr<ModelInstance> make_keyed_instance(std::span<const Operation* const> ops,
                                                   const InstanceFactory& make_one) {
  std::vector<std::string> keys;
  std::unordered_map<std::string, uint32_t> index;
  std::vector<std::vector<const Operation*>> per_key;
  std::vector<uint32_t> key_of;
  std::vector<uint32_t> local_of;
  for (const Operation* op : ops) {
    const auto [it, inserted] = index.emplace(op->key, static_cast<uint32_t>(keys.size()));
    if (inserted) {
      keys.push_back(op->key);
      per_key.emplace_back();
    }
    key_of.push_back(it->second);
    local_of.push_back(static_cast<uint32_t>(per_key[it->second].size()));
    per_key[it->second].push_back(op);
  }
  if (keys.size() <= 1) {
    return make_one(ops);
  }
  std::vector<std::unique_ptr<ModelInstance>> parts;
  for (const auto& key_ops : per_key) {
    parts.push_back(make_one(key_ops));
  }
  return std::make_unique<KeyedInstance>(std::move(keys), std::move(parts), std::move(key_of), std::move(local_of));
}

}  // namespace consim::checkers::lin
