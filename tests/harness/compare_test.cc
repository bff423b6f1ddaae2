// `consim compare` (harness/compare.h): both protocols run the same workload and faults; every
// figure of compare.json is what the run's own files say, compare.md shows the same numbers, a
// leader crash gives failover phases and a restarted follower its recovery cost, and the
// comparison is a pure function of the scenario and the seeds.
#include "harness/compare.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "harness/run_figures.h"

namespace consim::harness {
namespace {

using Json = nlohmann::json;
namespace fs = std::filesystem;

Selector leader() { return Selector{Selector::Kind::kLeader, 0}; }

// Three servers, a leader crash, its restart as a follower.
Scenario crash_scenario() {
  Scenario scenario;
  scenario.file = "test";
  scenario.name = "compare-test";
  scenario.nodes = 3;
  scenario.duration_ms = 3000;
  scenario.workload.clients = 3;
  scenario.workload.keys = 2;
  scenario.workload.timeout_ms = 300;
  scenario.faults = {Fault{800, CrashFault{leader()}}, Fault{1800, RestartFault{Selector{Selector::Kind::kAll, 0}}}};
  return scenario;
}

Json read_json(const fs::path& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  return Json::parse(in);
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::path(testing::TempDir()) / name;
  fs::remove_all(dir);
  return dir;
}

TEST(Compare, FiguresComeFromTheRunsFilesAndTheTableShowsThem) {
  CompareOptions options;
  options.seeds = {1, 2};
  options.out_dir = fresh_dir("compare-figures").string();
  options.version = "test";
  std::string error;
  const std::optional<CompareOutcome> outcome = run_compare(crash_scenario(), options, &error);
  ASSERT_TRUE(outcome.has_value()) << error;
  EXPECT_EQ(outcome->runs, 2u * 2 + 6u * 2);  // both protocols, then every read mode (4 Raft, 2 ZAB)
  const Json compare = read_json(fs::path(options.out_dir) / "compare.json");
  EXPECT_EQ(read_text(fs::path(options.out_dir) / "compare.md"), outcome->markdown);
  ASSERT_EQ(compare["figures"].size(), figure_catalogue().size());

  for (const char* protocol : {"raft", "zab"}) {
    SCOPED_TRACE(protocol);
    const Json& mine = compare["protocols"][protocol];
    ASSERT_EQ(mine["runs"].size(), 2u);
    double throughput_sum = 0;
    for (const Json& run : mine["runs"]) {
      const fs::path dir = fs::path(options.out_dir) / run["dir"].get<std::string>();
      const Json summary = read_json(dir / "summary.json");
      const Json& metrics = summary["metrics"];
      const Json& figures = run["figures"];
      EXPECT_EQ(summary["protocol"], protocol);
      EXPECT_EQ(run["verdict"], summary["verdict"]);
      EXPECT_EQ(figures["throughput_ops_per_s"].get<double>(), metrics["throughput_ops_per_s"].get<double>());
      EXPECT_EQ(figures["messages_per_write"].get<double>(), metrics["messages_per_committed_op"].get<double>());
      EXPECT_EQ(figures["bytes_per_write"].get<double>(), metrics["bytes_per_committed_op"].get<double>());
      EXPECT_EQ(figures["fsyncs_per_write"].get<double>(),
                metrics["fsyncs"].get<double>() / metrics["committed_ops"].get<double>());
      EXPECT_EQ(figures["elections"].get<double>(), metrics["elections"].get<double>());
      EXPECT_EQ(figures["stale_reads"].get<double>(), metrics["stale_reads"].get<double>());
      // The leader crashed: every phase of the failover was seen, in order, and the restarted
      // old leader was brought up to date as a follower.
      for (const char* id : {"failover_ms", "failover_detection_ms", "failover_election_ms", "failover_sync_ms",
                             "recovery_ms", "recovery_bytes", "commit_latency_p50_ms"}) {
        ASSERT_TRUE(figures[id].is_number()) << id << " in " << run.dump();
      }
      EXPECT_GE(figures["failover_ms"].get<double>(),
                figures["failover_detection_ms"].get<double>() + figures["failover_election_ms"].get<double>());
      EXPECT_GT(figures["recovery_bytes"].get<double>(), 0);
      EXPECT_FALSE(run["recovery_mode"].get<std::string>().empty());
      // And the same figures again from the files, directly.
      std::string read_error;
      const std::optional<RunFigures> again = figures_from_files(dir.string(), &read_error);
      ASSERT_TRUE(again.has_value()) << read_error;
      EXPECT_EQ(again->values.at("failover_ms"), figures["failover_ms"].get<double>());
      throughput_sum += metrics["throughput_ops_per_s"].get<double>();
    }
    const Json& spread = mine["figures"]["throughput_ops_per_s"];
    EXPECT_EQ(spread["n"], 2);
    EXPECT_DOUBLE_EQ(spread["mean"].get<double>(), throughput_sum / 2);
    EXPECT_LE(spread["min"].get<double>(), spread["max"].get<double>());
    // compare.md shows the mean (and the range) of the summaries' throughput.
    std::string cell = format_figure(spread["mean"].get<double>());
    if (spread["min"] != spread["max"]) {
      cell +=
          " (" + format_figure(spread["min"].get<double>()) + "–" + format_figure(spread["max"].get<double>()) + ")";
    }
    EXPECT_NE(outcome->markdown.find(cell), std::string::npos) << cell << "\n" << outcome->markdown;
  }
  // ZAB's messages per write carry one COMMIT more per follower, Raft's heartbeats more than pings:
  // what matters here is that the two differ, i.e. the runs were really of two protocols.
  EXPECT_NE(compare["protocols"]["raft"]["figures"]["messages_per_write"]["mean"],
            compare["protocols"]["zab"]["figures"]["messages_per_write"]["mean"]);

  ASSERT_EQ(compare["read_modes"].size(), 6u);
  for (const Json& mode : compare["read_modes"]) {
    EXPECT_EQ(mode["runs"], 2);
    EXPECT_LE(mode["linearizable_runs"].get<int>(), 2);
    const std::string name = mode["protocol"].get<std::string>() + "-" + mode["read_mode"].get<std::string>();
    EXPECT_TRUE(fs::exists(fs::path(options.out_dir) / "read-modes" / (name + "-seed-1.json"))) << name;
    if (name == "raft-read_index" || name == "zab-sync") {  // linearizable by promise
      EXPECT_EQ(mode["linearizable_runs"], 2) << name;
      EXPECT_EQ(mode["stale_reads"]["max"], 0) << name;
    }
  }
}

TEST(Compare, TheSameScenarioAndSeedsGiveTheSameComparison) {
  CompareOptions options;
  options.seeds = {3};
  options.read_modes = false;
  std::string error;
  options.out_dir = fresh_dir("compare-first").string();
  const std::optional<CompareOutcome> first = run_compare(crash_scenario(), options, &error);
  options.out_dir = fresh_dir("compare-second").string();
  const std::optional<CompareOutcome> second = run_compare(crash_scenario(), options, &error);
  ASSERT_TRUE(first.has_value() && second.has_value()) << error;
  EXPECT_EQ(first->json, second->json);
  EXPECT_EQ(first->markdown, second->markdown);
  EXPECT_EQ(read_json(fs::path(options.out_dir) / "compare.json")["read_modes"].size(), 0u);
}

TEST(Compare, WhatOneProtocolCannotRunIsLeftOutAndSaid) {
  Scenario scenario = crash_scenario();
  scenario.nodes = 5;
  scenario.raft.voters = 3;
  scenario.bugs = {"raft.vote_before_persist"};
  scenario.faults.push_back(
      Fault{900, MembershipFault{MembershipFault::Change::kAdd, Selector{Selector::Kind::kNode, 4}}});
  scenario.faults.push_back(Fault{950, CrashPointFault{leader(), "advance", "raft.vote", std::nullopt, 5}});
  scenario.faults.push_back(Fault{960, CrashPointFault{leader(), "sync", "", std::nullopt, 5}});
  scenario.expect = Expectation{"fail", "invariants", ""};
  std::vector<std::string> notes;
  const Scenario raft = scenario_for(scenario, "raft", &notes);
  EXPECT_TRUE(notes.empty());
  EXPECT_EQ(raft.faults.size(), 5u);
  EXPECT_EQ(raft.bugs, scenario.bugs);
  EXPECT_EQ(raft.expect.verdict, "pass");  // compare judges nothing
  const Scenario zab = scenario_for(scenario, "zab", &notes);
  EXPECT_EQ(zab.protocol, "zab");
  EXPECT_TRUE(zab.bugs.empty());
  ASSERT_EQ(zab.faults.size(), 3u);  // the crash, the restart, the crash point that waits for nothing
  EXPECT_TRUE(std::holds_alternative<CrashPointFault>(zab.faults.back().action));
  ASSERT_EQ(notes.size(), 3u);
  EXPECT_NE(notes[0].find("raft.vote_before_persist"), std::string::npos);
  EXPECT_NE(notes[1].find("membership change at 900 ms runs on Raft only"), std::string::npos);
  EXPECT_NE(notes[2].find("waits for raft.vote"), std::string::npos);
}

TEST(RunFigures, MissingAndMalformedFilesAreNamed) {
  const fs::path dir = fresh_dir("figures-bad");
  fs::create_directories(dir);
  std::string error;
  EXPECT_FALSE(figures_from_files(dir.string(), &error).has_value());
  EXPECT_NE(error.find("summary.json: cannot open"), std::string::npos) << error;
  std::ofstream(dir / "summary.json") << R"({"verdict": "pass", "nodes": 3, "metrics": {}})";
  std::ofstream(dir / "history.jsonl") << "{\"process\": 1, \"type\": \"invoke\", \"f\": \"write\", \"time_ns\": 5}\n";
  std::ofstream(dir / "trace.jsonl") << "{\"t\": 0, \"kind\": \"raft.state\"}\nnot json\n";
  EXPECT_FALSE(figures_from_files(dir.string(), &error).has_value());
  EXPECT_NE(error.find("trace.jsonl: line 2: not a JSON object"), std::string::npos) << error;
}

TEST(Compare, FormatsFiguresWithoutExponents) {
  EXPECT_EQ(format_figure(12345.6), "12346");
  EXPECT_EQ(format_figure(123.4), "123");
  EXPECT_EQ(format_figure(12.34), "12.3");
  EXPECT_EQ(format_figure(1.234), "1.23");
  EXPECT_EQ(format_figure(0.01234), "0.0123");
  EXPECT_EQ(format_figure(0), "0.00");
}

}  // namespace
}  // namespace consim::harness
