// Reading a run directory: the plain structs it gives, and a clear error (file, line, problem)
// for every kind of missing or malformed file, never a crash and never a partial result.
#include "reports/run_files.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "tests/reports/report_test_support.h"

namespace consim::reports {
namespace {

namespace fs = std::filesystem;

using test_support::fresh_dir;
using test_support::kTinyHistory;
using test_support::kTinySummary;
using test_support::kTinyTrace;
using test_support::write_run;
using test_support::write_text;

ReadError read_error(const fs::path& dir, const ReadOptions& options = {}) {
  std::variant<RunFiles, ReadError> result = read_run_dir(dir.string(), options);
  EXPECT_TRUE(std::holds_alternative<ReadError>(result)) << "expected an error reading " << dir;
  return std::holds_alternative<ReadError>(result) ? std::get<ReadError>(result) : ReadError{};
}

TEST(RunFiles, ReadsTheThreeFilesIntoPlainStructs) {
  const fs::path dir = write_run("run-files-plain");
  std::variant<RunFiles, ReadError> result = read_run_dir(dir.string());
  ASSERT_TRUE(std::holds_alternative<RunFiles>(result)) << std::get<ReadError>(result).describe();
  const RunFiles& files = std::get<RunFiles>(result);
  EXPECT_EQ(files.summary.scenario, "tiny");
  EXPECT_EQ(files.summary.nodes, 3u);
  EXPECT_EQ(files.summary.seed, 5u);
  ASSERT_EQ(files.summary.checks.size(), 3u);
  EXPECT_EQ(files.summary.checks[0].name, "invariants");  // the file's order, not sorted
  EXPECT_EQ(files.summary.checks[2].name, "liveness");
  ASSERT_EQ(files.summary.metrics.size(), 3u);
  EXPECT_EQ(files.summary.metrics[0].name, "operations.invoked");
  EXPECT_EQ(files.summary.metrics[0].value, "3");
  EXPECT_EQ(files.summary.metrics[2].name, "messages");

  ASSERT_EQ(files.trace.size(), 22u);
  const TraceRecord& send = files.trace[4];
  EXPECT_EQ(send.t_ns, 100'000'000);
  EXPECT_EQ(send.node, "n1");
  EXPECT_EQ(send.kind, "net.send");
  EXPECT_EQ(send.text("to"), "n2");
  EXPECT_EQ(send.integer("id"), 1);
  EXPECT_EQ(send.text("msg"), "RequestVote");
  EXPECT_EQ(send.line, 5u);
  EXPECT_EQ(files.trace[14].node, "");  // a fault belongs to no node
  EXPECT_TRUE(files.trace[12].flag("leader"));
  EXPECT_EQ(files.trace[12].field("missing"), nullptr);

  ASSERT_EQ(files.history.size(), 5u);
  EXPECT_EQ(files.history[0].value_json, "1");
  EXPECT_EQ(files.history[1].value_json, "null");
  EXPECT_EQ(files.history[3].type, "info");
  EXPECT_EQ(files.history[3].error, "Timeout");
  EXPECT_EQ(files.history[2].node, "n1");
  EXPECT_EQ(files.history[4].line, 5u);
}

TEST(RunFiles, KindFilterKeepsOnlyWantedRecords) {
  const fs::path dir = write_run("run-files-filter");
  ReadOptions options;
  options.keep_record = [](std::string_view kind, int64_t) { return kind.starts_with("net."); };
  std::variant<RunFiles, ReadError> result = read_run_dir(dir.string(), options);
  ASSERT_TRUE(std::holds_alternative<RunFiles>(result));
  EXPECT_EQ(std::get<RunFiles>(result).trace.size(), 7u);
}

TEST(RunFiles, KindFilterStillChecksEveryLine) {
  const fs::path dir = write_run("run-files-filter-bad", kTinySummary, std::string(kTinyTrace) + "{\"t\":9e99\n");
  ReadOptions options;
  options.keep_record = [](std::string_view kind, int64_t) { return kind == "net.send"; };
  const ReadError error = read_error(dir, options);
  EXPECT_EQ(error.line, 23u);
  EXPECT_NE(error.problem.find("not valid JSON"), std::string::npos) << error.problem;
}

// A trace long enough for several marks, three records at each time, with blank lines and a
// line in another shape among them.
std::string long_trace(size_t records) {
  std::string text;
  for (size_t i = 0; i < records; ++i) {
    const std::string t = std::to_string(i / 3 * 1000);
    text += i % 7 == 0 ? "{\"t\": " + t + ", \"kind\": \"other\"}\n"
                       : "{\"t\":" + t + ",\"node\":\"n1\",\"kind\":\"net.send\",\"i\":" + std::to_string(i) + "}\n";
    if (i % 1000 == 0) {
      text += "\n";
    }
  }
  return text;
}

TEST(RunFiles, TraceWindowReadsWhatTheWholeTraceHoldsInIt) {
  const size_t records = 3 * kTraceMarkLines + 100;
  const fs::path dir = write_run("run-files-window", kTinySummary, long_trace(records));
  std::variant<RunFiles, ReadError> result = read_run_dir(dir.string());
  ASSERT_TRUE(std::holds_alternative<RunFiles>(result)) << std::get<ReadError>(result).describe();
  const RunFiles& files = std::get<RunFiles>(result);
  ASSERT_EQ(files.trace.size(), records);
  ASSERT_EQ(files.trace_marks.size(), 4u);
  EXPECT_EQ(files.trace_end_ns, static_cast<int64_t>((records - 1) / 3 * 1000));
  ReadOptions sends;
  sends.keep_record = [](std::string_view kind, int64_t) { return kind == "net.send"; };
  const int64_t mark_ns = files.trace_marks[2].t_ns;  // a time that straddles a mark
  const std::pair<int64_t, int64_t> windows[] = {{0, 0},
                                                 {0, 5000},
                                                 {mark_ns, mark_ns},
                                                 {mark_ns - 1000, mark_ns + 2000},
                                                 {2'000'000, 2'500'000},
                                                 {4'000'000, 9'000'000},
                                                 {9'000'000, 9'999'999},
                                                 {500, 900}};
  for (const auto& [from_ns, to_ns] : windows) {
    std::vector<TraceRecord> window;
    const std::optional<ReadError> error = read_trace_window(files, from_ns, to_ns, sends, &window);
    ASSERT_FALSE(error.has_value()) << error->describe();
    std::vector<size_t> expected;
    for (const TraceRecord& record : files.trace) {
      if (record.t_ns >= from_ns && record.t_ns <= to_ns && record.kind == "net.send") {
        expected.push_back(record.line);
      }
    }
    std::vector<size_t> lines;
    for (const TraceRecord& record : window) {
      lines.push_back(record.line);
      const auto same_line = std::find_if(files.trace.begin(), files.trace.end(),
                                          [&](const TraceRecord& whole) { return whole.line == record.line; });
      ASSERT_NE(same_line, files.trace.end());
      EXPECT_EQ(record.t_ns, same_line->t_ns);
      EXPECT_EQ(record.integer("i"), same_line->integer("i"));
    }
    EXPECT_EQ(lines, expected) << "window " << from_ns << " to " << to_ns;
    EXPECT_EQ(lines.empty(), from_ns > files.trace_end_ns || (from_ns == 500 && to_ns == 900));
  }
}

TEST(RunFiles, MissingDirectoryIsAnError) {
  const ReadError error = read_error(fs::path(CONSIM_TEST_OUTPUT_DIR) / "no-such-run");
  EXPECT_NE(error.describe().find("no-such-run: no such directory"), std::string::npos) << error.describe();
}

TEST(RunFiles, MissingFilesAreNamed) {
  for (const char* name : {"summary.json", "trace.jsonl", "history.jsonl"}) {
    const fs::path dir = write_run(std::string("run-files-missing-") + name);
    fs::remove(dir / name);
    const ReadError error = read_error(dir);
    EXPECT_EQ(error.file, (dir / name).string());
    EXPECT_EQ(error.line, 0u);
    EXPECT_NE(error.problem.find("cannot read"), std::string::npos) << error.describe();
  }
}

TEST(RunFiles, SummaryThatIsNotJsonNamesTheLine) {
  const fs::path dir = write_run("run-files-summary-json", "{\n  \"nodes\": 3,\n  \"verdict\": pass\n}\n");
  const ReadError error = read_error(dir);
  EXPECT_EQ(error.file, (dir / "summary.json").string());
  EXPECT_EQ(error.line, 3u);
  EXPECT_NE(error.problem.find("not valid JSON"), std::string::npos) << error.problem;
  EXPECT_EQ(error.describe().rfind((dir / "summary.json").string() + ":3: not valid JSON", 0), 0u) << error.describe();
}

TEST(RunFiles, SummaryFieldsAreChecked) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"verdict": "pass", "checks": {}})", "\"nodes\" must be an integer"},
      {R"({"nodes": 0, "verdict": "pass", "checks": {}})", "\"nodes\" must be an integer"},
      {R"({"nodes": 3, "checks": {}})", "missing \"verdict\""},
      {R"({"nodes": 3, "verdict": "pass"})", "missing \"checks\""},
      {R"({"nodes": 3, "verdict": "pass", "checks": {"invariants": 1}})", "check \"invariants\" must be an object"},
      {R"([1, 2])", "expected a JSON object, got an array"},
  };
  for (const auto& [text, problem] : cases) {
    const fs::path dir = write_run("run-files-summary-fields", text);
    const ReadError error = read_error(dir);
    EXPECT_NE(error.problem.find(problem), std::string::npos) << text << " gave " << error.describe();
  }
}

TEST(RunFiles, MalformedTraceLinesNameFileLineAndProblem) {
  const std::pair<const char*, const char*> cases[] = {
      {"not json", "not valid JSON"},
      {"[1]", "expected a JSON object, got an array"},
      {R"({"node": "n1", "kind": "x"})", "missing \"t\""},
      {R"({"t": -5, "kind": "x"})", "\"t\" must be a non-negative integer"},
      {R"({"t": 1.5, "kind": "x"})", "\"t\" must be a non-negative integer"},
      {R"({"t": 600000000})", "missing \"kind\""},
      {R"({"t": 600000000, "kind": ""})", "missing \"kind\""},
      {R"({"t": 600000000, "kind": "x", "node": 3})", "\"node\" must be a string"},
      {R"({"t": 5, "kind": "x"})", "time goes back: t=5 after t=500000000"},
      // Compact, as consim writes its lines: the fast reader leaves them to the full parser.
      {R"({"t":-5,"kind":"x"})", "\"t\" must be a non-negative integer"},
      {R"({"t":1.5,"kind":"x"})", "\"t\" must be a non-negative integer"},
      {R"({"t":600000000,"kind":""})", "missing \"kind\""},
      {R"({"t":600000000,"kind":"x","node":null})", "\"node\" must be a string"},
      {R"({"t":600000000,"kind":"x","a":1,})", "not valid JSON"},
      {R"({"t":600000000,"kind":"x","a":01})", "not valid JSON"},
      {R"({"t":600000000,"kind":"x","a":"\q"})", "not valid JSON"},
      {R"({"t":5,"kind":"x"})", "time goes back: t=5 after t=500000000"},
  };
  for (const auto& [line, problem] : cases) {
    const fs::path dir = write_run("run-files-trace-line", kTinySummary, std::string(kTinyTrace) + line + "\n");
    const ReadError error = read_error(dir);
    EXPECT_EQ(error.file, (dir / "trace.jsonl").string()) << line;
    EXPECT_EQ(error.line, 23u) << line;
    EXPECT_NE(error.problem.find(problem), std::string::npos) << line << " gave " << error.describe();
  }
}

TEST(RunFiles, MalformedHistoryLinesNameFileLineAndProblem) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"process": "a", "type": "ok", "f": "read", "time_ns": 1})", "\"process\" must be an integer"},
      {R"({"process": 1, "type": "done", "f": "read", "time_ns": 1})", "unknown type \"done\""},
      {R"({"process": 1, "type": "ok", "time_ns": 1})", "\"f\" must be a string"},
      {R"({"process": 1, "type": "ok", "f": "read"})", "\"time_ns\" must be a non-negative integer"},
      {"{\"process\": 1,", "not valid JSON"},
  };
  for (const auto& [line, problem] : cases) {
    const fs::path dir = write_run("run-files-history-line", kTinySummary, kTinyTrace, std::string(line) + "\n");
    const ReadError error = read_error(dir);
    EXPECT_EQ(error.file, (dir / "history.jsonl").string()) << line;
    EXPECT_EQ(error.line, 1u) << line;
    EXPECT_NE(error.problem.find(problem), std::string::npos) << line << " gave " << error.describe();
  }
}

TEST(RunFiles, BlankLinesAndCarriageReturnsAreTolerated) {
  std::string trace = kTinyTrace;
  for (size_t at = trace.find('\n'); at != std::string::npos; at = trace.find('\n', at + 3)) {
    trace.replace(at, 1, "\r\n\n");
  }
  const fs::path dir = write_run("run-files-crlf", kTinySummary, trace);
  std::variant<RunFiles, ReadError> result = read_run_dir(dir.string());
  ASSERT_TRUE(std::holds_alternative<RunFiles>(result)) << std::get<ReadError>(result).describe();
  EXPECT_EQ(std::get<RunFiles>(result).trace.size(), 22u);
  EXPECT_EQ(std::get<RunFiles>(result).trace[1].line, 3u);  // lines are counted as the file has them
}

TEST(RunFiles, EmptyTraceAndHistoryAreFine) {
  const fs::path dir = write_run("run-files-empty", kTinySummary, "", "");
  std::variant<RunFiles, ReadError> result = read_run_dir(dir.string());
  ASSERT_TRUE(std::holds_alternative<RunFiles>(result));
  EXPECT_TRUE(std::get<RunFiles>(result).trace.empty());
}

TEST(RunFiles, NodeNumberReadsOnlyNodeNames) {
  EXPECT_EQ(node_number("n1"), 1u);
  EXPECT_EQ(node_number("n12"), 12u);
  EXPECT_EQ(node_number("n"), 0u);
  EXPECT_EQ(node_number("n0"), 0u);
  EXPECT_EQ(node_number("n01"), 0u);
  EXPECT_EQ(node_number("x3"), 0u);
  EXPECT_EQ(node_number("n3a"), 0u);
  EXPECT_EQ(node_number(""), 0u);
}

}  // namespace
}  // namespace consim::reports
