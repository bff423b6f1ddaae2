// The recorder writes JSONL for `consim check` and, at the same time, joins the same events into
// the checker's History. The runner checks the second without parsing the first, so the two must
// agree exactly, for every shape of line the recorder writes (kv and znode).
#include "harness/history_recorder.h"

#include <gtest/gtest.h>

#include "checkers/linearizability/history_parse.h"
#include "tests/harness/run_helpers.h"

namespace consim::harness {
namespace {

namespace lin = checkers::lin;

ClientOp op(std::string f, std::string key, std::optional<int64_t> value = std::nullopt) {
  ClientOp result;
  result.f = std::move(f);
  result.key = std::move(key);
  result.value = value;
  return result;
}

OpOutcome ok(std::optional<int64_t> value = std::nullopt, std::optional<int64_t> version = std::nullopt) {
  OpOutcome outcome;
  outcome.has_value = true;
  outcome.value = value;
  outcome.version = version;
  return outcome;
}

OpOutcome failed(std::string error) {
  OpOutcome outcome;
  outcome.ok = false;
  outcome.error = std::move(error);
  return outcome;
}

void expect_same(const lin::History& parsed, const lin::History& built) {
  EXPECT_EQ(parsed.format, built.format);
  ASSERT_EQ(parsed.operations.size(), built.operations.size());
  for (size_t i = 0; i < parsed.operations.size(); ++i) {
    const lin::Operation& a = parsed.operations[i];
    const lin::Operation& b = built.operations[i];
    SCOPED_TRACE("operation " + std::to_string(i) + ": " + a.describe());
    EXPECT_EQ(a.describe(), b.describe());
    EXPECT_EQ(a.process, b.process);
    EXPECT_EQ(a.f, b.f);
    EXPECT_EQ(std::string(a.key), std::string(b.key));
    EXPECT_EQ(a.input, b.input);
    EXPECT_EQ(a.output, b.output);
    EXPECT_EQ(std::string(a.error), std::string(b.error));
    EXPECT_EQ(a.version, b.version);
    EXPECT_EQ(a.invoke_ns, b.invoke_ns);
    EXPECT_EQ(a.complete_ns, b.complete_ns);
    EXPECT_EQ(a.invoke_line, b.invoke_line);
    EXPECT_EQ(a.complete_line, b.complete_line);
    EXPECT_EQ(a.status, b.status);
  }
}

TEST(HistoryRecorder, BuiltHistoryEqualsTheParsedJsonlForEveryKvShape) {
  HistoryRecorder recorder;
  ClientOp cas = op("cas", "k1", 7);
  cas.expected = 6;
  const ClientOp write = op("write", "k1", 6);
  const ClientOp read = op("read", "k1");
  const ClientOp absent = op("read", "k2");
  const ClientOp del = op("delete", "k1");
  recorder.invoke(0, write, SimTime{10});
  recorder.invoke(1, read, SimTime{11});
  recorder.invoke(2, cas, SimTime{12});
  recorder.invoke(3, absent, SimTime{13});
  recorder.complete(0, write, ok(), SimTime{10}, SimTime{20}, "n1");
  recorder.complete(1, read, ok(6), SimTime{11}, SimTime{21}, "n2");
  recorder.complete(2, cas, failed("CompareFailed"), SimTime{12}, SimTime{22}, "n1");
  recorder.complete(3, absent, ok(std::nullopt), SimTime{13}, SimTime{23}, "n3");
  recorder.invoke(0, del, SimTime{30});
  recorder.info(0, del, "Timeout", SimTime{40});
  recorder.possible(1'000'000'000, del, SimTime{41});
  recorder.invoke(4, write, SimTime{42});  // never completes: pending
  const std::string jsonl = recorder.jsonl();
  const lin::ParsedHistory parsed = lin::parse_history(jsonl, lin::Format::jsonl);
  ASSERT_FALSE(parsed.error.has_value()) << parsed.error->describe();
  EXPECT_FALSE(recorder.problem().has_value()) << *recorder.problem();
  expect_same(parsed.history, std::move(recorder).take_history());
}

TEST(HistoryRecorder, BuiltHistoryEqualsTheParsedJsonlForEveryZnodeShape) {
  HistoryRecorder recorder;
  ClientOp create = op("create", "/k1", 5);
  create.ephemeral = true;
  ClientOp set = op("set", "/k1", 6);
  set.version = 0;
  ClientOp any_set = op("set", "/k1", 7);
  any_set.version = -1;
  const ClientOp get = op("get", "/k1");
  const ClientOp exists = op("exists", "/k1");
  const ClientOp gone = op("exists", "/k9");
  ClientOp del = op("delete", "/k1");
  del.version = -1;
  recorder.invoke(0, create, SimTime{1});
  recorder.complete(0, create, ok(std::nullopt, 0), SimTime{1}, SimTime{2}, "n1");
  recorder.invoke(0, set, SimTime{3});
  recorder.complete(0, set, ok(std::nullopt, 1), SimTime{3}, SimTime{4}, "n1");
  recorder.invoke(1, any_set, SimTime{4});
  recorder.complete(1, any_set, failed("NoNode"), SimTime{4}, SimTime{5}, "n2");
  recorder.invoke(0, get, SimTime{6});
  recorder.complete(0, get, ok(6, 1), SimTime{6}, SimTime{7}, "n1");
  recorder.invoke(1, exists, SimTime{7});
  recorder.complete(1, exists, ok(std::nullopt, 1), SimTime{7}, SimTime{8}, "n2");
  recorder.invoke(2, gone, SimTime{9});
  recorder.complete(2, gone, ok(std::nullopt, std::nullopt), SimTime{9}, SimTime{10}, "n2");
  recorder.invoke(0, del, SimTime{11});
  recorder.complete(0, del, failed("BadVersion"), SimTime{11}, SimTime{12}, "n1");
  recorder.possible(1'000'000'000, del, SimTime{13});
  const lin::ParsedHistory parsed = lin::parse_history(recorder.jsonl(), lin::Format::jsonl);
  ASSERT_FALSE(parsed.error.has_value()) << parsed.error->describe();
  EXPECT_FALSE(recorder.problem().has_value()) << *recorder.problem();
  expect_same(parsed.history, std::move(recorder).take_history());
}

// And over whole runs, with every kind of outcome the faults produce.
TEST(HistoryRecorder, RunsCheckTheSameVerdictAsConsimCheckWouldReach) {
  for (const char* service : {"kv", "znode"}) {
    Scenario scenario = test_support::small_scenario(3, service);
    scenario.duration_ms = 4000;
    scenario.workload.read_fraction = 0.4;
    scenario.workload.cas_fraction = 0.2;
    scenario.workload.delete_fraction = 0.1;
    scenario.workload.ephemeral_fraction = std::string(service) == "znode" ? 0.3 : 0.0;
    scenario.faults.push_back(test_support::at(1000, CrashFault{Selector{Selector::Kind::kLeader, 0}}));
    scenario.faults.push_back(test_support::at(2000, RestartFault{Selector{Selector::Kind::kAll, 0}}));
    const RunReport report = test_support::run(scenario);
    EXPECT_EQ(test_support::check(report, "linearizability").status, "pass") << service;
    const lin::ParsedHistory parsed = lin::parse_history(report.history_jsonl, lin::Format::jsonl);
    ASSERT_FALSE(parsed.error.has_value()) << service;
    const std::string operations = std::to_string(parsed.history.operations.size()) + " operations";
    EXPECT_EQ(test_support::check(report, "linearizability").detail.rfind(operations, 0), 0u)
        << service << ": " << test_support::check(report, "linearizability").detail;
  }
}

}  // namespace
}  // namespace consim::harness
