// `consim compare` as a user runs it: it writes compare.md, compare.json and the runs' files for
// both protocols, the table on stdout is compare.md, and bad input exits 2 naming the problem.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "tests/cli/run_cli.h"

namespace consim::cli {
namespace {

namespace fs = std::filesystem;

fs::path temp_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("consim-compare-test-" + name);
  fs::remove_all(dir);
  return dir;
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(CompareCommand, WritesTheTableTheFiguresAndEveryRun) {
  const fs::path out = temp_dir("zab-leader-crash");
  const Outcome outcome =
      run_cli({"compare", std::string(CONSIM_SOURCE_DIR) + "/scenarios/zab/leader-crash.json", "--seeds", "5..6",
               "--no-read-modes", "--no-report", "--quiet", "--out", out.string()});
  ASSERT_EQ(outcome.code, 0) << outcome.err;
  const std::string markdown = slurp(out / "compare.md");
  EXPECT_NE(outcome.out.find(markdown), std::string::npos);
  EXPECT_NE(markdown.find("# Raft vs ZAB: zab-leader-crash"), std::string::npos) << markdown;
  EXPECT_NE(markdown.find("| Leader failure to first committed write | ms |"), std::string::npos) << markdown;
  const nlohmann::json compare = nlohmann::json::parse(slurp(out / "compare.json"));
  EXPECT_EQ(compare["seeds"], nlohmann::json::array({5, 6}));
  for (const char* protocol : {"raft", "zab"}) {
    for (const char* seed : {"seed-5", "seed-6"}) {
      for (const char* file : {"summary.json", "trace.jsonl", "history.jsonl"}) {
        EXPECT_TRUE(fs::exists(out / protocol / seed / file)) << protocol << "/" << seed << "/" << file;
      }
    }
  }
}

// By default every run gets its report (as `consim report` renders it) and the comparison gets
// its charts.
TEST(CompareCommand, RendersEachRunsReportAndTheComparisonCharts) {
  const fs::path out = temp_dir("reports");
  const Outcome outcome = run_cli({"compare", std::string(CONSIM_SOURCE_DIR) + "/scenarios/raft/leader-crash.json",
                                   "--seeds", "2", "--no-read-modes", "--quiet", "--out", out.string()});
  ASSERT_EQ(outcome.code, 0) << outcome.err;
  for (const char* protocol : {"raft", "zab"}) {
    for (const char* file : {"report.html", "sequence.svg", "latency.svg", "throughput.svg"}) {
      EXPECT_TRUE(fs::exists(out / protocol / "seed-2" / file)) << protocol << "/" << file << "\n" << outcome.out;
    }
  }
  for (const char* chart : {"compare-latency.svg", "compare-failover.svg", "compare-latency.png"}) {
    EXPECT_TRUE(fs::exists(out / chart)) << chart << "\n" << outcome.out << outcome.err;
  }
}

TEST(CompareCommand, BadInputExitsTwoNamingTheProblem) {
  const Outcome seeds = run_cli({"compare", std::string(CONSIM_SOURCE_DIR) + "/scenarios/raft/healthy.json", "--seeds",
                                 "5..2", "--out", temp_dir("bad-seeds").string()});
  EXPECT_EQ(seeds.code, 2);
  EXPECT_NE(seeds.err.find("--seeds: expected A..B with A <= B"), std::string::npos) << seeds.err;
  const Outcome missing = run_cli({"compare", "no/such/scenario.json", "--out", temp_dir("missing").string()});
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("no/such/scenario.json: cannot open"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace consim::cli
