#include "harness/exactly_once.h"

#include <typeinfo>

#include "base/assert.h"

namespace consim::harness {
namespace {

class ExactlyOnceSnapshot final : public protocols::Record {
 public:
  ExactlyOnceSnapshot(protocols::RecordPtr inner, std::map<uint64_t, uint64_t> newest)
      : inner_(std::move(inner)), newest_(std::move(newest)) {}
  std::string_view kind() const override { return inner_ != nullptr ? inner_->kind() : "EmptySnapshot"; }
  uint64_t digest() const override {
    uint64_t hash = inner_ != nullptr ? inner_->digest() : 0;
    for (const auto& [client, request] : newest_) {
      hash = (hash * 0x100000001b3ULL ^ client) * 0x100000001b3ULL ^ request;
    }
    return hash;
  }
  uint32_t bytes() const override {
    return (inner_ != nullptr ? inner_->bytes() : 0) + static_cast<uint32_t>(16 * newest_.size());
  }
  const protocols::RecordPtr& inner() const { return inner_; }
  const std::map<uint64_t, uint64_t>& newest() const { return newest_; }

 private:
  protocols::RecordPtr inner_;
  std::map<uint64_t, uint64_t> newest_;
};

}  // namespace

ExactlyOnce::ExactlyOnce(std::unique_ptr<ServiceApplication> inner) : inner_(std::move(inner)) {
  CONSIM_ASSERT(inner_ != nullptr);
}

void ExactlyOnce::restore(const protocols::RecordPtr& snapshot, protocols::LogIndex index) {
  if (snapshot == nullptr) {
    newest_.clear();
    inner_->restore(nullptr, index);
    return;
  }
  const protocols::Record& record = *snapshot;
  CONSIM_ASSERT(typeid(record) == typeid(ExactlyOnceSnapshot));
  const auto& wrapped = static_cast<const ExactlyOnceSnapshot&>(record);
  newest_ = wrapped.newest();
  inner_->restore(wrapped.inner(), index);
}

void ExactlyOnce::apply(const protocols::Committed& entry) {
  if (entry.command != nullptr && entry.request.valid()) {
    uint64_t& newest = newest_[entry.request.value >> kClientShift];
    if (entry.request.value <= newest) {
      ++skipped_;
      last_skipped_ = entry.index;
      last_skipped_was_copy_ = entry.request.value == newest;
      protocols::Committed skipped = entry;
      skipped.command = nullptr;  // the index advances; the state does not change
      inner_->apply(skipped);
      return;
    }
    newest = entry.request.value;
  }
  inner_->apply(entry);
}

OpOutcome ExactlyOnce::outcome_of(protocols::LogIndex index) const {
  if (index == last_skipped_) {
    OpOutcome outcome;
    if (last_skipped_was_copy_) {
      outcome.unknown = true;
      return outcome;
    }
    outcome.ok = false;
    outcome.error = "Duplicate";
    return outcome;
  }
  return inner_->outcome_of(index);
}

protocols::RecordPtr ExactlyOnce::snapshot() const {
  return std::make_shared<ExactlyOnceSnapshot>(inner_->snapshot(), newest_);
}

uint64_t ExactlyOnce::state_digest() const {
  uint64_t hash = inner_->state_digest();
  for (const auto& [client, request] : newest_) {
    hash = (hash * 0x100000001b3ULL ^ client) * 0x100000001b3ULL ^ request;
  }
  return hash;
}

}  // namespace consim::harness
