// The znode model on hand-written histories with known verdicts: ZooKeeper's stat versions,
// failed conditional writes as ordered observations, NoNode reads, pending and info writes,
// the tree (children, NoNode on a missing parent, NotEmpty), partitioning, and parsing of the
// `version` field.
#include <gtest/gtest.h>

#include <string>

#include "checkers/linearizability/checker.h"
#include "checkers/linearizability/history_parse.h"

namespace consim::checkers::lin {
namespace {

// One JSONL event on a znode: zk(1, "invoke", "set", "/a", R"("x")", 0, R"(,"version":0)").
std::string zk(int process, const std::string& type, const std::string& f, const std::string& path,
               const std::string& value, int time_ns, const std::string& extra = "") {
  return R"({"process":)" + std::to_string(process) + R"(,"type":")" + type + R"(","f":")" + f + R"(","key":")" + path +
         R"(","value":)" + value + R"(,"time_ns":)" + std::to_string(time_ns) + extra + "}\n";
}

// An operation that completes: invoke at t, completion at t + 5.
std::string op(int process, const std::string& f, const std::string& path, const std::string& input,
               const std::string& type, const std::string& output, int t, const std::string& extra = "") {
  return zk(process, "invoke", f, path, input, t, extra) + zk(process, type, f, path, output, t + 5, extra);
}

std::string error(const std::string& name) { return R"(,"error":")" + name + "\""; }
std::string version(int v) { return R"(,"version":)" + std::to_string(v); }

CheckResult check_znode(const std::string& jsonl, Consistency consistency = Consistency::linearizable) {
  const ParsedHistory parsed = parse_history(jsonl, Format::jsonl);
  EXPECT_FALSE(parsed.error) << parsed.error->describe();
  const auto model = make_model("znode");
  EXPECT_NE(model, nullptr);
  const std::optional<std::string> problem = validate_history(parsed.history, *model);
  EXPECT_FALSE(problem) << *problem;
  CheckOptions options;
  options.consistency = consistency;
  return check(parsed.history, *model, options);
}

Verdict verdict_of(const std::string& jsonl) { return check_znode(jsonl).verdict; }

const std::string kCreateX = op(1, "create", "/a", R"("x")", "ok", R"("/a")", 0);

TEST(Znode, CreateThenGetSeesTheData) {
  EXPECT_EQ(verdict_of(kCreateX + op(2, "get", "/a", "null", "ok", R"("x")", 10)), Verdict::linearizable);
  EXPECT_EQ(verdict_of(kCreateX + op(2, "get", "/a", "null", "ok", R"("y")", 10)), Verdict::not_linearizable);
}

TEST(Znode, NoNodeReadObservesAbsence) {
  // Before the create completes, a get may find nothing; after it, it may not.
  EXPECT_EQ(verdict_of(zk(1, "invoke", "create", "/a", R"("x")", 0) +
                       op(2, "get", "/a", "null", "fail", "null", 1, error("NoNode")) +
                       zk(1, "ok", "create", "/a", R"("/a")", 10)),
            Verdict::linearizable);
  EXPECT_EQ(verdict_of(kCreateX + op(2, "get", "/a", "null", "fail", "null", 10, error("NoNode"))),
            Verdict::not_linearizable);
  EXPECT_EQ(verdict_of(kCreateX + op(2, "sync_get", "/a", "null", "fail", "null", 10, error("NoNode"))),
            Verdict::not_linearizable);
  // A get that failed for another reason observed nothing.
  EXPECT_EQ(verdict_of(kCreateX + op(2, "get", "/a", "null", "fail", "null", 10, error("ConnectionLoss"))),
            Verdict::linearizable);
}

TEST(Znode, ExistsReportsPresenceOrTheVersion) {
  EXPECT_EQ(
      verdict_of(op(2, "exists", "/a", "null", "ok", "false", 0) + op(1, "create", "/a", R"("x")", "ok", "null", 10) +
                 op(2, "exists", "/a", "null", "ok", "true", 20)),
      Verdict::linearizable);
  EXPECT_EQ(verdict_of(kCreateX + op(2, "exists", "/a", "null", "ok", "false", 10)), Verdict::not_linearizable);
  const std::string created = kCreateX + op(2, "exists", "/a", "null", "ok", "true", 20);
  EXPECT_EQ(verdict_of(created + op(2, "exists", "/a", "null", "ok", "0", 30)), Verdict::linearizable);
  EXPECT_EQ(verdict_of(created + op(2, "exists", "/a", "null", "ok", "1", 30)), Verdict::not_linearizable);
  EXPECT_EQ(verdict_of(created + op(2, "exists", "/a", "null", "ok", "null", 30)), Verdict::not_linearizable);
  EXPECT_EQ(verdict_of(created + op(2, "exists", "/a", "null", "fail", "null", 30, error("NoNode"))),
            Verdict::not_linearizable);
}

TEST(Znode, SecondCreateFailsWithNodeExists) {
  EXPECT_EQ(verdict_of(kCreateX + op(2, "create", "/a", R"("y")", "fail", "null", 10, error("NodeExists"))),
            Verdict::linearizable);
  EXPECT_EQ(verdict_of(kCreateX + op(2, "create", "/a", R"("y")", "ok", R"("/a")", 10)), Verdict::not_linearizable);
  // NodeExists with no node: an observation nothing explains, not a no-op to drop.
  EXPECT_EQ(verdict_of(op(2, "create", "/a", R"("y")", "fail", "null", 10, error("NodeExists"))),
            Verdict::not_linearizable);
}

TEST(Znode, DataVersionStartsAtZeroAndCountsSets) {
  const std::string twice = kCreateX + op(1, "set", "/a", R"("y")", "ok", R"(["y",1])", 10, version(0)) +
                            op(1, "set", "/a", R"("z")", "ok", "null", 20, version(1));
  EXPECT_EQ(verdict_of(twice + op(2, "get", "/a", "null", "ok", R"(["z",2])", 30)), Verdict::linearizable);
  EXPECT_EQ(verdict_of(twice + op(2, "get", "/a", "null", "ok", R"(["z",1])", 30)), Verdict::not_linearizable);
  EXPECT_EQ(verdict_of(twice + op(2, "set", "/a", R"("w")", "ok", "null", 30, version(1))), Verdict::not_linearizable);
  EXPECT_EQ(verdict_of(twice + op(2, "set", "/a", R"("w")", "fail", "null", 30, version(1) + error("BadVersion"))),
            Verdict::linearizable);
  EXPECT_EQ(verdict_of(twice + op(2, "set", "/a", R"("w")", "ok", "null", 30, version(-1))), Verdict::linearizable);
  // A set that reports the wrong new version.
  EXPECT_EQ(verdict_of(kCreateX + op(1, "set", "/a", R"("y")", "ok", R"(["y",5])", 10)), Verdict::not_linearizable);
}

TEST(Znode, RecreatedNodeStartsAtVersionZeroAgain) {
  const std::string text = kCreateX + op(1, "set", "/a", R"("y")", "ok", "null", 10) +
                           op(1, "delete", "/a", "null", "ok", "null", 20, version(1)) +
                           op(1, "create", "/a", R"("z")", "ok", "null", 30);
  EXPECT_EQ(verdict_of(text + op(2, "get", "/a", "null", "ok", R"(["z",0])", 40)), Verdict::linearizable);
  EXPECT_EQ(verdict_of(text + op(2, "get", "/a", "null", "ok", R"(["z",2])", 40)), Verdict::not_linearizable);
}

// Process 2's set expects version 1 and fails with BadVersion while process 1's set (version 0
// to 1) is in flight: that is only possible if ZooKeeper ordered the failure before the set.
TEST(Znode, BadVersionExplainedOnlyByOrderingItBeforeAConcurrentSet) {
  const std::string concurrent = kCreateX + zk(1, "invoke", "set", "/a", R"("y")", 10, version(0)) +
                                 op(2, "set", "/a", R"("w")", "fail", "null", 11, version(1) + error("BadVersion")) +
                                 zk(1, "ok", "set", "/a", R"(["y",1])", 20, version(0));
  EXPECT_EQ(verdict_of(concurrent + op(2, "get", "/a", "null", "ok", R"("y")", 30)), Verdict::linearizable);
  // Once process 1's set has completed, version 1 is current, so BadVersion is impossible.
  const std::string after = kCreateX + op(1, "set", "/a", R"("y")", "ok", R"(["y",1])", 10, version(0)) +
                            op(2, "set", "/a", R"("w")", "fail", "null", 20, version(1) + error("BadVersion"));
  EXPECT_EQ(verdict_of(after), Verdict::not_linearizable);
}

// The failed conditional write pins process 1's unconditional set before time 25: the later get
// must see it. Were the failure dropped, the set could take effect after the get.
TEST(Znode, FailedConditionalWriteIsOrderedNotDropped) {
  const std::string prefix = kCreateX + zk(1, "invoke", "set", "/a", R"("y")", 10, version(-1)) +
                             op(2, "set", "/a", R"("w")", "fail", "null", 20, version(0) + error("BadVersion"));
  const std::string stale_get = op(3, "get", "/a", "null", "ok", R"("x")", 30) + zk(1, "ok", "set", "/a", "null", 50);
  EXPECT_EQ(verdict_of(prefix + stale_get), Verdict::not_linearizable);
  // The same history with the failure a definite non-event (a lost connection): linearizable.
  const std::string lost = kCreateX + zk(1, "invoke", "set", "/a", R"("y")", 10, version(-1)) +
                           op(2, "set", "/a", R"("w")", "fail", "null", 20, version(0) + error("ConnectionLoss"));
  EXPECT_EQ(verdict_of(lost + stale_get), Verdict::linearizable);
}

TEST(Znode, PendingAndInfoWritesMayOrMayNotTakeEffect) {
  const std::string info_create =
      zk(1, "invoke", "create", "/a", R"("x")", 0) + zk(1, "info", "create", "/a", "null", 5, error("ConnectionLoss"));
  EXPECT_EQ(verdict_of(info_create + op(2, "get", "/a", "null", "fail", "null", 10, error("NoNode"))),
            Verdict::linearizable);
  EXPECT_EQ(verdict_of(info_create + op(2, "get", "/a", "null", "ok", R"("x")", 10)), Verdict::linearizable);
  // Once seen, it cannot be undone.
  EXPECT_EQ(verdict_of(info_create + op(2, "get", "/a", "null", "ok", R"("x")", 10) +
                       op(2, "exists", "/a", "null", "ok", "false", 20)),
            Verdict::not_linearizable);
  // A pending set may take effect late: the reader sees x, then y.
  const std::string pending_set = kCreateX + zk(1, "invoke", "set", "/a", R"("y")", 10, version(0));
  EXPECT_EQ(verdict_of(pending_set + op(2, "get", "/a", "null", "ok", R"("x")", 20) +
                       op(2, "get", "/a", "null", "ok", R"(["y",1])", 30)),
            Verdict::linearizable);
  // It takes effect only as the success it may have been: its version check must hold.
  const std::string pending_bad = kCreateX + zk(1, "invoke", "set", "/a", R"("y")", 10, version(3));
  EXPECT_EQ(verdict_of(pending_bad + op(2, "get", "/a", "null", "ok", R"("y")", 20)), Verdict::not_linearizable);
  // An info read observed nothing.
  EXPECT_EQ(verdict_of(kCreateX + zk(2, "invoke", "get", "/a", "null", 10) + zk(2, "info", "get", "/a", R"("q")", 20)),
            Verdict::linearizable);
}

TEST(Znode, DeleteChecksTheVersionAndLeavesNoNode) {
  const std::string deleted = kCreateX + op(1, "delete", "/a", "null", "ok", "null", 10, version(0));
  EXPECT_EQ(verdict_of(deleted + op(2, "get", "/a", "null", "fail", "null", 20, error("NoNode"))),
            Verdict::linearizable);
  EXPECT_EQ(verdict_of(deleted + op(2, "delete", "/a", "null", "fail", "null", 20, error("NoNode"))),
            Verdict::linearizable);
  EXPECT_EQ(verdict_of(deleted + op(2, "get", "/a", "null", "ok", R"("x")", 20)), Verdict::not_linearizable);
  EXPECT_EQ(verdict_of(kCreateX + op(1, "delete", "/a", "null", "fail", "null", 10, version(4) + error("BadVersion"))),
            Verdict::linearizable);
  EXPECT_EQ(verdict_of(kCreateX + op(1, "delete", "/a", "null", "fail", "null", 10, version(0) + error("BadVersion"))),
            Verdict::not_linearizable);
  EXPECT_EQ(verdict_of(kCreateX + op(1, "delete", "/a", "null", "ok", "null", 10, version(2))),
            Verdict::not_linearizable);
}

const std::string kTree =
    kCreateX + op(1, "create", "/a/b", "1", "ok", "null", 10) + op(1, "create", "/a/c", "2", "ok", "null", 20);

TEST(ZnodeTree, ChildrenListsThePresentChildrenInAnyOrder) {
  EXPECT_EQ(verdict_of(kTree + op(2, "children", "/a", "null", "ok", R"(["c","b"])", 30)), Verdict::linearizable);
  EXPECT_EQ(verdict_of(kTree + op(2, "children", "/a", "null", "ok", R"(["/a/b","/a/c"])", 30)), Verdict::linearizable);
  EXPECT_EQ(verdict_of(kTree + op(2, "children", "/a", "null", "ok", R"(["b"])", 30)), Verdict::not_linearizable);
  EXPECT_EQ(verdict_of(kTree + op(2, "children", "/a", "null", "ok", R"(["b","c","d"])", 30)),
            Verdict::not_linearizable);
  EXPECT_EQ(verdict_of(kCreateX + op(2, "children", "/a", "null", "ok", "[]", 10)), Verdict::linearizable);
  EXPECT_EQ(verdict_of(op(2, "children", "/a", "null", "fail", "null", 0, error("NoNode"))), Verdict::linearizable);
  // A listing while /a/c is being created may or may not include it.
  const std::string racing =
      kCreateX + op(1, "create", "/a/b", "1", "ok", "null", 10) + zk(1, "invoke", "create", "/a/c", "2", 20);
  EXPECT_EQ(verdict_of(racing + op(2, "children", "/a", "null", "ok", R"(["b"])", 21)), Verdict::linearizable);
  EXPECT_EQ(verdict_of(racing + op(2, "children", "/a", "null", "ok", R"(["b","c"])", 21)), Verdict::linearizable);
}

TEST(ZnodeTree, CreateNeedsTheParent) {
  EXPECT_EQ(verdict_of(op(1, "create", "/a/b", "1", "fail", "null", 0, error("NoNode")) +
                       op(1, "create", "/a", R"("x")", "ok", "null", 10)),
            Verdict::linearizable);
  EXPECT_EQ(verdict_of(kCreateX + op(1, "create", "/a/b", "1", "fail", "null", 10, error("NoNode"))),
            Verdict::not_linearizable);
  EXPECT_EQ(
      verdict_of(op(1, "create", "/a/b", "1", "ok", "null", 0) + op(1, "create", "/a", R"("x")", "ok", "null", 10)),
      Verdict::not_linearizable);
}

TEST(ZnodeTree, DeleteOfANodeWithChildrenFailsNotEmpty) {
  EXPECT_EQ(verdict_of(kTree + op(2, "delete", "/a", "null", "fail", "null", 30, error("NotEmpty"))),
            Verdict::linearizable);
  EXPECT_EQ(verdict_of(kTree + op(2, "delete", "/a", "null", "ok", "null", 30)), Verdict::not_linearizable);
  // BadVersion is checked before NotEmpty.
  EXPECT_EQ(verdict_of(kTree + op(2, "delete", "/a", "null", "fail", "null", 30, version(7) + error("NotEmpty"))),
            Verdict::not_linearizable);
  const std::string emptied =
      kTree + op(1, "delete", "/a/b", "null", "ok", "null", 30) + op(1, "delete", "/a/c", "null", "ok", "null", 40);
  EXPECT_EQ(verdict_of(emptied + op(2, "delete", "/a", "null", "fail", "null", 50, error("NotEmpty"))),
            Verdict::not_linearizable);
  EXPECT_EQ(verdict_of(emptied + op(2, "delete", "/a", "null", "ok", "null", 50)), Verdict::linearizable);
}

TEST(ZnodeTree, UntrackedParentsAndChildrenAreUnknown) {
  // The history never names /p, so creating /p/q may succeed or fail with NoNode, and a delete
  // of /r may fail with NotEmpty for children the history never names.
  EXPECT_EQ(verdict_of(op(1, "create", "/p/q", "1", "fail", "null", 0, error("NoNode")) +
                       op(1, "create", "/p/q", "1", "ok", "null", 10) + op(1, "create", "/r", "1", "ok", "null", 20) +
                       op(1, "delete", "/r", "null", "fail", "null", 30, error("NotEmpty"))),
            Verdict::linearizable);
}

TEST(ZnodePartitions, FlatHistoriesSplitPerPathTreesDoNot) {
  const std::string flat = kCreateX + op(2, "create", "/b", "1", "ok", "null", 6);
  EXPECT_EQ(check_znode(flat).partitions.size(), 2u);
  EXPECT_EQ(check_znode(flat + op(2, "children", "/", "null", "ok", R"(["a","b"])", 20)).partitions.size(), 1u);
  EXPECT_EQ(check_znode(flat + op(2, "children", "/", "null", "ok", R"(["a","b"])", 20)).verdict,
            Verdict::linearizable);
  EXPECT_EQ(check_znode(kTree).partitions.size(), 1u);
  // Unrelated depths stay independent: /a and /x/y share no parent in the history.
  EXPECT_EQ(check_znode(kCreateX + op(2, "create", "/x/y", "1", "ok", "null", 6)).partitions.size(), 2u);
}

TEST(ZnodePartitions, ViolationNamesThePathAndTheState) {
  const CheckResult result =
      check_znode(kCreateX + op(2, "create", "/b", "1", "ok", "null", 6) +
                  op(1, "set", "/a", R"("y")", "ok", "null", 12) + op(2, "get", "/a", "null", "ok", R"("x")", 20));
  ASSERT_EQ(result.verdict, Verdict::not_linearizable);
  ASSERT_TRUE(result.counterexample);
  EXPECT_EQ(result.counterexample->key, "/a");
  EXPECT_EQ(result.counterexample->state, R"({/a "y" v1})");
}

TEST(ZnodeModel, ErrorNamesAreMatchedLoosely) {
  for (const char* name : {"NoNode", "NONODE", ":no-node", "NoNodeError", "KeeperException$NoNodeException"}) {
    EXPECT_EQ(verdict_of(op(2, "get", "/a", "null", "fail", "null", 0, error(name))), Verdict::linearizable) << name;
    EXPECT_EQ(verdict_of(kCreateX + op(2, "get", "/a", "null", "fail", "null", 10, error(name))),
              Verdict::not_linearizable)
        << name;
  }
}

TEST(ZnodeModel, ValidationNamesTheProblem) {
  const auto model = make_model("znode");
  const auto problem_of = [&model](const std::string& jsonl) {
    const ParsedHistory parsed = parse_history(jsonl, Format::jsonl);
    EXPECT_FALSE(parsed.error);
    return validate_history(parsed.history, *model).value_or("");
  };
  EXPECT_NE(problem_of(op(1, "write", "/a", "1", "ok", "1", 0)).find("line 1: the znode model has no operation"),
            std::string::npos);
  EXPECT_NE(problem_of(op(1, "create", "/a", "[1,2]", "ok", "null", 0)).find("znode data"), std::string::npos);
  EXPECT_NE(problem_of(op(1, "set", "/a", "1", "ok", "null", 0, version(-2))).find("version"), std::string::npos);
  EXPECT_NE(problem_of(op(1, "children", "/a", "null", "ok", "[1]", 0)).find("list of names"), std::string::npos);
  EXPECT_NE(problem_of(op(1, "get", "/a", "null", "ok", "[1,2,3]", 0)).find("[data, version]"), std::string::npos);
  EXPECT_NE(problem_of(op(1, "exists", "/a", "null", "ok", R"("maybe")", 0)).find("exists"), std::string::npos);
  const ParsedHistory keyless = parse_history(R"({"process":1,"type":"invoke","f":"get","time_ns":0})");
  EXPECT_NE(validate_history(keyless.history, *model).value_or("").find("path"), std::string::npos);
}

TEST(ZnodeParse, VersionIsReadFromJsonlAndEdn) {
  const ParsedHistory jsonl = parse_history(zk(1, "invoke", "set", "/a", "1", 0, version(3)));
  ASSERT_FALSE(jsonl.error);
  EXPECT_EQ(jsonl.history.operations[0].version, 3);
  const ParsedHistory none = parse_history(zk(1, "invoke", "set", "/a", "1", 0));
  EXPECT_EQ(none.history.operations[0].version, -1);
  const ParsedHistory edn = parse_history("{:process 1, :type :invoke, :f :delete, :key \"/a\", :version 2}\n");
  ASSERT_FALSE(edn.error) << edn.error->describe();
  EXPECT_EQ(edn.history.operations[0].version, 2);
}

TEST(ZnodeParse, NonIntegerVersionIsRejectedWithItsLine) {
  const ParsedHistory jsonl =
      parse_history(zk(1, "invoke", "create", "/a", "1", 0) + zk(1, "ok", "create", "/a", "1", 1) +
                    zk(1, "invoke", "set", "/a", "1", 2, R"(,"version":"3")"));
  ASSERT_TRUE(jsonl.error);
  EXPECT_EQ(jsonl.error->line, 3u);
  EXPECT_NE(jsonl.error->describe().find("line 3: field 'version' must be an integer"), std::string::npos)
      << jsonl.error->describe();
  const ParsedHistory edn = parse_history("{:process 1, :type :invoke, :f :set, :key \"/a\", :version :any}\n");
  ASSERT_TRUE(edn.error);
  EXPECT_NE(edn.error->describe().find(":version must be an integer"), std::string::npos) << edn.error->describe();
}

TEST(ZnodeParse, JsonBooleansReadAsEdnDoes) {
  const ParsedHistory parsed = parse_history(op(1, "exists", "/a", "null", "ok", "true", 0));
  ASSERT_FALSE(parsed.error) << parsed.error->describe();
  EXPECT_EQ(parsed.history.operations[0].output, Value::of(std::string("true")));
}

}  // namespace
}  // namespace consim::checkers::lin
