// The znode service: a ZooKeeper-like replicated state machine (semantics in znode_command.h,
// znode_tree.h and research/zab.md §b).
//
// Deterministic: the response and the next state depend only on the state, the command and
// its ApplyContext, whose index is the command's zxid and whose timestamp (ms) gives ctime and
// mtime and measures session deadlines. Two replicas that apply the same commands with the same
// contexts have equal digests, and a replica restored from a snapshot continues exactly as the
// one that took it.
//
// Sessions: a command from a session that is not alive fails SessionExpired and changes nothing
// (ephemerals cannot outlive their owner); every command from a live session touches it, as any
// request does in ZooKeeper. Expiry is a replicated command: the leader asks
// expired_sessions(its clock now) and proposes an ExpireSession for each; the service checks
// the deadline again against the command's own timestamp, so an expiry that lost a race with a
// touch, or that a deposed leader proposed, changes nothing.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "services/common/apply_context.h"
#include "services/znode/sessions.h"
#include "services/znode/znode_command.h"
#include "services/znode/znode_tree.h"

namespace consim::services::znode {

struct ZnodeState {
  ZnodeTree tree;
  SessionTable sessions;
  Zxid last_zxid = 0;  // the last applied command's zxid (lastProcessedZxid); not part of the digest

  // Over the tree and the sessions, in key order: equal states have equal digests on every build.
  uint64_t digest() const;
  // An estimate of the state's size as a snapshot on disk or on the wire, for byte accounting.
  uint64_t bytes() const;
  std::string describe() const;
  // Aborts (CONSIM_ASSERT) on a broken invariant (the tree's, and every ephemeral owner is a
  // live session). O(n): for tests and debugging.
  void check_invariants() const;
  bool operator==(const ZnodeState&) const = default;
};

// An immutable copy of the state, cheap to share.
using Snapshot = std::shared_ptr<const ZnodeState>;

class ZnodeService {
 public:
  // Applies one committed command at zxid = context.index. Requires context.index >
  // last_zxid() and <= INT64_MAX.
  Response apply(const Command& command, const ApplyContext& context);
  // Serves a read (is_read(command.op)) from the current state without the log: ZooKeeper's
  // local read. The response's zxid is the last applied one.
  Response read(const Command& command) const;

  // The live sessions whose deadline is <= now_ns, in id order: what a leader whose clock reads
  // now_ns should propose ExpireSession for.
  std::vector<SessionId> expired_sessions(int64_t now_ns) const;

  // O(size of the state): a copy.
  Snapshot snapshot() const;
  // Replaces the state by the snapshot's (null: the initial state).
  void restore(const Snapshot& snapshot);

  uint64_t digest() const { return state_.digest(); }
  std::string describe() const { return state_.describe(); }
  const ZnodeState& state() const { return state_; }
  Zxid last_zxid() const { return state_.last_zxid; }

 private:
  Response apply_op(const Command& command, Zxid zxid, int64_t timestamp_ns);
  Response apply_session_op(const Command& command, int64_t timestamp_ns);
  Response read_op(const Op& op) const;
  Response run_multi(const Multi& multi, SessionId session, Zxid zxid, int64_t time_ms);
  OpResult run_multi_op(const MultiOp& op, SessionId session, Zxid zxid, int64_t time_ms);
  // Ends a live session: deletes its ephemerals at the current zxid.
  Response end_session(SessionId session, bool expired);

  ZnodeState state_;
};

}  // namespace consim::services::znode
