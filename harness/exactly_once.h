// Applies each client request at most once (Raft dissertation §6.3): the replicated state keeps,
// per client, the newest request it applied, and an entry carrying a request that is not newer
// is skipped. Duplicates reach the log when the network duplicates a forwarded proposal (Raft's
// messages are datagrams here) or when a request that timed out is still in flight behind a
// newer one of the same client; the client recorded the older one as info, so skipping it is
// one of its allowed outcomes. The table is part of the snapshot, so every replica, restored or
// not, skips the same entries.
//
// Request ids name their client in the bits above kClientShift (harness/client.cc); the
// harness's own requests (probes, expiries) use clients of their own the same way.
#pragma once

#include <cstdint>
#include <map>
#include <memory>

#include "harness/service_binding.h"

namespace consim::harness {

inline constexpr int kClientShift = 40;

class ExactlyOnce final : public ServiceApplication {
 public:
  explicit ExactlyOnce(std::unique_ptr<ServiceApplication> inner);

  void restore(const protocols::RecordPtr& snapshot, protocols::LogIndex index) override;
  void apply(const protocols::Committed& entry) override;
  protocols::RecordPtr snapshot() const override;
  protocols::LogIndex applied() const override { return inner_->applied(); }
  // A skipped entry's outcome: for an older request of its client, a definite failure
  // ("Duplicate": it changed nothing, and never will, since a newer request was applied first);
  // for a copy of the very request applied before (a duplicated proposal), unknown here: that
  // request took effect, but this replica may know it only from a snapshot, without its result.
  OpOutcome outcome_of(protocols::LogIndex index) const override;
  OpOutcome read(const ClientOp& op) const override { return inner_->read(op); }
  uint64_t state_digest() const override;

  const ServiceApplication& inner() const { return *inner_; }
  uint64_t duplicates_skipped() const { return skipped_; }

 private:
  std::unique_ptr<ServiceApplication> inner_;
  std::map<uint64_t, uint64_t> newest_;  // client -> the newest request id applied
  uint64_t skipped_ = 0;                 // not replicated state: this replica's count
  protocols::LogIndex last_skipped_;
  bool last_skipped_was_copy_ = false;  // the skipped entry repeated the newest request itself
};

}  // namespace consim::harness
