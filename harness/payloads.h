// Wrappers that carry protocol values through the simulator, which knows only sim::Payload.
#pragma once

#include <memory>
#include <string_view>
#include <utility>

#include "protocols/common/effects.h"
#include "sim/payload.h"

namespace consim::harness {

// A protocol message on the simulated network.
class MessagePayload final : public sim::Payload {
 public:
  explicit MessagePayload(protocols::MessagePtr message) : message_(std::move(message)) {}
  std::string_view kind() const override { return message_->kind(); }
  const protocols::MessagePtr& message() const { return message_; }

 private:
  protocols::MessagePtr message_;
};

// A protocol record on a simulated disk.
class RecordPayload final : public sim::Payload {
 public:
  explicit RecordPayload(protocols::RecordPtr record) : record_(std::move(record)) {}
  std::string_view kind() const override { return record_->kind(); }
  const protocols::RecordPtr& record() const { return record_; }

 private:
  protocols::RecordPtr record_;
};

}  // namespace consim::harness
