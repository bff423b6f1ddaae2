// The demonstration run end to end: determinism of the whole simulator under every fault kind.
#include <gtest/gtest.h>

#include <sstream>

#include "harness/demo/ping_pong.h"
#include "sim/rng.h"
#include "sim/trace.h"

namespace consim::harness {
namespace {

PingPongOptions options_with_seed(uint64_t seed) {
  PingPongOptions options;
  options.seed = seed;
  return options;
}

TEST(DemoDeterminism, SameSeedGivesSameDigest) {
  const PingPongReport first = run_ping_pong(options_with_seed(3), nullptr);
  const PingPongReport second = run_ping_pong(options_with_seed(3), nullptr);
  EXPECT_EQ(first.digest, second.digest);
  EXPECT_EQ(first.trace_records, second.trace_records);
  EXPECT_EQ(first.events, second.events);
}

TEST(DemoDeterminism, DifferentSeedGivesDifferentDigest) {
  const PingPongReport first = run_ping_pong(options_with_seed(3), nullptr);
  const PingPongReport second = run_ping_pong(options_with_seed(4), nullptr);
  EXPECT_NE(first.digest, second.digest);
}

// The golden digest pins the whole simulator's behaviour. The test binary is built by gcc
// (release preset) and by clang (asan preset); both must reach this value, which is what makes
// the digest comparable across compilers. When a deliberate change to the simulator or the demo
// changes the trace, update the constant in the same commit and say why.
TEST(DemoDeterminism, GoldenDigestIsTheSameOnEveryCompiler) {
  const PingPongReport report = run_ping_pong(options_with_seed(1), nullptr);
  EXPECT_EQ(sim::format_digest(report.digest), "25d9011305706b87");
}

TEST(DemoDeterminism, StreamingTheTraceChangesNothing) {
  std::ostringstream trace;
  const PingPongReport report = run_ping_pong(options_with_seed(5), &trace);
  EXPECT_EQ(report.digest, run_ping_pong(options_with_seed(5), nullptr).digest);
  size_t lines = 0;
  for (const char c : trace.str()) {
    lines += c == '\n' ? 1 : 0;
  }
  EXPECT_EQ(lines, report.trace_records);
}

TEST(Demo, FaultsHappenAndStreamsStayInOrder) {
  const PingPongReport report = run_ping_pong(options_with_seed(9), nullptr);
  ASSERT_EQ(report.hosts.size(), 5u);
  EXPECT_GT(report.messages_dropped, 0u);  // the partition, the cut and 1% loss
  EXPECT_LT(report.messages_delivered, report.messages_sent + report.messages_sent / 50);
  for (const PingPongHostReport& host : report.hosts) {
    EXPECT_EQ(host.stream_out_of_order, 0u) << host.name;
    EXPECT_GT(host.stream_messages_received, 0u) << host.name;
    EXPECT_GT(host.durable_counter, 0u) << host.name;
  }
  // n3 crashed at 2.5 s and restarted from its disk at 3 s.
  EXPECT_EQ(report.hosts[2].restarts, 1u);
  EXPECT_EQ(report.hosts[0].restarts, 0u);
}

}  // namespace
}  // namespace consim::harness
