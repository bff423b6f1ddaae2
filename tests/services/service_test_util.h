// Shared helpers for the services' tests.
#pragma once

#include <cstdint>

#include "services/common/apply_context.h"

namespace consim::services::testing {

// The context of a command at log position `index`, proposed when the leader's clock read `time_ms`.
inline ApplyContext at(uint64_t index, int64_t time_ms = 0) { return ApplyContext{index, time_ms * 1'000'000}; }

inline constexpr int64_t ms_to_ns(int64_t ms) { return ms * 1'000'000; }

}  // namespace consim::services::testing
