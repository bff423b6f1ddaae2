// The history generator (checkers/linearizability/generate.h): its histories are linearizable
// by construction, the injected impossible read is caught, and the same options give the same
// history. Sizes stay at or below 10k operations so that the suite stays fast under ASan.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "checkers/linearizability/checker.h"
#include "checkers/linearizability/generate.h"
#include "checkers/linearizability/history_parse.h"

namespace consim::checkers::lin {
namespace {

GeneratorOptions options(bool kv, size_t operations, size_t processes, double crash_fraction, uint64_t seed) {
  GeneratorOptions o;
  o.kv = kv;
  o.operations = operations;
  o.processes = processes;
  o.crash_fraction = crash_fraction;
  o.seed = seed;
  return o;
}

std::unique_ptr<Model> model_for(const GeneratorOptions& o) {
  return o.kv ? make_model("kv", Value::of(std::string())) : make_model("register");
}

CheckResult check_generated(const GeneratedHistory& generated, const GeneratorOptions& o) {
  const auto model = model_for(o);
  EXPECT_FALSE(validate_history(generated.history, *model));
  CheckOptions check_options;
  check_options.time_limit_s = 60;  // a runaway search fails the test instead of hanging it
  check_options.explain_step_limit = 0;
  return check(generated.history, *model, check_options);
}

TEST(Generator, SameOptionsSameHistory) {
  const GeneratorOptions o = options(false, 500, 10, 0.05, 7);
  EXPECT_EQ(to_jsonl(generate_history(o).history), to_jsonl(generate_history(o).history));
  GeneratorOptions other = o;
  other.seed = 8;
  EXPECT_NE(to_jsonl(generate_history(o).history), to_jsonl(generate_history(other).history));
}

TEST(Generator, HistoryHasTheRequestedShape) {
  const GeneratorOptions o = options(false, 2000, 10, 0.05, 3);
  const History history = generate_history(o).history;
  ASSERT_EQ(history.operations.size(), 2000u);
  size_t crashed = 0;
  std::set<int64_t> gone;  // processes whose operation crashed
  std::map<int64_t, int64_t> busy_until;
  for (size_t i = 0; i < history.operations.size(); ++i) {
    const Operation& op = history.operations[i];
    EXPECT_FALSE(gone.contains(op.process)) << "a crashed process invoked again: " << op.describe();
    if (i > 0) {
      EXPECT_LE(history.operations[i - 1].invoke_ns, op.invoke_ns) << "operations are in invocation order";
    }
    EXPECT_LT(busy_until[op.process], op.invoke_ns) << "a process runs one operation at a time";
    if (op.status == Status::info) {
      ++crashed;
      gone.insert(op.process);
      EXPECT_EQ(op.complete_ns, kNeverNs);
    } else {
      EXPECT_TRUE(op.status == Status::ok || op.status == Status::fail) << op.describe();
      EXPECT_LE(op.invoke_ns, op.complete_ns);
      busy_until[op.process] = op.complete_ns;
    }
  }
  // 5% of 2000 is 100; the binomial's standard deviation is about 10.
  EXPECT_GT(crashed, 60u);
  EXPECT_LT(crashed, 140u);
}

TEST(Generator, RegisterHistoriesAreLinearizableByConstruction) {
  for (const size_t processes : {5, 20}) {
    for (const double crash_fraction : {0.0, 0.05}) {
      for (const uint64_t seed : {1, 2, 3}) {
        const GeneratorOptions o = options(false, 1000, processes, crash_fraction, seed);
        const CheckResult result = check_generated(generate_history(o), o);
        EXPECT_EQ(result.verdict, Verdict::linearizable)
            << processes << " processes, crashes " << crash_fraction << ", seed " << seed << ": " << result.reason;
      }
    }
  }
}

TEST(Generator, SmallAndLargeValueDomainsAreLinearizable) {
  for (const int64_t values : {2, 1000}) {
    GeneratorOptions o = options(false, 1000, 10, 0.05, 4);
    o.values = values;
    EXPECT_EQ(check_generated(generate_history(o), o).verdict, Verdict::linearizable) << values << " values";
  }
}

TEST(Generator, KvHistoriesAreLinearizableByConstruction) {
  for (const double crash_fraction : {0.0, 0.05}) {
    GeneratorOptions o = options(true, 2000, 50, crash_fraction, 5);
    o.keys = 100;
    const CheckResult result = check_generated(generate_history(o), o);
    EXPECT_EQ(result.verdict, Verdict::linearizable) << "crashes " << crash_fraction << ": " << result.reason;
    EXPECT_GT(result.partitions.size(), 50u);
  }
}

TEST(Generator, TenThousandOperationsWithCrashesAreLinearizable) {
  const GeneratorOptions o = options(false, 10'000, 10, 0.05, 6);
  EXPECT_EQ(check_generated(generate_history(o), o).verdict, Verdict::linearizable);
}

TEST(Generator, ImpossibleReadIsNotLinearizable) {
  for (const double crash_fraction : {0.0, 0.05}) {
    GeneratorOptions o = options(false, 1000, 10, crash_fraction, 9);
    o.impossible_read = true;
    const GeneratedHistory generated = generate_history(o);
    ASSERT_TRUE(generated.impossible_read.has_value());
    EXPECT_GE(*generated.impossible_read, 500u);  // near the middle
    const CheckResult result = check_generated(generated, o);
    ASSERT_EQ(result.verdict, Verdict::not_linearizable) << result.reason;
    ASSERT_TRUE(result.counterexample.has_value());
    EXPECT_EQ(result.counterexample->operation, *generated.impossible_read);
    EXPECT_FALSE(result.counterexample->longest_prefix.empty());
  }
}

TEST(Generator, ImpossibleKvReadIsNotLinearizable) {
  GeneratorOptions o = options(true, 2000, 50, 0.05, 10);
  o.keys = 100;
  o.impossible_read = true;
  const GeneratedHistory generated = generate_history(o);
  ASSERT_TRUE(generated.impossible_read.has_value());
  const CheckResult result = check_generated(generated, o);
  ASSERT_EQ(result.verdict, Verdict::not_linearizable) << result.reason;
  EXPECT_EQ(result.counterexample->key, generated.history.operations[*generated.impossible_read].key);
}

TEST(Generator, JsonlRenderingParsesBackToTheSameHistory) {
  for (const bool kv : {false, true}) {
    const GeneratorOptions o = options(kv, 500, 10, 0.05, 11);
    const History history = generate_history(o).history;
    const ParsedHistory parsed = parse_history(to_jsonl(history));
    ASSERT_FALSE(parsed.error) << parsed.error->describe();
    ASSERT_EQ(parsed.history.operations.size(), history.operations.size());
    for (size_t i = 0; i < history.operations.size(); ++i) {
      const Operation& a = history.operations[i];
      const Operation& b = parsed.history.operations[i];
      EXPECT_EQ(a.process, b.process);
      EXPECT_EQ(a.f, b.f);
      EXPECT_EQ(a.key, b.key);
      EXPECT_EQ(a.input, b.input);
      EXPECT_EQ(a.status, b.status);
      EXPECT_EQ(a.invoke_ns, b.invoke_ns);
      EXPECT_EQ(a.complete_ns, b.complete_ns);
      EXPECT_EQ(a.invoke_line, b.invoke_line);
      if (a.status == Status::ok) {
        EXPECT_EQ(a.output, b.output) << a.describe();
      }
    }
    const auto model = model_for(o);
    EXPECT_EQ(check(parsed.history, *model).verdict, Verdict::linearizable);
  }
}

}  // namespace
}  // namespace consim::checkers::lin
