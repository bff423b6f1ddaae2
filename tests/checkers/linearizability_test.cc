// Hand-written histories with known verdicts, for the register and kv models: pending and info
// operations, failed cas as an observation, a sequentially consistent but not linearizable
// history, the counterexample's content, and budgets that end in `unknown`, never a pass.
#include <gtest/gtest.h>

#include <string>

#include "checkers/linearizability/checker.h"
#include "checkers/linearizability/history_parse.h"

namespace consim::checkers::lin {
namespace {

// One JSONL event: ev(1, "invoke", "write", "1", 0).
std::string ev(int process, const std::string& type, const std::string& f, const std::string& value, int time_ns,
               const std::string& extra = "") {
  return R"({"process":)" + std::to_string(process) + R"(,"type":")" + type + R"(","f":")" + f + R"(","value":)" +
         value + R"(,"time_ns":)" + std::to_string(time_ns) + extra + "}\n";
}

CheckResult check_text(const std::string& jsonl, const std::string& model_name = "register",
                       const CheckOptions& options = {}, const Value& initial = Value::null_value()) {
  const ParsedHistory parsed = parse_history(jsonl, Format::jsonl);
  EXPECT_FALSE(parsed.error) << parsed.error->describe();
  const auto model = make_model(model_name, initial);
  EXPECT_FALSE(validate_history(parsed.history, *model));
  return check(parsed.history, *model, options);
}

Verdict verdict_of(const std::string& jsonl, const std::string& model_name = "register") {
  return check_text(jsonl, model_name).verdict;
}

TEST(Linearizability, EmptyHistoryIsLinearizable) { EXPECT_EQ(verdict_of(""), Verdict::linearizable); }

TEST(Linearizability, ReadAfterWriteSeesIt) {
  EXPECT_EQ(verdict_of(ev(1, "invoke", "write", "1", 0) + ev(1, "ok", "write", "1", 10) +
                       ev(2, "invoke", "read", "null", 20) + ev(2, "ok", "read", "1", 30)),
            Verdict::linearizable);
}

TEST(Linearizability, StaleReadIsAViolation) {
  EXPECT_EQ(verdict_of(ev(1, "invoke", "write", "1", 0) + ev(1, "ok", "write", "1", 10) +
                       ev(2, "invoke", "read", "null", 20) + ev(2, "ok", "read", "null", 30)),
            Verdict::not_linearizable);
}

TEST(Linearizability, IntervalsAreClosedSoTouchingOperationsAreConcurrent) {
  EXPECT_EQ(verdict_of(ev(1, "invoke", "write", "1", 0) + ev(1, "ok", "write", "1", 10) +
                       ev(2, "invoke", "read", "null", 10) + ev(2, "ok", "read", "null", 20)),
            Verdict::linearizable);
}

TEST(Linearizability, ConcurrentReadMaySeeEitherValue) {
  for (const char* seen : {"null", "1"}) {
    EXPECT_EQ(verdict_of(ev(1, "invoke", "write", "1", 0) + ev(2, "invoke", "read", "null", 5) +
                         ev(2, "ok", "read", seen, 6) + ev(1, "ok", "write", "1", 10)),
              Verdict::linearizable)
        << seen;
  }
}

// Process 2's read can be ordered before process 1's write in a sequential order that keeps each
// process's own order, but not in one that respects real time.
TEST(Linearizability, SequentiallyConsistentButNotLinearizable) {
  EXPECT_EQ(verdict_of(ev(1, "invoke", "write", "1", 0) + ev(1, "ok", "write", "1", 10) +
                       ev(2, "invoke", "read", "null", 20) + ev(2, "ok", "read", "null", 30) +
                       ev(1, "invoke", "read", "null", 40) + ev(1, "ok", "read", "1", 50)),
            Verdict::not_linearizable);
}

TEST(Linearizability, PendingWriteMayTakeEffectLater) {
  EXPECT_EQ(verdict_of(ev(1, "invoke", "write", "1", 0) + ev(2, "invoke", "read", "null", 10) +
                       ev(2, "ok", "read", "null", 20) + ev(2, "invoke", "read", "null", 100) +
                       ev(2, "ok", "read", "1", 110)),
            Verdict::linearizable);
}

TEST(Linearizability, InfoWriteMayNeverTakeEffect) {
  EXPECT_EQ(verdict_of(ev(1, "invoke", "write", "1", 0) + ev(1, "info", "write", "1", 5, R"(,"error":"Timeout")") +
                       ev(2, "invoke", "read", "null", 10) + ev(2, "ok", "read", "null", 20)),
            Verdict::linearizable);
}

TEST(Linearizability, InfoWriteCannotBeUndone) {
  EXPECT_EQ(verdict_of(ev(1, "invoke", "write", "1", 0) + ev(1, "info", "write", "1", 5) +
                       ev(2, "invoke", "read", "null", 10) + ev(2, "ok", "read", "1", 20) +
                       ev(2, "invoke", "read", "null", 30) + ev(2, "ok", "read", "null", 40)),
            Verdict::not_linearizable);
}

TEST(Linearizability, InfoOperationCannotTakeEffectBeforeItsInvocation) {
  EXPECT_EQ(verdict_of(ev(2, "invoke", "read", "null", 0) + ev(2, "ok", "read", "1", 5) +
                       ev(1, "invoke", "write", "1", 10) + ev(1, "info", "write", "1", 15)),
            Verdict::not_linearizable);
}

const std::string kWriteOne = ev(1, "invoke", "write", "1", 0) + ev(1, "ok", "write", "1", 10);

TEST(Linearizability, FailedCasObservesThatTheValueDiffered) {
  // The register holds 1, so a cas [1 2] that failed on compare is impossible.
  EXPECT_EQ(verdict_of(kWriteOne + ev(2, "invoke", "cas", "[1,2]", 20) + ev(2, "fail", "cas", "[1,2]", 30)),
            Verdict::not_linearizable);
  EXPECT_EQ(verdict_of(kWriteOne + ev(2, "invoke", "cas", "[3,4]", 20) +
                       ev(2, "fail", "cas", "[3,4]", 30, R"(,"error":"CompareFailed")")),
            Verdict::linearizable);
}

TEST(Linearizability, CasFailingForAnotherReasonDidNotHappen) {
  EXPECT_EQ(verdict_of(kWriteOne + ev(2, "invoke", "cas", "[1,2]", 20) +
                       ev(2, "fail", "cas", "[1,2]", 30, R"(,"error":"NotLeader")") +
                       ev(2, "invoke", "read", "null", 40) + ev(2, "ok", "read", "1", 50)),
            Verdict::linearizable);
}

TEST(Linearizability, FailedWriteDidNotHappen) {
  EXPECT_EQ(verdict_of(ev(1, "invoke", "write", "5", 0) + ev(1, "fail", "write", "5", 10) +
                       ev(2, "invoke", "read", "null", 20) + ev(2, "ok", "read", "5", 30)),
            Verdict::not_linearizable);
}

TEST(Linearizability, PendingCasTakesEffectOnlyWhenItsCompareHolds) {
  const std::string prefix = kWriteOne + ev(1, "invoke", "cas", "[1,2]", 20) + ev(2, "invoke", "read", "null", 30);
  EXPECT_EQ(verdict_of(prefix + ev(2, "ok", "read", "2", 40)), Verdict::linearizable);
  EXPECT_EQ(verdict_of(prefix + ev(2, "ok", "read", "3", 40)), Verdict::not_linearizable);
}

TEST(Linearizability, ViolationNamesTheOperationThePrefixAndTheState) {
  const CheckResult result =
      check_text(kWriteOne + ev(2, "invoke", "read", "null", 20) + ev(2, "ok", "read", "null", 30));
  ASSERT_EQ(result.verdict, Verdict::not_linearizable);
  ASSERT_TRUE(result.counterexample);
  EXPECT_EQ(result.counterexample->key, "");
  EXPECT_EQ(result.counterexample->operation, 1u);  // the read
  EXPECT_EQ(result.counterexample->longest_prefix, std::vector<size_t>{0});
  EXPECT_EQ(result.counterexample->state, "1");
}

// Many concurrent writes, then two reads that disagree with no write between them: the search
// must try every order of the writes. (A read of a value nobody wrote would be too easy: the
// checker sees at once that no state can ever satisfy it.)
std::string hard_history(int writers) {
  std::string text;
  for (int p = 0; p < writers; ++p) {
    text += ev(p, "invoke", "write", std::to_string(p), p);
  }
  for (int p = 0; p < writers; ++p) {
    text += ev(p, "ok", "write", std::to_string(p), 200 + p);
  }
  text += ev(100, "invoke", "read", "null", 300) + ev(100, "ok", "read", "0", 301);
  return text + ev(101, "invoke", "read", "null", 302) + ev(101, "ok", "read", "1", 303);
}

TEST(Linearizability, HardViolationIsFoundWithoutABudget) {
  EXPECT_EQ(verdict_of(hard_history(10)), Verdict::not_linearizable);
}

TEST(Linearizability, StepBudgetGivesUnknownNeverAPass) {
  CheckOptions options;
  options.step_limit = 2000;
  const CheckResult result = check_text(hard_history(14), "register", options);
  EXPECT_EQ(result.verdict, Verdict::unknown);
  EXPECT_NE(result.reason.find("step limit"), std::string::npos) << result.reason;
}

TEST(Linearizability, MemoryBudgetGivesUnknown) {
  CheckOptions options;
  options.memory_limit_bytes = 1;
  const CheckResult result = check_text(hard_history(14), "register", options);
  EXPECT_EQ(result.verdict, Verdict::unknown);
  EXPECT_NE(result.reason.find("memory limit"), std::string::npos) << result.reason;
}

TEST(Linearizability, InitialValueIsConfigurable) {
  const std::string read_zero = ev(1, "invoke", "read", "null", 0) + ev(1, "ok", "read", "0", 10);
  EXPECT_EQ(check_text(read_zero, "register", {}, Value::of(0)).verdict, Verdict::linearizable);
  EXPECT_EQ(check_text(read_zero, "register").verdict, Verdict::not_linearizable);
}

// kv: a register per key, checked key by key.
std::string kv_ev(int process, const std::string& type, const std::string& f, const std::string& key,
                  const std::string& value, int time_ns) {
  return ev(process, type, f, value, time_ns, R"(,"key":")" + key + "\"");
}

TEST(LinearizabilityKv, KeysAreIndependent) {
  const std::string text = kv_ev(1, "invoke", "write", "a", "1", 0) + kv_ev(1, "ok", "write", "a", "1", 10) +
                           kv_ev(2, "invoke", "read", "b", "null", 20) + kv_ev(2, "ok", "read", "b", "null", 30);
  const CheckResult result = check_text(text, "kv");
  EXPECT_EQ(result.verdict, Verdict::linearizable);
  EXPECT_EQ(result.partitions.size(), 2u);
}

TEST(LinearizabilityKv, AppendConcatenatesAndDeleteMakesAbsent) {
  const std::string text = kv_ev(1, "invoke", "append", "a", R"("x")", 0) +
                           kv_ev(1, "ok", "append", "a", R"("x")", 10) +
                           kv_ev(1, "invoke", "append", "a", R"("y")", 20) +
                           kv_ev(1, "ok", "append", "a", R"("y")", 30) + kv_ev(2, "invoke", "get", "a", "null", 40) +
                           kv_ev(2, "ok", "get", "a", R"("xy")", 50) + kv_ev(2, "invoke", "delete", "a", "null", 60) +
                           kv_ev(2, "ok", "delete", "a", "null", 70) + kv_ev(2, "invoke", "get", "a", "null", 80);
  EXPECT_EQ(verdict_of(text + kv_ev(2, "ok", "get", "a", "null", 90), "kv"), Verdict::linearizable);
  EXPECT_EQ(verdict_of(text + kv_ev(2, "ok", "get", "a", R"("xy")", 90), "kv"), Verdict::not_linearizable);
}

TEST(LinearizabilityKv, ViolationNamesItsKey) {
  const std::string text = kv_ev(1, "invoke", "put", "a", "1", 0) + kv_ev(1, "ok", "put", "a", "1", 10) +
                           kv_ev(1, "invoke", "put", "b", "1", 20) + kv_ev(1, "ok", "put", "b", "1", 30) +
                           kv_ev(2, "invoke", "get", "b", "null", 40) + kv_ev(2, "ok", "get", "b", "2", 50);
  const CheckResult result = check_text(text, "kv");
  ASSERT_EQ(result.verdict, Verdict::not_linearizable);
  EXPECT_EQ(result.counterexample->key, "b");
  EXPECT_EQ(result.counterexample->operation, 2u);
}

TEST(LinearizabilityModels, ValidationNamesTheLineAndTheProblem) {
  const ParsedHistory parsed =
      parse_history(ev(1, "invoke", "read", "null", 0) + ev(2, "invoke", "append", R"("x")", 1));
  ASSERT_FALSE(parsed.error);
  const auto problem = validate_history(parsed.history, *make_model("register"));
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("line 2: the register model has no operation 'append'"), std::string::npos) << *problem;
  EXPECT_FALSE(validate_history(parsed.history, *make_model("kv")));

  const ParsedHistory bad_cas = parse_history(ev(1, "invoke", "cas", "1", 0));
  EXPECT_NE(validate_history(bad_cas.history, *make_model("register"))->find("[expected, new]"), std::string::npos);
  EXPECT_EQ(make_model("queue"), nullptr);
}

}  // namespace
}  // namespace consim::checkers::lin
