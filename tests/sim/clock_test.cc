// Tests for sim/clock: the exact integer clock line, re-anchoring on drift changes and steps,
// and global_when() as the exact inverse of local_at().
#include "sim/clock.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cstdint>
#include <tuple>
#include <vector>

#include "base/int128.h"
#include "base/time.h"

namespace consim::sim {
namespace {

constexpr int64_t kSecond = 1'000'000'000;

SimTime g(int64_t ns) { return SimTime{ns}; }
LocalTime l(int64_t ns) { return LocalTime{ns}; }

// offset + global + floor(global · drift / 1e9), computed independently with 128-bit integers.
int64_t reference_local(int64_t offset, int64_t drift_ppb, int64_t global) {
  const Int128 product = static_cast<Int128>(global) * drift_ppb;
  Int128 floor_div = product / kSecond;
  if (floor_div * kSecond > product) {
    --floor_div;
  }
  return static_cast<int64_t>(offset + global + floor_div);
}

// The property's check that `when` is the earliest instant >= `now` reading at least `deadline`.
void check_global_when(const NodeClock& clock, LocalTime deadline, SimTime now) {
  const SimTime when = clock.global_when(deadline, now);
  RC_ASSERT(when >= now);
  RC_ASSERT(clock.local_at(when) >= deadline);
  if (when > now) {
    RC_ASSERT(clock.local_at(when - Duration::nanos(1)) < deadline);
  }
}

TEST(NodeClock, DefaultClockReadsGlobalTime) {
  const NodeClock clock;
  EXPECT_EQ(clock.drift_ppb(), 0);
  for (const int64_t t : {int64_t{0}, int64_t{1}, int64_t{123'456'789}, 40 * kSecond}) {
    EXPECT_EQ(clock.local_at(g(t)), l(t));
  }
}

TEST(NodeClock, LocalIsOffsetPlusScaledGlobalExactly) {
  // +20%: local advances 1.2x.
  const NodeClock fast(Duration::millis(7), 200'000'000);
  EXPECT_EQ(fast.local_at(g(0)), l(7'000'000));
  EXPECT_EQ(fast.local_at(g(kSecond)), l(7'000'000 + 1'200'000'000));
  EXPECT_EQ(fast.local_at(g(5)), l(7'000'000 + 6));
  EXPECT_EQ(fast.local_at(g(10 * kSecond)), l(7'000'000 + 12 * kSecond));

  // -25%: local advances 0.75x; a negative offset reads behind global time.
  const NodeClock slow(Duration::millis(-3), -250'000'000);
  EXPECT_EQ(slow.local_at(g(4 * kSecond)), l(-3'000'000 + 3 * kSecond));

  // The extremes of the allowed drift: half speed and double speed.
  const NodeClock half(Duration::zero(), NodeClock::kDriftPpbMin);
  const NodeClock twice(Duration::zero(), NodeClock::kDriftPpbMax);
  EXPECT_EQ(half.local_at(g(10)), l(5));
  EXPECT_EQ(half.local_at(g(11)), l(5));  // 5.5 rounds down
  EXPECT_EQ(twice.local_at(g(11)), l(22));
}

TEST(NodeClock, DriftTermRoundsTowardNegativeInfinity) {
  const NodeClock plus_one_ppb(Duration::zero(), 1);
  EXPECT_EQ(plus_one_ppb.local_at(g(kSecond - 1)), l(kSecond - 1));
  EXPECT_EQ(plus_one_ppb.local_at(g(kSecond)), l(kSecond + 1));

  const NodeClock minus_one_ppb(Duration::zero(), -1);
  EXPECT_EQ(minus_one_ppb.local_at(g(1)), l(0));  // 1 - 1e-9 floors to 0
  EXPECT_EQ(minus_one_ppb.local_at(g(kSecond)), l(kSecond - 1));
  EXPECT_EQ(minus_one_ppb.local_at(g(kSecond + 1)), l(kSecond - 1));
}

TEST(NodeClock, ContinuousAcrossADriftChange) {
  NodeClock clock(Duration::millis(1), 100'000'000);  // 1.1x
  const SimTime change = g(3 * kSecond);
  const LocalTime before = clock.local_at(change);
  EXPECT_EQ(before, l(1'000'000 + 3'300'000'000));
  clock.set_drift_ppb(change, -100'000'000);  // 0.9x from here on
  EXPECT_EQ(clock.drift_ppb(), -100'000'000);
  EXPECT_EQ(clock.local_at(change), before);
  EXPECT_EQ(clock.local_at(change + Duration::seconds(2)), before + Duration::millis(1800));
  EXPECT_EQ(clock.local_at(change + Duration::nanos(1)), before);  // 0.9 ns floors to 0
}

TEST(NodeClock, StepJumpsByExactlyDelta) {
  NodeClock clock(Duration::zero(), 200'000'000);
  const SimTime now = g(kSecond);
  const LocalTime before = clock.local_at(now);
  clock.step(now, Duration::millis(250));
  EXPECT_EQ(clock.local_at(now), before + Duration::millis(250));
  // The rate is unchanged after the step.
  EXPECT_EQ(clock.local_at(now + Duration::seconds(1)), before + Duration::millis(250) + Duration::millis(1200));
  EXPECT_EQ(clock.drift_ppb(), 200'000'000);
}

TEST(NodeClock, StepBackwardsMakesTheClockReadEarlier) {
  NodeClock clock;
  const SimTime now = g(5 * kSecond);
  clock.step(now, Duration::seconds(-2));
  EXPECT_EQ(clock.local_at(now), l(3 * kSecond));
  EXPECT_EQ(clock.local_at(now + Duration::millis(10)), l(3 * kSecond + 10'000'000));
  // A deadline the clock had already passed before the step is in the future again.
  EXPECT_EQ(clock.global_when(l(4 * kSecond), now), g(6 * kSecond));
}

TEST(NodeClock, GlobalWhenReturnsNotBeforeForAPassedDeadline) {
  const NodeClock clock(Duration::seconds(10), 0);
  EXPECT_EQ(clock.global_when(l(10 * kSecond), g(0)), g(0));
  EXPECT_EQ(clock.global_when(l(3), g(77)), g(77));
}

TEST(NodeClock, GlobalWhenInvertsTheClockExactly) {
  const NodeClock twice(Duration::zero(), NodeClock::kDriftPpbMax);  // local = 2g
  EXPECT_EQ(twice.global_when(l(5), g(0)), g(3));                    // local(2) = 4, local(3) = 6
  EXPECT_EQ(twice.global_when(l(6), g(0)), g(3));
  const NodeClock half(Duration::zero(), NodeClock::kDriftPpbMin);  // local = floor(g / 2)
  EXPECT_EQ(half.global_when(l(5), g(0)), g(10));
  const NodeClock fast(Duration::millis(7), 200'000'000);
  EXPECT_EQ(fast.global_when(l(7'000'000 + 1'200'000'000), g(0)), g(kSecond));
  EXPECT_EQ(fast.global_when(l(7'000'000 + 1'200'000'001), g(0)), g(kSecond + 1));
}

TEST(NodeClock, DriftPpmToPpbRoundsToNearest) {
  EXPECT_EQ(drift_ppm_to_ppb(0.0), 0);
  EXPECT_EQ(drift_ppm_to_ppb(1.0), 1'000);
  EXPECT_EQ(drift_ppm_to_ppb(-200.0), -200'000);
  EXPECT_EQ(drift_ppm_to_ppb(200'000.0), 200'000'000);
  EXPECT_EQ(drift_ppm_to_ppb(12.3456), 12'346);  // 12345.6 rounds up
  EXPECT_EQ(drift_ppm_to_ppb(12.3454), 12'345);  // 12345.4 rounds down
  EXPECT_EQ(drift_ppm_to_ppb(-12.3456), -12'346);
  EXPECT_EQ(drift_ppm_to_ppb(0.0009765625), 1);   // 0.9765625
  EXPECT_EQ(drift_ppm_to_ppb(0.00048828125), 0);  // 0.48828125
  // Exact halves (0.0625 · 1000 = 62.5) round away from zero, as llround does.
  EXPECT_EQ(drift_ppm_to_ppb(0.0625), 63);
  EXPECT_EQ(drift_ppm_to_ppb(-0.0625), -63);
}

TEST(NodeClockDeathTest, DriftOutsideTheAllowedRangeIsAProgrammerError) {
  EXPECT_DEATH(NodeClock(Duration::zero(), NodeClock::kDriftPpbMin - 1), "kDriftPpbMin");
  NodeClock clock;
  EXPECT_DEATH(clock.set_drift_ppb(g(0), NodeClock::kDriftPpbMax + 1), "kDriftPpbMax");
}

rc::Gen<int64_t> drift_ppb() {
  return rc::gen::oneOf(rc::gen::inRange<int64_t>(NodeClock::kDriftPpbMin, NodeClock::kDriftPpbMax + 1),
                        rc::gen::elementOf(std::vector<int64_t>{NodeClock::kDriftPpbMin, NodeClock::kDriftPpbMax, 0, 1,
                                                                -1, 200'000'000, -333'333'333}));
}

// Small values hit the rounding edges; large ones exercise the 128-bit arithmetic.
rc::Gen<int64_t> span_ns(int64_t max_ns) {
  return rc::gen::oneOf(rc::gen::inRange<int64_t>(0, 4), rc::gen::inRange<int64_t>(0, 2'000),
                        rc::gen::inRange<int64_t>(0, max_ns));
}

RC_GTEST_PROP(NodeClockProperty, LocalMatchesTheExactFormulaOnOneSegment, ()) {
  const int64_t offset = *rc::gen::inRange<int64_t>(-1'000 * kSecond, 1'000 * kSecond);
  const int64_t drift = *drift_ppb();
  const int64_t global = *span_ns(int64_t{1} << 60);
  const NodeClock clock(Duration::nanos(offset), drift);
  RC_ASSERT(clock.local_at(g(global)).ns == reference_local(offset, drift, global));
}

// A history of clock faults at non-decreasing global times: (gap, is_step, step delta, new drift).
RC_GTEST_PROP(NodeClockProperty, GlobalWhenIsTheEarliestInstantReachingTheDeadline, ()) {
  constexpr int64_t kMaxSpan = int64_t{1} << 45;  // ~9.8 hours per gap, step or deadline distance
  NodeClock clock(Duration::nanos(*rc::gen::inRange<int64_t>(-kMaxSpan, kMaxSpan)), *drift_ppb());
  const auto history = *rc::gen::container<std::vector<std::tuple<int64_t, bool, int64_t, int64_t>>>(rc::gen::tuple(
      span_ns(kMaxSpan), rc::gen::arbitrary<bool>(), rc::gen::inRange<int64_t>(-kMaxSpan, kMaxSpan), drift_ppb()));

  SimTime now = g(0);
  for (const auto& [gap, is_step, delta, drift] : history) {
    now += Duration::nanos(gap);
    const LocalTime before = clock.local_at(now);
    if (is_step) {
      clock.step(now, Duration::nanos(delta));
      RC_ASSERT(clock.local_at(now) == before + Duration::nanos(delta));
    } else {
      clock.set_drift_ppb(now, drift);
      RC_ASSERT(clock.local_at(now) == before);
    }
    // Timers are re-converted after every change, so check at every point of the history.
    check_global_when(clock, clock.local_at(now) + Duration::nanos(*span_ns(kMaxSpan)), now);
  }

  now += Duration::nanos(*span_ns(kMaxSpan));
  const LocalTime reading = clock.local_at(now);
  // Deadlines already passed, exactly now, and in the future.
  check_global_when(clock, reading - Duration::nanos(*span_ns(kMaxSpan)), now);
  check_global_when(clock, reading, now);
  check_global_when(clock, reading + Duration::nanos(1), now);
  check_global_when(clock, reading + Duration::nanos(*span_ns(kMaxSpan)), now);
}

RC_GTEST_PROP(NodeClockProperty, LocalNeverRunsBackwardsWithoutAStep, ()) {
  const NodeClock clock(Duration::nanos(*rc::gen::inRange<int64_t>(-kSecond, kSecond)), *drift_ppb());
  const int64_t start = *span_ns(int64_t{1} << 50);
  const int64_t later = start + *span_ns(int64_t{1} << 40);
  RC_ASSERT(clock.local_at(g(start)) <= clock.local_at(g(later)));
  RC_ASSERT(clock.local_at(g(start)) <= clock.local_at(g(start + 1)));
}

}  // namespace
}  // namespace consim::sim
