// `consim run` as a user runs it: exit codes, files written by --out, byte-identical summaries
// for the same scenario and seed, the narrated timeline, and bad input.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/cli/run_cli.h"

namespace consim::cli {
namespace {

namespace fs = std::filesystem;

const std::string kScenarios = std::string(CONSIM_SOURCE_DIR) + "/scenarios";
const std::string kHealthy = kScenarios + "/raft/healthy.json";

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

fs::path temp_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("consim-run-test-" + name);
  fs::remove_all(dir);
  return dir;
}

fs::path write_file(const std::string& name, const std::string& text) {
  const fs::path path = fs::temp_directory_path() / ("consim-run-test-" + name + ".json");
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

TEST(RunCommand, HealthyScenarioPassesAndWritesItsFiles) {
  const fs::path out = temp_dir("healthy");
  const Outcome outcome = run_cli({"run", kHealthy, "--out", out.string()});
  EXPECT_EQ(outcome.code, 0) << outcome.out << outcome.err;
  EXPECT_NE(outcome.out.find("expectation held"), std::string::npos) << outcome.out;
  for (const char* file : {"summary.json", "trace.jsonl", "history.jsonl", "report.html", "sequence.svg"}) {
    EXPECT_TRUE(fs::exists(out / file)) << file;  // the reports are rendered by default
  }
  EXPECT_FALSE(fs::exists(out / "summary.json.partial"));
  const nlohmann::json summary = nlohmann::json::parse(slurp(out / "summary.json"));
  EXPECT_EQ(summary["scenario"], "raft-healthy");
  EXPECT_EQ(summary["verdict"], "pass");
  EXPECT_EQ(summary["checks"]["linearizability"]["status"], "pass");
  EXPECT_EQ(summary["trace_digest"].get<std::string>().size(), 16u);
  EXPECT_GT(summary["metrics"]["committed_ops"].get<int>(), 0);
  // The history is what `consim check` reads, and it is linearizable.
  const Outcome check = run_cli({"check", (out / "history.jsonl").string(), "--model", "kv"});
  EXPECT_EQ(check.code, 0) << check.out << check.err;
}

TEST(RunCommand, ZabScenarioPassesAndItsSummarySaysZab) {
  const fs::path out = temp_dir("zab-healthy");
  const Outcome outcome = run_cli({"run", kScenarios + "/zab/healthy.json", "--out", out.string()});
  EXPECT_EQ(outcome.code, 0) << outcome.out << outcome.err;
  const nlohmann::json summary = nlohmann::json::parse(slurp(out / "summary.json"));
  EXPECT_EQ(summary["scenario"], "zab-healthy");
  EXPECT_EQ(summary["protocol"], "zab");
  EXPECT_EQ(summary["read_mode"], "sync");
  EXPECT_EQ(summary["verdict"], "pass");
  EXPECT_EQ(summary["metrics"]["leader_changes"], 1);
  EXPECT_GT(summary["metrics"]["committed_ops"].get<int>(), 0);
  // The trace carries the protocol's own records.
  EXPECT_NE(slurp(out / "trace.jsonl").find("\"kind\":\"zab.established\""), std::string::npos);
}

TEST(RunCommand, SameSeedGivesByteIdenticalSummaryTwice) {
  const fs::path a = temp_dir("twice-a");
  const fs::path b = temp_dir("twice-b");
  const std::string scenario = kScenarios + "/raft/leader-crash.json";
  // The reports' own determinism is tested in tests/reports; here the run's files alone.
  ASSERT_EQ(run_cli({"run", scenario, "--out", a.string(), "--no-report"}).code, 0);
  ASSERT_EQ(run_cli({"run", scenario, "--out", b.string(), "--no-report"}).code, 0);
  EXPECT_EQ(slurp(a / "summary.json"), slurp(b / "summary.json"));
  EXPECT_EQ(slurp(a / "trace.jsonl"), slurp(b / "trace.jsonl"));
  EXPECT_EQ(slurp(a / "history.jsonl"), slurp(b / "history.jsonl"));
  const fs::path c = temp_dir("twice-c");
  ASSERT_EQ(run_cli({"run", scenario, "--seed", "99", "--out", c.string(), "--no-report"}).code, 0);
  const nlohmann::json first = nlohmann::json::parse(slurp(a / "summary.json"));
  const nlohmann::json other = nlohmann::json::parse(slurp(c / "summary.json"));
  EXPECT_EQ(other["seed"], 99);
  EXPECT_NE(first["trace_digest"], other["trace_digest"]);
}

TEST(RunCommand, TeachingScenarioThatMustFailExitsZeroWhenItDoes) {
  const Outcome outcome = run_cli({"run", kScenarios + "/classic/raft-stale-lease-read.json"});
  EXPECT_EQ(outcome.code, 0) << outcome.out << outcome.err;
  EXPECT_NE(outcome.out.find("linearizability: fail"), std::string::npos) << outcome.out;
}

TEST(RunCommand, UnmetExpectationExitsOne) {
  std::string text = slurp(kHealthy);
  const std::string pass = "\"expect\": {\"verdict\": \"pass\"}";
  ASSERT_NE(text.find(pass), std::string::npos);
  text.replace(text.find(pass), pass.size(), "\"expect\": {\"verdict\": \"fail\"}");
  const Outcome outcome = run_cli({"run", write_file("unmet", text).string()});
  EXPECT_EQ(outcome.code, 1) << outcome.out << outcome.err;
  EXPECT_NE(outcome.out.find("EXPECTATION FAILED"), std::string::npos) << outcome.out;
}

TEST(RunCommand, ExplainNarratesTheRun) {
  const Outcome outcome = run_cli({"run", kScenarios + "/raft/leader-crash.json", "--explain"});
  EXPECT_EQ(outcome.code, 0);
  EXPECT_NE(outcome.out.find("became leader of term"), std::string::npos) << outcome.out;
  EXPECT_NE(outcome.out.find("fault: crash"), std::string::npos) << outcome.out;
}

TEST(RunCommand, TimingsThatCannotSettleAreWarnedAboutButRun) {
  // Valid, but a cluster whose disk takes half an election timeout to sync looks broken.
  const std::string slow_disk = R"({"name": "slow", "protocol": "raft", "duration_ms": 2000,
    "protocol_config": {"election_ticks": 20, "heartbeat_ticks": 2},
    "disk": {"sync_ms_min": 90, "sync_ms_max": 120}, "checks": []})";
  const Outcome slow = run_cli({"run", write_file("slow-disk", slow_disk).string()});
  EXPECT_EQ(slow.code, 0) << slow.out << slow.err;
  EXPECT_NE(slow.err.find("warning: "), std::string::npos) << slow.err;
  EXPECT_NE(slow.err.find("disk.sync_ms_max: 120 ms is at least half the election timeout (200 ms"), std::string::npos)
      << slow.err;
  EXPECT_EQ(slow.err.find("network.latency_ms_max"), std::string::npos) << slow.err;

  const std::string slow_links = R"({"name": "slow", "protocol": "raft", "duration_ms": 2000,
    "network": {"latency_ms_max": 60}, "faults": [{"at_ms": 500, "disk": {"node": "n1", "sync_ms": 49}}],
    "checks": []})";
  const Outcome links = run_cli({"run", write_file("slow-links", slow_links).string()});
  EXPECT_EQ(links.code, 0) << links.out << links.err;
  EXPECT_NE(links.err.find("network.latency_ms_max: 60 ms is at least half the election timeout (100 ms"),
            std::string::npos)
      << links.err;
  EXPECT_EQ(links.err.find("faults[0]"), std::string::npos) << "49 ms is under half of 100 ms: " << links.err;

  for (const char* scenario : {"/raft/healthy.json", "/raft/slow-disks.json", "/zab/healthy.json"}) {
    const Outcome quiet = run_cli({"run", kScenarios + scenario});
    EXPECT_EQ(quiet.err.find("warning"), std::string::npos) << scenario << ": " << quiet.err;
  }
}

TEST(RunCommand, JsonPrintsTheSummary) {
  const Outcome outcome = run_cli({"run", kHealthy, "--json"});
  EXPECT_EQ(outcome.code, 0);
  EXPECT_EQ(nlohmann::json::parse(outcome.out)["verdict"], "pass");
}

TEST(RunCommand, BadScenariosExitTwoNamingTheField) {
  const struct {
    const char* name;
    const char* text;
    const char* expected;
  } cases[] = {
      {"syntax", "{\"name\": ", "JSON"},
      {"unknown-field", R"({"name": "x", "nodez": 3})", "nodez"},
      {"bad-node", R"({"name": "x", "nodes": 3, "faults": [{"at_ms": 1, "crash": "n7"}]})", "faults[0].crash"},
      {"bad-type", R"({"name": "x", "workload": {"clients": "three"}})", "workload.clients"},
      {"bad-bug", R"({"name": "x", "bugs": ["raft.no_such_bug"]})", "bugs[0]"},
      {"zab-config", R"({"name": "x", "protocol": "zab", "protocol_config": {"sync_limit_tick": 9}})",
       "protocol_config.sync_limit_tick: unknown field, did you mean \"sync_limit_ticks\"?"},
      {"zab-raft-bug", R"({"name": "x", "protocol": "zab", "bugs": ["raft.vote_before_persist"]})",
       "bugs[0]: bug switch \"raft.vote_before_persist\" belongs to protocol raft"},
  };
  for (const auto& c : cases) {
    const fs::path path = write_file(std::string("bad-") + c.name, c.text);
    const Outcome outcome = run_cli({"run", path.string()});
    EXPECT_EQ(outcome.code, 2) << c.name;
    EXPECT_NE(outcome.err.find(path.string()), std::string::npos) << c.name << ": " << outcome.err;
    EXPECT_NE(outcome.err.find(c.expected), std::string::npos) << c.name << ": " << outcome.err;
  }
  const Outcome missing = run_cli({"run", "/nonexistent/scenario.json"});
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("/nonexistent/scenario.json"), std::string::npos) << missing.err;
}

TEST(RunCommand, ListScenariosAndFaults) {
  const Outcome scenarios = run_cli({"list", "scenarios"});
  EXPECT_EQ(scenarios.code, 0) << scenarios.err;
  EXPECT_NE(scenarios.out.find("healthy.json"), std::string::npos) << scenarios.out;
  EXPECT_EQ(scenarios.out.find("(invalid"), std::string::npos) << scenarios.out;
  EXPECT_NE(scenarios.out.find("zab/healthy.json  [zab/kv, expect pass]"), std::string::npos) << scenarios.out;
  EXPECT_NE(scenarios.out.find("classic/zk-local-read-stale.json  [zab/kv, expect fail]"), std::string::npos)
      << scenarios.out;
  const Outcome faults = run_cli({"list", "faults"});
  EXPECT_EQ(faults.code, 0);
  EXPECT_NE(faults.out.find("partition"), std::string::npos);
  EXPECT_NE(faults.out.find("majority_ring"), std::string::npos);
}

}  // namespace
}  // namespace consim::cli
