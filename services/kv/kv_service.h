// The kv service: an etcd-like replicated state machine (semantics in kv_command.h).
//
// Deterministic: the response and the next state depend only on the state, the command and
// its ApplyContext (log index and the proposer's timestamp), never on the replica, a clock or
// a random draw. Two replicas that apply the same commands with the same contexts have equal
// digests, and a replica restored from a snapshot continues exactly as the one that took it.
//
// Lease expiry is a replicated command. The leader asks expired_leases(its clock now) and
// proposes a LeaseExpire for each; the service checks the deadline again against the command's
// own timestamp when it applies it, so an expiry that lost a race with a keep-alive, or that a
// deposed leader proposed, changes nothing.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "services/common/apply_context.h"
#include "services/kv/kv_command.h"
#include "services/kv/kv_state.h"

namespace consim::services::kv {

// An immutable copy of the state, cheap to share (a protocol keeps it while sending it).
using Snapshot = std::shared_ptr<const KvState>;

class KvService {
 public:
  // Applies one committed command. Requires context.index > applied_index().
  Response apply(const Command& command, const ApplyContext& context);
  // Serves a read from the current state without the log (ReadIndex, lease and follower reads).
  Response read(const Get& get) const;
  // The same for a command known to be a read (is_read(command)).
  Response read(const Command& command) const;

  // The live leases whose deadline is <= now_ns, in id order: what a leader whose clock reads
  // now_ns should propose LeaseExpire for.
  std::vector<LeaseId> expired_leases(int64_t now_ns) const;

  // O(size of the state): a copy.
  Snapshot snapshot() const;
  // Replaces the state by the snapshot's (null: the initial, empty state).
  void restore(const Snapshot& snapshot);

  uint64_t digest() const { return state_.digest(); }
  std::string describe() const { return state_.describe(); }
  const KvState& state() const { return state_; }
  Revision revision() const { return state_.revision; }
  uint64_t applied_index() const { return state_.applied_index; }

 private:
  Response apply_one(const Get& get, const ApplyContext& context);
  Response apply_one(const Put& put, const ApplyContext& context);
  Response apply_one(const Delete& del, const ApplyContext& context);
  Response apply_one(const Cas& cas, const ApplyContext& context);
  Response apply_one(const LeaseGrant& grant, const ApplyContext& context);
  Response apply_one(const LeaseKeepAlive& keep_alive, const ApplyContext& context);
  Response apply_one(const LeaseRevoke& revoke, const ApplyContext& context);
  Response apply_one(const LeaseExpire& expire, const ApplyContext& context);

  Response respond(Code code) const;
  // Writes key at a new revision, attaching it to `lease` (0: none). The lease must exist.
  Response write(const std::string& key, const std::string& value, LeaseId lease);
  // Ends the lease and deletes its keys, at one new revision if it had any; returns how many.
  int64_t revoke(LeaseId lease);
  void detach(const KeyValue& kv);

  KvState state_;
};

}  // namespace consim::services::kv
