// Executes a scenario's faults against the simulated world when they fire. Selectors are
// resolved at that moment ("leader" is whoever leads then) and every fault is written, resolved,
// into the trace as a `fault.<kind>` record naming the nodes it struck, so that a replay or a
// report never needs the selectors again.
//
// A crash point is armed when its fault fires and strikes later, at a step of a Ready: the host
// asks crash_point() before every step while crash_points_armed() holds.
//
// A partition replaces the partitions and cuts in force; a cut adds to them; heal removes all.
// Partitions and cuts act on the links between servers only: clients keep reaching every
// server, as a Jepsen control node does, so a partition shows up as what the servers do.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/scenario.h"
#include "sim/world.h"

namespace consim::harness {

class FaultInjector {
 public:
  // `leader()` is the node (1-based) that leads now, 0 if none.
  FaultInjector(sim::World& world, uint32_t nodes, sim::Rng rng, std::function<uint32_t()> leader);

  // How a membership change reaches the protocol: `leader` (1-based) is asked to make `change`
  // to `target`. Needed before a MembershipFault fires.
  using MembershipChanger = std::function<void(uint32_t leader, MembershipFault::Change change, uint32_t target)>;
  void set_membership_changer(MembershipChanger changer) { change_membership_ = std::move(changer); }

  void apply(const FaultAction& action);
  // Removes every partition and cut, disarms every crash point and restarts every crashed server:
  // the final heal before the liveness check.
  void heal_all();

  // Whether an armed crash point strikes `node` (1-based) right before `step` of a Ready; it is
  // spent if so (the host crashes the machine and traces host.crash_point).
  bool crash_point(uint32_t node, std::string_view step);
  // True while some crash point is armed (NodeHostHooks::crash_point_armed).
  const bool* crash_points_armed() const { return &crash_points_armed_; }
  // Feeds a trace record to the crash points waiting for its kind (their after_event).
  void observe(const sim::TraceRecord& record);

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
  void arm(const CrashPointFault& fault);
  void membership(const MembershipFault& fault);

  struct ArmedCrashPoint {
    uint32_t node = 0;
    std::string before;
    std::string after_event;  // empty, or not yet seen: see `seen`
    bool seen = false;
    std::optional<SimTime> until;
    std::optional<double> restart_after_ms;
  };

  sim::World& world_;
  uint32_t nodes_;
  sim::Rng rng_;
  std::function<uint32_t()> leader_;
  std::vector<bool> blocked_;  // nodes x nodes, from-major
  uint64_t applied_ = 0;
  MembershipChanger change_membership_;
  std::vector<ArmedCrashPoint> crash_points_;  // in the order they were armed
  bool crash_points_armed_ = false;            // !crash_points_.empty()
};

std::string node_list(const std::vector<uint32_t>& nodes);  // "n1,n3"

}  // namespace consim::harness
