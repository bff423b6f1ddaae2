// A node's local clock: local = offset + (1 + drift)·global, piecewise.
//
// The clock is a line anchored at the last change: local(g) = anchor_local + (g − anchor_global)
// · (1 + drift_ppb·1e-9), in integer nanoseconds (the drift term rounds toward negative
// infinity). A drift change or a step re-anchors the line at the current global time, so the
// clock is continuous across a drift change and jumps by exactly the step.
//
// Timers are armed in local time; global_when() converts a local deadline into the first
// global instant at which the clock reads at least that much. The World re-converts every
// pending timer whenever a node's clock changes.
#pragma once

#include <cstdint>

#include "base/time.h"

namespace consim::sim {

class NodeClock {
 public:
  // Drift is bounded so that the clock always runs forward: −50% .. +100%.
  static constexpr int64_t kDriftPpbMin = -500'000'000;
  static constexpr int64_t kDriftPpbMax = 1'000'000'000;

  NodeClock() = default;
  // A clock reading `offset` ahead of global time at global time zero, with the given drift.
  NodeClock(Duration offset, int64_t drift_ppb);

  LocalTime local_at(SimTime global) const;
  // The earliest global time >= `not_before` at which local_at() >= `deadline`.
  SimTime global_when(LocalTime deadline, SimTime not_before) const;

  // Jumps the clock by `delta` (negative = backwards) at global time `now`.
  void step(SimTime now, Duration delta);
  // Changes the rate error at global time `now`; the reading stays continuous.
  void set_drift_ppb(SimTime now, int64_t drift_ppb);
  int64_t drift_ppb() const { return drift_ppb_; }

 private:
  void reanchor(SimTime now);

  SimTime anchor_global_;
  LocalTime anchor_local_;
  int64_t drift_ppb_ = 0;
};

// Converts parts per million (as scenarios write it) to parts per billion, rounding to nearest.
int64_t drift_ppm_to_ppb(double ppm);

}  // namespace consim::sim
