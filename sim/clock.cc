#include "sim/clock.h"

#include <cmath>

#include "base/assert.h"
#include "base/int128.h"

namespace consim::sim {
namespace {

constexpr int64_t kBillion = 1'000'000'000;

// floor(a * b / kBillion) without overflow for |a| < 2^62 and |b| <= 2^31.
int64_t scale_floor(int64_t a, int64_t b) {
  if (b == 0) {
    return 0;  // a clock without drift (nearly every clock): no 128-bit division
  }
  const Int128 product = static_cast<Int128>(a) * b;
  Int128 quotient = product / kBillion;
  if (product % kBillion != 0 && product < 0) {
    --quotient;
  }
  return static_cast<int64_t>(quotient);
}

}  // namespace

NodeClock::NodeClock(Duration offset, int64_t drift_ppb) : anchor_local_{offset.ns}, drift_ppb_(drift_ppb) {
  CONSIM_ASSERT(drift_ppb >= kDriftPpbMin);
  CONSIM_ASSERT(drift_ppb <= kDriftPpbMax);
}

LocalTime NodeClock::local_at(SimTime global) const {
  const int64_t elapsed = global.ns - anchor_global_.ns;
  return LocalTime{anchor_local_.ns + elapsed + scale_floor(elapsed, drift_ppb_)};
}

SimTime NodeClock::global_when(LocalTime deadline, SimTime not_before) const {
  if (local_at(not_before) >= deadline) {
    return not_before;
  }
  // Solve elapsed·(1 + drift) >= deadline − anchor_local for the smallest elapsed. The estimate
  // is within a nanosecond or two of the answer; the loops settle the rounding exactly.
  const int64_t needed = deadline.ns - anchor_local_.ns;
  if (drift_ppb_ == 0) {
    // local = anchor_local + elapsed exactly: the answer needs no estimate.
    const SimTime when{anchor_global_.ns + needed};
    CONSIM_ASSERT(when > not_before);
    return when;
  }
  const Int128 numerator = static_cast<Int128>(needed) * kBillion;
  const int64_t rate = kBillion + drift_ppb_;
  int64_t elapsed = static_cast<int64_t>(numerator / rate);
  while (local_at(SimTime{anchor_global_.ns + elapsed}) < deadline) {
    ++elapsed;
  }
  while (elapsed > 0 && local_at(SimTime{anchor_global_.ns + elapsed - 1}) >= deadline) {
    --elapsed;
  }
  const SimTime when{anchor_global_.ns + elapsed};
  CONSIM_ASSERT(when > not_before);
  return when;
}

void NodeClock::reanchor(SimTime now) {
  CONSIM_ASSERT(now >= anchor_global_);
  anchor_local_ = local_at(now);
  anchor_global_ = now;
}

void NodeClock::step(SimTime now, Duration delta) {
  reanchor(now);
  anchor_local_ = anchor_local_ + delta;
}

void NodeClock::set_drift_ppb(SimTime now, int64_t drift_ppb) {
  CONSIM_ASSERT(drift_ppb >= kDriftPpbMin);
  CONSIM_ASSERT(drift_ppb <= kDriftPpbMax);
  reanchor(now);
  drift_ppb_ = drift_ppb;
}

int64_t drift_ppm_to_ppb(double ppm) { return static_cast<int64_t>(std::llround(ppm * 1000.0)); }

}  // namespace consim::sim
