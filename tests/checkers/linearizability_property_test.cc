// The checker against a deliberately naive reference, for every model and every consistency
// level: try every order of the operations that respects the level's constraints (real time for
// linearizability; program order for sequential consistency; program order plus real time among
// non-reads for ZooKeeper's level), optional operations placed anywhere allowed or never, with the
// sequential specifications written here independently of the models.
//
// The reference prunes an order as soon as its prefix is illegal and remembers the (placed set,
// state) pairs it has seen fail, so that 12-operation histories stay fast.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "checkers/linearizability/checker.h"
#include "checkers/linearizability/generate.h"
#include "checkers/linearizability/memo.h"

namespace consim::checkers::lin {
namespace {

enum class Kind { reg, kv, znode };
enum class Part { required, optional, ignored };

constexpr size_t kMaxOperations = 12;

bool is_read(const Operation& op) {
  return op.f == "read" || op.f == "get" || op.f == "exists" || op.f == "children" || op.f == "sync_get";
}

// The failures ZooKeeper orders like writes, by operation.
bool znode_failure_observes(const Operation& op) {
  if (op.error == "NoNode") {
    return true;
  }
  return (op.error == "NodeExists" && op.f == "create") ||
         (op.error == "BadVersion" && (op.f == "set" || op.f == "delete")) ||
         (op.error == "NotEmpty" && op.f == "delete");
}

Part part_of(Kind kind, const Operation& op) {
  switch (op.status) {
    case Status::ok:
      return Part::required;
    case Status::fail:
      if (kind == Kind::znode) {
        return znode_failure_observes(op) ? Part::required : Part::ignored;
      }
      return op.f == "cas" && op.error.empty() ? Part::required : Part::ignored;
    default:
      return is_read(op) ? Part::ignored : Part::optional;
  }
}

// Register and kv: key -> value (absent keys hold null). Znode: path -> [data, version] for the
// nodes present.
using Store = std::map<std::string, Value>;

// The register and kv specification: the next store, or nothing when `op` cannot happen.
std::optional<Store> apply_register(Store store, const Operation& op) {
  Value& value = store[op.key];
  if (op.f == "read" || op.f == "get") {
    return op.output == value ? std::optional<Store>(store) : std::nullopt;
  }
  if (op.f == "write" || op.f == "put") {
    value = op.input;
  } else if (op.f == "delete") {
    value = Value::null_value();
  } else if (op.f == "append") {
    if (value.kind == Value::Kind::integer || value.kind == Value::Kind::list) {
      return std::nullopt;
    }
    value = Value::of(value.text + op.input.text);
  } else if (op.status == Status::fail) {  // cas that failed on its compare
    return value == op.input.items[0] ? std::nullopt : std::optional<Store>(store);
  } else {  // cas that happened
    if (!(value == op.input.items[0])) {
      return std::nullopt;
    }
    value = op.input.items[1];
  }
  return store;
}

std::optional<std::string> parent_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (path.size() < 2 || slash == std::string::npos) {
    return std::nullopt;
  }
  return slash == 0 ? std::string("/") : path.substr(0, slash);
}

// ZooKeeper's specification over the paths the checked operations name (`tracked`; ignored
// operations do not count): a parent or child they never name may be in any state.
class ZnodeSpec {
 public:
  explicit ZnodeSpec(const std::vector<Operation>& ops) {
    for (const Operation& op : ops) {
      if (part_of(Kind::znode, op) == Part::ignored) {
        continue;
      }
      tracked_.insert(op.key);
      if (op.f == "children" && op.status == Status::ok) {
        for (const Value& name : op.output.items) {
          tracked_.insert(op.key + "/" + name.text);
        }
      }
    }
  }

  std::optional<Store> apply(Store store, const Operation& op) const {
    const auto node = store.find(op.key);
    const bool present = node != store.end();
    const int64_t version = present ? node->second.items[1].integer : -1;
    const bool version_ok = op.version == -1 || op.version == version;
    const std::optional<std::string> parent = parent_of(op.key);
    const bool parent_known = parent && tracked_.contains(*parent);
    const bool parent_present = parent_known && store.contains(*parent);
    std::vector<std::string> children;  // tracked and present
    bool has_tracked_children = false;
    for (const std::string& path : tracked_) {
      if (parent_of(path) == op.key) {
        has_tracked_children = true;
        if (store.contains(path)) {
          children.push_back(path);
        }
      }
    }
    const auto keep_if = [&store](bool legal) { return legal ? std::optional<Store>(store) : std::nullopt; };
    if (op.status == Status::fail) {
      if (op.error == "NoNode") {
        return keep_if(!present && (op.f != "create" || !parent_known || !parent_present));
      }
      if (op.error == "NodeExists") {
        return keep_if(present);
      }
      if (op.error == "BadVersion") {
        return keep_if(present && !version_ok);
      }
      return keep_if(present && version_ok && (!has_tracked_children || !children.empty()));  // NotEmpty
    }
    if (op.f == "create") {
      if (present || (parent_known && !parent_present)) {
        return std::nullopt;
      }
      store[op.key] = Value::list({op.input, Value::of(0)});
      return store;
    }
    if (op.f == "set") {
      const bool reported_ok = !op.output.is_list_of(2) || op.output.items[1].integer == version + 1;
      if (!present || !version_ok || !reported_ok) {
        return std::nullopt;
      }
      store[op.key] = Value::list({op.input, Value::of(version + 1)});
      return store;
    }
    if (op.f == "delete") {
      if (!present || !version_ok || !children.empty() || op.key == "/") {
        return std::nullopt;
      }
      store.erase(op.key);
      return store;
    }
    if (op.f == "get" || op.f == "sync_get") {
      const bool with_version = op.output.kind == Value::Kind::list;
      return keep_if(present && (with_version ? op.output == node->second : op.output == node->second.items[0]));
    }
    if (op.f == "exists") {
      const Value& out = op.output;
      if (out.is_null() || out == Value::of(std::string("false"))) {
        return keep_if(!present);
      }
      return keep_if(present && (out.kind != Value::Kind::integer || out.integer == version));
    }
    // children
    std::vector<std::string> listed;
    for (const Value& name : op.output.items) {
      listed.push_back(op.key + "/" + name.text);
    }
    std::ranges::sort(listed);
    return keep_if(present && listed == children);
  }

 private:
  std::set<std::string> tracked_;
};

// Every order the level allows, depth first, with failed configurations remembered.
class BruteForce {
 public:
  BruteForce(const std::vector<Operation>& ops, Kind kind, Consistency consistency)
      : ops_(ops), kind_(kind), consistency_(consistency), znode_(ops) {}

  bool consistent() { return search(0, Store{}); }

 private:
  bool real_time(const Operation& op) const {
    return consistency_ == Consistency::linearizable ||
           (consistency_ == Consistency::zookeeper && !(is_read(op) && op.f != "sync_get"));
  }

  // Ops are in invocation order, so program order is their order within a process.
  bool may_place(size_t i, uint32_t placed) const {
    for (size_t j = 0; j < ops_.size(); ++j) {
      if ((placed >> j & 1U) != 0 || j == i || part_of(kind_, ops_[j]) != Part::required) {
        continue;
      }
      if (ops_[j].process == ops_[i].process && j < i) {
        return false;
      }
      if (real_time(ops_[i]) && real_time(ops_[j]) && ops_[j].complete_ns < ops_[i].invoke_ns) {
        return false;
      }
    }
    return true;
  }

  std::optional<Store> apply(const Store& store, const Operation& op) const {
    return kind_ == Kind::znode ? znode_.apply(store, op) : apply_register(store, op);
  }

  static std::string describe(const Store& store) {
    std::string text;
    for (const auto& [key, value] : store) {
      text += key + "=" + value.to_string() + ";";
    }
    return text;
  }

  bool search(uint32_t placed, const Store& store) {
    bool all_required = true;
    for (size_t i = 0; i < ops_.size(); ++i) {
      all_required = all_required && ((placed >> i & 1U) != 0 || part_of(kind_, ops_[i]) != Part::required);
    }
    if (all_required) {
      return true;
    }
    if (failed_.contains({placed, describe(store)})) {
      return false;
    }
    for (size_t i = 0; i < ops_.size(); ++i) {
      if ((placed >> i & 1U) != 0 || part_of(kind_, ops_[i]) == Part::ignored || !may_place(i, placed)) {
        continue;
      }
      const std::optional<Store> next = apply(store, ops_[i]);
      if (next && search(placed | (uint32_t{1} << i), *next)) {
        return true;
      }
    }
    failed_.insert({placed, describe(store)});
    return false;
  }

  const std::vector<Operation>& ops_;
  Kind kind_;
  Consistency consistency_;
  ZnodeSpec znode_;
  std::set<std::pair<uint32_t, std::string>> failed_;
};

// --- random histories ---------------------------------------------------------------------

Value random_value(Kind kind) {
  if (kind == Kind::kv) {
    const char* strings[] = {"", "x", "y", "xy", "yx"};
    return *rc::gen::element(Value::null_value(), Value::of(std::string(strings[*rc::gen::inRange(0, 5)])));
  }
  const int n = *rc::gen::inRange(-1, 3);
  return n < 0 ? Value::null_value() : Value::of(n);
}

void random_register_operation(Kind kind, Operation& op) {
  const std::vector<std::string> fs = kind == Kind::kv
                                          ? std::vector<std::string>{"get", "put", "cas", "delete", "append"}
                                          : std::vector<std::string>{"read", "write", "cas"};
  op.f = *rc::gen::elementOf(fs);
  op.key = kind == Kind::kv ? *rc::gen::element<std::string>("a", "b") : "";
  if (op.f == "write" || op.f == "put") {
    op.input = random_value(kind);
  } else if (op.f == "cas") {
    op.input = Value::list({random_value(kind), random_value(kind)});
  } else if (op.f == "append") {
    op.input = Value::of(std::string(*rc::gen::element("x", "y")));
  }
  op.status =
      *rc::gen::weightedElement<Status>({{6, Status::ok}, {2, Status::fail}, {1, Status::info}, {1, Status::pending}});
  if (op.status == Status::ok && (op.f == "read" || op.f == "get")) {
    op.output = random_value(kind);
  }
}

Value random_version() { return Value::of(*rc::gen::inRange(0, 2)); }

// The value an ok znode operation reports.
Value random_znode_output(const Operation& op, bool tree) {
  const Value data = Value::of(*rc::gen::inRange(0, 2));
  if (op.f == "get" || op.f == "sync_get") {
    return *rc::gen::element(data, Value::list({data, random_version()}));
  }
  if (op.f == "set") {
    return *rc::gen::element(Value::null_value(), Value::list({op.input, random_version()}));
  }
  if (op.f == "exists") {
    return *rc::gen::element(Value::null_value(), Value::of(std::string("true")), Value::of(std::string("false")),
                             Value::of(0), Value::of(1));
  }
  if (op.f == "children") {
    std::vector<Value> names;
    for (const char* name : {"b", "c"}) {
      if (tree && op.key == "/a" && *rc::gen::arbitrary<bool>()) {
        names.push_back(Value::of(std::string(name)));
      }
    }
    return Value::list(std::move(names));
  }
  return Value::null_value();
}

// Flat histories (two unrelated paths, partitioned per path) or a small tree with children.
void random_znode_operation(bool tree, Operation& op) {
  // Writes more often than reads, so that reads find nodes to see.
  op.f =
      tree
          ? *rc::gen::weightedElement<std::string>(
                {{4, "create"}, {3, "set"}, {2, "get"}, {1, "sync_get"}, {1, "exists"}, {1, "delete"}, {1, "children"}})
          : *rc::gen::weightedElement<std::string>(
                {{4, "create"}, {3, "set"}, {2, "get"}, {1, "sync_get"}, {1, "exists"}, {1, "delete"}});
  op.key = tree ? *rc::gen::element<std::string>("/a", "/a/b", "/a/c") : *rc::gen::element<std::string>("/a", "/b");
  if (op.f == "children") {
    op.key = "/a";
  }
  if (op.f == "create" || op.f == "set") {
    op.input = Value::of(*rc::gen::inRange(0, 2));
  }
  if (op.f == "set" || op.f == "delete") {
    op.version = *rc::gen::inRange(-1, 2);
  }
  op.status =
      *rc::gen::weightedElement<Status>({{6, Status::ok}, {2, Status::fail}, {1, Status::info}, {1, Status::pending}});
  if (op.status == Status::fail) {
    op.error = *rc::gen::element<std::string>("NoNode", "NodeExists", "BadVersion", "NotEmpty", "ConnectionLoss", "");
  }
  if (op.status == Status::ok) {
    op.output = random_znode_output(op, tree);
  }
}

// Closed-loop processes on a coarse clock, so that intervals often touch (closed intervals). A
// process that crashed (info) sometimes continues, as consim's JSONL allows; a pending
// operation is its process's last.
std::vector<Operation> random_history(Kind kind) {
  const int processes = *rc::gen::inRange(2, 5);
  const int count = *rc::gen::inRange(1, static_cast<int>(kMaxOperations) + 1);
  const bool tree = *rc::gen::arbitrary<bool>();
  std::vector<int64_t> clock(static_cast<size_t>(processes), 0);
  std::vector<Operation> ops;
  for (int i = 0; i < count; ++i) {
    const int p = *rc::gen::inRange(0, processes);
    if (clock[static_cast<size_t>(p)] == kNeverNs) {
      continue;
    }
    Operation op;
    if (kind == Kind::znode) {
      random_znode_operation(tree, op);
    } else {
      random_register_operation(kind, op);
    }
    op.process = p;
    op.invoke_ns = clock[static_cast<size_t>(p)] + *rc::gen::inRange(0, 3);
    op.complete_ns = op.invoke_ns + *rc::gen::inRange(0, 5);
    clock[static_cast<size_t>(p)] = op.complete_ns + 1;
    if (op.status == Status::info || op.status == Status::pending) {
      const bool stops = op.status == Status::pending || *rc::gen::arbitrary<bool>();
      clock[static_cast<size_t>(p)] = stops ? kNeverNs : op.complete_ns + 1;
      op.complete_ns = kNeverNs;
    }
    ops.push_back(op);
  }
  // A history lists its operations in invocation order.
  std::ranges::stable_sort(ops, [](const Operation& a, const Operation& b) { return a.invoke_ns < b.invoke_ns; });
  for (size_t i = 0; i < ops.size(); ++i) {
    ops[i].invoke_line = i + 1;
  }
  return ops;
}

const char* kind_name(Kind kind) { return kind == Kind::reg ? "register" : kind == Kind::kv ? "kv" : "znode"; }

// Most random histories are far from the boundaries between the levels, so each property
// case checks several histories to reach the interesting ones often.
constexpr int kHistoriesPerCase = 8;

std::string describe(const History& history) {
  std::string text;
  for (const Operation& op : history.operations) {
    text += op.describe() + " [" + std::to_string(op.invoke_ns) + ", " + std::to_string(op.complete_ns) + "] version " +
            std::to_string(op.version) + "\n";
  }
  return text;
}

// Checks one history at every level, with and without the linearizable shortcut (the
// sequential levels try the linearizable search first; their own search must agree too).
// Returns the levels at which it is consistent, as "linearizable+ zookeeper- ...".
std::string agrees_at_every_level(const History& history, Kind kind, const Model& model) {
  std::string verdicts;
  for (const Consistency consistency : {Consistency::linearizable, Consistency::zookeeper, Consistency::sequential}) {
    const bool expected = BruteForce(history.operations, kind, consistency).consistent();
    for (const bool shortcut : {true, false}) {
      CheckOptions options;
      options.consistency = consistency;
      options.linearizable_shortcut = shortcut;
      const Verdict verdict = check(history, model, options).verdict;
      if (verdict != (expected ? Verdict::linearizable : Verdict::not_linearizable)) {
        RC_FAIL(describe(history) + consistency_name(consistency) + (shortcut ? "" : " (no shortcut)") +
                ": brute force says " + (expected ? "consistent" : "not consistent") + ", the checker " +
                verdict_name(verdict));
      }
    }
    verdicts += std::string(consistency_name(consistency)) + (expected ? "+ " : "- ");
  }
  return verdicts;
}

void agrees_with_brute_force(Kind kind) {
  const auto model = make_model(kind_name(kind));
  bool levels_differ = false;
  for (int i = 0; i < kHistoriesPerCase; ++i) {
    History history;
    history.operations = random_history(kind);
    const std::optional<std::string> problem = validate_history(history, *model);
    RC_ASSERT(!problem);
    const std::string verdicts = agrees_at_every_level(history, kind, *model);
    levels_differ =
        levels_differ || (verdicts.find('+') != std::string::npos && verdicts.find('-') != std::string::npos);
  }
  RC_TAG(levels_differ ? "some history tells the levels apart" : "no history tells the levels apart");
}

RC_GTEST_PROP(LinearizabilityProperty, RegisterCheckerAgreesWithBruteForce, ()) { agrees_with_brute_force(Kind::reg); }

RC_GTEST_PROP(LinearizabilityProperty, KvCheckerAgreesWithBruteForce, ()) { agrees_with_brute_force(Kind::kv); }

RC_GTEST_PROP(LinearizabilityProperty, ZnodeCheckerAgreesWithBruteForce, ()) { agrees_with_brute_force(Kind::znode); }

// Near-linearizable register histories, where unsound pruning hides: the project's generator
// (linearizable by construction) on few values with many crashed operations, and half the time
// one completed read changed to another value (often still explainable: by a crashed write, or
// by another order of concurrent ones). The search's value-interval rule (producers.h) decides
// most of these through which writes and cas are left to produce a value; a crashed write
// spent too early or a read whose value nobody can still write must not change the verdict.
RC_GTEST_PROP(LinearizabilityProperty, GeneratedRegisterWithCrashesAgreesWithBruteForce, ()) {
  GeneratorOptions options;
  options.operations = static_cast<size_t>(*rc::gen::inRange(4, static_cast<int>(kMaxOperations) + 1));
  options.processes = static_cast<size_t>(*rc::gen::inRange(2, 7));
  options.crash_fraction = *rc::gen::element(0.1, 0.3, 0.5);
  options.values = *rc::gen::inRange(1, 4);
  options.seed = *rc::gen::arbitrary<uint64_t>();
  options.latency_ns_max = *rc::gen::element(int64_t{10}, int64_t{100});
  options.think_ns_max = *rc::gen::element(int64_t{0}, int64_t{10});
  History history = generate_history(options).history;
  // The generator may invoke a process's next operation at the instant its previous one
  // completed (no think time): concurrent for the checker (closed intervals), ordered for the
  // brute force (program order). Move such invocations just after, on a doubled clock that
  // keeps every other relation.
  std::map<int64_t, int64_t> last_complete_ns;
  for (Operation& op : history.operations) {
    const int64_t previous = last_complete_ns.contains(op.process) ? last_complete_ns[op.process] : -1;
    const bool touches = previous == op.invoke_ns;
    op.invoke_ns = 2 * op.invoke_ns + (touches ? 1 : 0);
    op.complete_ns = op.complete_ns == kNeverNs ? kNeverNs : 2 * op.complete_ns;
    last_complete_ns[op.process] = op.complete_ns == kNeverNs ? kNeverNs : op.complete_ns / 2;
  }
  bool mutated = false;
  if (*rc::gen::arbitrary<bool>()) {
    std::vector<size_t> reads;
    for (size_t i = 0; i < history.operations.size(); ++i) {
      if (history.operations[i].f == "read" && history.operations[i].status == Status::ok) {
        reads.push_back(i);
      }
    }
    if (!reads.empty()) {
      Operation& read = history.operations[*rc::gen::elementOf(reads)];
      const int value = *rc::gen::inRange(-1, static_cast<int>(options.values));
      read.output = value < 0 ? Value::null_value() : Value::of(value);
      mutated = true;
    }
  }
  const auto model = make_model("register");
  const bool expected = BruteForce(history.operations, Kind::reg, Consistency::linearizable).consistent();
  RC_ASSERT(mutated || expected);
  const Verdict verdict = check(history, *model).verdict;
  if (verdict != (expected ? Verdict::linearizable : Verdict::not_linearizable)) {
    RC_FAIL(describe(history) + "brute force says " + (expected ? "linearizable" : "not linearizable") +
            ", the checker " + verdict_name(verdict));
  }
  RC_TAG(expected ? "linearizable" : "not linearizable");
}

// The search's sort for almost sorted inputs is a stable sort, whether the insertion sort
// finishes or hands over to std::stable_sort (long displacements).
RC_GTEST_PROP(LinearizabilityProperty, NearlySortedSortIsAStableSort, ()) {
  const auto size = static_cast<size_t>(*rc::gen::inRange(0, 400));
  const int window = *rc::gen::element(1, 4, 1000);
  std::vector<std::pair<int, size_t>> items;  // (key, original position)
  for (size_t i = 0; i < size; ++i) {
    items.emplace_back(static_cast<int>(i) / 3 + *rc::gen::inRange(0, window), i);
  }
  const auto by_key = [](const std::pair<int, size_t>& a, const std::pair<int, size_t>& b) {
    return a.first < b.first;
  };
  std::vector<std::pair<int, size_t>> expected = items;
  std::stable_sort(expected.begin(), expected.end(), by_key);
  sort_nearly_sorted(items, by_key);
  RC_ASSERT(items == expected);
}

}  // namespace
}  // namespace consim::checkers::lin
