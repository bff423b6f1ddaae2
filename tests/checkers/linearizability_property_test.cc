// The checker against a deliberately naive reference: try every order of the operations that
// respects real time (optional operations placed anywhere after their invocation, or never),
// with the sequential specification written here independently of the models.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "checkers/linearizability/checker.h"

namespace consim::checkers::lin {
namespace {

enum class Part { required, optional, ignored };

Part part_of(const Operation& op) {
  const bool reads = op.f == "read" || op.f == "get";
  switch (op.status) {
    case Status::ok:
      return Part::required;
    case Status::fail:
      return op.f == "cas" && op.error.empty() ? Part::required : Part::ignored;
    default:
      return reads ? Part::ignored : Part::optional;
  }
}

using Store = std::map<std::string, Value>;  // absent keys hold the initial value, null

// The sequential specification: the next store, or nothing when `op` cannot happen in `store`.
std::optional<Store> apply(Store store, const Operation& op) {
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

bool brute_force(const std::vector<Operation>& ops, std::vector<bool>& placed, const Store& store) {
  bool all_required = true;
  for (size_t i = 0; i < ops.size(); ++i) {
    all_required = all_required && (placed[i] || part_of(ops[i]) != Part::required);
  }
  if (all_required) {
    return true;
  }
  for (size_t i = 0; i < ops.size(); ++i) {
    if (placed[i] || part_of(ops[i]) == Part::ignored) {
      continue;
    }
    bool ready = true;  // every required op that returned before i's invocation is placed
    for (size_t j = 0; j < ops.size(); ++j) {
      ready = ready && (placed[j] || part_of(ops[j]) != Part::required || ops[j].complete_ns >= ops[i].invoke_ns);
    }
    const std::optional<Store> next = ready ? apply(store, ops[i]) : std::nullopt;
    if (next) {
      placed[i] = true;
      const bool found = brute_force(ops, placed, *next);
      placed[i] = false;
      if (found) {
        return true;
      }
    }
  }
  return false;
}

Value random_value(bool kv) {
  if (kv) {
    const char* strings[] = {"", "x", "y", "xy", "yx"};
    return *rc::gen::element(Value::null_value(), Value::of(std::string(strings[*rc::gen::inRange(0, 5)])));
  }
  const int n = *rc::gen::inRange(-1, 3);
  return n < 0 ? Value::null_value() : Value::of(n);
}

Operation random_operation(bool kv) {
  Operation op;
  const std::vector<std::string> fs = kv ? std::vector<std::string>{"get", "put", "cas", "delete", "append"}
                                         : std::vector<std::string>{"read", "write", "cas"};
  op.f = *rc::gen::elementOf(fs);
  op.key = kv ? *rc::gen::element<std::string>("a", "b") : "";
  if (op.f == "write" || op.f == "put") {
    op.input = random_value(kv);
  } else if (op.f == "cas") {
    op.input = Value::list({random_value(kv), random_value(kv)});
  } else if (op.f == "append") {
    op.input = Value::of(std::string(*rc::gen::element("x", "y")));
  }
  op.status =
      *rc::gen::weightedElement<Status>({{6, Status::ok}, {2, Status::fail}, {1, Status::info}, {1, Status::pending}});
  if (op.status == Status::ok && (op.f == "read" || op.f == "get")) {
    op.output = random_value(kv);
  }
  return op;
}

// Closed-loop processes on a coarse clock, so that intervals often touch (closed intervals).
std::vector<Operation> random_history(bool kv) {
  const int processes = *rc::gen::inRange(1, 5);
  const int count = *rc::gen::inRange(1, 9);
  std::vector<int64_t> clock(static_cast<size_t>(processes), 0);
  std::vector<Operation> ops;
  for (int i = 0; i < count; ++i) {
    const int p = *rc::gen::inRange(0, processes);
    Operation op = random_operation(kv);
    op.process = p;
    op.invoke_ns = clock[static_cast<size_t>(p)] + *rc::gen::inRange(0, 3);
    op.complete_ns = op.invoke_ns + *rc::gen::inRange(0, 5);
    clock[static_cast<size_t>(p)] = op.complete_ns + 1;
    if (op.status == Status::info || op.status == Status::pending) {
      op.complete_ns = kNeverNs;
      clock[static_cast<size_t>(p)] = kNeverNs / 2;  // a crashed process issues nothing more
    }
    op.invoke_line = static_cast<size_t>(i) + 1;
    ops.push_back(op);
  }
  return ops;
}

void agrees_with_brute_force(bool kv) {
  History history;
  history.operations = random_history(kv);
  const auto model = make_model(kv ? "kv" : "register");
  RC_ASSERT(!validate_history(history, *model));
  std::vector<bool> placed(history.operations.size(), false);
  const bool expected = brute_force(history.operations, placed, Store{});
  const Verdict verdict = check(history, *model).verdict;
  RC_TAG(expected ? "linearizable" : "not linearizable");
  RC_ASSERT(verdict == (expected ? Verdict::linearizable : Verdict::not_linearizable));
}

RC_GTEST_PROP(LinearizabilityProperty, RegisterCheckerAgreesWithBruteForce, ()) { agrees_with_brute_force(false); }

RC_GTEST_PROP(LinearizabilityProperty, KvCheckerAgreesWithBruteForce, ()) { agrees_with_brute_force(true); }

}  // namespace
}  // namespace consim::checkers::lin
