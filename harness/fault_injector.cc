#include "harness/fault_injector.h"

#include <algorithm>
#include <cmath>

#include "base/assert.h"
#include "harness/node_host.h"
#include "harness/scenario_params.h"
#include "services/common/overloaded.h"
#include "sim/clock.h"

namespace consim::harness {
namespace {

sim::HostId host(uint32_t node) { return sim::HostId{node - 1}; }

}  // namespace

std::string node_list(const std::vector<uint32_t>& nodes) {
  std::string text;
  for (const uint32_t node : nodes) {
    if (!text.empty()) {
      text += ',';
    }
    text += protocols::NodeId{node}.name();
  }
  return text;
}

FaultInjector::FaultInjector(sim::World& world, uint32_t nodes, sim::Rng rng, std::function<uint32_t()> leader)
    : world_(world), nodes_(nodes), rng_(rng), leader_(std::move(leader)), blocked_(size_t{nodes} * nodes, false) {
  CONSIM_ASSERT(nodes_ >= 1);
  CONSIM_ASSERT(nodes_ <= world_.hosts());
}

std::vector<uint32_t> FaultInjector::crashed() const {
  std::vector<uint32_t> down;
  for (uint32_t node = 1; node <= nodes_; ++node) {
    if (world_.state(host(node)) == sim::HostState::kCrashed) {
      down.push_back(node);
    }
  }
  return down;
}

std::vector<uint32_t> FaultInjector::resolve(const Selector& selector, const std::vector<bool>* taken) {
  const auto free = [&](uint32_t node) { return taken == nullptr || !(*taken)[node]; };
  switch (selector.kind) {
    case Selector::Kind::kNode:
      CONSIM_ASSERT(selector.node >= 1 && selector.node <= nodes_);
      return {selector.node};
    case Selector::Kind::kLeader: {
      const uint32_t leader = leader_();
      return leader == 0 ? std::vector<uint32_t>{} : std::vector<uint32_t>{leader};
    }
    case Selector::Kind::kFollower: {
      const uint32_t leader = leader_();
      std::vector<uint32_t> candidates;
      for (uint32_t node = 1; node <= nodes_; ++node) {
        const sim::HostState state = world_.state(host(node));
        if (node != leader && free(node) && (state == sim::HostState::kUp || state == sim::HostState::kPaused)) {
          candidates.push_back(node);
        }
      }
      if (candidates.empty()) {
        return {};
      }
      return {candidates[rng_.uniform_u64(candidates.size())]};
    }
    case Selector::Kind::kRandom: {
      std::vector<uint32_t> candidates;
      for (uint32_t node = 1; node <= nodes_; ++node) {
        if (free(node)) {
          candidates.push_back(node);
        }
      }
      if (candidates.empty()) {
        return {};
      }
      return {candidates[rng_.uniform_u64(candidates.size())]};
    }
    case Selector::Kind::kAll: {
      std::vector<uint32_t> all;
      for (uint32_t node = 1; node <= nodes_; ++node) {
        all.push_back(node);
      }
      return all;
    }
  }
  return {};
}

void FaultInjector::record(std::string_view kind, const std::vector<uint32_t>& nodes, std::string detail) {
  ++applied_;
  sim::TraceEvent event(Name::intern(std::string("fault.") + std::string(kind)));
  event.add("nodes", node_list(nodes));
  if (!detail.empty()) {
    event.add("detail", detail);
  }
  world_.sim().emit(std::move(event));
}

void FaultInjector::set_blocked(uint32_t from, uint32_t to, bool blocked) {
  blocked_[size_t{from - 1} * nodes_ + (to - 1)] = blocked;
  world_.network().set_blocked(host(from), host(to), blocked);
}

bool FaultInjector::partitioned() const { return std::find(blocked_.begin(), blocked_.end(), true) != blocked_.end(); }

void FaultInjector::block_between_groups(const std::vector<std::vector<uint32_t>>& groups) {
  std::vector<int> group_of(nodes_ + 1, -1);
  for (size_t g = 0; g < groups.size(); ++g) {
    for (const uint32_t node : groups[g]) {
      group_of[node] = static_cast<int>(g);
    }
  }
  for (uint32_t a = 1; a <= nodes_; ++a) {
    for (uint32_t b = 1; b <= nodes_; ++b) {
      if (a != b && group_of[a] != group_of[b]) {
        set_blocked(a, b, true);
      }
    }
  }
}

void FaultInjector::unblock_all() {
  for (uint32_t a = 1; a <= nodes_; ++a) {
    for (uint32_t b = 1; b <= nodes_; ++b) {
      if (blocked_[size_t{a - 1} * nodes_ + (b - 1)]) {
        set_blocked(a, b, false);
      }
    }
  }
}

// A partition replaces whatever partitions and cuts were in force: the connectivity becomes
// exactly the one it describes (as a Jepsen nemesis's new grudge does).
void FaultInjector::partition(const PartitionFault& fault) {
  unblock_all();
  std::vector<std::vector<uint32_t>> groups;
  std::string detail;
  const uint32_t half = (nodes_ + 1) / 2;
  switch (fault.shape) {
    case PartitionFault::Shape::kGroups: {
      // Named nodes first, so that "*" means every node no other group names.
      std::vector<bool> named(nodes_ + 1, false);
      std::optional<size_t> star;
      groups.resize(fault.groups.size());
      for (size_t g = 0; g < fault.groups.size(); ++g) {
        for (const Selector& selector : fault.groups[g]) {
          if (selector.kind == Selector::Kind::kAll) {
            star = g;
            continue;
          }
          for (const uint32_t node : resolve(selector, &named)) {
            if (!named[node]) {
              named[node] = true;
              groups[g].push_back(node);
            }
          }
        }
      }
      if (star.has_value()) {
        for (uint32_t node = 1; node <= nodes_; ++node) {
          if (!named[node]) {
            groups[*star].push_back(node);
          }
        }
      }
      break;
    }
    case PartitionFault::Shape::kHalves:
      groups.resize(2);
      for (uint32_t node = 1; node <= nodes_; ++node) {
        groups[node <= half ? 0 : 1].push_back(node);
      }
      break;
    case PartitionFault::Shape::kBridge: {
      // Jepsen's bridge: two sides that cannot reach each other, and one node that reaches both.
      const uint32_t bridge = nodes_ / 2 + 1;
      for (uint32_t a = 1; a <= nodes_; ++a) {
        for (uint32_t b = 1; b <= nodes_; ++b) {
          if (a != b && a != bridge && b != bridge && (a < bridge) != (b < bridge)) {
            set_blocked(a, b, true);
          }
        }
      }
      record("partition", {bridge}, "bridge");
      return;
    }
    case PartitionFault::Shape::kMajorityRing: {
      // Every node reaches a majority (itself and k ring neighbours on each side), no two the same.
      const uint32_t majority = nodes_ / 2 + 1;
      const uint32_t k = majority / 2;
      for (uint32_t a = 0; a < nodes_; ++a) {
        for (uint32_t b = 0; b < nodes_; ++b) {
          const uint32_t distance = std::min((a + nodes_ - b) % nodes_, (b + nodes_ - a) % nodes_);
          if (distance > k) {
            set_blocked(a + 1, b + 1, true);
          }
        }
      }
      record("partition", {}, "majority_ring");
      return;
    }
  }
  block_between_groups(groups);
  for (const auto& group : groups) {
    detail += detail.empty() ? "" : "|";
    detail += node_list(group);
  }
  std::vector<uint32_t> struck;
  for (const auto& group : groups) {
    struck.insert(struck.end(), group.begin(), group.end());
  }
  record("partition", struck, detail);
}

void FaultInjector::network(const NetworkFault& fault) {
  std::vector<std::pair<uint32_t, uint32_t>> links;
  if (fault.between.has_value()) {
    for (const uint32_t a : resolve(fault.between->first)) {
      for (const uint32_t b : resolve(fault.between->second)) {
        if (a != b) {
          links.emplace_back(a, b);
          links.emplace_back(b, a);
        }
      }
    }
  } else {
    for (uint32_t a = 1; a <= nodes_; ++a) {
      for (uint32_t b = 1; b <= nodes_; ++b) {
        if (a != b) {
          links.emplace_back(a, b);
        }
      }
    }
  }
  std::vector<uint32_t> struck;
  for (const auto& [from, to] : links) {
    const sim::LinkParams params = apply_link_spec(world_.network().link(host(from), host(to)), fault.link);
    world_.network().set_link(host(from), host(to), params);
    if (std::find(struck.begin(), struck.end(), from) == struck.end()) {
      struck.push_back(from);
    }
  }
  std::sort(struck.begin(), struck.end());
  record("network", struck, fault.between.has_value() ? "between" : "all links");
}

void FaultInjector::apply(const FaultAction& action) {
  std::visit(services::Overloaded{
                 [&](const PartitionFault& fault) { partition(fault); },
                 [&](const CutFault& fault) {
                   const std::vector<uint32_t> from = resolve(fault.from);
                   const std::vector<uint32_t> to = resolve(fault.to);
                   for (const uint32_t a : from) {
                     for (const uint32_t b : to) {
                       if (a != b) {
                         set_blocked(a, b, true);
                       }
                     }
                   }
                   record("cut", from, "to " + node_list(to));
                 },
                 [&](const HealFault&) {
                   for (uint32_t a = 1; a <= nodes_; ++a) {
                     for (uint32_t b = 1; b <= nodes_; ++b) {
                       if (blocked_[size_t{a - 1} * nodes_ + (b - 1)]) {
                         set_blocked(a, b, false);
                       }
                     }
                   }
                   record("heal", {}, "");
                 },
                 [&](const CrashFault& fault) {
                   const std::vector<uint32_t> struck = resolve(fault.node);
                   record("crash", struck, "");
                   for (const uint32_t node : struck) {
                     world_.crash(host(node));
                   }
                 },
                 [&](const RestartFault& fault) {
                   std::vector<uint32_t> struck;
                   const std::vector<uint32_t> down = crashed();
                   if (fault.node.kind == Selector::Kind::kAll) {
                     struck = down;
                   } else if (fault.node.kind == Selector::Kind::kRandom) {
                     if (!down.empty()) {
                       struck = {down[rng_.uniform_u64(down.size())]};
                     }
                   } else {
                     struck = resolve(fault.node);
                   }
                   record("restart", struck, "");
                   for (const uint32_t node : struck) {
                     world_.restart(host(node));
                   }
                 },
                 [&](const PauseFault& fault) {
                   const std::vector<uint32_t> struck = resolve(fault.node);
                   record("pause", struck, std::to_string(fault.for_ms) + " ms");
                   for (const uint32_t node : struck) {
                     world_.pause(host(node), scenario_ms(fault.for_ms));
                   }
                 },
                 [&](const ClockFault& fault) {
                   const std::vector<uint32_t> struck = resolve(fault.node);
                   std::string detail;
                   for (const uint32_t node : struck) {
                     if (fault.offset_ms) {
                       world_.clock_step(host(node), scenario_ms(*fault.offset_ms));
                     }
                     if (fault.drift_ppm) {
                       world_.set_clock_drift_ppb(host(node), sim::drift_ppm_to_ppb(*fault.drift_ppm));
                     }
                   }
                   if (fault.offset_ms) detail += "offset " + std::to_string(*fault.offset_ms) + " ms ";
                   if (fault.drift_ppm) detail += "drift " + std::to_string(*fault.drift_ppm) + " ppm";
                   record("clock", struck, detail);
                 },
                 [&](const NetworkFault& fault) { network(fault); },
                 [&](const DiskFault& fault) {
                   const std::vector<uint32_t> struck = resolve(fault.node);
                   for (const uint32_t node : struck) {
                     sim::Disk& disk = world_.disk(host(node));
                     sim::DiskParams params = disk.params();
                     if (fault.sync_ms) {
                       params.sync_latency_min = scenario_ms(*fault.sync_ms);
                       params.sync_latency_max = scenario_ms(*fault.sync_ms);
                     }
                     if (fault.lying_sync) {
                       params.lying_sync = *fault.lying_sync;
                     }
                     disk.set_params(params);
                   }
                   record("disk", struck, fault.lose_unsynced ? "power loss" : "");
                   if (fault.lose_unsynced) {  // a power loss: the machine goes down with its unsynced writes
                     for (const uint32_t node : struck) {
                       world_.crash(host(node));
                     }
                   }
                 },
                 [&](const CrashPointFault& fault) { arm(fault); },
                 [&](const MembershipFault& fault) { membership(fault); },
             },
             action);
}

void FaultInjector::arm(const CrashPointFault& fault) {
  const std::vector<uint32_t> struck = resolve(fault.node);
  std::string detail = "before " + fault.before;
  if (!fault.after_event.empty()) {
    detail += " after " + fault.after_event;
  }
  std::optional<SimTime> until;
  if (fault.within_ms) {
    until = world_.sim().now() + scenario_ms(*fault.within_ms);
    detail += " within " + std::to_string(static_cast<int64_t>(*fault.within_ms)) + " ms";
  }
  if (fault.restart_after_ms) {
    detail += ", restart " + std::to_string(static_cast<int64_t>(*fault.restart_after_ms)) + " ms later";
  }
  record("crash_point", struck, detail);
  for (const uint32_t node : struck) {
    crash_points_.push_back(
        ArmedCrashPoint{node, fault.before, fault.after_event, false, until, fault.restart_after_ms});
  }
  crash_points_armed_ = !crash_points_.empty();
}

bool FaultInjector::crash_point(uint32_t node, std::string_view step) {
  const SimTime now = world_.sim().now();
  std::erase_if(crash_points_, [now](const ArmedCrashPoint& point) { return point.until && now > *point.until; });
  crash_points_armed_ = !crash_points_.empty();
  const auto strikes = [&](const ArmedCrashPoint& point) {
    return point.node == node && point.before == step && (point.after_event.empty() || point.seen);
  };
  const auto it = std::find_if(crash_points_.begin(), crash_points_.end(), strikes);
  if (it == crash_points_.end()) {
    return false;
  }
  if (it->restart_after_ms) {
    // The host crashes the machine as this returns; the restart brings it back unless something
    // else did first (a restart fault, the final heal).
    const uint64_t incarnation = world_.incarnation(host(node));
    world_.sim().schedule_after(scenario_ms(*it->restart_after_ms), [this, node, incarnation] {
      if (world_.state(host(node)) == sim::HostState::kCrashed && world_.incarnation(host(node)) == incarnation) {
        record("restart", {node}, "after its crash point");
        world_.restart(host(node));
      }
    });
  }
  crash_points_.erase(it);
  crash_points_armed_ = !crash_points_.empty();
  return true;
}

void FaultInjector::observe(const sim::TraceRecord& record) {
  for (ArmedCrashPoint& point : crash_points_) {
    if (!point.seen && record.node == host(point.node) && record.kind == point.after_event) {
      point.seen = true;
    }
  }
}

void FaultInjector::membership(const MembershipFault& fault) {
  const uint32_t leader = leader_();
  const std::vector<uint32_t> target = resolve(fault.node);
  const std::string change = std::string(membership_change_name(fault.change)) + " " + node_list(target);
  if (leader == 0 || target.empty()) {
    record("membership", {}, change + ": " + (leader == 0 ? "no leader" : "no such node"));
    return;
  }
  CONSIM_ASSERT(target.size() == 1);
  CONSIM_ASSERT(change_membership_ != nullptr);
  record("membership", {leader}, change);
  change_membership_(leader, fault.change, target.front());
}

void FaultInjector::heal_all() {
  crash_points_.clear();
  crash_points_armed_ = false;
  apply(HealFault{});
  const std::vector<uint32_t> down = crashed();
  if (!down.empty()) {
    record("restart", down, "final heal");
    for (const uint32_t node : down) {
      world_.restart(host(node));
    }
  }
}

}  // namespace consim::harness
