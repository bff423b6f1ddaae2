// report.html on a hand-written run: the elements it must hold, the counterexample marks, escaping,
// nothing loaded from elsewhere, and the same bytes for the same files.
#include "reports/html_report.h"

#include <gtest/gtest.h>

#include "reports/render.h"
#include "tests/reports/report_test_support.h"

namespace consim::reports {
namespace {

namespace fs = std::filesystem;

using test_support::count;
using test_support::kTinyHistory;
using test_support::kTinySummary;
using test_support::kTinyTrace;
using test_support::slurp;
using test_support::write_run;

using test_support::read;

std::string page_of(const RunFiles& files, const HtmlReportOptions& options = {}) {
  return report_html(files, build_timeline(files), options);
}

std::string failing_summary() {
  std::string summary = kTinySummary;
  const std::string passing = R"("linearizability": {"status": "pass", "detail": "3 operations, linearizable"})";
  summary.replace(summary.find(passing), passing.size(),
                  R"("linearizability": {"status": "fail", "detail": "3 operations, not linearizable: key k1, )"
                  R"x(line 2 cannot be placed after any linearizable prefix (state 1)"})x");
  summary.replace(summary.find("\"verdict\": \"pass\""), 17, "\"verdict\": \"fail\"");
  return summary;
}

TEST(HtmlReport, HasTheVerdictEveryCheckAndTheMetrics) {
  const std::string html = page_of(read(write_run("html-checks")));
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("<h1>tiny <span class=\"badge pass\">pass</span></h1>"), std::string::npos);
  EXPECT_NE(html.find("Three servers elect n1."), std::string::npos);
  for (const char* check : {"invariants", "linearizability", "liveness"}) {
    EXPECT_NE(html.find(std::string("<tr class=\"check-") + check + "\"><td>" + check +
                        "</td><td><span class=\"badge pass\">pass</span></td>"),
              std::string::npos)
        << check;
  }
  EXPECT_NE(html.find("<span>operations.invoked</span><b>3</b>"), std::string::npos);
  EXPECT_NE(html.find("0123456789abcdef"), std::string::npos);
  EXPECT_NE(html.find("the expectation held"), std::string::npos);
}

TEST(HtmlReport, TimelineHasStatesFaultsCommitsAndEveryOperation) {
  const RunFiles files = read(write_run("html-timeline"));
  const std::string html = page_of(files);
  EXPECT_EQ(count(html, "<svg id=\"timeline\""), 1u);
  for (const char* lane : {">n1</text>", ">n2</text>", ">n3</text>", ">commit index</text>", ">clients</text>"}) {
    EXPECT_NE(html.find(lane), std::string::npos) << lane;
  }
  // n1: follower, candidate, leader; n2: follower; n3: follower, down, follower.
  EXPECT_EQ(count(html, "<rect class=\"st s-"), 7u);
  EXPECT_EQ(count(html, "<rect class=\"st s-leader\""), 1u);
  EXPECT_EQ(count(html, "<rect class=\"st s-down\""), 1u);
  EXPECT_NE(html.find("<title>n1: leader, term 1, leader n1, 105.000 to 500.000 ms</title>"), std::string::npos);
  // Fault periods shaded across the timeline, and the heal as an instant.
  EXPECT_EQ(count(html, "<rect class=\"shade partition\""), 1u);
  EXPECT_EQ(count(html, "<rect class=\"shade crash\""), 1u);
  EXPECT_EQ(count(html, "<rect class=\"shade pause\""), 1u);
  EXPECT_NE(html.find("data-a=\"200.000\" data-b=\"300.000\""), std::string::npos);
  EXPECT_EQ(count(html, "<line class=\"instant heal\""), 1u);
  EXPECT_EQ(count(html, "<polyline class=\"commit\""), 2u);  // n3 committed nothing
  // One bar per operation, coloured by outcome.
  EXPECT_EQ(count(html, "<rect class=\"op "), 3u);
  EXPECT_EQ(count(html, "<rect class=\"op ok\""), 1u);
  EXPECT_EQ(count(html, "<rect class=\"op info\""), 1u);
  EXPECT_EQ(count(html, "<rect class=\"op pending\""), 1u);
  EXPECT_NE(html.find("p0 write k1 1 -&gt; ok at n1, 100.000 to 150.000 ms, history line 1"), std::string::npos);
  EXPECT_NE(html.find("<span id=\"view-ops\">3</span>"), std::string::npos);
  EXPECT_EQ(html.find("<div class=\"cx\""), std::string::npos);  // nothing failed
}

TEST(HtmlReport, LinksTheDiagramsAndPlotsAndListsTheNotes) {
  HtmlReportOptions options;
  options.diagrams = {{"sequence.svg", "sequence.svg: messages"}};
  options.plots = {{"latency.svg", "latency.svg"}};
  options.notes = {"plots: matplotlib is not available"};
  const std::string html = page_of(read(write_run("html-links")), options);
  EXPECT_NE(html.find("<a href=\"sequence.svg\">sequence.svg: messages</a>"), std::string::npos);
  EXPECT_NE(html.find("<img class=\"plot\" src=\"latency.svg\""), std::string::npos);
  EXPECT_NE(html.find("<li class=\"note\">plots: matplotlib is not available</li>"), std::string::npos);
}

TEST(HtmlReport, CounterexampleFromTheSummaryNamesKeyLineAndState) {
  const RunFiles files = read(write_run("html-cx-summary", failing_summary()));
  const std::optional<Counterexample> cx = counterexample_from_summary(files.summary, "linearizability");
  ASSERT_TRUE(cx.has_value());
  EXPECT_EQ(cx->key, "k1");
  EXPECT_EQ(cx->blocking_line, 2u);
  EXPECT_EQ(cx->state, "1");
  EXPECT_FALSE(counterexample_from_summary(files.summary, "invariants").has_value());
  EXPECT_FALSE(counterexample_from_summary(read(write_run("html-cx-none")).summary, "linearizability").has_value());
}

TEST(HtmlReport, CounterexampleIsHighlightedOnTheTimeline) {
  const RunFiles files = read(write_run("html-cx", failing_summary()));
  HtmlReportOptions options;
  options.counterexamples.push_back({"linearizability", "k1", 2, {1}, "1", "linearizability.html"});
  const std::string html = page_of(files, options);
  EXPECT_NE(html.find("<div class=\"cx\" id=\"counterexample-linearizability\">"), std::string::npos);
  EXPECT_NE(html.find("<code>p1 read k1 -&gt; info (Timeout), 120.000 to 400.000 ms"), std::string::npos);
  EXPECT_EQ(count(html, "cx-key"), 3u + 1u);  // every operation is on k1; the CSS names the class once
  EXPECT_NE(html.find("<rect class=\"op info cx-key cx-block\""), std::string::npos);
  EXPECT_NE(html.find("<rect class=\"op ok cx-key cx-prefix\""), std::string::npos);
  EXPECT_NE(html.find("<a href=\"linearizability.html\">"), std::string::npos);
  EXPECT_NE(html.find("The model's state after the prefix: <code>1</code>"), std::string::npos);
  EXPECT_NE(html.find("<button id=\"cx-focus\">"), std::string::npos);
}

TEST(HtmlReport, InvariantViolationIsARedLine) {
  std::string summary = kTinySummary;
  const std::string passing = R"("invariants": {"status": "pass", "detail": "14 records checked"})";
  summary.replace(summary.find(passing), passing.size(),
                  R"("invariants": {"status": "fail", "detail": "x at record 12 (t=105000000ns): two leaders"})");
  const std::string html = page_of(read(write_run("html-violation", summary)));
  EXPECT_NE(html.find("<line class=\"violation\""), std::string::npos);
  EXPECT_NE(html.find("invariant violated at 105.000 ms: x at record 12"), std::string::npos);
  EXPECT_NE(html.find(">the invariant violation</button>"), std::string::npos);
}

TEST(HtmlReport, TextFromTheFilesIsEscaped) {
  std::string summary = kTinySummary;
  summary.replace(summary.find("Three servers elect n1."), 23, "<script>alert('x')</script> & \\\"co\\\"");
  std::string history = kTinyHistory;
  history.replace(history.find("\"key\":\"k1\""), 10, "\"key\":\"<img src=x onerror=alert(1)>\"");
  const std::string html = page_of(read(write_run("html-escape", summary, kTinyTrace, history)));
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_EQ(html.find("<img src=x"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;co&quot;"), std::string::npos);
  EXPECT_NE(html.find("&lt;img src=x onerror=alert(1)&gt;"), std::string::npos);
}

TEST(HtmlReport, LoadsNothingFromElsewhere) {
  HtmlReportOptions options;
  options.diagrams = {{"sequence.svg", "sequence"}};
  const std::string html = page_of(read(write_run("html-self-contained")), options);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);
  EXPECT_EQ(html.find("href=\"http"), std::string::npos);
  EXPECT_EQ(html.find("@import"), std::string::npos);
  EXPECT_EQ(html.find("url(http"), std::string::npos);
  EXPECT_EQ(count(html, "<script>"), 2u);  // the error recorder in <head>, the page's script at the end
  EXPECT_EQ(count(html, "<style>"), 1u);
}

TEST(HtmlReport, SameFilesGiveTheSameBytes) {
  const fs::path a = write_run("html-same-a");
  const fs::path b = write_run("html-same-b");
  RenderOptions options;
  options.plots = false;
  ASSERT_FALSE(render_run_dir(a.string(), options).error.has_value());
  ASSERT_FALSE(render_run_dir(b.string(), options).error.has_value());
  EXPECT_EQ(slurp(a / "report.html"), slurp(b / "report.html"));
  EXPECT_EQ(slurp(a / "sequence.dot"), slurp(b / "sequence.dot"));
  EXPECT_FALSE(slurp(a / "report.html").empty());
  // Rendering again over the same directory gives the same page.
  ASSERT_FALSE(render_run_dir(a.string(), options).error.has_value());
  EXPECT_EQ(slurp(a / "report.html"), slurp(b / "report.html"));
}

TEST(HtmlReport, BadInputWritesNothing) {
  const fs::path dir = write_run("html-bad-input", kTinySummary, std::string(kTinyTrace) + "oops\n");
  RenderOptions options;
  options.plots = false;
  const RenderResult result = render_run_dir(dir.string(), options);
  ASSERT_TRUE(result.error.has_value());
  EXPECT_EQ(result.error->line, 23u);
  EXPECT_TRUE(result.written.empty());
  EXPECT_FALSE(fs::exists(dir / "report.html"));
  EXPECT_FALSE(fs::exists(dir / "sequence.dot"));
}

}  // namespace
}  // namespace consim::reports
