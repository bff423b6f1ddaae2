// ZAB's configuration, validated once, and its bug switches.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/common/ids.h"

namespace consim::protocols::zab {

// Each switch reintroduces a real ZooKeeper bug (research/zab.md section d) so that the checkers
// can be shown to catch it. All off in a correct run.
struct BugSwitches {
  bool ack_newleader_before_persist = false;   // ZOOKEEPER-3911/4646: NEWLEADER ack before synced txns are durable
  bool write_epoch_before_persist = false;     // ZOOKEEPER-4643: currentEpoch written before synced txns are durable
  bool diff_instead_of_trunc = false;          // ZOOKEEPER-1154: DIFF where the learner's log needed a TRUNC
  bool set_lastprocessed_on_diff = false;      // ZOOKEEPER-2355: the learner takes the DIFF's zxid as processed
  bool drop_outstanding_on_newleader = false;  // ZOOKEEPER-4394: uncommitted proposals dropped at NEWLEADER
  bool retain_db_on_trunc = false;             // ZOOKEEPER-2845: TRUNC cuts the log but keeps the data tree

  bool any() const;
};

struct BugInfo {
  std::string_view name;  // "zab.diff_instead_of_trunc"
  std::string_view description;
  std::string_view caught_by;  // the invariant or checker expected to fire
  bool BugSwitches::*flag;
};
// Every ZAB bug switch, in a fixed order.
const std::vector<BugInfo>& bug_catalogue();
// Sets the switch named `name`; false if there is no such switch.
bool enable_bug(BugSwitches& bugs, std::string_view name);

struct ZabConfig {
  NodeId id;
  std::vector<NodeId> voters;     // participants (sorted, no duplicates); quorums are majorities of them
  std::vector<NodeId> observers;  // non-voting learners (OBSERVERINFO, INFORM)

  // Timing, in ticks of the node's local clock (the host ticks every 10 ms by default).
  uint32_t ping_ticks = 5;                // the leader pings its learners (ZooKeeper: tickTime / 2)
  uint32_t sync_limit_ticks = 50;         // a learner not heard from for this long is not synced; a
                                          // follower that hears nothing from its leader for this long leaves
  uint32_t init_limit_ticks = 100;        // discovery and synchronization must finish within this
  uint32_t finalize_wait_ticks = 20;      // FLE: wait for a better vote once a quorum agrees (200 ms)
  uint32_t notification_min_ticks = 20;   // FLE: re-send votes after this long without news ...
  uint32_t notification_max_ticks = 400;  // ... doubling up to this (ZooKeeper: 200 ms to 60 s)

  uint32_t commit_log_count = 500;             // the leader's committedLog window (DIFF without the disk log)
  uint32_t snapshot_size_factor_percent = 33;  // sync from the disk log if it is smaller than this share of a snapshot
  uint32_t counter_bits = 32;                  // zxid counter width (tests use fewer to reach rollover)
  uint32_t max_batch = 64;                     // proposals per Ready at most (group commit)

  BugSwitches bugs;

  bool is_voter(NodeId node) const;
  bool is_observer(NodeId node) const;
  size_t quorum() const { return voters.size() / 2 + 1; }

  // Empty when valid, else what is wrong ("voters must include ...").
  std::string validate() const;
};

}  // namespace consim::protocols::zab
