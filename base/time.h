// Time, in integer nanoseconds. Floating point never decides when something happens.
//
// Three types that do not mix by accident:
//   Duration  — a length of time.
//   SimTime   — the simulator's global time, the one true order of events.
//   LocalTime — what one node's clock reads; it drifts and jumps relative to SimTime.
#pragma once

#include <compare>
#include <cstdint>
#include <limits>

namespace consim {

struct Duration {
  int64_t ns = 0;

  static constexpr Duration nanos(int64_t n) { return Duration{n}; }
  static constexpr Duration micros(int64_t n) { return Duration{n * 1'000}; }
  static constexpr Duration millis(int64_t n) { return Duration{n * 1'000'000}; }
  static constexpr Duration seconds(int64_t n) { return Duration{n * 1'000'000'000}; }
  static constexpr Duration zero() { return Duration{0}; }

  constexpr int64_t to_ms() const { return ns / 1'000'000; }

  constexpr auto operator<=>(const Duration&) const = default;
  constexpr Duration operator+(Duration other) const { return Duration{ns + other.ns}; }
  constexpr Duration operator-(Duration other) const { return Duration{ns - other.ns}; }
  constexpr Duration operator-() const { return Duration{-ns}; }
  constexpr Duration operator*(int64_t k) const { return Duration{ns * k}; }
  constexpr Duration operator/(int64_t k) const { return Duration{ns / k}; }
  constexpr Duration& operator+=(Duration other) {
    ns += other.ns;
    return *this;
  }
};

// A point on some time line; Tag keeps global and local time lines apart.
template <typename Tag>
struct TimePoint {
  int64_t ns = 0;

  static constexpr TimePoint zero() { return TimePoint{0}; }
  static constexpr TimePoint max() { return TimePoint{std::numeric_limits<int64_t>::max()}; }
  static constexpr TimePoint from_ms(int64_t ms) { return TimePoint{ms * 1'000'000}; }

  constexpr auto operator<=>(const TimePoint&) const = default;
  constexpr TimePoint operator+(Duration d) const { return TimePoint{ns + d.ns}; }
  constexpr TimePoint operator-(Duration d) const { return TimePoint{ns - d.ns}; }
  constexpr Duration operator-(TimePoint other) const { return Duration{ns - other.ns}; }
  constexpr TimePoint& operator+=(Duration d) {
    ns += d.ns;
    return *this;
  }
};

struct GlobalTimeTag {};
struct LocalTimeTag {};
using SimTime = TimePoint<GlobalTimeTag>;
using LocalTime = TimePoint<LocalTimeTag>;

}  // namespace consim
