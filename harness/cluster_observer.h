// Watches a run's trace from outside the nodes (like the checkers, it reads only trace records)
// and keeps what the metrics and the narrated timeline need: who leads, since when, how often
// leadership changed, how long the cluster went without a leader, and how many campaigns were
// started. With a narration stream it tells the story as it happens ("t=3.012s n2 became leader
// of term 4 with votes from n2, n3, n5").
//
// Raft nodes report raft.state (role, term). ZAB nodes report zab.state (state, phase, epoch,
// leader, round): a ZAB node counts as the leader once it is leading in the broadcast phase (a
// quorum synchronized with it), its epoch plays the part of the term, and an election is a Fast
// Leader Election round that no node had reached before.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "sim/trace.h"

namespace consim::harness {

class ClusterObserver {
 public:
  ClusterObserver(uint32_t nodes, std::ostream* narration);

  // The trace kinds to subscribe this observer to.
  static std::vector<std::string> kinds();
  void observe(const sim::TraceRecord& record);
  // The run ended at `end`: closes the last leaderless interval.
  void finish(SimTime end);

  // 1-based node that leads now (the leader of the highest term among live nodes), 0 if none.
  uint32_t leader() const;
  uint64_t elections() const { return elections_; }
  uint64_t leader_changes() const { return leader_changes_; }
  uint64_t max_term() const { return max_term_; }
  uint64_t crashes() const { return crashes_; }
  Duration time_without_leader() const { return without_leader_; }
  // Prints one line of narration (when narrating): the runner's own milestones.
  void narrate(SimTime at, const std::string& line);

 private:
  struct NodeView {
    std::string role = "follower";  // raft: the role; zab: "leader" (leading, broadcast) or the state
    uint64_t term = 0;              // raft: the term; zab: the epoch
    bool up = true;
    std::string phase;   // zab only
    std::string leader;  // zab only: whom it follows or observes ("n2")
    std::string config;  // raft only: the configuration last narrated for it
  };
  void on_membership(uint32_t node, const sim::TraceRecord& record);
  void on_state(uint32_t node, const sim::TraceRecord& record);
  void on_zab_state(uint32_t node, const sim::TraceRecord& record);
  // The nodes in `state` ("following", "observing") under `leader` ("n2"), as ", n1, n3".
  std::string zab_learners(const std::string& leader, std::string_view state) const;
  // The 1-based node `leader` names ("n2") if it is a ZAB leader that serves now, else 0.
  uint32_t established_leader(const std::string& leader) const;
  void update_leader(SimTime at);

  std::ostream* narration_;
  std::vector<NodeView> nodes_;  // by node - 1
  // (term, candidate) -> voters that granted (real votes, not pre-votes).
  std::map<std::pair<uint64_t, uint32_t>, std::set<uint32_t>> votes_;
  uint32_t leader_ = 0;
  uint64_t leader_term_ = 0;
  SimTime leaderless_since_;
  bool leaderless_ = true;
  Duration without_leader_;
  uint64_t elections_ = 0;
  uint64_t leader_changes_ = 0;
  uint64_t max_term_ = 0;
  uint64_t crashes_ = 0;
  uint64_t max_round_ = 0;  // zab: the highest FLE round any node reached
};

// "3.012s"
std::string format_time(SimTime at);

}  // namespace consim::harness
