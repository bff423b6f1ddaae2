// What a service learns about a committed command besides the command itself. Both fields come
// from the replicated log, never from the replica applying it, so every replica computes the
// same result.
#pragma once

#include <cstdint>

namespace consim::services {

struct ApplyContext {
  // The command's log position: Raft's log index, or ZAB's zxid. Strictly increasing on one
  // replica (protocol-only entries may leave gaps). The znode service uses it as the zxid.
  uint64_t index = 0;
  // The proposer's local clock when it proposed the command, stamped into the entry by the
  // leader. Leases and sessions measure their deadlines on this time line: it is the only clock
  // every replica agrees on. It may go backwards across a change of leader (clock skew).
  int64_t timestamp_ns = 0;
};

}  // namespace consim::services
