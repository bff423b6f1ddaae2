// A ZAB ensemble in the simulator, for tests and benchmarks: N machines each hosting a ZabNode
// with a CommandLog application, the online ZAB invariants (checkers/invariants) fed every trace
// record, an apply checker (no two nodes apply different commands at one zxid), MIT-style
// connect/disconnect, crash/restart, and `one()`, which offers a command until enough nodes
// applied it. Running stops at the first invariant violation.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "checkers/invariants/zab_invariants.h"
#include "harness/command_log.h"
#include "harness/node_host.h"
#include "harness/sim_cluster.h"
#include "protocols/zab/zab_node.h"
#include "sim/simulator.h"
#include "sim/world.h"

namespace consim::harness {

struct ZabClusterOptions {
  uint32_t nodes = 3;
  uint32_t observers = 0;  // the last `observers` nodes observe instead of voting
  uint64_t seed = 1;
  protocols::zab::ZabConfig zab;  // id, voters and observers are filled in per node
  sim::LinkParams link;
  sim::DiskParams disk;
  NodeHostOptions host;
};

class ZabCluster final : public SimCluster {
 public:
  explicit ZabCluster(const ZabClusterOptions& options);
  ~ZabCluster() override;

  // The node's state machine, or null when its machine is down.
  const protocols::zab::ZabNode* zab(protocols::NodeId node) const;
  const CommandLog* application(protocols::NodeId node) const;

  // The leader that is up, connected, established (serving) and of the highest epoch; nullopt if none.
  std::optional<protocols::NodeId> leader() const;
  // Nodes that are up and serving clients (leader and learners past UPTODATE).
  std::vector<protocols::NodeId> serving() const;

  const checkers::ZabInvariants& invariants() const { return invariants_; }
  checkers::ZabInvariants& invariants() { return invariants_; }

  // Offers `value` to the leader (retrying) until `expected` nodes applied it; its zxid or nullopt.
  std::optional<uint64_t> one(uint64_t value, uint32_t expected, Duration timeout);
  uint32_t applied_count(uint64_t zxid) const;
  std::optional<uint64_t> applied_value(uint64_t zxid) const;
  // The first apply conflict seen (empty if none).
  const std::string& apply_error() const { return apply_error_; }
  // Every (zxid, value) a node applied in its current incarnation, in order.
  std::vector<std::pair<uint64_t, uint64_t>> applied_by(protocols::NodeId node) const;

 private:
  bool invariants_ok() const override { return invariants_.ok(); }
  std::string describe_violation() const override { return invariants_.violation()->describe(); }
  void on_applied(protocols::NodeId node, protocols::LogIndex index, std::optional<uint64_t> value);

  ZabClusterOptions options_;
  checkers::ZabInvariants invariants_;
  struct Applied {
    std::optional<uint64_t> value;
    std::set<uint32_t> nodes;
  };
  std::map<uint64_t, Applied> applied_;  // by zxid
  std::string apply_error_;
};

}  // namespace consim::harness
