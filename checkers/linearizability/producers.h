// Per-value interval constraints for the search (internal to search.cc): a configuration is a
// dead end when some required operation that is legal in one state only (a read of v, a cas
// expecting v) is still to be linearized, the state is not v, and no operation that could still
// leave v (an unlinearized write of v or cas to v, an unused optional one) is invoked before that
// operation completes. Whatever is linearized before it must then leave the state as it is
// now, so it can never become legal. (Gibbons & Korach's reads-from reasoning, kept cheap:
// existence of a producer, not a matching.)
//
// This catches a wrong choice at once instead of when the operation becomes urgent: placing
// the last available write of v too early, or spending the last optional write of v on
// something else, used to cost the search every arrangement of the operations in between.
//
// Enabled only when the model says, for every operation, which state it leaves
// (ModelInstance::leaves): otherwise (appends, several keys, znodes) nothing is ever dead.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "base/assert.h"
#include "checkers/linearizability/memo.h"
#include "checkers/linearizability/model.h"

namespace consim::checkers::lin {

class ProducerWatch {
 public:
  // What take() changed, for give_back().
  struct Undo {
    uint32_t needy_first = 0;
    uint32_t producer_first = 0;
  };

  ProducerWatch() = default;

  // `required`: operations [0, required) are required, the rest optional. `unwatched`: required
  // operations whose need is not watched (the search handles them otherwise).
  ProducerWatch(ModelInstance& instance, uint32_t required, std::span<const int64_t> invoke_ns,
                std::span<const int64_t> complete_ns, const std::vector<bool>& unwatched) {
    const auto count = static_cast<uint32_t>(invoke_ns.size());
    needy_of_.assign(count, kNone);
    produces_.assign(count, kNone);
    for (uint32_t op = 0; op < count; ++op) {
      if (instance.leaves(op) == ModelInstance::kAnyState) {
        return;  // disabled
      }
    }
    const auto index_of = [this](StateId state) {
      if (state >= slot_of_state_.size()) {
        slot_of_state_.resize(static_cast<size_t>(state) + 1, kNone);
      }
      if (slot_of_state_[state] == kNone) {
        slot_of_state_[state] = static_cast<uint32_t>(values_.size());
        values_.emplace_back();
      }
      return slot_of_state_[state];
    };
    for (uint32_t op = 0; op < count; ++op) {
      const StateId leaves = instance.leaves(op);
      if (leaves != ModelInstance::kSameState) {
        produces_[op] = index_of(leaves);
        values_[produces_[op]].producers.push_back(op);
      }
      const StateId needs = op < required ? instance.only_legal_in(op) : ModelInstance::kAnyState;
      if (needs != ModelInstance::kAnyState && !unwatched[op]) {
        needy_of_[op] = index_of(needs);
        values_[needy_of_[op]].needy.push_back(op);
      }
    }
    for (Value& value : values_) {
      sort_nearly_sorted(value.needy,
                         [&complete_ns](uint32_t a, uint32_t b) { return complete_ns[a] < complete_ns[b]; });
      sort_nearly_sorted(value.producers, [&invoke_ns](uint32_t a, uint32_t b) { return invoke_ns[a] < invoke_ns[b]; });
      value.earliest_complete_ns.reserve(value.needy.size());
      for (const uint32_t op : value.needy) {
        value.earliest_complete_ns.push_back(complete_ns[op]);
      }
      value.producer_invoke_ns.reserve(value.producers.size());
      for (const uint32_t op : value.producers) {
        value.producer_invoke_ns.push_back(invoke_ns[op]);
      }
    }
    gone_.assign(count, false);
    enabled_ = !values_.empty();
    for (uint32_t slot = 0; slot < values_.size(); ++slot) {
      refresh(slot);
    }
  }

  bool enabled() const { return enabled_; }

  // True when the configuration whose state is `state` is a dead end (see above).
  bool dead(StateId state) const {
    if (bad_count_ == 0) {
      return false;
    }
    const uint32_t slot = state < slot_of_state_.size() ? slot_of_state_[state] : kNone;
    return bad_count_ > (slot != kNone && values_[slot].bad ? 1U : 0U);
  }

  // When the value of `state` is bad: the unlinearized operation that needs it and completes
  // first, which no operation can make legal again once the state changes. kNone otherwise.
  uint32_t stranded(StateId state) const {
    const uint32_t slot = state < slot_of_state_.size() ? slot_of_state_[state] : kNone;
    if (slot == kNone || !values_[slot].bad) {
      return kNone;
    }
    return values_[slot].needy[values_[slot].needy_first];
  }

  // True when `op` may change the state (it leaves one of its own).
  bool changes_state(uint32_t op) const { return enabled_ && produces_[op] != kNone; }

  // `op` is linearized (required) or used (optional): it neither needs nor produces any more.
  Undo take(uint32_t op) {
    Undo undo;
    if (!enabled_) {
      return undo;
    }
    CONSIM_ASSERT(!gone_[op]);
    gone_[op] = true;
    if (const uint32_t slot = needy_of_[op]; slot != kNone) {
      Value& value = values_[slot];
      undo.needy_first = value.needy_first;
      while (value.needy_first < value.needy.size() && gone_[value.needy[value.needy_first]]) {
        ++value.needy_first;
      }
      refresh(slot);
    }
    if (const uint32_t slot = produces_[op]; slot != kNone) {
      Value& value = values_[slot];
      undo.producer_first = value.producer_first;
      while (value.producer_first < value.producers.size() && gone_[value.producers[value.producer_first]]) {
        ++value.producer_first;
      }
      refresh(slot);
    }
    return undo;
  }

  // Undoes take(op), which returned `undo`; takes are undone in reverse order.
  void give_back(uint32_t op, const Undo& undo) {
    if (!enabled_) {
      return;
    }
    CONSIM_ASSERT(gone_[op]);
    gone_[op] = false;
    if (const uint32_t slot = needy_of_[op]; slot != kNone) {
      values_[slot].needy_first = undo.needy_first;
      refresh(slot);
    }
    if (const uint32_t slot = produces_[op]; slot != kNone) {
      values_[slot].producer_first = undo.producer_first;
      refresh(slot);
    }
  }

  size_t memory_bytes() const {
    size_t bytes = (needy_of_.capacity() + produces_.capacity() + slot_of_state_.capacity()) * sizeof(uint32_t) +
                   gone_.capacity() / 8 + values_.capacity() * sizeof(Value);
    for (const Value& value : values_) {
      bytes += (value.needy.capacity() + value.producers.capacity()) * sizeof(uint32_t) +
               (value.earliest_complete_ns.capacity() + value.producer_invoke_ns.capacity()) * sizeof(int64_t);
    }
    return bytes;
  }

  static constexpr uint32_t kNone = ~uint32_t{0};

 private:
  // One state that some operation needs or leaves.
  struct Value {
    std::vector<uint32_t> needy;                // required operations legal only here, by completion
    std::vector<int64_t> earliest_complete_ns;  // their completion times, in the same order
    std::vector<uint32_t> producers;            // operations that leave this state, by invocation
    std::vector<int64_t> producer_invoke_ns;    // their invocation times, in the same order
    // needy[needy_first] is the first not linearized, producers[producer_first] the first not
    // gone (or the ends): take() moves them past what it takes, give_back() puts them back.
    uint32_t needy_first = 0;
    uint32_t producer_first = 0;
    bool bad = false;  // the first needy operation completes before any producer is invoked
  };

  void refresh(uint32_t slot) {
    Value& value = values_[slot];
    bool bad = false;
    if (value.needy_first < value.needy.size()) {
      bad = value.producer_first == value.producers.size() ||
            value.producer_invoke_ns[value.producer_first] > value.earliest_complete_ns[value.needy_first];
    }
    if (bad != value.bad) {
      bad_count_ += bad ? 1 : -1;
      value.bad = bad;
    }
  }

  bool enabled_ = false;
  std::vector<uint32_t> needy_of_;       // op -> slot of the state it needs, kNone
  std::vector<uint32_t> produces_;       // op -> slot of the state it leaves, kNone
  std::vector<uint32_t> slot_of_state_;  // state -> slot, kNone
  std::vector<Value> values_;
  std::vector<bool> gone_;
  uint32_t bad_count_ = 0;
};

}  // namespace consim::checkers::lin
