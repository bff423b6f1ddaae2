#include "protocols/raft/config.h"

#include <algorithm>

namespace consim::protocols::raft {

bool BugSwitches::any() const {
  return commit_previous_term || vote_before_persist || truncate_on_stale_append || vote_without_log_check ||
         lease_ignores_drift || conf_change_before_noop;
}

const std::vector<BugInfo>& bug_catalogue() {
  static const std::vector<BugInfo> catalogue = {
      {"raft.commit_previous_term",
       "A leader commits an entry of an earlier term by counting replicas (Raft Figure 8).",
       "state_machine_safety / leader_completeness", &BugSwitches::commit_previous_term},
      {"raft.vote_before_persist", "A vote is sent before it is durable; a crash forgets it and the node votes twice.",
       "election_safety / one_vote_per_term", &BugSwitches::vote_before_persist},
      {"raft.truncate_on_stale_append",
       "A follower truncates its log on a stale or duplicate AppendEntries even without a conflict.",
       "committed_is_durable / state_machine_safety", &BugSwitches::truncate_on_stale_append},
      {"raft.vote_without_log_check", "Votes are granted without the up-to-date log check (§5.4.1).",
       "leader_completeness", &BugSwitches::vote_without_log_check},
      {"raft.lease_ignores_drift", "Lease reads do not shorten the lease by the clock drift bound.",
       "stale_read / linearizability", &BugSwitches::lease_ignores_drift},
      {"raft.conf_change_before_noop",
       "A new leader appends a configuration entry before committing an entry of its term (single-server "
       "membership bug, 2015).",
       "state_machine_safety / leader_completeness / election_safety", &BugSwitches::conf_change_before_noop},
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

std::string RaftConfig::validate() const {
  if (!id.valid()) {
    return "id must be set";
  }
  if (heartbeat_ticks == 0) {
    return "heartbeat_ticks must be > 0";
  }
  if (election_ticks <= heartbeat_ticks) {
    return "election_ticks must be > heartbeat_ticks";
  }
  if (election_ticks < 3) {
    return "election_ticks must be >= 3";
  }
  if (max_entries_per_message == 0) {
    return "max_entries_per_message must be > 0";
  }
  if (max_inflight_messages == 0) {
    return "max_inflight_messages must be > 0";
  }
  if (max_clock_drift_ppm < 0 || max_clock_drift_ppm >= 500'000) {
    return "max_clock_drift_ppm must be within [0, 500000)";
  }
  if (bootstrap.voters.empty()) {
    return "bootstrap configuration needs at least one voter";
  }
  if (!std::is_sorted(bootstrap.voters.begin(), bootstrap.voters.end())) {
    return "bootstrap voters must be sorted";
  }
  return {};
}

uint32_t RaftConfig::lease_ticks() const {
  // A follower times out no sooner than (election_ticks - 1) of its ticks after it last heard
  // from the leader (its first tick may come at once); that heartbeat left the leader no
  // earlier than the send tick. The leader sees whole ticks, so one more is lost to rounding.
  const uint64_t safe = election_ticks - 1;
  if (bugs.lease_ignores_drift) {
    return static_cast<uint32_t>(safe - 1);
  }
  const uint64_t drift = static_cast<uint64_t>(max_clock_drift_ppm);
  // Follower clocks may run (1 + drift) fast, the leader's (1 - drift) slow.
  const uint64_t shortened = safe * (1'000'000 - drift) / (1'000'000 + drift);
  return shortened >= 2 ? static_cast<uint32_t>(shortened - 1) : 0;
}

}  // namespace consim::protocols::raft
