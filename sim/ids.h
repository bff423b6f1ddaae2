// Identifiers the simulator hands out. The simulator knows hosts, not protocol nodes: the
// harness maps a protocol's NodeId onto a HostId.
#pragma once

#include <compare>
#include <cstdint>
#include <string>

namespace consim::sim {

// A simulated machine, 0-based. Named n1..nN in traces and scenarios.
struct HostId {
  uint32_t index = 0;

  auto operator<=>(const HostId&) const = default;
  std::string name() const {
    if (index < 9) {  // the common case, on nearly every trace record: no formatting
      return std::string{'n', static_cast<char>('1' + index)};
    }
    std::string text = std::to_string(index + 1);
    text.insert(text.begin(), 'n');
    return text;
  }
};

// One stream connection. Ids are never reused, so an id is also the connection's incarnation:
// nothing sent on a closed connection is ever delivered on a later one.
struct ConnId {
  uint64_t value = 0;  // 0 = none

  auto operator<=>(const ConnId&) const = default;
  bool valid() const { return value != 0; }
};

// A timer armed by a host's process.
struct TimerId {
  uint64_t value = 0;
  auto operator<=>(const TimerId&) const = default;
};

// A disk sync requested by a host's process.
struct SyncId {
  uint64_t value = 0;
  auto operator<=>(const SyncId&) const = default;
};

}  // namespace consim::sim
