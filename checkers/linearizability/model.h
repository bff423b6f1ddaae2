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
};

class Model {
 public:
  virtual ~Model() = default;
  virtual std::string_view name() const = 0;
  // Empty when the model understands `op` (its f, the shape of its values); otherwise the problem.
  virtual std::optional<std::string> validate(const Operation& op) const = 0;
  // True when operations on different keys are independent, so each key is checked on its own.
  virtual bool partition_by_key() const { return false; }
  virtual Role role(const Operation& op) const = 0;
  // A fresh state space for `ops` (one partition, every op validated and not ignored).
  virtual std::unique_ptr<ModelInstance> instantiate(std::span<const Operation* const> ops) const = 0;
};

// Built-in models by name: "register" or "kv". `initial` is the value of a register (or of
// every key) before the history starts; "absent" for kv. Returns null for an unknown name.
std::unique_ptr<Model> make_model(std::string_view name, const Value& initial = Value::null_value());

}  // namespace consim::checkers::lin
