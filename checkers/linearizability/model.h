// The model interface of the linearizability checker, in Porcupine's shape: init, step,
// equality and hashing of states, describe, and an optional partition (P-compositionality,
// Horn & Kroening 2015). Models are written from the specification of the object (a register,
// etcd's key-value space), never from consim's services: a checker that reused the
// implementation could not catch the implementation's bugs.
//
// States are interned: a model instance maps each distinct state to a dense StateId, so equal
// states have equal ids and the search compares and hashes integers (Porcupine's Equal and Hash).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "checkers/linearizability/history.h"

namespace consim::checkers::lin {

using StateId = uint32_t;

struct Step {
  bool legal = false;
  StateId next = 0;
};

// How an operation takes part in the search.
enum class Role : uint8_t {
  required,  // took effect (ok, or a failure the model calls an observation): must be linearized
  optional,  // outcome unknown (info, pending): may take effect at any point after its invocation, or never
  ignored,   // cannot affect or observe the state (a failed write, a timed-out read)
};

// The states of one search over one partition. Not thread-safe; one per search.
class ModelInstance {
 public:
  virtual ~ModelInstance() = default;
  virtual StateId init() = 0;
  // Applies operation `op` (an index into the span given to Model::instantiate) to `state`.
  // Pure: the same (state, op) always gives the same Step.
  virtual Step step(StateId state, uint32_t op) = 0;
  virtual std::string describe_state(StateId state) const = 0;
  // Bytes held by interned states, counted against the checker's memory budget.
  virtual size_t memory_bytes() const = 0;

  // Search hints. The defaults are always correct; a model that knows better makes the search
  // faster, mostly on histories with many operations of unknown outcome (info, pending) and on
  // histories that are not linearizable.
  //
  // Operations of one non-zero class step identically from every state (two writes of the same
  // value), so the search may use optional ones in invocation order instead of trying each.
  // Class 0: like no other operation.
  virtual uint32_t effect_class(uint32_t /*op*/) const { return 0; }
  // True when `op` is legal in every state and its next state does not depend on the state (a
  // blind write): nothing that happened just before it can be observed through it.
  virtual bool overwrites(uint32_t /*op*/) const { return false; }
  // False only when certain that no sequence of this instance's operations leads from `from`
  // to a state where `op` is legal; with `overwriting` false, no sequence of operations that do
  // not overwrite. (A read of a value nothing writes can never succeed; an append-only string
  // that is not a prefix of what a read returned can never become it.) The search abandons a
  // configuration whose next read can no longer succeed.
  virtual bool can_become_legal(StateId /*from*/, uint32_t /*op*/, bool /*overwriting*/) { return true; }
  // The one state in which `op` is legal, when there is exactly one (a read, a cas that
  // swapped); kAnyState otherwise. Lets the search find which optional writes could matter.
  static constexpr StateId kAnyState = ~StateId{0};
  virtual StateId only_legal_in(uint32_t /*op*/) const { return kAnyState; }
  // The one state `op` leaves whenever it is legal, whatever the state before it (a write, a
  // cas to v); kSameState when it never changes the state (a read); kAnyState when it may leave
  // different states or the model does not say. When no operation of an instance is kAnyState,
  // the search knows every way a state can come about (producers.h).
  static constexpr StateId kSameState = kAnyState - 1;
  virtual StateId leaves(uint32_t /*op*/) const { return kAnyState; }
};

class Model {
 public:
  virtual ~Model() = default;
  virtual std::string_view name() const = 0;
  // Empty when the model understands `op` (its f, the shape of its values); otherwise the problem.
  virtual std::optional<std::string> validate(const Operation& op) const = 0;
  // True when the operations of `history` on different keys are independent, so each key can be
  // checked on its own (linearizable checks only: sequential consistency is not compositional).
  // A model may decide per history: znode paths are independent unless the history lists
  // children or nests one path under another.
  virtual bool partition_by_key(const History& /*history*/) const { return false; }
  virtual Role role(const Operation& op) const = 0;
  // True when `op` never changes the state, whatever the state (a read; a failure that only
  // observes). Searches may then place it as soon as it is legal, without trying it later.
  virtual bool observes_only(const Operation& /*op*/) const { return false; }
  // A fresh state space for `ops` (one partition, every op validated and not ignored). `ops` may
  // span several keys (an unpartitioned check): keyed models then track every key's state.
  virtual std::unique_ptr<ModelInstance> instantiate(std::span<const Operation* const> ops) const = 0;
};

// Built-in models by name: "register", "kv" or "znode" (znode_model.h). `initial` is the value
// of a register (or of every key) before the history starts; "absent" for kv; unused by znode,
// whose tree starts empty. Returns null for an unknown name.
std::unique_ptr<Model> make_model(std::string_view name, const Value& initial = Value::null_value());

}  // namespace consim::checkers::lin
