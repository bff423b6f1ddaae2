// Executes a scenario's faults against the simulated world when they fire. Selectors are
// resolved at that moment ("leader" is whoever leads then) and every fault is written, resolved,
// into the trace as a `fault.<kind>` record naming the nodes it struck, so that a replay or a
// report never needs the selectors again.
//
// A partition replaces the partitions and cuts in force; a cut adds to them; heal removes all.
// Partitions and cuts act on the links between servers only: clients keep reaching every
// server, as a Jepsen control node does, so a partition shows up as what the servers do.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "harness/scenario.h"
#include "sim/world.h"

namespace consim::harness {

class FaultInjector {
 public:
  // `leader()` is the node (1-based) that leads now, 0 if none.
  FaultInjector(sim::World& world, uint32_t nodes, sim::Rng rng, std::function<uint32_t()> leader);

  void apply(const FaultAction& action);
  // Removes every partition and cut and restarts every crashed server: the final heal before
  // the liveness check.
  void heal_all();

  uint64_t applied() const { return applied_; }
  // Whether a partition or cut is in force.
  bool partitioned() const;

 private:
  // The nodes (1-based) a selector names now; empty when it names nobody (no leader).
  // "follower" and "random" choose among the nodes not in `taken` (1-based flags), so that a
  // partition group of two "follower"s names two different nodes.
  std::vector<uint32_t> resolve(const Selector& selector, const std::vector<bool>* taken = nullptr);
  std::vector<uint32_t> crashed() const;
  void partition(const PartitionFault& fault);
  void unblock_all();
  void block_between_groups(const std::vector<std::vector<uint32_t>>& groups);
  void set_blocked(uint32_t from, uint32_t to, bool blocked);
  void network(const NetworkFault& fault);
  void record(std::string_view kind, const std::vector<uint32_t>& nodes, std::string detail);

  sim::World& world_;
  uint32_t nodes_;
  sim::Rng rng_;
  std::function<uint32_t()> leader_;
  std::vector<bool> blocked_;  // nodes x nodes, from-major
  uint64_t applied_ = 0;
};

std::string node_list(const std::vector<uint32_t>& nodes);  // "n1,n3"

}  // namespace consim::harness
