// The register and kv models, from the specification of a linearizable register (Herlihy &
// Wing 1990) and of etcd's key-value operations, as Jepsen and Porcupine check them.
//
// A key's state is one value. read returns it; write replaces it; cas [expected, new] replaces
// it only when it equals expected; delete makes the key absent again (the initial value);
// append concatenates a string (absent counts as ""). A failed cas (no error, or
// CompareFailed) is an observation that the value was not `expected` at that point, so it is
// ordered like a read (the etcd logs in Porcupine's test data rely on this).
#include <unordered_map>
#include <vector>

#include "base/assert.h"
#include "checkers/linearizability/model.h"

namespace consim::checkers::lin {
namespace {

enum class OpKind : uint8_t { read, write, cas, remove, append };

std::optional<OpKind> op_kind(std::string_view f, bool kv) {
  if (f == "read" || (kv && f == "get")) {
    return OpKind::read;
  }
  if (f == "write" || (kv && f == "put")) {
    return OpKind::write;
  }
  if (f == "cas") {
    return OpKind::cas;
  }
  if (kv && f == "delete") {
    return OpKind::remove;
  }
  if (kv && f == "append") {
    return OpKind::append;
  }
  return std::nullopt;
}

// A failed cas is an observation unless its error says it failed for another reason
// (a definite failure that never reached the state machine, e.g. NotLeader).
bool failure_observes(const Operation& op) { return op.error.empty() || op.error == "CompareFailed"; }

struct CompiledOp {
  OpKind kind = OpKind::read;
  Status status = Status::ok;
  StateId a = 0;       // read: the value read; write: the value written; cas: expected
  StateId b = 0;       // cas: the new value
  std::string suffix;  // append: the appended string
};

class RegisterInstance final : public ModelInstance {
 public:
  RegisterInstance(const Value& initial, std::span<const Operation* const> ops, bool kv) {
    initial_ = intern(initial);
    ops_.reserve(ops.size());
    for (const Operation* op : ops) {
      CompiledOp compiled;
      compiled.kind = *op_kind(op->f, kv);
      compiled.status = op->status;
      switch (compiled.kind) {
        case OpKind::read:
          compiled.a = intern(op->output);
          break;
        case OpKind::write:
          compiled.a = intern(op->input);
          break;
        case OpKind::cas:
          compiled.a = intern(op->input.items[0]);
          compiled.b = intern(op->input.items[1]);
          break;
        case OpKind::remove:
          break;
        case OpKind::append:
          compiled.suffix = op->input.text;
          break;
      }
      ops_.push_back(std::move(compiled));
    }
  }

  StateId init() override { return initial_; }

  Step step(StateId state, uint32_t op) override {
    CONSIM_ASSERT(op < ops_.size());
    const CompiledOp& o = ops_[op];
    switch (o.kind) {
      case OpKind::read:
        return {state == o.a, state};
      case OpKind::write:
        return {true, o.a};
      case OpKind::cas:
        if (o.status == Status::fail) {
          return {state != o.a, state};
        }
        return {state == o.a, o.b};
      case OpKind::remove:
        return {true, initial_};
      case OpKind::append:
        return append(state, op);
    }
    return {};
  }

  std::string describe_state(StateId state) const override {
    CONSIM_ASSERT(state < states_.size());
    return states_[state].to_string();
  }

  size_t memory_bytes() const override { return bytes_; }

 private:
  Step append(StateId state, uint32_t op) {
    const uint64_t cache_key = (uint64_t{state} << 32) | op;
    if (const auto it = appended_.find(cache_key); it != appended_.end()) {
      return {it->second != kIllegal, it->second == kIllegal ? state : it->second};
    }
    const Value& current = states_[state];
    StateId next = kIllegal;
    if (current.is_null() || current.kind == Value::Kind::string) {
      next = intern(Value::of(current.text + ops_[op].suffix));
    }
    appended_.emplace(cache_key, next);
    bytes_ += 32;
    return {next != kIllegal, next == kIllegal ? state : next};
  }

  StateId intern(const Value& value) {
    std::string canonical = value.to_string();
    const auto [it, inserted] = ids_.emplace(std::move(canonical), static_cast<StateId>(states_.size()));
    if (inserted) {
      states_.push_back(value);
      bytes_ += 2 * it->first.size() + 96;
    }
    return it->second;
  }

  static constexpr StateId kIllegal = ~StateId{0};

  std::vector<Value> states_;
  std::unordered_map<std::string, StateId> ids_;
  std::unordered_map<uint64_t, StateId> appended_;
  std::vector<CompiledOp> ops_;
  StateId initial_ = 0;
  size_t bytes_ = 0;
};

class RegisterModel final : public Model {
 public:
  RegisterModel(Value initial, bool kv) : initial_(std::move(initial)), kv_(kv) {}

  std::string_view name() const override { return kv_ ? "kv" : "register"; }

  std::optional<std::string> validate(const Operation& op) const override {
    const std::optional<OpKind> kind = op_kind(op.f, kv_);
    if (!kind) {
      return std::string("the ") + (kv_ ? "kv" : "register") + " model has no operation '" + op.f + "'" +
             (kv_ ? " (it knows read/get, write/put, cas, delete, append)" : " (it knows read, write, cas)");
    }
    if (*kind == OpKind::cas && !op.input.is_list_of(2)) {
      return "cas needs a value [expected, new], got " + op.input.to_string();
    }
    if (*kind == OpKind::append && op.input.kind != Value::Kind::string) {
      return "append needs a string value, got " + op.input.to_string();
    }
    return std::nullopt;
  }

  bool partition_by_key() const override { return true; }

  Role role(const Operation& op) const override {
    const OpKind kind = *op_kind(op.f, kv_);
    switch (op.status) {
      case Status::ok:
        return Role::required;
      case Status::fail:
        return kind == OpKind::cas && failure_observes(op) ? Role::required : Role::ignored;
      case Status::info:
      case Status::pending:
        // A read whose result is unknown neither changes nor observes anything.
        return kind == OpKind::read ? Role::ignored : Role::optional;
    }
    return Role::ignored;
  }

  std::unique_ptr<ModelInstance> instantiate(std::span<const Operation* const> ops) const override {
    return std::make_unique<RegisterInstance>(initial_, ops, kv_);
  }

 private:
  Value initial_;
  bool kv_;
};

}  // namespace

std::unique_ptr<Model> make_model(std::string_view name, const Value& initial) {
  if (name == "register") {
    return std::make_unique<RegisterModel>(initial, false);
  }
  if (name == "kv") {
    return std::make_unique<RegisterModel>(initial, true);
  }
  return nullptr;
}

}  // namespace consim::checkers::lin
