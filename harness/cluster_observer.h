// Watches a run's trace from outside the nodes (like the checkers, it reads only trace records)
// and keeps what the metrics and the narrated timeline need: who leads, since when, how often
// leadership changed, how long the cluster went without a leader, and how many campaigns were
// started. With a narration stream it tells the story as it happens ("t=3.012s n2 became leader
// of term 4 with votes from n2, n3, n5").
#pragma once

#include <cstdint>
#include <iosfwd>
#include <map>
#include <set>
#include <string>
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
    std::string role = "follower";
    uint64_t term = 0;
    bool up = true;
  };
  void on_state(uint32_t node, const sim::TraceRecord& record);
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
};

// "3.012s"
std::string format_time(SimTime at);

}  // namespace consim::harness
