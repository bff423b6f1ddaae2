// The simplest replicated application: a log of numbered commands. Used by protocol cluster
// tests and benchmarks (MIT 6.5840's apply checker works on exactly this), before and beside
// the real services.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "harness/application.h"

namespace consim::harness {

class NumberCommand final : public protocols::Record {
 public:
  explicit NumberCommand(uint64_t value, uint32_t bytes = 16) : value_(value), bytes_(bytes) {}
  std::string_view kind() const override { return "Number"; }
  uint64_t digest() const override;
  uint32_t bytes() const override { return bytes_; }
  uint64_t value() const { return value_; }

 private:
  uint64_t value_;
  uint32_t bytes_;
};

// Applies commands by remembering them (with their index); a snapshot is the list so far.
class CommandLog final : public Application {
 public:
  // Called for every entry applied: (node, index, command value or nullopt for protocol entries),
  // and for every command a restored snapshot holds, as if it had been applied.
  using Observer = std::function<void(protocols::NodeId, protocols::LogIndex, std::optional<uint64_t>)>;

  // `contiguous`: indexes must follow each other (Raft); otherwise they only increase (ZAB's zxids
  // jump at each new epoch).
  CommandLog(protocols::NodeId node, Observer observer, bool contiguous = true)
      : node_(node), observer_(std::move(observer)), contiguous_(contiguous) {}

  void restore(const protocols::RecordPtr& snapshot, protocols::LogIndex index) override;
  void apply(const protocols::Committed& entry) override;
  protocols::RecordPtr snapshot() const override;
  protocols::LogIndex applied() const override { return applied_; }

  // (index, value) of every command applied, in order.
  const std::vector<std::pair<uint64_t, uint64_t>>& values() const { return values_; }

 private:
  protocols::NodeId node_;
  Observer observer_;
  bool contiguous_ = true;
  protocols::LogIndex applied_;
  std::vector<std::pair<uint64_t, uint64_t>> values_;
};

}  // namespace consim::harness
