// The znode service bound to the harness: the application applies log entries at their index
// (the zxid), snapshots and restores; every client operation maps to the outcome the history
// needs, failures included; the leader's expiry commands end sessions; the recorder writes
// what the znode model reads; and whole Raft runs with service "znode" check out.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "checkers/linearizability/history_parse.h"
#include "harness/history_recorder.h"
#include "harness/runner.h"
#include "harness/service_binding.h"
#include "tests/harness/run_helpers.h"

namespace consim::harness {
namespace {

ClientOp make_op(std::string f, std::string key, std::optional<int64_t> value = std::nullopt,
                 std::optional<int64_t> version = std::nullopt, int64_t session = 0) {
  ClientOp op;
  op.f = std::move(f);
  op.key = std::move(key);
  op.value = value;
  op.version = version;
  op.session = session;
  return op;
}

ClientOp open_session(int64_t timeout_ms) { return make_op("open_session", "session", timeout_ms); }

// An application fed through the binding, as a host feeds it: one committed entry per
// operation, at consecutive indexes, stamped with a proposer clock the test moves.
class ZnodeApp : public testing::Test {
 protected:
  ZnodeApp() : binding_(make_znode_binding()), app_(binding_->make_application()) {
    app_->restore(nullptr, protocols::LogIndex{0});
  }

  OpOutcome commit(const ClientOp& op) {
    const protocols::LogIndex index = app_->applied().next();
    app_->apply(protocols::Committed{index, protocols::Term{1}, binding_->command(op, now_ns_), {}, {}});
    return app_->outcome_of(index);
  }
  // A protocol entry (Raft's no-op): it takes an index but no zxid of the service.
  void commit_noop() { app_->apply(protocols::Committed{app_->applied().next(), protocols::Term{1}, nullptr, {}, {}}); }
  int64_t open(int64_t timeout_ms = 1000) {
    const OpOutcome opened = commit(open_session(timeout_ms));
    EXPECT_TRUE(opened.ok) << opened.error;
    EXPECT_TRUE(opened.value.has_value());
    return opened.value.value_or(0);
  }

  std::unique_ptr<ServiceBinding> binding_;
  std::unique_ptr<ServiceApplication> app_;
  int64_t now_ns_ = 0;
};

TEST_F(ZnodeApp, BindingNamesTheZnodeModel) {
  EXPECT_EQ(binding_->name(), "znode");
  EXPECT_EQ(binding_->model(), "znode");
}

TEST_F(ZnodeApp, OpenSessionAnswersTheNewSessionsId) {
  EXPECT_EQ(open(), 1);
  EXPECT_EQ(open(), 2);
}

TEST_F(ZnodeApp, CreateSetGetAndDeleteReportVersionsAndTheZxid) {
  const int64_t session = open();
  const OpOutcome created = commit(make_op("create", "/k1", 7, std::nullopt, session));
  EXPECT_TRUE(created.ok);
  EXPECT_EQ(created.version, 0);
  EXPECT_EQ(created.revision, 2);  // the log index is the zxid
  const OpOutcome set = commit(make_op("set", "/k1", 8, 0, session));
  EXPECT_TRUE(set.ok) << set.error;
  EXPECT_EQ(set.version, 1);
  EXPECT_EQ(commit(make_op("set", "/k1", 9, -1, session)).version, 2);

  const OpOutcome got = commit(make_op("get", "/k1", std::nullopt, std::nullopt, session));
  EXPECT_TRUE(got.ok);
  EXPECT_TRUE(got.has_value);
  EXPECT_EQ(got.value, 9);
  EXPECT_EQ(got.version, 2);
  EXPECT_EQ(got.revision, 5);

  const OpOutcome deleted = commit(make_op("delete", "/k1", std::nullopt, 2, session));
  EXPECT_TRUE(deleted.ok) << deleted.error;
  EXPECT_FALSE(deleted.version.has_value());
  EXPECT_EQ(deleted.revision, 6);
}

TEST_F(ZnodeApp, FailuresCarryZooKeepersCodeNames) {
  const int64_t session = open();
  const auto error_of = [&](const ClientOp& op) {
    const OpOutcome outcome = commit(op);
    EXPECT_FALSE(outcome.ok) << op.f << " " << op.key;
    EXPECT_EQ(outcome.revision, static_cast<int64_t>(app_->applied().value)) << "failed writes are ordered too";
    return outcome.error;
  };
  EXPECT_EQ(error_of(make_op("get", "/k1", std::nullopt, std::nullopt, session)), "NoNode");
  EXPECT_EQ(error_of(make_op("set", "/k1", 1, -1, session)), "NoNode");
  EXPECT_EQ(error_of(make_op("delete", "/k1", std::nullopt, -1, session)), "NoNode");
  EXPECT_EQ(error_of(make_op("create", "/k1/child", 1, std::nullopt, session)), "NoNode");  // no parent
  ASSERT_TRUE(commit(make_op("create", "/k1", 1, std::nullopt, session)).ok);
  EXPECT_EQ(error_of(make_op("create", "/k1", 2, std::nullopt, session)), "NodeExists");
  EXPECT_EQ(error_of(make_op("set", "/k1", 3, 4, session)), "BadVersion");
  ASSERT_TRUE(commit(make_op("create", "/k1/child", 5, std::nullopt, session)).ok);
  EXPECT_EQ(error_of(make_op("delete", "/k1", std::nullopt, 3, session)), "BadVersion");  // before NotEmpty
  EXPECT_EQ(error_of(make_op("delete", "/k1", std::nullopt, -1, session)), "NotEmpty");
  EXPECT_EQ(error_of(make_op("create", "/k2", 6, std::nullopt, session + 1)), "SessionExpired");  // unknown
}

TEST_F(ZnodeApp, ExistsReportsTheVersionWhenPresentAndNothingWhenAbsent) {
  const int64_t session = open();
  const OpOutcome absent = commit(make_op("exists", "/k1", std::nullopt, std::nullopt, session));
  EXPECT_TRUE(absent.ok) << "exists is not an error when the node is absent";
  EXPECT_TRUE(absent.has_value);
  EXPECT_FALSE(absent.value.has_value());
  EXPECT_FALSE(absent.version.has_value());
  commit(make_op("create", "/k1", 1, std::nullopt, session));
  commit(make_op("set", "/k1", 2, -1, session));
  const OpOutcome present = app_->read(make_op("exists", "/k1", std::nullopt, std::nullopt, session));
  EXPECT_TRUE(present.ok);
  EXPECT_FALSE(present.value.has_value());
  EXPECT_EQ(present.version, 1);
}

// The recorder's stale-read detection compares a read's revision with acknowledged writes'
// zxids: a read served from state must carry the last zxid the replica applied.
TEST_F(ZnodeApp, ReadsFromStateCarryTheLastAppliedZxid) {
  const int64_t session = open();
  commit(make_op("create", "/k1", 1, std::nullopt, session));
  commit(make_op("create", "/k2", 2, std::nullopt, session));
  commit_noop();
  const OpOutcome got = app_->read(make_op("get", "/k1", std::nullopt, std::nullopt, session));
  EXPECT_TRUE(got.ok);
  EXPECT_EQ(got.value, 1);
  EXPECT_EQ(got.version, 0);
  EXPECT_EQ(got.revision, 3);
  EXPECT_EQ(app_->read(make_op("get", "/nope", std::nullopt, std::nullopt, session)).error, "NoNode");
  EXPECT_EQ(app_->read(make_op("get", "/k1", std::nullopt, std::nullopt, session + 1)).error, "SessionExpired");
}

TEST_F(ZnodeApp, SnapshotRestoresTheStateAndTheAppliedIndex) {
  const int64_t session = open();
  commit(make_op("create", "/k1", 1, std::nullopt, session));
  commit(make_op("create", "/k2", 2, std::nullopt, session));
  ClientOp ephemeral = make_op("create", "/e", 3, std::nullopt, session);
  ephemeral.ephemeral = true;
  commit(ephemeral);
  commit(make_op("set", "/k1", 4, 0, session));
  commit_noop();
  const protocols::RecordPtr snapshot = app_->snapshot();
  ASSERT_NE(snapshot, nullptr);

  std::unique_ptr<ServiceApplication> copy = binding_->make_application();
  copy->restore(snapshot, app_->applied());
  EXPECT_EQ(copy->applied(), app_->applied());
  EXPECT_EQ(copy->state_digest(), app_->state_digest());
  EXPECT_EQ(snapshot->digest(), app_->snapshot()->digest());

  // Both continue alike from there, sessions included.
  const ClientOp next = make_op("set", "/k1", 5, 1, session);
  const protocols::LogIndex index = app_->applied().next();
  const protocols::RecordPtr command = binding_->command(next, now_ns_);
  app_->apply(protocols::Committed{index, protocols::Term{1}, command, {}, {}});
  copy->apply(protocols::Committed{index, protocols::Term{1}, command, {}, {}});
  EXPECT_EQ(copy->outcome_of(index).version, 2);
  EXPECT_EQ(copy->outcome_of(index).version, app_->outcome_of(index).version);
  EXPECT_EQ(copy->state_digest(), app_->state_digest());
  EXPECT_EQ(copy->read(make_op("exists", "/e", std::nullopt, std::nullopt, session)).version, 0);

  // Restoring nothing is the empty tree.
  copy->restore(nullptr, protocols::LogIndex{0});
  EXPECT_EQ(copy->read(make_op("exists", "/k1")).version, std::nullopt);
}

TEST_F(ZnodeApp, ExpiryCommandsEndSessionsPastTheirDeadlineAndTheirEphemerals) {
  const int64_t session = open(100);
  ClientOp ephemeral = make_op("create", "/e", 1, std::nullopt, session);
  ephemeral.ephemeral = true;
  ASSERT_TRUE(commit(ephemeral).ok);
  EXPECT_TRUE(binding_->expiry_commands(*app_, 99'000'000).empty());
  const auto expiries = binding_->expiry_commands(*app_, 100'000'000);
  ASSERT_EQ(expiries.size(), 1u);
  EXPECT_EQ(expiries[0].target, static_cast<uint64_t>(session));
  // What it will delete, as history operations: the session's ephemeral, any version.
  ASSERT_EQ(expiries[0].effects.size(), 1u);
  EXPECT_EQ(expiries[0].effects[0].f, "delete");
  EXPECT_EQ(expiries[0].effects[0].key, "/e");
  EXPECT_EQ(expiries[0].effects[0].version, -1);
  app_->apply(protocols::Committed{app_->applied().next(), protocols::Term{1}, expiries[0].command, {}, {}});
  EXPECT_EQ(app_->read(make_op("exists", "/e")).version, std::nullopt);
  EXPECT_EQ(commit(make_op("get", "/e", std::nullopt, std::nullopt, session)).error, "SessionExpired");
  EXPECT_TRUE(binding_->expiry_commands(*app_, 200'000'000).empty());
}

TEST_F(ZnodeApp, AnExpiryThatLostARaceWithATouchChangesNothing) {
  const int64_t session = open(100);
  const auto expiries = binding_->expiry_commands(*app_, 150'000'000);
  ASSERT_EQ(expiries.size(), 1u);
  now_ns_ = 120'000'000;  // a request touched the session before the expiry was committed
  ASSERT_TRUE(commit(make_op("create", "/k1", 1, std::nullopt, session)).ok);
  app_->apply(protocols::Committed{app_->applied().next(), protocols::Term{1}, expiries[0].command, {}, {}});
  EXPECT_TRUE(app_->read(make_op("get", "/k1", std::nullopt, std::nullopt, session)).ok);
}

// --- the history lines ----------------------------------------------------------------------

OpOutcome ok_outcome(std::optional<int64_t> value, std::optional<int64_t> version) {
  OpOutcome outcome;
  outcome.has_value = value.has_value();
  outcome.value = value;
  outcome.version = version;
  return outcome;
}

TEST(ZnodeHistory, LinesCarryWhatTheZnodeModelReads) {
  HistoryRecorder recorder;
  const SimTime t0{10};
  const SimTime t1{20};
  const ClientOp get = make_op("get", "/k1");
  recorder.complete(0, get, ok_outcome(5, 3), t0, t1, "n1");
  const ClientOp exists = make_op("exists", "/k1");
  recorder.complete(1, exists, ok_outcome(std::nullopt, 3), t0, t1, "n1");
  recorder.complete(1, exists, ok_outcome(std::nullopt, std::nullopt), t0, t1, "n1");
  const ClientOp set = make_op("set", "/k1", 6, 3);
  recorder.complete(2, set, ok_outcome(std::nullopt, 4), t0, t1, "n2");
  OpOutcome bad_version;
  bad_version.ok = false;
  bad_version.error = "BadVersion";
  recorder.complete(2, set, bad_version, t0, t1, "n2");
  ClientOp create = make_op("create", "/k2", 7);
  create.ephemeral = true;
  recorder.invoke(3, create, t0);
  recorder.complete(3, create, ok_outcome(std::nullopt, 0), t0, t1, "n2");
  recorder.info(4, make_op("delete", "/k2", std::nullopt, -1), "Timeout", t1);
  EXPECT_EQ(recorder.jsonl(),
            R"({"process":0,"type":"ok","f":"get","key":"/k1","value":[5,3],"node":"n1","time_ns":20}
{"process":1,"type":"ok","f":"exists","key":"/k1","value":3,"node":"n1","time_ns":20}
{"process":1,"type":"ok","f":"exists","key":"/k1","value":null,"node":"n1","time_ns":20}
{"process":2,"type":"ok","f":"set","key":"/k1","value":[6,4],"version":3,"node":"n2","time_ns":20}
{"process":2,"type":"fail","f":"set","key":"/k1","value":6,"version":3,"error":"BadVersion","node":"n2","time_ns":20}
{"process":3,"type":"invoke","f":"create","key":"/k2","value":7,"ephemeral":true,"time_ns":10}
{"process":3,"type":"ok","f":"create","key":"/k2","value":7,"ephemeral":true,"node":"n2","time_ns":20}
{"process":4,"type":"info","f":"delete","key":"/k2","value":null,"version":-1,"error":"Timeout","time_ns":20}
)");
}

// The kv lines are what they were before znode had a binding (golden digests depend on them).
TEST(ZnodeHistory, KvLinesAreUnchanged) {
  HistoryRecorder recorder;
  const SimTime t0{10};
  const SimTime t1{20};
  OpOutcome read = ok_outcome(5, 2);
  recorder.complete(0, make_op("read", "k1"), read, t0, t1, "n1");
  recorder.complete(0, make_op("read", "k1"), ok_outcome(std::nullopt, std::nullopt), t0, t1, "n1");
  recorder.complete(1, make_op("write", "k1", 6), ok_outcome(std::nullopt, 3), t0, t1, "n1");
  ClientOp cas = make_op("cas", "k1", 8);
  cas.expected = 7;
  OpOutcome failed;
  failed.ok = false;
  failed.error = "CompareFailed";
  recorder.complete(2, cas, failed, t0, t1, "n3");
  recorder.complete(3, make_op("delete", "k1"), ok_outcome(std::nullopt, std::nullopt), t0, t1, "n1");
  EXPECT_EQ(recorder.jsonl(),
            R"({"process":0,"type":"ok","f":"read","key":"k1","value":5,"node":"n1","time_ns":20}
{"process":0,"type":"ok","f":"read","key":"k1","value":null,"node":"n1","time_ns":20}
{"process":1,"type":"ok","f":"write","key":"k1","value":6,"node":"n1","time_ns":20}
{"process":2,"type":"fail","f":"cas","key":"k1","value":[7,8],"error":"CompareFailed","node":"n3","time_ns":20}
{"process":3,"type":"ok","f":"delete","key":"k1","value":null,"node":"n1","time_ns":20}
)");
}

TEST(ZnodeHistoryDeathTest, OpeningASessionNeverReachesTheHistory) {
  HistoryRecorder recorder;
  EXPECT_DEATH(recorder.invoke(0, open_session(1000), SimTime{0}), "open_session");
}

// --- whole runs -----------------------------------------------------------------------------

Scenario znode_base(uint64_t seed) {
  Scenario scenario = test_support::small_scenario(seed, "znode");
  scenario.duration_ms = 5000;
  scenario.workload.read_fraction = 0.4;
  scenario.workload.cas_fraction = 0.3;
  scenario.workload.delete_fraction = 0.1;
  return scenario;
}

using test_support::at;
using test_support::check;
using test_support::run;

size_t count(const std::string& text, const std::string& needle) {
  size_t found = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++found;
  }
  return found;
}

TEST(ZnodeRunner, HealthyClusterPassesEveryCheckAndExercisesEveryOutcome) {
  Scenario scenario = znode_base(1);
  scenario.workload.ephemeral_fraction = 0.5;
  const RunReport report = run(scenario);
  EXPECT_EQ(report.verdict, "pass") << format_report(report);
  EXPECT_EQ(check(report, "linearizability").status, "pass") << check(report, "linearizability").detail;
  EXPECT_EQ(check(report, "liveness").status, "pass") << check(report, "liveness").detail;
  EXPECT_GT(report.metrics.committed_ops, 100u);
  EXPECT_EQ(report.metrics.info, 0u);
  EXPECT_EQ(report.metrics.stale_reads, 0u);
  const std::string& history = report.history_jsonl;
  EXPECT_EQ(count(history, "open_session"), 0u);
  EXPECT_GT(count(history, R"("type":"ok","f":"create")"), 0u);
  EXPECT_GT(count(history, R"("ephemeral":true)"), 0u);
  EXPECT_GT(count(history, R"("type":"ok","f":"get","key":"/k1","value":[)"), 0u);
  EXPECT_GT(count(history, R"("type":"ok","f":"exists")"), 0u);
  EXPECT_GT(count(history, R"("type":"ok","f":"set","key":"/k1","value":[)"), 0u);
  EXPECT_GT(count(history, R"("type":"ok","f":"delete")"), 0u);
  EXPECT_GT(count(history, R"("error":"BadVersion")"), 0u);
  EXPECT_GT(count(history, R"("error":"NoNode")"), 0u);
  EXPECT_GT(count(history, R"("error":"NodeExists")"), 0u);
  const checkers::lin::ParsedHistory parsed = checkers::lin::parse_history(history, checkers::lin::Format::jsonl);
  ASSERT_FALSE(parsed.error.has_value()) << parsed.error->describe();
  EXPECT_EQ(parsed.history.operations.size(), report.metrics.invoked);
}

TEST(ZnodeRunner, SameScenarioAndSeedGiveTheSameDigestAndHistory) {
  Scenario scenario = znode_base(2);
  scenario.workload.ephemeral_fraction = 0.3;
  scenario.faults.push_back(at(1500, CrashFault{Selector{Selector::Kind::kLeader, 0}}));
  const RunReport first = run(scenario);
  const RunReport second = run(scenario);
  EXPECT_EQ(first.digest, second.digest);
  EXPECT_EQ(first.summary_json, second.summary_json);
  EXPECT_EQ(first.history_jsonl, second.history_jsonl);
}

// Sessions expire within the run (a client that timed out abandons its session): the runner
// writes what each expiry may delete into the history. The network duplicates datagrams; the
// gateway takes each client call once, as ZooKeeper's TCP connection delivers it once.
TEST(ZnodeRunner, CrashesPartitionsAndLossKeepZnodeLinearizableOverManySeeds) {
  const Selector leader{Selector::Kind::kLeader, 0};
  const Selector all{Selector::Kind::kAll, 0};
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    Scenario scenario = znode_base(seed);
    scenario.workload.ephemeral_fraction = seed % 2 == 0 ? 0.4 : 0.0;
    scenario.workload.session_timeout_ms = 1000;
    scenario.raft.read_mode = seed % 3 == 0 ? "log" : "read_index";
    scenario.network.drop_probability = 0.02;
    scenario.network.duplicate_probability = 0.02;
    scenario.faults.push_back(at(1000, CrashFault{leader}));
    PartitionFault halves;
    halves.shape = PartitionFault::Shape::kHalves;
    scenario.faults.push_back(at(2000, std::move(halves)));
    scenario.faults.push_back(at(2500, RestartFault{all}));
    scenario.faults.push_back(at(3500, HealFault{}));
    scenario.faults.push_back(at(3600, PauseFault{Selector{Selector::Kind::kFollower, 0}, 400}));
    const RunReport report = run(scenario);
    EXPECT_EQ(report.verdict, "pass") << "seed " << seed << "\n" << format_report(report);
    EXPECT_EQ(report.metrics.stale_reads, 0u) << "seed " << seed;
    EXPECT_GT(report.metrics.info, 0u) << "seed " << seed << ": the faults should leave some outcomes unknown";
  }
}

// Follower reads are stale by design; with znode the recorder sees it through the zxids.
TEST(ZnodeRunner, FollowerReadsShowStaleReadsByZxid) {
  uint64_t stale = 0;
  int violations = 0;
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    Scenario scenario = znode_base(seed);
    scenario.raft.read_mode = "follower";
    scenario.workload.clients = 8;
    scenario.workload.keys = 1;
    scenario.workload.read_fraction = 0.6;
    scenario.workload.cas_fraction = 0.2;
    scenario.workload.delete_fraction = 0.05;
    PartitionFault partition;
    partition.groups = {{Selector{Selector::Kind::kFollower, 0}}, {Selector{Selector::Kind::kAll, 0}}};
    scenario.faults.push_back(at(1500, std::move(partition)));
    scenario.faults.push_back(at(4000, HealFault{}));
    const RunReport report = run(scenario);
    EXPECT_EQ(check(report, "invariants").status, "pass") << "seed " << seed;
    stale += report.metrics.stale_reads;
    violations += check(report, "linearizability").status == "fail" ? 1 : 0;
  }
  EXPECT_GT(stale, 0u);
  EXPECT_GE(violations, 2);
}

}  // namespace
}  // namespace consim::harness
