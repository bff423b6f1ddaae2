// A scenario's numbers as the simulator takes them: milliseconds (doubles in the file) as
// integer nanoseconds, and link settings applied over a base (the simulator's defaults for the
// top-level `network`, a link's current settings for a `network` fault).
#pragma once

#include <cmath>

#include "base/time.h"
#include "harness/scenario.h"
#include "sim/network.h"

namespace consim::harness {

inline Duration scenario_ms(double value) { return Duration::nanos(static_cast<int64_t>(std::llround(value * 1e6))); }
// The other way: a duration as a scenario's milliseconds.
inline double to_ms(Duration duration) { return static_cast<double>(duration.ns) / 1e6; }

// `base` with the fields `spec` sets; a maximum latency below the minimum rises to it (a fault
// that raises only the minimum).
inline sim::LinkParams apply_link_spec(sim::LinkParams base, const NetworkSpec& spec) {
  if (spec.latency_ms_min) base.latency_min = scenario_ms(*spec.latency_ms_min);
  if (spec.latency_ms_max) base.latency_max = scenario_ms(*spec.latency_ms_max);
  if (spec.latency_ms_mean) base.latency_mean = scenario_ms(*spec.latency_ms_mean);
  if (spec.latency_shape) {
    base.shape = *spec.latency_shape == "exponential" ? sim::LatencyShape::kExponential : sim::LatencyShape::kUniform;
  }
  if (spec.drop_probability) base.drop_probability = *spec.drop_probability;
  if (spec.duplicate_probability) base.duplicate_probability = *spec.duplicate_probability;
  if (base.latency_max < base.latency_min) {
    base.latency_max = base.latency_min;
  }
  return base;
}

}  // namespace consim::harness
