// `consim report DIR` and the reports `consim run --out DIR` renders, on real runs: the files
// written, bad input (exit 2 naming the file, the line and the problem, nothing written), the
// window options, a failed history check's counterexample, and the plots.
#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "reports/run_files.h"
#include "tests/cli/run_cli.h"
#include "tests/reports/report_test_support.h"

namespace consim::cli {
namespace {

namespace fs = std::filesystem;
using reports::test_support::count;
using reports::test_support::fresh_dir;
using reports::test_support::slurp;
using reports::test_support::write_text;

using reports::test_support::kScenarios;

// Runs `scenario` into a fresh directory named `name`, without reports; the run's expectation holds.
fs::path run_into(const std::string& scenario, const std::string& name) {
  const fs::path dir = fresh_dir(name);
  const Outcome run = run_cli({"run", kScenarios + scenario, "--out", dir.string(), "--no-report"});
  EXPECT_EQ(run.code, 0) << run.out << run.err;
  return dir;
}

TEST(ReportCommand, RendersThePageAndTheDiagramIntoTheRunDirectory) {
  const fs::path dir = run_into("raft/leader-crash.json", "command-leader-crash");
  EXPECT_FALSE(fs::exists(dir / "report.html"));  // --no-report
  const Outcome report = run_cli({"report", dir.string(), "--no-plots"});
  ASSERT_EQ(report.code, 0) << report.out << report.err;
  EXPECT_TRUE(report.err.empty()) << report.err;  // dot said nothing
  EXPECT_NE(report.out.find("wrote sequence.dot, sequence.svg, report.html to " + dir.string()), std::string::npos)
      << report.out;
  for (const char* file : {"report.html", "sequence.dot", "sequence.svg"}) {
    EXPECT_TRUE(fs::exists(dir / file)) << file;
    EXPECT_FALSE(fs::exists(dir / (std::string(file) + ".tmp"))) << file;
  }
  const std::string html = slurp(dir / "report.html");
  EXPECT_NE(html.find("<h1>raft-leader-crash <span class=\"badge pass\">pass</span></h1>"), std::string::npos);
  EXPECT_NE(html.find("<a href=\"sequence.svg\">"), std::string::npos);
  // The timeline holds every operation of the history and shows the crash of n3.
  const nlohmann::json summary = nlohmann::json::parse(slurp(dir / "summary.json"));
  EXPECT_EQ(count(html, "<rect class=\"op "), summary["metrics"]["operations"]["invoked"].get<size_t>());
  EXPECT_NE(html.find("<rect class=\"shade crash\""), std::string::npos);
  EXPECT_NE(html.find(">n3 crashed</button>"), std::string::npos);
  // The diagram draws the crash and the election that follows it.
  const std::string dot = slurp(dir / "sequence.dot");
  EXPECT_NE(dot.find("around the first fault: n3 crashed at 3000.000 ms"), std::string::npos);
  EXPECT_NE(dot.find("label=\"crash\""), std::string::npos);
  EXPECT_NE(dot.find("lost: host down"), std::string::npos);
  EXPECT_NE(dot.find("label=\"leader t2\""), std::string::npos);
  EXPECT_NE(dot.find("label=\"RequestVote\""), std::string::npos);
}

TEST(ReportCommand, WindowOptionsChooseWhatTheDiagramShows) {
  const fs::path dir = run_into("zab/leader-crash.json", "command-window");
  const Outcome report =
      run_cli({"report", dir.string(), "--no-plots", "--from-ms", "3150", "--to-ms", "3260", "--max-messages", "1000"});
  ASSERT_EQ(report.code, 0) << report.out << report.err;
  const std::string dot = slurp(dir / "sequence.dot");
  EXPECT_NE(dot.find("sent 3150.000 to 3260.000 ms\\lwindow: as asked"), std::string::npos) << dot.substr(0, 600);
  EXPECT_NE(dot.find("label=\"NewLeader\""), std::string::npos);  // synchronization with the new leader
  EXPECT_NE(dot.find("leading e1\\ndiscovery"), std::string::npos);
  EXPECT_EQ(dot.find("shortened"), std::string::npos);
}

TEST(ReportCommand, BadWindowIsAUsageError) {
  const Outcome backwards = run_cli({"report", "/nonexistent", "--from-ms", "20", "--to-ms", "10"});
  EXPECT_EQ(backwards.code, 2);
  EXPECT_NE(backwards.err.find("--to-ms (10) must be after --from-ms (20)"), std::string::npos) << backwards.err;
  EXPECT_EQ(run_cli({"report", "/nonexistent", "--from-ms", "-5"}).code, 2);
  EXPECT_EQ(run_cli({"report"}).code, 2);
}

TEST(ReportCommand, BadInputExitsTwoNamingTheFileAndTheLine) {
  const fs::path dir = run_into("classic/zk-4643-write-epoch-before-persist.json", "command-bad-input");
  // A run directory that is not one.
  const Outcome missing_dir = run_cli({"report", (dir / "nope").string()});
  EXPECT_EQ(missing_dir.code, 2);
  EXPECT_NE(missing_dir.err.find("consim report: " + (dir / "nope").string() + ": no such directory"),
            std::string::npos)
      << missing_dir.err;
  // A malformed line in the middle of the trace.
  std::string trace = slurp(dir / "trace.jsonl");
  const size_t third_line = trace.find('\n', trace.find('\n') + 1) + 1;
  trace.insert(third_line, "{\"t\": 1, \"kind\": \n");
  write_text(dir / "trace.jsonl", trace);
  const Outcome malformed = run_cli({"report", dir.string(), "--no-plots"});
  EXPECT_EQ(malformed.code, 2);
  EXPECT_NE(malformed.err.find("consim report: " + (dir / "trace.jsonl").string() + ":3: not valid JSON"),
            std::string::npos)
      << malformed.err;
  EXPECT_FALSE(fs::exists(dir / "report.html"));
  EXPECT_FALSE(fs::exists(dir / "sequence.dot"));
  // A missing history (with the trace mended).
  fs::remove(dir / "history.jsonl");
  trace.erase(third_line, std::string("{\"t\": 1, \"kind\": \n").size());
  write_text(dir / "trace.jsonl", trace);
  const Outcome history_missing = run_cli({"report", dir.string(), "--no-plots"});
  EXPECT_EQ(history_missing.code, 2);
  EXPECT_NE(history_missing.err.find((dir / "history.jsonl").string() + ": cannot read"), std::string::npos)
      << history_missing.err;
  // A summary without its servers.
  write_text(dir / "summary.json", "{\"verdict\": \"pass\", \"checks\": {}}\n");
  const Outcome summary = run_cli({"report", dir.string(), "--no-plots"});
  EXPECT_EQ(summary.code, 2);
  EXPECT_NE(summary.err.find((dir / "summary.json").string() + ": \"nodes\" must be an integer"), std::string::npos)
      << summary.err;
  EXPECT_FALSE(fs::exists(dir / "report.html"));
}

TEST(ReportCommand, FailedLinearizabilityShowsTheCounterexample) {
  const fs::path dir = run_into("classic/raft-stale-lease-read.json", "command-stale-read");
  const Outcome report = run_cli({"report", dir.string(), "--no-plots"});
  ASSERT_EQ(report.code, 0) << report.out << report.err;
  EXPECT_NE(report.out.find("linearizability.html"), std::string::npos) << report.out;
  // The operation summary.json names is the one outlined on the timeline.
  const nlohmann::json summary = nlohmann::json::parse(slurp(dir / "summary.json"));
  const std::string detail = summary["checks"]["linearizability"]["detail"];
  const size_t line_at = detail.find(", line ");
  ASSERT_NE(line_at, std::string::npos) << detail;
  const std::string line = detail.substr(line_at + 7, detail.find(' ', line_at + 7) - line_at - 7);
  const std::string html = slurp(dir / "report.html");
  EXPECT_EQ(count(html, "cx-block\""), 1u);
  const size_t block = html.find("cx-block\"");
  EXPECT_NE(html.substr(block, 300).find("data-line=\"" + line + "\""), std::string::npos) << html.substr(block, 300);
  EXPECT_NE(html.find("<div class=\"cx\" id=\"counterexample-linearizability\">"), std::string::npos);
  EXPECT_NE(html.find("The longest linearizable prefix has "), std::string::npos);
  EXPECT_EQ(count(html, " cx-prefix\""), 12u);
  EXPECT_NE(html.find("<a href=\"linearizability.html\">"), std::string::npos);
  // The checker's own page, reused as it is.
  const std::string checker_page = slurp(dir / "linearizability.html");
  EXPECT_NE(checker_page.find("not linearizable"), std::string::npos);
}

TEST(ReportCommand, FailedInvariantGetsADiagramEndingAtTheViolation) {
  const fs::path dir = run_into("classic/raft-figure-8-bug.json", "command-figure-8");
  const Outcome report = run_cli({"report", dir.string(), "--no-plots"});
  ASSERT_EQ(report.code, 0) << report.out << report.err;
  EXPECT_TRUE(fs::exists(dir / "sequence-violation.svg"));
  const std::string dot = slurp(dir / "sequence-violation.dot");
  EXPECT_NE(dot.find("the messages before the invariant violation at 2638.447 ms"), std::string::npos);
  EXPECT_NE(dot.find("invariant violated: seed=11"), std::string::npos);
  EXPECT_NE(dot.find("label=\"candidate t4\""), std::string::npos);
  const std::string html = slurp(dir / "report.html");
  EXPECT_NE(html.find("<a href=\"sequence-violation.svg\">"), std::string::npos);
  EXPECT_NE(html.find("<line class=\"violation\""), std::string::npos);
}

TEST(ReportCommand, RunOutRendersTheReportsUnlessAskedNotTo) {
  const fs::path dir = fresh_dir("command-run-out");
  const std::string scenario = kScenarios + "zab/zk-4646-ack-newleader-before-persist.json";
  // With --json, stdout is summary.json alone: the list of files written is left out.
  const Outcome run = run_cli({"run", scenario, "--out", dir.string(), "--json"});
  EXPECT_EQ(run.code, 0) << run.out << run.err;
  EXPECT_TRUE(nlohmann::json::accept(run.out)) << run.out;
  EXPECT_TRUE(fs::exists(dir / "report.html"));
  EXPECT_TRUE(fs::exists(dir / "sequence.svg"));
  // reports/plot_run.py draws the plots when Python has matplotlib; otherwise the page says why not.
  const std::string html = slurp(dir / "report.html");
  if (fs::exists(fs::path(CONSIM_SOURCE_DIR) / "reports" / "plot_run.py") && fs::exists("/usr/bin/python3") &&
      std::system("/usr/bin/python3 -c 'import matplotlib' 2>/dev/null") == 0) {
    EXPECT_TRUE(fs::exists(dir / "latency.svg"));
    EXPECT_TRUE(fs::exists(dir / "throughput.svg"));
    EXPECT_NE(html.find("<img class=\"plot\" src=\"latency.svg\""), std::string::npos);
  } else {
    EXPECT_NE(html.find("<li class=\"note\">plots: "), std::string::npos);
  }
  const fs::path skipped = fresh_dir("command-run-no-report");
  const Outcome plain = run_cli({"run", scenario, "--out", skipped.string(), "--no-report"});
  EXPECT_EQ(plain.code, 0) << plain.err;
  EXPECT_EQ(plain.out.find("report.html"), std::string::npos) << plain.out;
  EXPECT_TRUE(fs::exists(skipped / "summary.json"));
  EXPECT_FALSE(fs::exists(skipped / "report.html"));
  EXPECT_FALSE(fs::exists(skipped / "sequence.dot"));
}

}  // namespace
}  // namespace consim::cli
