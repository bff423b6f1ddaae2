// Raft's configuration, validated once (etcd's Config.validate()), and its bug switches.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/common/ids.h"
#include "protocols/raft/types.h"

namespace consim::protocols::raft {

// Each switch reintroduces a real, published Raft bug so that the checkers can be shown to
// catch it (research/raft.md section 6). All off in a correct run.
struct BugSwitches {
  bool commit_previous_term = false;      // B01: commit an old-term entry by counting replicas
  bool vote_before_persist = false;       // B03: grant a vote before it is durable
  bool truncate_on_stale_append = false;  // B05: truncate the log on any AppendEntries, even stale
  bool vote_without_log_check = false;    // grant votes without the up-to-date log check (§5.4.1)
  bool lease_ignores_drift = false;       // B11: lease length not shortened by the clock drift bound
  bool conf_change_before_noop = false;   // B02: append a config entry before the term's no-op commits

  bool any() const;
};

struct BugInfo {
  std::string_view name;  // "raft.commit_previous_term"
  std::string_view description;
  std::string_view caught_by;  // the invariant or checker expected to fire
  bool BugSwitches::*flag;
};
// Every Raft bug switch, in a fixed order.
const std::vector<BugInfo>& bug_catalogue();
// Sets the switch named `name`; false if there is no such switch.
bool enable_bug(BugSwitches& bugs, std::string_view name);

struct RaftConfig {
  NodeId id;
  // The configuration a node starts with when its disk is empty (bootstrap).
  ClusterConfig bootstrap;

  // Timing, in ticks of the node's local clock. The election timeout is drawn uniformly from
  // [election_ticks, 2·election_ticks) each time it is reset (Raft §5.2).
  uint32_t election_ticks = 10;
  uint32_t heartbeat_ticks = 1;

  bool pre_vote = true;      // thesis §9.6
  bool check_quorum = true;  // leader steps down without an active quorum; followers withhold votes in lease

  // Flow control (etcd's MaxSizePerMsg / MaxInflightMsgs / MaxUncommittedEntriesSize).
  uint32_t max_entries_per_message = 64;
  uint32_t max_inflight_messages = 64;
  uint64_t max_uncommitted_bytes = 0;  // 0 = unlimited

  // Lease reads: the lease is shortened so that it ends before any follower, whose clock may
  // run up to this much faster or slower, can time out and elect someone else.
  int64_t max_clock_drift_ppm = 1000;

  bool forward_proposals = true;  // followers forward to the leader instead of rejecting with a hint
  bool auto_leave_joint = true;   // the leader proposes leaving a joint configuration once it applies

  BugSwitches bugs;

  // Empty when valid, else what is wrong ("election_ticks must be > heartbeat_ticks").
  std::string validate() const;
  // How many ticks after a heartbeat round was sent its quorum of acks keeps a lease valid.
  uint32_t lease_ticks() const;
};

}  // namespace consim::protocols::raft
