#include "protocols/zab/config.h"

#include <algorithm>

namespace consim::protocols::zab {

bool BugSwitches::any() const {
  return ack_newleader_before_persist || write_epoch_before_persist || diff_instead_of_trunc ||
         set_lastprocessed_on_diff || drop_outstanding_on_newleader || retain_db_on_trunc;
}

const std::vector<BugInfo>& bug_catalogue() {
  static const std::vector<BugInfo> catalogue = {
      {"zab.ack_newleader_before_persist",
       "A learner acknowledges NEWLEADER before the transactions it was synced are on disk (ZOOKEEPER-3911, 4646).",
       "ack_durability / primary_integrity", &BugSwitches::ack_newleader_before_persist},
      {"zab.write_epoch_before_persist",
       "A learner writes currentEpoch before the synced transactions are on disk; a crash between the two leaves "
       "a new epoch over an old history, and FLE ranks it first (ZOOKEEPER-4643).",
       "ack_durability / primary_integrity", &BugSwitches::write_epoch_before_persist},
      {"zab.diff_instead_of_trunc",
       "The leader sends DIFF to a learner whose log holds a transaction the leader never committed, instead of "
       "TRUNC then DIFF (ZOOKEEPER-1154).",
       "process_consistency / prefix_consistency / state_consistency", &BugSwitches::diff_instead_of_trunc},
      {"zab.set_lastprocessed_on_diff",
       "A learner takes the DIFF packet's zxid as already processed and skips the transactions up to it "
       "(ZOOKEEPER-2355).",
       "state_consistency", &BugSwitches::set_lastprocessed_on_diff},
      {"zab.drop_outstanding_on_newleader",
       "At NEWLEADER a learner drops the proposals that are not committed yet; their COMMIT then names a "
       "transaction it does not hold (ZOOKEEPER-4394).",
       "commit_consistency / quorum_durability", &BugSwitches::drop_outstanding_on_newleader},
      {"zab.retain_db_on_trunc",
       "TRUNC cuts the learner's log but keeps its data tree, which still holds the truncated transactions "
       "(ZOOKEEPER-2845).",
       "state_consistency", &BugSwitches::retain_db_on_trunc},
  };
  return catalogue;
}

bool enable_bug(BugSwitches& bugs, std::string_view name) {
  for (const BugInfo& info : bug_catalogue()) {
    if (info.name == name) {
      bugs.*(info.flag) = true;
      return true;
    }
  }
  return false;
}

bool ZabConfig::is_voter(NodeId node) const { return std::binary_search(voters.begin(), voters.end(), node); }

bool ZabConfig::is_observer(NodeId node) const { return std::binary_search(observers.begin(), observers.end(), node); }

std::string ZabConfig::validate() const {
  if (!id.valid()) {
    return "id must be set";
  }
  if (voters.empty()) {
    return "there must be at least one voter";
  }
  if (!std::is_sorted(voters.begin(), voters.end()) ||
      std::adjacent_find(voters.begin(), voters.end()) != voters.end()) {
    return "voters must be sorted and distinct";
  }
  if (!std::is_sorted(observers.begin(), observers.end()) ||
      std::adjacent_find(observers.begin(), observers.end()) != observers.end()) {
    return "observers must be sorted and distinct";
  }
  for (const NodeId observer : observers) {
    if (is_voter(observer)) {
      return "n" + std::to_string(observer.value) + " cannot be both a voter and an observer";
    }
  }
  for (const auto* nodes : {&voters, &observers}) {
    if (!nodes->empty() && nodes->back().value > 64) {
      return "node ids must be at most 64";
    }
  }
  if (!is_voter(id) && !is_observer(id)) {
    return "the node must be a voter or an observer";
  }
  if (ping_ticks == 0) {
    return "ping_ticks must be > 0";
  }
  if (sync_limit_ticks <= ping_ticks) {
    return "sync_limit_ticks must be > ping_ticks";
  }
  if (init_limit_ticks < sync_limit_ticks) {
    return "init_limit_ticks must be >= sync_limit_ticks";
  }
  if (notification_min_ticks == 0 || notification_max_ticks < notification_min_ticks) {
    return "notification_min_ticks must be > 0 and <= notification_max_ticks";
  }
  if (commit_log_count == 0) {
    return "commit_log_count must be > 0";
  }
  if (snapshot_size_factor_percent > 100) {
    return "snapshot_size_factor_percent must be <= 100";
  }
  if (counter_bits < 2 || counter_bits > 48) {
    return "counter_bits must be in [2, 48]";
  }
  if (max_batch == 0) {
    return "max_batch must be > 0";
  }
  return "";
}

}  // namespace consim::protocols::zab
