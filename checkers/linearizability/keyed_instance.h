// States made of one part per key, for searches that span several keys at once.
//
// A linearizability check splits a keyed history per key (P-compositionality), so each search
// sees one key. A sequential-consistency check cannot (sequential consistency is not
// compositional: per-key sequential orders need not merge into one total order), so its one
// search sees every key, and a model's state becomes a tuple with one part per key.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "checkers/linearizability/model.h"

namespace consim::checkers::lin {

// Interns fixed-width tuples of 64-bit parts as dense StateIds: equal tuples, equal ids.
class TupleStates {
 public:
  explicit TupleStates(size_t width) : width_(width) {}

  StateId intern(std::span<const uint64_t> tuple);
  // Valid until the next intern().
  std::span<const uint64_t> get(StateId state) const;
  size_t size() const { return hashes_.size(); }
  size_t width() const { return width_; }
  size_t memory_bytes() const;

 private:
  static uint64_t hash(std::span<const uint64_t> tuple);
  void grow();

  static constexpr StateId kEmpty = ~StateId{0};

  size_t width_;
  std::vector<uint64_t> parts_;  // width_ parts per state, in StateId order
  std::vector<uint64_t> hashes_;
  std::vector<StateId> table_;  // open addressing over hashes_; kEmpty marks a free slot
};

using InstanceFactory = std::function<std::unique_ptr<ModelInstance>(std::span<const Operation* const>)>;

// A state space over `ops` whose keys are independent objects: `make_one` builds the state
// space of one key from that key's operations, and the result is their product. With a single
// key it is simply make_one(ops), so per-key searches pay nothing for it.
std::unique_ptr<ModelInstance> make_keyed_instance(std::span<const Operation* const> ops,
                                                   const InstanceFactory& make_one);

}  // namespace consim::checkers::lin
