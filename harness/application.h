// The replicated state machine a host applies committed entries to: protocol-agnostic, so Raft
// and ZAB drive the same services. One Application per host incarnation: after a crash it is
// rebuilt from the protocol's snapshot and the committed entries replayed after it.
#pragma once

#include <cstdint>

#include "protocols/common/effects.h"
#include "protocols/common/ids.h"

namespace consim::harness {

class Application {
 public:
  virtual ~Application() = default;
  // Replaces the whole state by a snapshot taken at `index` (null: the initial, empty state).
  virtual void restore(const protocols::RecordPtr& snapshot, protocols::LogIndex index) = 0;
  // Applies one committed entry (command null for the protocol's own entries: no-ops,
  // configuration changes). Entries come in index order, each exactly once.
  virtual void apply(const protocols::Committed& entry) = 0;
  // The state after the last applied entry, for the protocol to keep as its snapshot.
  virtual protocols::RecordPtr snapshot() const = 0;
  // Index of the last applied entry (or of the restored snapshot).
  virtual protocols::LogIndex applied() const = 0;
};

}  // namespace consim::harness
