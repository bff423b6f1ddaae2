// Consistency levels: sequential consistency (program order only) and ZooKeeper's level
// (linearizable writes and sync_get, sequentially consistent plain reads), on hand-written
// histories with known verdicts at each level.
#include <gtest/gtest.h>

#include <string>

#include "checkers/linearizability/checker.h"
#include "checkers/linearizability/history_parse.h"

namespace consim::checkers::lin {
namespace {

// An operation that completes: invoke at t, completion at t + 5. `extra` adds JSON fields.
std::string op(int process, const std::string& f, const std::string& key, const std::string& input,
               const std::string& type, const std::string& output, int t, const std::string& extra = "") {
  const auto event = [&](const std::string& event_type, const std::string& value, int time_ns) {
    return R"({"process":)" + std::to_string(process) + R"(,"type":")" + event_type + R"(","f":")" + f +
           R"(","key":")" + key + R"(","value":)" + value + R"(,"time_ns":)" + std::to_string(time_ns) + extra + "}\n";
  };
  return event("invoke", input, t) + event(type, output, t + 5);
}

std::string invoke(int process, const std::string& f, const std::string& key, const std::string& input, int t) {
  return R"({"process":)" + std::to_string(process) + R"(,"type":"invoke","f":")" + f + R"(","key":")" + key +
         R"(","value":)" + input + R"(,"time_ns":)" + std::to_string(t) + "}\n";
}

CheckResult check_at(const std::string& jsonl, const std::string& model_name, Consistency consistency,
                     const CheckOptions& base = {}) {
  const ParsedHistory parsed = parse_history(jsonl, Format::jsonl);
  EXPECT_FALSE(parsed.error) << parsed.error->describe();
  const auto model = make_model(model_name);
  const std::optional<std::string> problem = validate_history(parsed.history, *model);
  EXPECT_FALSE(problem) << *problem;
  CheckOptions options = base;
  options.consistency = consistency;
  return check(parsed.history, *model, options);
}

Verdict at(const std::string& jsonl, const std::string& model_name, Consistency consistency) {
  return check_at(jsonl, model_name, consistency).verdict;
}

constexpr Consistency kLinearizable = Consistency::linearizable;
constexpr Consistency kSequential = Consistency::sequential;
constexpr Consistency kZooKeeper = Consistency::zookeeper;

TEST(Consistency, NamesRoundTrip) {
  for (const Consistency level : {kLinearizable, kSequential, kZooKeeper}) {
    EXPECT_EQ(consistency_from_name(consistency_name(level)), level);
  }
  EXPECT_FALSE(consistency_from_name("causal"));
}

// Process 2's read can go before process 1's write in a total order that keeps each process's
// order, but not in one that respects real time.
TEST(SequentialConsistency, StaleReadOfAnotherProcessIsSequentialButNotLinearizable) {
  const std::string text = op(1, "write", "", "1", "ok", "1", 0) + op(2, "read", "", "null", "ok", "null", 20) +
                           op(1, "read", "", "null", "ok", "1", 40);
  EXPECT_EQ(at(text, "register", kLinearizable), Verdict::not_linearizable);
  EXPECT_EQ(at(text, "register", kSequential), Verdict::linearizable);
  // A plain read at ZooKeeper's level is held to sequential consistency too.
  EXPECT_EQ(at(text, "register", kZooKeeper), Verdict::linearizable);
}

TEST(SequentialConsistency, ProgramOrderStillHolds) {
  // Process 1 reads its own write's predecessor after the write: no total order keeps that.
  const std::string own = op(1, "write", "", "1", "ok", "1", 0) + op(1, "read", "", "null", "ok", "null", 20);
  EXPECT_EQ(at(own, "register", kSequential), Verdict::not_linearizable);
  // Reads of one process cannot go back in time.
  const std::string backwards = op(1, "write", "", "1", "ok", "1", 0) + op(1, "write", "", "2", "ok", "2", 10) +
                                op(2, "read", "", "null", "ok", "2", 20) + op(2, "read", "", "null", "ok", "1", 30);
  EXPECT_EQ(at(backwards, "register", kSequential), Verdict::not_linearizable);
  EXPECT_EQ(at(backwards, "register", kZooKeeper), Verdict::not_linearizable);
}

// With closed intervals, a process's read invoked at the instant its write completed is
// concurrent with it in real time, so a linearization may put the read first; program order
// may not. (The sequential levels must not trust the linearizable search here.)
TEST(SequentialConsistency, ProgramOrderHoldsWhenAProcessesOperationsTouch) {
  const std::string text = op(1, "write", "", "1", "ok", "1", 0) + op(1, "read", "", "null", "ok", "null", 5);
  EXPECT_EQ(at(text, "register", kLinearizable), Verdict::linearizable);
  EXPECT_EQ(at(text, "register", kSequential), Verdict::not_linearizable);
  EXPECT_EQ(at(text, "register", kZooKeeper), Verdict::not_linearizable);
}

// A linearizable history is decided by the linearizable search, which the sequential levels
// try first; the level's own search agrees.
TEST(SequentialConsistency, LinearizableHistoriesAreConsistentWithOrWithoutTheShortcut) {
  std::string text;
  for (int i = 0; i < 20; ++i) {
    text += op(i % 3, "write", "", std::to_string(i), "ok", std::to_string(i), 20 * i) +
            op(3, "read", "", "null", "ok", std::to_string(i), 20 * i + 10);
  }
  for (const Consistency level : {kSequential, kZooKeeper}) {
    CheckOptions options;
    const CheckResult quick = check_at(text, "register", level, options);
    EXPECT_EQ(quick.verdict, Verdict::linearizable);
    options.linearizable_shortcut = false;
    EXPECT_EQ(check_at(text, "register", level, options).verdict, Verdict::linearizable);
  }
}

// Each key alone has a sequential order, but no order exists for both: x's read must precede
// x's write and y's read y's write, while each process writes before it reads. So the check
// must not split per key (sequential consistency is not compositional).
TEST(SequentialConsistency, IsNotCheckedKeyByKey) {
  const std::string text = op(1, "put", "x", "1", "ok", "1", 0) + op(2, "put", "y", "1", "ok", "1", 10) +
                           op(1, "get", "y", "null", "ok", "null", 20) + op(2, "get", "x", "null", "ok", "null", 30);
  const CheckResult result = check_at(text, "kv", kSequential);
  EXPECT_EQ(result.verdict, Verdict::not_linearizable);
  EXPECT_EQ(result.partitions.size(), 1u);
  // Either read alone is fine.
  const std::string one = op(1, "put", "x", "1", "ok", "1", 0) + op(2, "put", "y", "1", "ok", "1", 10) +
                          op(1, "get", "y", "null", "ok", "null", 20) + op(2, "get", "x", "null", "ok", "1", 30);
  EXPECT_EQ(at(one, "kv", kSequential), Verdict::linearizable);
}

TEST(SequentialConsistency, InfoWriteMayTakeEffectLaterOrNever) {
  const std::string info_write =
      invoke(1, "write", "", "1", 0) + R"({"process":1,"type":"info","f":"write","value":1,"time_ns":5})" + "\n";
  EXPECT_EQ(at(info_write + op(2, "read", "", "null", "ok", "null", 10) + op(2, "read", "", "null", "ok", "1", 20),
               "register", kSequential),
            Verdict::linearizable);
  EXPECT_EQ(at(info_write + op(2, "read", "", "null", "ok", "1", 10) + op(2, "read", "", "null", "ok", "null", 20),
               "register", kSequential),
            Verdict::not_linearizable);
  // The crashed process's later operations do not wait for it: process 1 continues, and its
  // unknown write may still land after them.
  EXPECT_EQ(at(info_write + op(1, "read", "", "null", "ok", "null", 10) + op(2, "read", "", "null", "ok", "1", 20),
               "register", kSequential),
            Verdict::linearizable);
}

TEST(SequentialConsistency, ViolationHasACounterexample) {
  const CheckResult result = check_at(
      op(1, "write", "", "1", "ok", "1", 0) + op(1, "read", "", "null", "ok", "null", 20), "register", kSequential);
  ASSERT_EQ(result.verdict, Verdict::not_linearizable);
  ASSERT_TRUE(result.counterexample);
  EXPECT_EQ(result.counterexample->key, "");
  EXPECT_EQ(result.counterexample->operation, 1u);
  EXPECT_EQ(result.counterexample->longest_prefix, std::vector<size_t>{0});
  EXPECT_EQ(result.counterexample->state, "1");
}

// Many processes each write a distinct value and then read a value nobody wrote.
std::string hard_history(int writers) {
  std::string text;
  for (int p = 0; p < writers; ++p) {
    text += invoke(p, "write", "", std::to_string(p), p);
  }
  for (int p = 0; p < writers; ++p) {
    text += R"({"process":)" + std::to_string(p) + R"(,"type":"ok","f":"write","value":)" + std::to_string(p) +
            R"(,"time_ns":)" + std::to_string(100 + p) + "}\n";
  }
  return text + op(100, "read", "", "null", "ok", "999", 200);
}

TEST(SequentialConsistency, BudgetsGiveUnknownNeverAPass) {
  CheckOptions steps;
  steps.step_limit = 500;
  const CheckResult by_steps = check_at(hard_history(14), "register", kSequential, steps);
  EXPECT_EQ(by_steps.verdict, Verdict::unknown);
  EXPECT_NE(by_steps.reason.find("step limit"), std::string::npos) << by_steps.reason;
  CheckOptions memory;
  memory.memory_limit_bytes = 1;
  const CheckResult by_memory = check_at(hard_history(14), "register", kZooKeeper, memory);
  EXPECT_EQ(by_memory.verdict, Verdict::unknown);
  EXPECT_NE(by_memory.reason.find("memory limit"), std::string::npos) << by_memory.reason;
}

TEST(SequentialConsistency, HardViolationIsFoundAndTheSearchIsDeterministic) {
  const CheckResult first = check_at(hard_history(10), "register", kSequential);
  const CheckResult second = check_at(hard_history(10), "register", kSequential);
  EXPECT_EQ(first.verdict, Verdict::not_linearizable);
  EXPECT_EQ(first.steps, second.steps);
  ASSERT_TRUE(first.counterexample && second.counterexample);
  EXPECT_EQ(first.counterexample->longest_prefix, second.counterexample->longest_prefix);
}

// ZooKeeper: a follower serves a plain get from its stale replica after a write completed
// elsewhere. That is allowed; after a sync it is not.
const std::string kCreatedThenSet = op(1, "create", "/a", R"("x")", "ok", "null", 0) +
                                    op(1, "set", "/a", R"("y")", "ok", "null", 10, R"(,"version":0)");

TEST(ZooKeeperConsistency, StalePlainGetPassesStaleSyncGetFails) {
  const std::string stale_get = kCreatedThenSet + op(2, "get", "/a", "null", "ok", R"("x")", 20);
  EXPECT_EQ(at(stale_get, "znode", kZooKeeper), Verdict::linearizable);
  EXPECT_EQ(at(stale_get, "znode", kLinearizable), Verdict::not_linearizable);
  const std::string stale_sync_get = kCreatedThenSet + op(2, "sync_get", "/a", "null", "ok", R"("x")", 20);
  EXPECT_EQ(at(stale_sync_get, "znode", kZooKeeper), Verdict::not_linearizable);
  EXPECT_EQ(at(stale_sync_get, "znode", kSequential), Verdict::linearizable);
  // Stale exists and children are plain reads too.
  EXPECT_EQ(at(op(1, "create", "/a", R"("x")", "ok", "null", 0) + op(2, "exists", "/a", "null", "ok", "false", 10),
               "znode", kZooKeeper),
            Verdict::linearizable);
}

TEST(ZooKeeperConsistency, PlainReadsKeepTheirProcessOrder) {
  // Read-your-writes: process 1's own get after its set.
  EXPECT_EQ(at(kCreatedThenSet + op(1, "get", "/a", "null", "ok", R"("x")", 20), "znode", kZooKeeper),
            Verdict::not_linearizable);
  // A get after a sync_get of the same process cannot go back.
  EXPECT_EQ(at(kCreatedThenSet + op(2, "sync_get", "/a", "null", "ok", R"("y")", 20) +
                   op(2, "get", "/a", "null", "ok", R"("x")", 30),
               "znode", kZooKeeper),
            Verdict::not_linearizable);
  // A later write of process 2 orders process 2's earlier stale get before process 1's set.
  EXPECT_EQ(at(kCreatedThenSet + op(2, "get", "/a", "null", "ok", R"("x")", 20) +
                   op(2, "set", "/a", R"("z")", "ok", "null", 30, R"(,"version":1)"),
               "znode", kZooKeeper),
            Verdict::linearizable);
}

TEST(ZooKeeperConsistency, WritesAreLinearizable) {
  // Process 2's conditional set expects version 0 after process 1's set made it 1: ordering it
  // first would need real time to be ignored, which sequential consistency allows and
  // ZooKeeper's level does not.
  const std::string set_any = op(1, "create", "/a", R"("x")", "ok", "null", 0) +
                              op(1, "set", "/a", R"("y")", "ok", "null", 10, R"(,"version":-1)");
  const std::string text = set_any + op(2, "set", "/a", R"("z")", "ok", "null", 20, R"(,"version":0)");
  EXPECT_EQ(at(text, "znode", kSequential), Verdict::linearizable);
  EXPECT_EQ(at(text, "znode", kZooKeeper), Verdict::not_linearizable);
  // Failed conditional writes are writes: ordered in real time too.
  const std::string failed =
      set_any + op(2, "set", "/a", R"("z")", "fail", "null", 20, R"(,"version":1,"error":"BadVersion")");
  EXPECT_EQ(at(failed, "znode", kSequential), Verdict::linearizable);
  EXPECT_EQ(at(failed, "znode", kZooKeeper), Verdict::not_linearizable);
}

TEST(ZooKeeperConsistency, KvReadsAreThePlainReads) {
  // Process 2 reads k before, and j after, the writes; the writes keep their real-time order.
  const std::string text = op(1, "put", "k", "1", "ok", "1", 0) + op(3, "put", "j", "1", "ok", "1", 10) +
                           op(2, "get", "k", "null", "ok", "null", 20) + op(2, "get", "j", "null", "ok", "1", 30);
  EXPECT_EQ(at(text, "kv", kZooKeeper), Verdict::linearizable);
  EXPECT_EQ(at(text, "kv", kLinearizable), Verdict::not_linearizable);
}

}  // namespace
}  // namespace consim::checkers::lin
