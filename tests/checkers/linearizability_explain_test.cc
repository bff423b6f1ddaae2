// The states reachable just before a violation's blocking operation (explain.h): exact sets on
// hand-made histories, bounds that are reported, the checker's counterexample carrying them, and
// a rapidcheck property against a brute force that tries every sequence of every subset.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "checkers/linearizability/checker.h"
#include "checkers/linearizability/explain.h"
#include "checkers/linearizability/history_parse.h"

namespace consim::checkers::lin {
namespace {

std::string ev(int process, const std::string& type, const std::string& f, const std::string& value, int time_ns,
               const std::string& extra = "") {
  return R"({"process":)" + std::to_string(process) + R"(,"type":")" + type + R"(","f":")" + f + R"(","value":)" +
         value + R"(,"time_ns":)" + std::to_string(time_ns) + extra + "}\n";
}

// Whole operations, written out as events in time order (JSONL histories are).
class Ops {
 public:
  // Invoked at `from`; completed with `type` at `to`, or never when `type` is empty.
  Ops& op(int process, const std::string& f, const std::string& value, int from, const std::string& type, int to,
          const std::string& output = "") {
    events_.push_back({from, ev(process, "invoke", f, f == "read" ? "null" : value, from)});
    if (!type.empty()) {
      events_.push_back({to, ev(process, type, f, output.empty() ? value : output, to)});
    }
    return *this;
  }
  std::string text() const {
    std::vector<std::pair<int, std::string>> sorted = events_;
    std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::string jsonl;
    for (const auto& event : sorted) {
      jsonl += event.second;
    }
    return jsonl;
  }

 private:
  std::vector<std::pair<int, std::string>> events_;
};

History parse(const std::string& jsonl) {
  ParsedHistory parsed = parse_history(jsonl, Format::jsonl);
  EXPECT_FALSE(parsed.error) << parsed.error->describe();
  return parsed.history;
}

std::vector<size_t> partition_of(const History& history, const Model& model) {
  std::vector<size_t> ops;
  for (size_t i = 0; i < history.operations.size(); ++i) {
    if (model.role(history.operations[i]) != Role::ignored) {
      ops.push_back(i);
    }
  }
  return ops;
}

// The tests give every operation a process of its own.
size_t index_of_process(const History& history, int64_t process) {
  for (size_t i = 0; i < history.operations.size(); ++i) {
    if (history.operations[i].process == process) {
      return i;
    }
  }
  ADD_FAILURE() << "no operation of process " << process;
  return 0;
}

std::vector<std::string> states_of(const ReachableStates& reachable) {
  std::vector<std::string> states;
  for (const ReachableState& state : reachable.shown) {
    states.push_back(state.state);
  }
  return states;
}

// w1 and w2 completed before the read was invoked, so both are placed, in either order; w3 was
// invoked while the read ran, so it may come first; w4 was invoked after the read returned, so
// it never comes before it; and the initial state is gone once w1 and w2 are placed.
const std::string kStaleRead = Ops()
                                   .op(1, "write", "1", 0, "ok", 10)
                                   .op(2, "write", "2", 5, "ok", 15)
                                   .op(3, "read", "", 20, "ok", 30, "5")
                                   .op(4, "write", "3", 25, "ok", 40)
                                   .op(5, "write", "4", 35, "ok", 45)
                                   .text();

TEST(ReachableStates, AreTheStatesInWhichTheBlockingOperationCouldComeNext) {
  const History history = parse(kStaleRead);
  const auto model = make_model("register");
  const size_t read = index_of_process(history, 3);
  const ReachableStates reachable = reachable_before(history, partition_of(history, *model), *model, read);
  EXPECT_EQ(states_of(reachable), (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ(reachable.found, 3u);
  EXPECT_TRUE(reachable.exhaustive);
  for (const ReachableState& state : reachable.shown) {
    EXPECT_FALSE(state.operation_legal) << state.state;
  }
}

TEST(ReachableStates, InfoOperationsMayOrMayNotHaveTakenEffect) {
  // The info write of 7 was invoked before the read returned, so it may precede it; the info write
  // of 9 was invoked after the read returned.
  const History history = parse(Ops()
                                    .op(1, "write", "1", 0, "ok", 10)
                                    .op(2, "write", "7", 12, "info", 13)
                                    .op(3, "read", "", 20, "ok", 30, "5")
                                    .op(4, "write", "9", 40, "", 0)
                                    .text());
  const auto model = make_model("register");
  const ReachableStates reachable =
      reachable_before(history, partition_of(history, *model), *model, index_of_process(history, 3));
  EXPECT_EQ(states_of(reachable), (std::vector<std::string>{"1", "7"}));
}

TEST(ReachableStates, MarkTheStatesInWhichTheOperationItselfIsLegal) {
  // Two concurrent reads see different values after both writes: either read is legal in one order
  // of the writes, never both.
  const History history = parse(Ops()
                                    .op(1, "write", "1", 0, "ok", 10)
                                    .op(2, "write", "2", 0, "ok", 10)
                                    .op(3, "read", "", 20, "ok", 30, "1")
                                    .op(4, "read", "", 20, "ok", 35, "2")
                                    .text());
  const auto model = make_model("register");
  const ReachableStates reachable =
      reachable_before(history, partition_of(history, *model), *model, index_of_process(history, 3));
  ASSERT_EQ(states_of(reachable), (std::vector<std::string>{"1", "2"}));
  EXPECT_TRUE(reachable.shown[0].operation_legal);
  EXPECT_FALSE(reachable.shown[1].operation_legal);
}

// Every one of `writers` concurrent writes completed before a read of a value nobody wrote.
std::string concurrent_writes(int writers) {
  std::string text;
  for (int p = 0; p < writers; ++p) {
    text += ev(p, "invoke", "write", std::to_string(p), p);
  }
  for (int p = 0; p < writers; ++p) {
    text += ev(p, "ok", "write", std::to_string(p), 100 + p);
  }
  return text + ev(99, "invoke", "read", "null", 200) + ev(99, "ok", "read", "99", 210);
}

TEST(ReachableStates, ShowOnlySomeButCountThemAll) {
  const History history = parse(concurrent_writes(8));
  const auto model = make_model("register");
  ExplainLimits limits;
  limits.max_states_shown = 3;
  const size_t read = history.operations.size() - 1;
  const ReachableStates reachable = reachable_before(history, partition_of(history, *model), *model, read, limits);
  EXPECT_EQ(reachable.found, 8u);  // the last writer's value, whoever it was
  EXPECT_EQ(reachable.shown.size(), 3u);
  EXPECT_TRUE(reachable.exhaustive);
  EXPECT_TRUE(std::is_sorted(reachable.shown.begin(), reachable.shown.end(),
                             [](const ReachableState& a, const ReachableState& b) { return a.state < b.state; }));
}

TEST(ReachableStates, SayWhenABoundStoppedTheExploration) {
  const History history = parse(concurrent_writes(8));
  const auto model = make_model("register");
  const size_t read = history.operations.size() - 1;
  ExplainLimits limits;
  limits.max_steps = 20;
  const ReachableStates by_steps = reachable_before(history, partition_of(history, *model), *model, read, limits);
  EXPECT_FALSE(by_steps.exhaustive);
  EXPECT_LE(by_steps.steps, 20u);
  EXPECT_LT(by_steps.found, 8u);
  limits = {};
  limits.max_configurations = 10;
  EXPECT_FALSE(reachable_before(history, partition_of(history, *model), *model, read, limits).exhaustive);
}

TEST(ReachableStates, TheCheckersCounterexampleCarriesThem) {
  const History history = parse(kStaleRead);
  const auto model = make_model("register");
  const CheckResult result = check(history, *model);
  ASSERT_TRUE(result.counterexample);
  ASSERT_TRUE(result.counterexample->reachable);
  const ReachableStates expected =
      reachable_before(history, partition_of(history, *model), *model, result.counterexample->operation);
  EXPECT_EQ(states_of(*result.counterexample->reachable), states_of(expected));
  EXPECT_FALSE(result.counterexample->reachable->shown.empty());

  CheckOptions off;
  off.explain_step_limit = 0;
  const CheckResult quiet = check(history, *model, off);
  ASSERT_TRUE(quiet.counterexample);
  EXPECT_FALSE(quiet.counterexample->reachable);
}

TEST(ReachableStates, StayInsideTheFailingKey) {
  const auto kv = [](int process, const std::string& type, const std::string& f, const std::string& key,
                     const std::string& value,
                     int time_ns) { return ev(process, type, f, value, time_ns, R"(,"key":")" + key + "\""); };
  const History history = parse(kv(1, "invoke", "write", "a", "1", 0) + kv(2, "invoke", "write", "b", "2", 0) +
                                kv(1, "ok", "write", "a", "1", 10) + kv(2, "ok", "write", "b", "2", 10) +
                                kv(3, "invoke", "read", "a", "null", 20) + kv(3, "ok", "read", "a", "2", 30));
  const CheckResult result = check(history, *make_model("kv"));
  ASSERT_TRUE(result.counterexample);
  EXPECT_EQ(result.counterexample->key, "a");
  ASSERT_TRUE(result.counterexample->reachable);
  EXPECT_EQ(states_of(*result.counterexample->reachable), std::vector<std::string>{"1"});
}

// The brute force: every sequence of every subset of the partition, kept when it satisfies the
// definition in explain.h read literally.
std::set<std::string> brute_force(const History& history, const std::vector<size_t>& ops, const Model& model,
                                  size_t blocking) {
  const Operation& b = history.operations[blocking];
  const auto required = [&](size_t i) { return model.role(history.operations[i]) == Role::required; };
  std::vector<size_t> pool;
  for (const size_t i : ops) {
    if (i != blocking) {
      pool.push_back(i);
    }
  }
  std::vector<const Operation*> pointers;
  for (const size_t i : pool) {
    pointers.push_back(&history.operations[i]);
  }
  const auto instance = model.instantiate(pointers);
  std::set<std::string> states;
  for (uint32_t subset = 0; subset < (1u << pool.size()); ++subset) {
    std::vector<uint32_t> order;
    for (uint32_t k = 0; k < pool.size(); ++k) {
      if ((subset >> k & 1) != 0) {
        order.push_back(k);
      }
    }
    bool admissible = true;
    for (const uint32_t k : order) {
      admissible = admissible && history.operations[pool[k]].invoke_ns <= b.complete_ns;
    }
    for (uint32_t k = 0; k < pool.size(); ++k) {  // what completed before b was invoked is placed
      const bool before_b = required(pool[k]) && history.operations[pool[k]].complete_ns < b.invoke_ns;
      admissible = admissible && (!before_b || (subset >> k & 1) != 0);
    }
    if (!admissible) {
      continue;
    }
    do {
      bool valid = true;
      StateId state = instance->init();
      for (size_t i = 0; i < order.size() && valid; ++i) {
        const Operation& x = history.operations[pool[order[i]]];
        for (uint32_t k = 0; k < pool.size(); ++k) {  // real time: y done before x began precedes x
          const Operation& y = history.operations[pool[k]];
          if (required(pool[k]) && y.complete_ns < x.invoke_ns) {
            const auto at = std::find(order.begin(), order.end(), k);
            valid = valid && at != order.end() && at < order.begin() + static_cast<std::ptrdiff_t>(i);
          }
        }
        const Step step = instance->step(state, order[i]);
        valid = valid && step.legal;
        state = step.next;
      }
      if (valid) {
        states.insert(instance->describe_state(state));
      }
    } while (std::next_permutation(order.begin(), order.end()));
  }
  return states;
}

Operation random_operation(int64_t process) {
  Operation op;
  op.process = process;
  op.f = *rc::gen::element<std::string>("read", "write", "cas");
  const auto value = [] { return Value::of(*rc::gen::inRange<int64_t>(0, 3)); };
  op.input = op.f == "write" ? value() : op.f == "cas" ? Value::list({value(), value()}) : Value();
  op.status = *rc::gen::element(Status::ok, Status::ok, Status::ok, Status::info, Status::fail);
  if (op.f == "read" && op.status == Status::ok) {
    op.output = value();
  }
  op.invoke_ns = *rc::gen::inRange<int64_t>(0, 20);
  if (op.status != Status::info) {
    op.complete_ns = op.invoke_ns + *rc::gen::inRange<int64_t>(0, 10);
  }
  op.invoke_line = static_cast<size_t>(process) + 1;
  return op;
}

RC_GTEST_PROP(ReachableStatesProperty, AgreeWithEverySequenceOfEverySubset, ()) {
  History history;
  const int64_t count = *rc::gen::inRange<int64_t>(1, 8);
  for (int64_t p = 0; p < count; ++p) {
    history.operations.push_back(random_operation(p));
  }
  const auto model = make_model("register");
  const std::vector<size_t> ops = partition_of(history, *model);
  std::vector<size_t> required;
  for (const size_t i : ops) {
    if (model->role(history.operations[i]) == Role::required) {
      required.push_back(i);
    }
  }
  RC_PRE(!required.empty());
  const size_t blocking = *rc::gen::elementOf(required);
  ExplainLimits limits;
  limits.max_states_shown = 1000;
  const ReachableStates reachable = reachable_before(history, ops, *model, blocking, limits);
  RC_ASSERT(reachable.exhaustive);
  RC_ASSERT(reachable.found == reachable.shown.size());
  const std::vector<std::string> found = states_of(reachable);
  const std::set<std::string> expected = brute_force(history, ops, *model, blocking);
  RC_ASSERT(std::set<std::string>(found.begin(), found.end()) == expected);
  RC_ASSERT(found.size() == expected.size());
}

}  // namespace
}  // namespace consim::checkers::lin
