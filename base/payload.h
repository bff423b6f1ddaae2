// What the simulator carries without understanding it: message bodies and disk records.
//
// Payloads are immutable and shared (a duplicated packet and its original point at the same
// body); kind() names one in the trace ("AppendEntries"). The simulator and the protocols both
// see this one base class, so a protocol's message travels through the simulated network as
// it is, without a wrapper per send; family() lets the host that receives a payload check what
// it is without a dynamic_cast.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

namespace consim {

class Payload {
 public:
  enum class Family : uint8_t { other, protocol_message, protocol_record };

  explicit Payload(Family family = Family::other) : family_(family) {}
  virtual ~Payload() = default;
  Payload(const Payload&) = default;
  Payload& operator=(const Payload&) = default;

  virtual std::string_view kind() const = 0;
  Family family() const { return family_; }

 private:
  Family family_;
};

}  // namespace consim
