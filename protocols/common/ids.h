// Identifiers and ordinals of the protocols' vocabulary, kept apart by type.
#pragma once

#include <compare>
#include <cstdint>
#include <string>

namespace consim::protocols {

// A protocol node, 1-based: NodeId{1} is "n1". Zero means none (no leader known, no vote).
struct NodeId {
  uint32_t value = 0;

  auto operator<=>(const NodeId&) const = default;
  bool valid() const { return value != 0; }
  std::string name() const {
    std::string text = std::to_string(value);
    text.insert(text.begin(), 'n');
    return text;
  }
};

// Raft's term; ZAB uses epochs (see zab/).
struct Term {
  uint64_t value = 0;
  auto operator<=>(const Term&) const = default;
};

// A position in a replicated log, 1-based; 0 is "before the first entry".
struct LogIndex {
  uint64_t value = 0;
  auto operator<=>(const LogIndex&) const = default;
  LogIndex next() const { return LogIndex{value + 1}; }
  LogIndex prev() const { return LogIndex{value == 0 ? 0 : value - 1}; }
};

// A client request, unique within a run.
struct RequestId {
  uint64_t value = 0;
  auto operator<=>(const RequestId&) const = default;
  bool valid() const { return value != 0; }
};

}  // namespace consim::protocols
