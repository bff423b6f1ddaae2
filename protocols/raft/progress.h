// A leader's view of one follower's replication (etcd's Progress; thesis §10.2).
//
//   Probe:     the leader does not know where the follower's log matches; it sends one
//              AppendEntries per heartbeat interval and waits for the answer.
//   Replicate: the follower is keeping up; the leader streams entries optimistically, up to
//              max_inflight_messages unacknowledged messages.
//   Snapshot:  the follower needs a snapshot; nothing else is sent until it is applied.
//
// Invariant: match < next.
#pragma once

#include <cstdint>
#include <deque>
#include <string_view>

#include "protocols/common/ids.h"

namespace consim::protocols::raft {

class Progress {
 public:
  enum class State : uint8_t { kProbe, kReplicate, kSnapshot };

  Progress(LogIndex next, uint32_t max_inflight) : next_(next), max_inflight_(max_inflight) {}

  LogIndex match() const { return match_; }
  LogIndex next() const { return next_; }
  State state() const { return state_; }
  LogIndex pending_snapshot() const { return pending_snapshot_; }

  // The follower acknowledged everything up to `index`. Returns false for a stale ack.
  bool maybe_update(LogIndex index);
  // Entries up to `last` were just sent (Replicate pipelines; Probe waits).
  void sent(LogIndex last, bool carried_entries);
  // The follower rejected an append whose previous index was `rejected`; `hint` is where the
  // leader should try next. Returns false when the rejection is stale.
  bool maybe_decrease_to(LogIndex rejected, LogIndex hint);

  void become_probe();
  void become_replicate();
  void become_snapshot(LogIndex snapshot_index);
  // A heartbeat response unblocks a probing follower and frees one inflight slot of a full
  // window, as etcd does: appends lost on the way (or to a restarted follower) would otherwise
  // hold the window closed forever.
  void heartbeat_answered();

  // Whether the leader must not send this follower more entries now.
  bool paused() const;

  bool recent_active = false;       // heard from since the last CheckQuorum round
  uint64_t snapshot_sent_tick = 0;  // when the pending snapshot went out: retried if never answered

 private:
  void free_inflights_upto(LogIndex index);

  LogIndex match_;
  LogIndex next_;
  State state_ = State::kProbe;
  bool probe_sent_ = false;
  LogIndex pending_snapshot_;
  std::deque<LogIndex> inflight_;  // last index of each unacknowledged message, ascending
  uint32_t max_inflight_;
};

std::string_view progress_state_name(Progress::State state);

}  // namespace consim::protocols::raft
