#include "harness/command_log.h"

#include <typeinfo>

#include "base/assert.h"

namespace consim::harness {
namespace {

class CommandLogSnapshot final : public protocols::Record {
 public:
  CommandLogSnapshot(std::vector<std::pair<uint64_t, uint64_t>> values, protocols::LogIndex applied)
      : values_(std::move(values)), applied_(applied) {}
  std::string_view kind() const override { return "CommandLogSnapshot"; }
  uint64_t digest() const override {
    uint64_t hash = applied_.value;
    for (const auto& [index, value] : values_) {
      hash = (hash * 0x100000001b3ULL ^ index) * 0x100000001b3ULL ^ value;
    }
    return hash;
  }
  uint32_t bytes() const override { return static_cast<uint32_t>(8 + 16 * values_.size()); }
  const std::vector<std::pair<uint64_t, uint64_t>>& values() const { return values_; }

 private:
  std::vector<std::pair<uint64_t, uint64_t>> values_;
  protocols::LogIndex applied_;
};

}  // namespace

uint64_t NumberCommand::digest() const {
  uint64_t x = value_ + 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

void CommandLog::restore(const protocols::RecordPtr& snapshot, protocols::LogIndex index) {
  applied_ = index;
  values_.clear();
  if (snapshot != nullptr) {
    const auto* state = dynamic_cast<const CommandLogSnapshot*>(snapshot.get());
    CONSIM_ASSERT(state != nullptr);
    values_ = state->values();
  }
  if (observer_) {
    for (const auto& [applied_index, value] : values_) {
      observer_(node_, protocols::LogIndex{applied_index}, value);
    }
  }
}

void CommandLog::apply(const protocols::Committed& entry) {
  // Entries arrive in order, each once (MIT's apply checker: index == last applied + 1).
  CONSIM_ASSERT_MSG(contiguous_ ? entry.index == applied_.next() : entry.index > applied_, "applied out of order");
  applied_ = entry.index;
  std::optional<uint64_t> value;
  if (entry.command != nullptr) {
    const protocols::Record& command = *entry.command;
    CONSIM_ASSERT(typeid(command) == typeid(NumberCommand));  // final: the exact type, no dynamic_cast
    const auto* number = static_cast<const NumberCommand*>(&command);
    value = number->value();
    values_.emplace_back(entry.index.value, *value);
  }
  if (observer_) {
    observer_(node_, entry.index, value);
  }
}

protocols::RecordPtr CommandLog::snapshot() const { return std::make_shared<CommandLogSnapshot>(values_, applied_); }

}  // namespace consim::harness
