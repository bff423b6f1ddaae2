// report.html in a real browser: Debian's headless Chromium loads the page from its file, runs its
// scripts, and the DOM they leave is checked (--dump-dom); a screenshot of each page is kept in
// the test's output directory (build/.../tests/reports/artifacts/). The page records its own script
// errors in the DOM (data-js-errors on <html>, a #js-errors block), so an error fails the test.
#include <gtest/gtest.h>

#include <cstdlib>

#include "reports/external.h"
#include "reports/html_assets.h"
#include "reports/render.h"
#include "reports/timeline.h"
#include "tests/cli/run_cli.h"
#include "tests/reports/report_test_support.h"

namespace consim::reports {
namespace {

namespace fs = std::filesystem;

using test_support::count;
using test_support::fresh_dir;
using test_support::slurp;
using test_support::write_text;

using test_support::kScenarios;

std::string chromium() {
  if (fs::exists("/usr/bin/chromium")) {
    return "/usr/bin/chromium";
  }
  const std::optional<std::string> found = find_program("chromium");
  EXPECT_TRUE(found.has_value()) << "Chromium is not installed (scripts/setup.sh installs Debian's chromium)";
  return found.value_or("chromium");
}

// Runs headless Chromium with a profile of its own in `dir`; returns what it printed on stdout.
std::string run_chromium(const fs::path& dir, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {chromium(),
                                   "--headless",
                                   "--no-sandbox",
                                   "--disable-gpu",
                                   "--no-first-run",
                                   "--hide-scrollbars",
                                   "--user-data-dir=" + (dir / "chromium-profile").string()};
  argv.insert(argv.end(), args.begin(), args.end());
  const fs::path out = dir / "chromium-stdout.txt";
  const ProgramResult result = run_program(argv, out.string());
  EXPECT_TRUE(result.started) << result.error;
  EXPECT_EQ(result.exit_code, 0) << result.stderr_text;
  std::error_code ignored;
  fs::remove_all(dir / "chromium-profile", ignored);  // keep the artifacts to what the test made
  return slurp(out);
}

// The page after its scripts ran, opened at `fragment` ("#t=FROM-TO" zooms).
std::string dom_of(const fs::path& page, const std::string& fragment) {
  return run_chromium(page.parent_path(), {"--dump-dom", "file://" + page.string() + fragment});
}

void screenshot(const fs::path& page, const std::string& fragment, const std::string& name) {
  const fs::path png = page.parent_path() / name;
  run_chromium(page.parent_path(),
               {"--window-size=1240,1600", "--screenshot=" + png.string(), "file://" + page.string() + fragment});
  const std::string bytes = slurp(png);
  ASSERT_GT(bytes.size(), 10'000u) << png;
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8)) << png;
}

void expect_no_script_errors(const std::string& dom) {
  EXPECT_NE(dom.find("data-ready=\"yes\""), std::string::npos) << "the page's script did not finish";
  EXPECT_EQ(dom.find("data-js-errors=\""), std::string::npos);
  const size_t errors = dom.find("<pre id=\"js-errors\">");
  EXPECT_EQ(errors, std::string::npos) << dom.substr(errors == std::string::npos ? 0 : errors, 400);
}

fs::path rendered_run(const std::string& scenario, const std::string& name) {
  const fs::path dir = fresh_dir(name);
  const cli::Outcome run = cli::run_cli({"run", kScenarios + scenario, "--out", dir.string(), "--no-report"});
  EXPECT_EQ(run.code, 0) << run.out << run.err;
  RenderOptions options;
  options.plots = false;
  const RenderResult result = render_run_dir(dir.string(), options);
  EXPECT_FALSE(result.error.has_value());
  return dir / "report.html";
}

// The operations a zoom to [from_ms, to_ms] shows, counted as the page's script counts them.
size_t operations_between(const fs::path& page, double from_ms, double to_ms) {
  std::variant<RunFiles, ReadError> files = read_run_dir(page.parent_path().string());
  const RunTimeline timeline = build_timeline(std::get<RunFiles>(files));
  size_t shown = 0;
  for (const OperationSpan& op : timeline.operations) {
    shown +=
        std::atof(format_ms(op.invoke_ns).c_str()) <= to_ms && std::atof(format_ms(op.complete_ns).c_str()) >= from_ms;
  }
  return shown;
}

TEST(Browser, ReportRunsItsScriptWithoutErrorsAndZoomsFromTheAddress) {
  const fs::path page = rendered_run("raft/leader-crash.json", "browser-leader-crash");
  const std::string html = slurp(page);
  EXPECT_EQ(html.find(">3000 ms</text>"), std::string::npos);  // the whole run is labelled in seconds
  const std::string dom = dom_of(page, "#t=2900-3300");
  expect_no_script_errors(dom);
  EXPECT_NE(dom.find("<span id=\"view-range\">2900.000\u20133300.000 ms</span>"), std::string::npos);
  const size_t expected = operations_between(page, 2900, 3300);
  EXPECT_GT(expected, 0u);
  EXPECT_LT(expected, count(html, "<rect class=\"op "));
  EXPECT_NE(dom.find("<span id=\"view-ops\">" + std::to_string(expected) + "</span>"), std::string::npos)
      << "expected " << expected << " operations in view";
  EXPECT_NE(dom.find(">3000 ms</text>"), std::string::npos);  // the axis was drawn again for the zoom
  screenshot(page, "", "report.png");
  screenshot(page, "#t=2900-3300", "report-zoomed.png");
}

TEST(Browser, CounterexampleButtonRangeShowsTheBlockingOperation) {
  const fs::path page = rendered_run("classic/raft-stale-lease-read.json", "browser-stale-read");
  const std::string html = slurp(page);
  const std::string button = "\">zoom to the operation</button>";
  const size_t end = html.find(button);
  ASSERT_NE(end, std::string::npos);
  const size_t start = html.rfind("data-zoom=\"", end) + 11;
  const std::string range = html.substr(start, end - start);  // "FROM-TO" in ms
  const double from_ms = std::atof(range.substr(0, range.find('-')).c_str());
  const double to_ms = std::atof(range.substr(range.find('-') + 1).c_str());
  const std::string dom = dom_of(page, "#t=" + range);
  expect_no_script_errors(dom);
  EXPECT_NE(dom.find("<span id=\"view-range\">" + format_ms(static_cast<int64_t>(from_ms * 1e6 + 0.5)) + "\u2013" +
                     format_ms(static_cast<int64_t>(to_ms * 1e6 + 0.5)) + " ms</span>"),
            std::string::npos)
      << range;
  EXPECT_NE(dom.find("<span id=\"view-ops\">" + std::to_string(operations_between(page, from_ms, to_ms)) + "</span>"),
            std::string::npos);
  screenshot(page, "#t=" + range, "counterexample.png");
}

// The detector itself: a page whose script throws is caught by the error recorder.
TEST(Browser, AScriptErrorIsRecordedInThePage) {
  const fs::path dir = fresh_dir("browser-error");
  const fs::path page = dir / "broken.html";
  write_text(page, std::string("<!DOCTYPE html><html><head><script>") + kReportErrorScript +
                       "</script></head><body><p>x</p><script>null.boom();</script></body></html>\n");
  const std::string dom = dom_of(page, "");
  EXPECT_NE(dom.find("data-js-errors=\"1\""), std::string::npos) << dom;
  EXPECT_NE(dom.find("<pre id=\"js-errors\">script error: "), std::string::npos) << dom;
  EXPECT_NE(dom.find("boom"), std::string::npos) << dom;
}

}  // namespace
}  // namespace consim::reports
