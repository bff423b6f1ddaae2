// What the simulator carries without understanding it: message bodies and disk records.
//
// The simulator knows no protocol. A payload is immutable and shared (a duplicated packet and
// its original point at the same body); kind() names it in the trace ("AppendEntries").
#pragma once

#include <memory>
#include <string_view>

namespace consim::sim {

class Payload {
 public:
  virtual ~Payload() = default;
  virtual std::string_view kind() const = 0;
};

using PayloadPtr = std::shared_ptr<const Payload>;

}  // namespace consim::sim
