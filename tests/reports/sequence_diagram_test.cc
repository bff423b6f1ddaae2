// The message sequence diagram on a hand-written run: which window it draws, and what it draws
// in it (arrows, drops, markers, faults), byte for byte the same for the same files.
#include "reports/sequence_diagram.h"

#include <gtest/gtest.h>

#include "tests/reports/report_test_support.h"

namespace consim::reports {
namespace {

namespace fs = std::filesystem;

using test_support::count;
using test_support::kTinyHistory;
using test_support::kTinySummary;
using test_support::kTinyTrace;
using test_support::write_run;

constexpr int64_t kMs = 1'000'000;

using test_support::read;

// The trace of the tiny run without its faults: its only event of note is the election.
std::string without_faults(std::string trace) {
  std::string kept;
  size_t start = 0;
  while (start < trace.size()) {
    const size_t end = trace.find('\n', start);
    const std::string line = trace.substr(start, end - start + 1);
    if (line.find("fault.") == std::string::npos && line.find("host.") == std::string::npos) {
      kept += line;
    }
    start = end + 1;
  }
  return kept;
}

TEST(SequenceDiagram, DefaultWindowStartsJustBeforeTheFirstFault) {
  const RunFiles files = read(write_run("diagram-first-fault"));
  const RunTimeline timeline = build_timeline(files);
  const DiagramWindow window = choose_window(files, timeline, {});
  EXPECT_EQ(window.from_ns, 190 * kMs);  // the partition at 200 ms, less the 10 ms lead
  EXPECT_EQ(window.to_ns, 590 * kMs);
  EXPECT_EQ(window.reason, "around the first fault: partition n1|n2,n3 at 200.000 ms");
  EXPECT_FALSE(window.capped);
}

TEST(SequenceDiagram, WithoutFaultsTheWindowIsAroundTheFirstElection) {
  const RunFiles files = read(write_run("diagram-first-election", kTinySummary, without_faults(kTinyTrace)));
  const RunTimeline timeline = build_timeline(files);
  const DiagramWindow window = choose_window(files, timeline, {});
  EXPECT_EQ(window.from_ns, 95 * kMs);
  EXPECT_EQ(window.messages, 3u);  // the client's call is not a message between servers
  EXPECT_NE(window.reason.find("the first leader election: n1 at 105.000 ms"), std::string::npos) << window.reason;
}

TEST(SequenceDiagram, AskedWindowIsKept) {
  const RunFiles files = read(write_run("diagram-asked"));
  const RunTimeline timeline = build_timeline(files);
  DiagramOptions options;
  options.from_ns = 50 * kMs;
  options.to_ns = 101 * kMs;
  const DiagramWindow window = choose_window(files, timeline, options);
  EXPECT_EQ(window.from_ns, 50 * kMs);
  EXPECT_EQ(window.to_ns, 101 * kMs);
  EXPECT_EQ(window.messages, 2u);
  EXPECT_EQ(window.reason, "as asked");
}

TEST(SequenceDiagram, AWindowWithTooManyMessagesIsShortenedBeforeABurst) {
  const RunFiles files = read(write_run("diagram-capped", kTinySummary, without_faults(kTinyTrace)));
  const RunTimeline timeline = build_timeline(files);
  DiagramOptions options;
  options.max_messages = 2;
  const DiagramWindow window = choose_window(files, timeline, options);
  EXPECT_TRUE(window.capped);
  EXPECT_EQ(window.messages, 3u);
  // The two votes asked at 100 ms fit; the window ends before the answer at 102 ms.
  EXPECT_EQ(window.to_ns, 102 * kMs - 1);
  const SequenceDiagram diagram = sequence_diagram(files, timeline, options);
  EXPECT_EQ(count(diagram.dot, "label=\"RequestVote\""), 1u);
  EXPECT_EQ(count(diagram.dot, "RequestVoteResponse"), 0u);
  EXPECT_NE(diagram.dot.find("2 of the 3 messages in the window drawn"), std::string::npos);
}

TEST(SequenceDiagram, DrawsDeliveredDroppedAndInFlightMessages) {
  const RunFiles files = read(write_run("diagram-messages"));
  const RunTimeline timeline = build_timeline(files);
  DiagramOptions options;
  options.from_ns = 0;
  options.to_ns = 500 * kMs;
  const SequenceDiagram diagram = sequence_diagram(files, timeline, options);
  EXPECT_EQ(diagram.delivered, 2u);
  EXPECT_EQ(diagram.dropped, 1u);
  EXPECT_EQ(diagram.in_flight, 0u);
  EXPECT_EQ(count(diagram.dot, "label=\"RequestVote\""), 1u);
  EXPECT_EQ(count(diagram.dot, "label=\"RequestVoteResponse\""), 1u);
  EXPECT_NE(diagram.dot.find("arrowhead=tee, label=\"RequestVote lost: partition\""), std::string::npos);
  EXPECT_EQ(diagram.dot.find("ClientCall"), std::string::npos);  // client traffic is left out
  EXPECT_EQ(diagram.dot.find("h4 "), std::string::npos);         // and so are the clients' hosts
  // A message still travelling when the diagram ends trails off dotted.
  std::string trace = kTinyTrace;
  trace.erase(
      trace.find("{\"t\":105000000,\"node\":\"n1\",\"kind\":\"net.deliver\""),
      std::string(R"({"t":105000000,"node":"n1","kind":"net.deliver","from":"n2","id":3,"msg":"RequestVoteResponse"})")
              .size() +
          1);
  const RunFiles lost = read(write_run("diagram-in-flight", kTinySummary, trace));
  const SequenceDiagram trailing = sequence_diagram(lost, build_timeline(lost), options);
  EXPECT_EQ(trailing.in_flight, 1u);
  EXPECT_NE(trailing.dot.find(" -> f2 [style=dotted"), std::string::npos) << trailing.dot;
}

TEST(SequenceDiagram, MarksRolesCrashesPausesAndFaultsOnTheLifelines) {
  const RunFiles files = read(write_run("diagram-markers"));
  const RunTimeline timeline = build_timeline(files);
  DiagramOptions options;
  options.from_ns = 0;
  options.to_ns = 500 * kMs;
  const std::string dot = sequence_diagram(files, timeline, options).dot;
  EXPECT_NE(dot.find("label=\"candidate t1\""), std::string::npos);
  EXPECT_NE(dot.find("fillcolor=\"#ffd43b\", label=\"leader t1\""), std::string::npos);
  EXPECT_NE(dot.find("label=\"crash\""), std::string::npos);
  EXPECT_NE(dot.find("label=\"restart\\nfollower t1\""), std::string::npos);  // one box for one instant
  EXPECT_NE(dot.find("label=\"pause 50.000 ms\""), std::string::npos);
  EXPECT_NE(dot.find("label=\"resume\""), std::string::npos);
  EXPECT_NE(dot.find("label=\"partition n1|n2,n3\""), std::string::npos);
  EXPECT_NE(dot.find("label=\"heal\""), std::string::npos);
  EXPECT_NE(dot.find("style=dashed, color=\"#e03131\", penwidth=1.5"), std::string::npos);  // n3 while down
  EXPECT_NE(dot.find("style=dotted, color=\"#f59f00\", penwidth=2"), std::string::npos);    // n2 while paused
  // Every lifeline has its header, with the server's state when the window opens.
  for (const char* header :
       {"label=\"n1\\nfollower t0\"", "label=\"n2\\nfollower t0\"", "label=\"n3\\nfollower t0\""}) {
    EXPECT_NE(dot.find(header), std::string::npos) << header;
  }
}

TEST(SequenceDiagram, EndsAtTheInvariantViolationWhenAsked) {
  std::string summary = kTinySummary;
  const std::string passing = R"("invariants": {"status": "pass", "detail": "14 records checked"})";
  summary.replace(summary.find(passing), passing.size(),
                  R"("invariants": {"status": "fail", "detail": "x at record 12 (t=105000000ns): two leaders"})");
  const RunFiles files = read(write_run("diagram-violation", summary));
  const RunTimeline timeline = build_timeline(files);
  DiagramOptions options;
  options.end_at_violation = true;
  options.max_messages = 1;
  const SequenceDiagram diagram = sequence_diagram(files, timeline, options);
  EXPECT_EQ(diagram.window.to_ns, 105 * kMs);
  EXPECT_TRUE(diagram.window.capped);
  // Shortened from its start: the last message before the violation is the one drawn.
  EXPECT_EQ(diagram.window.from_ns, 100 * kMs + 1);
  EXPECT_EQ(count(diagram.dot, "label=\"RequestVoteResponse\""), 1u);
  EXPECT_NE(diagram.dot.find("invariant violated: x at record 12"), std::string::npos);
}

TEST(SequenceDiagram, QuotesAreEscapedInLabels) {
  std::string trace = kTinyTrace;
  trace.replace(trace.find("\"detail\":\"n1|n2,n3\""), 19, R"("detail":"n1 \"a\\b\"")");
  const RunFiles files = read(write_run("diagram-quotes", kTinySummary, trace));
  DiagramOptions options;
  options.from_ns = 0;
  options.to_ns = 500 * kMs;
  const std::string dot = sequence_diagram(files, build_timeline(files), options).dot;
  EXPECT_NE(dot.find(R"(label="partition n1 \"a\\b\"")"), std::string::npos);
}

TEST(SequenceDiagram, ControlCharactersNeverReachDot) {
  std::string trace = kTinyTrace;
  trace.replace(trace.find("\"detail\":\"n1|n2,n3\""), 19, R"("detail":"n1\u0001\u001b[31m \u00e9")");
  const RunFiles files = read(write_run("diagram-control", kTinySummary, trace));
  DiagramOptions options;
  options.from_ns = 0;
  options.to_ns = 500 * kMs;
  const std::string dot = sequence_diagram(files, build_timeline(files), options).dot;
  EXPECT_NE(dot.find("label=\"partition n1?\?[31m \u00e9\""), std::string::npos);  // UTF-8 text stays
}

TEST(SequenceDiagram, SameFilesGiveTheSameBytes) {
  const RunFiles a = read(write_run("diagram-same-a"));
  const RunFiles b = read(write_run("diagram-same-b"));
  EXPECT_EQ(sequence_diagram(a, build_timeline(a), {}).dot, sequence_diagram(b, build_timeline(b), {}).dot);
}

}  // namespace
}  // namespace consim::reports
