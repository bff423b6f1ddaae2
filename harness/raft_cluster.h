// A Raft cluster in the simulator, ready for tests and benchmarks: N machines each hosting a
// RaftNode with a CommandLog application, the online safety invariants (checkers/invariants)
// fed every trace record, an apply checker (MIT 6.5840's: no two nodes apply different commands
// at one index), MIT-style connect/disconnect, crash/restart, and `one()`, which offers a
// command until enough nodes applied it. Running stops at the first invariant violation.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "checkers/invariants/raft_invariants.h"
#include "harness/command_log.h"
#include "harness/node_host.h"
#include "harness/sim_cluster.h"
#include "protocols/raft/raft_node.h"
#include "sim/simulator.h"
#include "sim/world.h"

namespace consim::harness {

struct RaftClusterOptions {
  uint32_t nodes = 3;
  uint64_t seed = 1;
  protocols::raft::RaftConfig raft;  // id and bootstrap are filled in per node
  sim::LinkParams link;
  sim::DiskParams disk;
  NodeHostOptions host;
  // The bootstrap configuration: nodes 1..initial_voters are its voters (every node when unset).
  // The other machines start outside the cluster, as spare servers that configuration changes
  // can add (research/raft.md B02).
  std::optional<uint32_t> initial_voters;
};

class RaftCluster final : public SimCluster {
 public:
  explicit RaftCluster(const RaftClusterOptions& options);
  ~RaftCluster() override;

  // The node's Raft state machine, or null when its machine is down.
  const protocols::raft::RaftNode* raft(protocols::NodeId node) const;

  // Nodes that are up, connected (not disconnected()), and believe they lead.
  std::vector<protocols::NodeId> connected_leaders() const;
  // MIT's checkOneLeader: among connected nodes, the leader of the highest term, provided no
  // term has two; nullopt if there is none or a term has two.
  std::optional<protocols::NodeId> one_leader() const;

  // The online invariants; finish() judges what was still pending at the end of the run.
  const checkers::RaftInvariants& invariants() const { return invariants_; }
  checkers::RaftInvariants& invariants() { return invariants_; }

  // Raft-specific inputs, handed to the node like client requests (through World::inject, so a
  // paused machine takes them when it resumes); false if the node is down. The node may refuse
  // them: see RaftNode.
  bool propose_conf_change(protocols::NodeId at, const protocols::raft::ConfChange& change);
  bool campaign(protocols::NodeId at);
  bool transfer_leadership(protocols::NodeId at, protocols::NodeId transferee);
  // MIT's one(): offers `value` to the connected leader (retrying others) until at least
  // `expected` nodes applied it at the same index; the index, or nullopt on timeout.
  std::optional<protocols::LogIndex> one(uint64_t value, uint32_t expected, Duration timeout);
  // How many nodes applied index `index`, and the command there (nullopt: a protocol entry).
  uint32_t applied_count(protocols::LogIndex index) const;
  std::optional<uint64_t> applied_value(protocols::LogIndex index) const;
  protocols::LogIndex max_applied_index() const;
  // The first apply conflict seen (empty if none): "index 7: n2 applied 5, n1 applied 9".
  const std::string& apply_error() const { return apply_error_; }

 private:
  bool invariants_ok() const override { return invariants_.ok(); }
  std::string describe_violation() const override { return invariants_.violation()->describe(); }
  void on_applied(protocols::NodeId node, protocols::LogIndex index, std::optional<uint64_t> value);
  bool with_raft(protocols::NodeId at, const std::function<void(protocols::raft::RaftNode&)>& input);

  RaftClusterOptions options_;
  checkers::RaftInvariants invariants_;
  // Apply checker: index -> (value, nodes that applied it). Values are per incarnation: a
  // restarted node applies again and must agree again.
  struct Applied {
    bool seen = false;
    std::optional<uint64_t> value;
    uint64_t nodes = 0;  // bit i: node i+1 applied it
  };
  std::vector<Applied> applied_;  // by index
  protocols::LogIndex max_applied_;
  std::string apply_error_;
};

}  // namespace consim::harness
