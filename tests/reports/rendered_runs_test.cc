// The sequence diagrams of real Raft and ZAB runs, drawn by Graphviz's `dot -Tsvg`: it must draw
// every one of them without a word on stderr. And the same run gives the same bytes twice.
#include <gtest/gtest.h>

#include "reports/external.h"
#include "reports/render.h"
#include "reports/sequence_diagram.h"
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

fs::path run_into(const std::string& scenario, const std::string& name) {
  const fs::path dir = fresh_dir(name);
  const cli::Outcome run = cli::run_cli({"run", kScenarios + scenario, "--out", dir.string(), "--no-report"});
  EXPECT_EQ(run.code, 0) << run.out << run.err;
  return dir;
}

RunFiles read(const fs::path& dir) {
  ReadOptions options;
  options.keep_record = [](std::string_view kind, int64_t) { return report_kind(kind); };
  std::variant<RunFiles, ReadError> result = read_run_dir(dir.string(), options);
  if (auto* error = std::get_if<ReadError>(&result)) {
    ADD_FAILURE() << error->describe();
    return {};
  }
  return std::get<RunFiles>(result);
}

std::string dot_program() {
  const std::optional<std::string> dot = find_program("dot");
  EXPECT_TRUE(dot.has_value()) << "Graphviz's dot is not on PATH (scripts/setup.sh installs graphviz)";
  return dot.value_or("dot");
}

// Draws `diagram` with dot into DIR/NAME.svg and checks that dot took it without a word.
void expect_dot_draws(const fs::path& dir, const std::string& name, const SequenceDiagram& diagram) {
  write_text(dir / (name + ".dot"), diagram.dot);
  const ProgramResult drawn =
      run_program({dot_program(), "-Tsvg", "-o", (dir / (name + ".svg")).string(), (dir / (name + ".dot")).string()});
  ASSERT_TRUE(drawn.started) << drawn.error;
  EXPECT_EQ(drawn.exit_code, 0) << name << ": " << drawn.stderr_text;
  EXPECT_EQ(drawn.stderr_text, "") << name;
  const std::string svg = slurp(dir / (name + ".svg"));
  EXPECT_NE(svg.find("<svg"), std::string::npos) << name;
  // Every lifeline's header and every message arrow made it into the picture.
  EXPECT_GE(count(svg, "class=\"edge\""), diagram.delivered + diagram.dropped + diagram.in_flight) << name;
  EXPECT_NE(svg.find(">n1</text>"), std::string::npos) << name;
}

struct Case {
  const char* scenario;
  const char* name;
  const char* expected;  // something the default diagram must show
};

// Names the case in test output (instead of the bytes of its pointers).
void PrintTo(const Case& c, std::ostream* out) { *out << c.scenario; }

class DotDrawsTheDiagramOf : public ::testing::TestWithParam<Case> {};

TEST_P(DotDrawsTheDiagramOf, EveryWindowWithoutWarnings) {
  const Case& c = GetParam();
  const fs::path dir = run_into(c.scenario, std::string("dot-") + c.name);
  const RunFiles files = read(dir);
  const RunTimeline timeline = build_timeline(files);
  const SequenceDiagram chosen = sequence_diagram(files, timeline, {});
  EXPECT_GT(chosen.delivered, 10u) << c.name;
  EXPECT_NE(chosen.dot.find(c.expected), std::string::npos) << c.name << " lacks " << c.expected;
  expect_dot_draws(dir, "chosen", chosen);
  // A window asked for, from the middle of the run, long enough to be shortened.
  DiagramOptions asked;
  asked.from_ns = timeline.end_ns / 2;
  asked.to_ns = timeline.end_ns / 2 + 2'000'000'000;
  const SequenceDiagram middle = sequence_diagram(files, timeline, asked);
  EXPECT_TRUE(middle.window.capped) << c.name;
  expect_dot_draws(dir, "middle", middle);
  std::optional<SequenceDiagram> at_violation;
  if (timeline.violation) {
    DiagramOptions violation;
    violation.end_at_violation = true;
    at_violation = sequence_diagram(files, timeline, violation);
    expect_dot_draws(dir, "violation", *at_violation);
  }
  // The rendered diagrams are the same, though the renderer reads only the network's records in
  // their windows, and reads them by seeking (these traces hold several marks).
  EXPECT_GT(files.trace_marks.size(), 2u) << c.name;
  RenderOptions render;
  render.plots = false;
  const RenderResult rendered = render_run_dir(dir.string(), render);
  ASSERT_FALSE(rendered.error.has_value()) << rendered.error->describe();
  EXPECT_EQ(slurp(dir / "sequence.dot"), chosen.dot) << c.name;
  EXPECT_EQ(fs::exists(dir / "sequence-violation.dot"), at_violation.has_value()) << c.name;
  if (at_violation) {
    EXPECT_EQ(slurp(dir / "sequence-violation.dot"), at_violation->dot) << c.name;
  }
}

INSTANTIATE_TEST_SUITE_P(
    RaftAndZab, DotDrawsTheDiagramOf,
    ::testing::Values(Case{"raft/leader-crash.json", "raft_leader_crash", "label=\"leader t2\""},
                      Case{"raft/minority-partition.json", "raft_minority_partition", "label=\"partition "},
                      Case{"classic/raft-stale-lease-read.json", "raft_stale_lease_read", "lost: partition"},
                      Case{"classic/raft-figure-8-bug.json", "raft_figure_8_bug", "label=\"partition n4,n1|n2,n3,n5\""},
                      Case{"zab/leader-crash.json", "zab_leader_crash", "label=\"NewLeader\""},
                      Case{"zab/minority-partition.json", "zab_minority_partition", "label=\"partition "},
                      Case{"classic/zk-local-read-stale.json", "zab_local_read_stale", "label=\"Proposal\""}),
    [](const ::testing::TestParamInfo<Case>& param) { return std::string(param.param.name); });

TEST(RenderedRuns, TheSameRunRendersToTheSameBytes) {
  const fs::path a = run_into("zab/leader-crash.json", "same-bytes-a");
  const fs::path b = run_into("zab/leader-crash.json", "same-bytes-b");
  RenderOptions options;
  options.plots = false;
  for (const fs::path& dir : {a, b}) {
    const RenderResult result = render_run_dir(dir.string(), options);
    ASSERT_FALSE(result.error.has_value()) << result.error->describe();
    EXPECT_TRUE(result.warnings.empty()) << result.warnings.front();
  }
  for (const char* file : {"report.html", "sequence.dot", "sequence.svg"}) {
    EXPECT_EQ(slurp(a / file), slurp(b / file)) << file;
  }
}

}  // namespace
}  // namespace consim::reports
