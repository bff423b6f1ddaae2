// The first safety violation an online invariant checker found (Raft's, later ZAB's).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/time.h"
#include "sim/ids.h"

namespace consim::checkers {

struct Violation {
  std::string invariant;           // a stable snake_case id, e.g. "election_safety"
  std::string message;             // one line for humans, naming the nodes, terms and indexes
  std::vector<sim::HostId> nodes;  // the nodes involved, the offending record's node first
  SimTime time;                    // the offending record's time
  uint64_t record_index = 0;       // position of the offending record in the stream, 0-based

  // "election_safety at record 17 (t=1500ns): n2 and n1 both became leader of term 3"
  std::string describe() const {
    return invariant + " at record " + std::to_string(record_index) + " (t=" + std::to_string(time.ns) +
           "ns): " + message;
  }
};

}  // namespace consim::checkers
