// Reading a scenario's fault schedule and the link and disk parameters (internal to the loader:
// included by scenario.cc and scenario_faults.cc only). Readers throw strict_json::ReadError.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "harness/scenario.h"
#include "harness/strict_json.h"
#include "sim/network.h"

namespace consim::harness::scenario_detail {

// Every time in a scenario is bounded by a day of simulated time, so that no conversion to
// nanoseconds (int64) can overflow, whatever the file says.
inline constexpr double kMaxMs = 24.0 * 3600 * 1000;
// A link or disk latency (or a tick) above a minute is a typo, not a scenario.
inline constexpr double kMaxLatencyMs = 60'000;
inline constexpr strict_json::Range kPositiveMs{0, kMaxMs, /*min_open=*/true};
inline constexpr strict_json::Range kNonNegativeMs{0, kMaxMs};
inline constexpr strict_json::Range kLatencyMs{0, kMaxLatencyMs};
inline constexpr strict_json::Range kProbability{0, 1};
inline constexpr std::array<std::string_view, 6> kLinkFields = {"latency_ms_min",   "latency_ms_max",
                                                                "latency_ms_mean",  "latency_shape",
                                                                "drop_probability", "duplicate_probability"};

// `names` followed by `more`: the known fields of an object that shares some with another.
std::vector<std::string_view> with(std::span<const std::string_view> names,
                                   std::initializer_list<std::string_view> more);

// The NetworkSpec fields of `object` (whose known fields include kLinkFields). `defaults` is the
// simulator's link at the top level, where an absent bound takes its default; null in a fault,
// where an absent bound keeps the link's current value.
NetworkSpec read_link(const strict_json::ObjectReader& object, const sim::LinkParams* defaults);
// The top-level "disk" object.
DiskSpec read_disk(const strict_json::Json& value, const std::string& path);
// The "faults" array: selectors name nodes n1..n`nodes`, every fault fires within `duration_ms`,
// and crash points and membership changes fit `protocol`. Sorted by at_ms; faults at the same
// instant keep the file's order.
std::vector<Fault> read_faults(const strict_json::Json& value, const std::string& path, uint32_t nodes,
                               double duration_ms, std::string_view protocol);

}  // namespace consim::harness::scenario_detail
