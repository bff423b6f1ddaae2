// What the reports draw, derived from the files: state spans, commit progress, fault periods,
// leader changes, client operations and the invariant violation.
#include "reports/timeline.h"

#include <gtest/gtest.h>

#include "reports/html_timeline.h"
#include "tests/reports/report_test_support.h"

namespace consim::reports {
namespace {

namespace fs = std::filesystem;

using test_support::kTinyHistory;
using test_support::kTinySummary;
using test_support::kTinyTrace;
using test_support::write_run;

constexpr int64_t kMs = 1'000'000;

using test_support::read;

TEST(Timeline, RolesAndTermsComeFromRaftState) {
  const RunTimeline timeline = build_timeline(read(write_run("timeline-roles")));
  ASSERT_EQ(timeline.servers, 3u);
  EXPECT_EQ(timeline.end_ns, 500 * kMs);
  const std::vector<StateSpan>& n1 = timeline.states[0];
  ASSERT_EQ(n1.size(), 3u);
  EXPECT_EQ(n1[0].role, "follower");
  EXPECT_EQ(n1[0].to_ns, 100 * kMs);
  EXPECT_EQ(n1[1].role, "candidate");
  EXPECT_EQ(n1[1].term, 1);
  EXPECT_EQ(n1[2].role, "leader");
  EXPECT_EQ(n1[2].leader, "n1");
  EXPECT_EQ(n1[2].from_ns, 105 * kMs);
  EXPECT_EQ(n1[2].to_ns, 500 * kMs);
  // n3 is down from its crash to its restart, then a follower of term 1.
  const std::vector<StateSpan>& n3 = timeline.states[2];
  ASSERT_EQ(n3.size(), 3u);
  EXPECT_EQ(n3[1].role, "down");
  EXPECT_EQ(n3[1].from_ns, 250 * kMs);
  EXPECT_EQ(n3[1].to_ns, 350 * kMs);
  EXPECT_EQ(n3[2].role, "follower");
  EXPECT_EQ(n3[2].term, 1);
  ASSERT_EQ(timeline.leader_changes.size(), 1u);
  EXPECT_EQ(timeline.leader_changes[0].server, 1u);
  EXPECT_EQ(timeline.leader_changes[0].t_ns, 105 * kMs);
  EXPECT_EQ(timeline.leader_changes[0].term, 1);
}

TEST(Timeline, CommitIndexPerServer) {
  const RunTimeline timeline = build_timeline(read(write_run("timeline-commits")));
  ASSERT_EQ(timeline.commits[0].size(), 1u);
  EXPECT_EQ(timeline.commits[0][0].t_ns, 110 * kMs);
  EXPECT_EQ(timeline.commits[0][0].value, 1);
  EXPECT_EQ(timeline.commits[1].size(), 1u);
  EXPECT_TRUE(timeline.commits[2].empty());
  EXPECT_EQ(timeline.commit_max, 1);
}

TEST(Timeline, PartitionLastsUntilHealCrashUntilRestartPauseForItsLength) {
  const RunTimeline timeline = build_timeline(read(write_run("timeline-faults")));
  ASSERT_EQ(timeline.faults.size(), 4u);
  const FaultSpan& partition = timeline.faults[0];
  EXPECT_EQ(partition.kind, "partition");
  EXPECT_TRUE(partition.period);
  EXPECT_EQ(partition.label, "partition n1|n2,n3");
  EXPECT_EQ(partition.from_ns, 200 * kMs);
  EXPECT_EQ(partition.to_ns, 300 * kMs);
  EXPECT_EQ(partition.servers, (std::vector<uint32_t>{1, 2, 3}));
  const FaultSpan& crash = timeline.faults[1];
  EXPECT_EQ(crash.kind, "crash");
  EXPECT_EQ(crash.from_ns, 250 * kMs);
  EXPECT_EQ(crash.to_ns, 350 * kMs);
  EXPECT_EQ(crash.servers, (std::vector<uint32_t>{3}));
  const FaultSpan& heal = timeline.faults[2];
  EXPECT_EQ(heal.kind, "heal");
  EXPECT_FALSE(heal.period);
  const FaultSpan& pause = timeline.faults[3];
  EXPECT_EQ(pause.kind, "pause");
  EXPECT_EQ(pause.from_ns, 400 * kMs);
  EXPECT_EQ(pause.to_ns, 450 * kMs);
}

TEST(Timeline, ANewPartitionEndsTheOldOneAndAnOpenFaultLastsToTheEnd) {
  const std::string trace = R"({"t":1000000,"kind":"fault.partition","nodes":"n1,n2,n3","detail":"n1|n2,n3"}
{"t":2000000,"kind":"fault.cut","nodes":"n2","detail":"to n3"}
{"t":3000000,"kind":"fault.partition","nodes":"n1,n2,n3","detail":"n1,n2|n3"}
{"t":4000000,"node":"n2","kind":"host.crash","incarnation":1}
{"t":5000000,"kind":"fault.clock","nodes":"n1","detail":"drift 100.000000 ppm"}
{"t":9000000,"node":"n1","kind":"raft.state","role":"follower","term":0,"leader":0,"last_index":0}
)";
  const RunTimeline timeline =
      build_timeline(read(write_run("timeline-replaced", test_support::kTinySummary, trace, "")));
  ASSERT_EQ(timeline.faults.size(), 5u);
  EXPECT_EQ(timeline.faults[0].to_ns, 3 * kMs);  // replaced by the second partition
  EXPECT_EQ(timeline.faults[1].kind, "cut");
  EXPECT_EQ(timeline.faults[1].label, "cut n2 \u2192 n3");
  EXPECT_EQ(timeline.faults[1].to_ns, 3 * kMs);  // a partition replaces cuts too
  EXPECT_EQ(timeline.faults[2].to_ns, 9 * kMs);  // never healed
  EXPECT_EQ(timeline.faults[3].kind, "crash");
  EXPECT_EQ(timeline.faults[3].to_ns, 9 * kMs);  // never restarted
  EXPECT_EQ(timeline.faults[4].kind, "clock");
  EXPECT_EQ(timeline.faults[4].label, "clock n1: drift 100.000000 ppm");
}

TEST(Timeline, OperationsRunFromInvocationToCompletion) {
  const RunTimeline timeline = build_timeline(read(write_run("timeline-operations")));
  ASSERT_EQ(timeline.operations.size(), 3u);
  const OperationSpan& write = timeline.operations[0];
  EXPECT_EQ(write.outcome, "ok");
  EXPECT_EQ(write.invoke_ns, 100 * kMs);
  EXPECT_EQ(write.complete_ns, 150 * kMs);
  EXPECT_EQ(write.node, "n1");
  EXPECT_EQ(write.invoke_line, 1u);
  EXPECT_EQ(write.complete_line, 3u);
  const OperationSpan& info = timeline.operations[1];
  EXPECT_EQ(info.outcome, "info");
  EXPECT_EQ(info.error, "Timeout");
  EXPECT_EQ(info.complete_ns, 400 * kMs);  // when the client gave up
  const OperationSpan& pending = timeline.operations[2];
  EXPECT_EQ(pending.outcome, "pending");
  EXPECT_EQ(pending.complete_ns, timeline.end_ns);
  EXPECT_EQ(pending.complete_line, 0u);
}

TEST(Timeline, InvariantViolationTimeIsReadFromTheSummary) {
  std::string summary = test_support::kTinySummary;
  const std::string passing = R"("invariants": {"status": "pass", "detail": "14 records checked"})";
  summary.replace(summary.find(passing), passing.size(),
                  R"("invariants": {"status": "fail", "detail": "seed=11 event=5750: leader_completeness at )"
                  R"(record 2199 (t=2638447932ns): n5 became leader"})");
  const RunTimeline timeline = build_timeline(read(write_run("timeline-violation", summary)));
  ASSERT_TRUE(timeline.violation.has_value());
  EXPECT_EQ(timeline.violation->t_ns, 2'638'447'932);
  EXPECT_NE(timeline.violation->text.find("leader_completeness"), std::string::npos);
  EXPECT_FALSE(build_timeline(read(write_run("timeline-no-violation"))).violation.has_value());
}

TEST(Timeline, ZabStatesAndCommitsByZxidRank) {
  const std::string trace = R"({"t":0,"node":"n1","kind":"zab.start","counter_bits":32}
{"t":0,"node":"n1","kind":"zab.state","state":"looking","phase":"election","epoch":0,"leader":"","round":1}
{"t":0,"node":"n2","kind":"zab.state","state":"looking","phase":"election","epoch":0,"leader":"","round":1}
{"t":1000000,"node":"n1","kind":"zab.state","state":"leading","phase":"discovery","epoch":0,"leader":"n1","round":1}
{"t":2000000,"node":"n1","kind":"zab.established","epoch":1,"last_zxid":0}
{"t":2000000,"node":"n1","kind":"zab.state","state":"leading","phase":"broadcast","epoch":1,"leader":"n1","round":1}
{"t":3000000,"node":"n1","kind":"zab.commit","zxid":4294967297,"chain":1,"held":true}
{"t":3500000,"node":"n2","kind":"zab.commit","zxid":4294967297,"chain":1,"held":true}
{"t":4000000,"node":"n1","kind":"zab.commit","zxid":8589934593,"chain":2,"held":true}
)";
  std::string summary = test_support::kTinySummary;
  summary.replace(summary.find("\"raft\""), 6, "\"zab\"");
  const RunTimeline timeline = build_timeline(read(write_run("timeline-zab", summary, trace, "")));
  EXPECT_EQ(timeline.protocol, "zab");
  ASSERT_EQ(timeline.states[0].size(), 3u);
  EXPECT_EQ(timeline.states[0][1].role, "leading");
  EXPECT_EQ(timeline.states[0][1].phase, "discovery");
  EXPECT_EQ(timeline.states[0][2].phase, "broadcast");
  EXPECT_EQ(timeline.states[0][2].term, 1);
  ASSERT_EQ(timeline.leader_changes.size(), 1u);
  EXPECT_EQ(timeline.leader_changes[0].t_ns, 2 * kMs);
  EXPECT_EQ(timeline.leader_changes[0].term, 1);
  // Epoch 2's first zxid is 2^32 above epoch 1's: plotted as the next one.
  ASSERT_EQ(timeline.commits[0].size(), 2u);
  EXPECT_EQ(timeline.commits[0][0].value, 1);
  EXPECT_EQ(timeline.commits[0][0].label, "zxid 1:1 (#1)");
  EXPECT_EQ(timeline.commits[0][1].value, 2);
  EXPECT_EQ(timeline.commits[0][1].label, "zxid 2:1 (#2)");
  EXPECT_EQ(timeline.commits[1][0].value, 1);
  EXPECT_EQ(timeline.commit_max, 2);
}

TEST(Timeline, ProcessesShareALaneOnlyWhenTheyNeverOverlap) {
  const auto op = [](int64_t process, int64_t invoke_ns, int64_t complete_ns) {
    OperationSpan span;
    span.process = process;
    span.invoke_ns = invoke_ns;
    span.complete_ns = complete_ns;
    return span;
  };
  std::vector<OperationSpan> ops = {op(0, 0, 10), op(1, 5, 20), op(2, 11, 30),  // after p0's last completion: p0's lane
                                    op(0, 6, 8)};
  const OperationLanes lanes = pack_operation_lanes(ops);
  EXPECT_EQ(lanes.lane_of, (std::vector<size_t>{0, 1, 0, 0}));
  EXPECT_EQ(lanes.labels, (std::vector<std::string>{"p0 +1", "p1"}));
  ops[2].invoke_ns = 10;  // p0 still runs at 10: a lane of its own
  EXPECT_EQ(pack_operation_lanes(ops).labels.size(), 3u);
}

TEST(Timeline, FormatMsHasThreeDecimals) {
  EXPECT_EQ(format_ms(0), "0.000");
  EXPECT_EQ(format_ms(3'000'194'628), "3000.194");
  EXPECT_EQ(format_ms(999), "0.000");
  EXPECT_EQ(format_ms(-1'500'000), "-1.500");
}

}  // namespace
}  // namespace consim::reports
