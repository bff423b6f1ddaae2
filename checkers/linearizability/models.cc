// The register and kv models, from the specification of a linearizable register (Herlihy &
// Wing 1990) and of etcd's key-value operations, as Jepsen and Porcupine check them.
//
// A key's state is one value. read returns it; write replaces it; cas [expected, new] replaces
// it only when it equals expected; delete makes the key absent again (the initial value);
// append concatenates a string (absent counts as ""). A failed cas (no error, or
// CompareFailed) is an observation that the value was not `expected` at that point, so it is
// ordered like a read (the etcd logs in Porcupine's test data rely on this).
#include <algorithm>
#include <vector>

#include "base/assert.h"
#include "checkers/linearizability/keyed_instance.h"
#include "checkers/linearizability/memo.h"
#include "checkers/linearizability/model.h"
#include "checkers/linearizability/value_store.h"
#include "checkers/linearizability/znode_model.h"

namespace consim::checkers::lin {
namespace {

enum class OpKind : uint8_t { read, write, cas, remove, append };

// Called several times per operation (validate, role, observes_only, instantiate): the
// length picks the candidate names.
std::optional<OpKind> op_kind(std::string_view f, bool kv) {
  switch (f.size()) {
    case 3:
      if (f == "cas") {
        return OpKind::cas;
      }
      if (kv && f == "get") {
        return OpKind::read;
      }
      if (kv && f == "put") {
        return OpKind::write;
      }
      break;
    case 4:
      if (f == "read") {
        return OpKind::read;
      }
      break;
    case 5:
      if (f == "write") {
        return OpKind::write;
      }
      break;
    case 6:
      if (kv && f == "delete") {
        return OpKind::remove;
      }
      if (kv && f == "append") {
        return OpKind::append;
      }
      break;
    default:
      break;
  }
  return std::nullopt;
}

// A failed cas is an observation unless its error says it failed for another reason
// (a definite failure that never reached the state machine, e.g. NotLeader).
bool failure_observes(const Operation& op) { return op.error.empty() || op.error == "CompareFailed"; }

struct CompiledOp {
  OpKind kind = OpKind::read;
  Status status = Status::ok;
  StateId a = 0;  // read: the value read; write: the value written; cas: expected; append: the piece
  StateId b = 0;  // cas: the new value
};

// One register (or one kv key). States are ValueStore ids, so appends extend a string in O(1)
// instead of copying it.
class RegisterInstance final : public ModelInstance {
 public:
  RegisterInstance(const Value& initial, std::span<const Operation* const> ops, bool kv) {
    initial_ = values_.intern(initial);
    ops_.reserve(ops.size());
    U64Map classes;  // (kind, failed, a, b) -> effect class
    for (const Operation* op : ops) {
      CompiledOp compiled;
      compiled.kind = *op_kind(op->f, kv);
      compiled.status = op->status;
      switch (compiled.kind) {
        case OpKind::read:
          compiled.a = values_.intern(op->output);
          break;
        case OpKind::write:
          compiled.a = values_.intern(op->input);
          break;
        case OpKind::cas:
          compiled.a = values_.intern(op->input.items[0]);
          compiled.b = values_.intern(op->input.items[1]);
          break;
        case OpKind::remove:
          break;
        case OpKind::append:
          compiled.a = values_.piece(op->input.text);
          break;
      }
      classes_.push_back(effect_class(classes, compiled));
      ops_.push_back(compiled);
      note_producer(compiled);
    }
    std::sort(overwritten_.begin(), overwritten_.end());
    overwritten_.erase(std::unique(overwritten_.begin(), overwritten_.end()), overwritten_.end());
    std::sort(swapped_in_.begin(), swapped_in_.end());
    swapped_in_.erase(std::unique(swapped_in_.begin(), swapped_in_.end()), swapped_in_.end());
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

  std::string describe_state(StateId state) const override { return values_.value(state).to_string(); }

  size_t memory_bytes() const override {
    return values_.memory_bytes() + appended_.memory_bytes() + reachable_.memory_bytes();
  }

  // Equal (kind, values) step alike; writes and deletes do not look at the state.
  uint32_t effect_class(uint32_t op) const override { return classes_[op]; }
  bool overwrites(uint32_t op) const override {
    return ops_[op].kind == OpKind::write || ops_[op].kind == OpKind::remove;
  }

  StateId only_legal_in(uint32_t op) const override {
    const CompiledOp& o = ops_[op];
    const bool one_state = o.kind == OpKind::read || (o.kind == OpKind::cas && o.status != Status::fail);
    return one_state ? o.a : kAnyState;
  }

  StateId leaves(uint32_t op) const override {
    const CompiledOp& o = ops_[op];
    switch (o.kind) {
      case OpKind::read:
        return kSameState;
      case OpKind::write:
        return o.a;
      case OpKind::cas:
        return o.status == Status::fail ? kSameState : o.b;
      case OpKind::remove:
        return initial_;
      case OpKind::append:
        return kAnyState;
    }
    return kAnyState;
  }

  // A read (or a cas that swapped) is legal in one state only. Writes and deletes can produce
  // their values from anywhere, a cas its new value, appends extend a string.
  bool can_become_legal(StateId from, uint32_t op, bool overwriting) override {
    const CompiledOp& o = ops_[op];
    const bool one_state = o.kind == OpKind::read || (o.kind == OpKind::cas && o.status != Status::fail);
    if (!one_state || from == o.a) {
      return true;
    }
    if (!appends_) {
      // Without appends, where the value comes from does not matter: no cache needed.
      return reachable(from, o.a, overwriting);
    }
    CONSIM_ASSERT(op < (uint32_t{1} << 31));
    const uint64_t cache_key = (uint64_t{from} << 32) | (uint64_t{op} << 1) | (overwriting ? 1 : 0);
    if (const uint32_t* known = reachable_.find(cache_key)) {
      return *known != 0;
    }
    const bool possible = reachable(from, o.a, overwriting);
    reachable_.insert(cache_key, possible ? 1 : 0);
    return possible;
  }

 private:
  Step append(StateId state, uint32_t op) {
    const uint64_t cache_key = (uint64_t{state} << 32) | op;
    if (const uint32_t* next = appended_.find(cache_key)) {
      return {*next != kIllegal, *next == kIllegal ? state : *next};
    }
    const std::optional<uint32_t> next = values_.append(state, ops_[op].a);
    appended_.insert(cache_key, next.value_or(kIllegal));
    return {next.has_value(), next.value_or(state)};
  }

  // Operations with equal (kind, failed, a, b) step alike. Class ids start at 1.
  static uint32_t effect_class(U64Map& classes, const CompiledOp& o) {
    constexpr StateId kLimit = StateId{1} << 30;
    if (o.a >= kLimit || o.b >= kLimit) {
      return 0;  // more values than any history holds; 0 is always correct
    }
    const uint64_t key = (uint64_t{static_cast<uint8_t>(o.kind)} << 61) | (uint64_t{o.status == Status::fail} << 60) |
                         (uint64_t{o.a} << 30) | o.b;
    if (const uint32_t* known = classes.find(key)) {
      return *known;
    }
    const auto id = static_cast<uint32_t>(classes.size() + 1);
    classes.insert(key, id);
    return id;
  }

  void note_producer(const CompiledOp& o) {
    switch (o.kind) {
      case OpKind::write:
        note(overwritten_, kOverwritten, o.a);
        break;
      case OpKind::remove:
        note(overwritten_, kOverwritten, initial_);
        break;
      case OpKind::cas:
        note(swapped_in_, kSwappedIn, o.b);
        break;
      case OpKind::append:
        appends_ = true;
        break;
      case OpKind::read:
        break;
    }
  }

  // Records that some operation produces `state` (each state once per list, with a flag by
  // state: the history holds many writes of few values).
  void note(std::vector<StateId>& list, uint8_t flag, StateId state) {
    if (state >= produced_.size()) {
      produced_.resize(static_cast<size_t>(state) + 1, 0);
    }
    if ((produced_[state] & flag) == 0) {
      produced_[state] |= flag;
      list.push_back(state);
    }
  }
  bool produced(StateId state, uint8_t flag) const {
    return state < produced_.size() && (produced_[state] & flag) != 0;
  }

  // Whether some sequence of this instance's operations could take `from` to `target`.
  bool reachable(StateId from, StateId target, bool overwriting) const {
    if (produced(target, kSwappedIn) || (overwriting && produced(target, kOverwritten))) {
      return true;
    }
    if (!appends_) {
      return false;
    }
    // Appends only extend: the target must start with a string the history can start from.
    const std::optional<std::string> wanted = values_.string_of(target);
    if (!wanted) {
      return false;
    }
    const auto extends = [this, &wanted](StateId base) {
      const std::optional<std::string> prefix = values_.string_of(base);
      return prefix && wanted->starts_with(*prefix);
    };
    return extends(from) || std::any_of(swapped_in_.begin(), swapped_in_.end(), extends) ||
           (overwriting && std::any_of(overwritten_.begin(), overwritten_.end(), extends));
  }

  static constexpr StateId kIllegal = ~StateId{0};

  ValueStore values_;
  static constexpr uint8_t kOverwritten = 1;
  static constexpr uint8_t kSwappedIn = 2;
  std::vector<StateId> overwritten_;  // values writes and deletes produce, sorted, once each
  std::vector<StateId> swapped_in_;   // values a cas may produce, sorted, once each
  std::vector<uint8_t> produced_;     // by state: kOverwritten | kSwappedIn
  bool appends_ = false;
  U64Map reachable_;  // (from, op, overwriting) -> can_become_legal
  U64Map appended_;   // (state, append op) -> next state, kIllegal when illegal
  std::vector<CompiledOp> ops_;
  std::vector<uint32_t> classes_;
  StateId initial_ = 0;
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

  bool partition_by_key(const History& /*history*/) const override { return true; }

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

  bool observes_only(const Operation& op) const override {
    return *op_kind(op.f, kv_) == OpKind::read || op.status == Status::fail;
  }

  std::unique_ptr<ModelInstance> instantiate(std::span<const Operation* const> ops) const override {
    if (std::all_of(ops.begin(), ops.end(), [&ops](const Operation* op) { return op->key == ops.front()->key; })) {
      return std::make_unique<RegisterInstance>(initial_, ops, kv_);  // one key: the usual partition
    }
    // One register per key; an unpartitioned (sequential) search sees several keys at once.
    return make_keyed_instance(ops, [this](std::span<const Operation* const> key_ops) {
      return std::make_unique<RegisterInstance>(initial_, key_ops, kv_);
    });
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
  if (name == "znode") {
    return make_znode_model();
  }
  return nullptr;
}

}  // namespace consim::checkers::lin
