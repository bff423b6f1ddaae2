// The fault injector's partition shapes and selectors, on a bare world: which server links are
// open after each fault, and that client links are never touched.
#include "harness/fault_injector.h"

#include <gtest/gtest.h>

#include <memory>

#include "sim/simulator.h"
#include "sim/world.h"

namespace consim::harness {
namespace {

class Idle final : public sim::Process {
 public:
  void on_message(const sim::Packet&) override {}
};

struct Fixture {
  explicit Fixture(uint32_t count, uint32_t leader = 0)
      : sim(7),
        world(sim, sim::WorldConfig{count + 1, {}, {}},
              [](sim::HostContext, const sim::DiskImage&) { return std::make_unique<Idle>(); }),
        injector(world, count, sim.rng("faults"), [this] { return leader_now; }),
        nodes(count),
        leader_now(leader) {
    world.start_all();
  }
  bool reach(uint32_t from, uint32_t to) {
    return world.network().reachable(sim::HostId{from - 1}, sim::HostId{to - 1});
  }
  // "n1 n2|n3" style picture of who reaches whom both ways, for readable failures.
  std::string groups() {
    std::string text;
    for (uint32_t a = 1; a <= nodes; ++a) {
      for (uint32_t b = 1; b <= nodes; ++b) {
        text += reach(a, b) ? '1' : '0';
      }
      text += a < nodes ? "|" : "";
    }
    return text;
  }

  sim::Simulator sim;
  sim::World world;
  FaultInjector injector;
  uint32_t nodes;
  uint32_t leader_now;
};

Selector node(uint32_t n) { return Selector{Selector::Kind::kNode, n}; }

TEST(FaultInjector, GroupsWithStarTakeEveryUnnamedNode) {
  Fixture f(5, 3);
  PartitionFault partition;
  partition.groups = {{Selector{Selector::Kind::kLeader, 0}}, {Selector{Selector::Kind::kAll, 0}}};
  f.injector.apply(partition);
  EXPECT_EQ(f.groups(), "11011|11011|00100|11011|11011");
  // Clients (host 6) still reach every server, both ways.
  for (uint32_t server = 1; server <= 5; ++server) {
    EXPECT_TRUE(f.reach(6, server));
    EXPECT_TRUE(f.reach(server, 6));
  }
}

TEST(FaultInjector, ANewPartitionReplacesTheOldOne) {
  Fixture f(5);
  PartitionFault first;
  first.groups = {{node(1), node(2)}, {node(3), node(4), node(5)}};
  f.injector.apply(first);
  f.injector.apply(CutFault{node(3), node(4)});
  PartitionFault second;
  second.groups = {{node(1), node(2), node(3)}, {node(4)}, {node(5)}};
  f.injector.apply(second);
  EXPECT_EQ(f.groups(), "11100|11100|11100|00010|00001");
  f.injector.apply(HealFault{});
  EXPECT_EQ(f.groups(), "11111|11111|11111|11111|11111");
  EXPECT_FALSE(f.injector.partitioned());
}

TEST(FaultInjector, CutIsOneWayAndAddsToThePartition) {
  Fixture f(3);
  f.injector.apply(CutFault{node(1), node(2)});
  EXPECT_FALSE(f.reach(1, 2));
  EXPECT_TRUE(f.reach(2, 1));
  EXPECT_TRUE(f.injector.partitioned());
}

TEST(FaultInjector, NamedShapes) {
  Fixture halves(5);
  PartitionFault fault;
  fault.shape = PartitionFault::Shape::kHalves;
  halves.injector.apply(fault);
  EXPECT_EQ(halves.groups(), "11100|11100|11100|00011|00011");

  Fixture bridge(5);
  fault.shape = PartitionFault::Shape::kBridge;
  bridge.injector.apply(fault);
  // n3 reaches both sides; n1, n2 and n4, n5 do not reach each other.
  EXPECT_EQ(bridge.groups(), "11100|11100|11111|00111|00111");

  Fixture ring(5);
  fault.shape = PartitionFault::Shape::kMajorityRing;
  ring.injector.apply(fault);
  // Each node reaches itself and its two ring neighbours: a majority, no two the same.
  EXPECT_EQ(ring.groups(), "11001|11100|01110|00111|10011");
}

TEST(FaultInjector, TwoFollowersInOneGroupAreTwoDifferentNodes) {
  for (uint32_t leader = 1; leader <= 5; ++leader) {
    Fixture f(5, leader);
    PartitionFault partition;
    partition.groups = {{Selector{Selector::Kind::kFollower, 0}, Selector{Selector::Kind::kFollower, 0}},
                        {Selector{Selector::Kind::kAll, 0}}};
    f.injector.apply(partition);
    int cut_off = 0;
    for (uint32_t n = 1; n <= 5; ++n) {
      cut_off += f.reach(leader, n) ? 0 : 1;
    }
    EXPECT_EQ(cut_off, 2) << "leader n" << leader << ": " << f.groups();
  }
}

TEST(FaultInjector, LeaderSelectorStrikesNobodyWithoutALeader) {
  Fixture f(3, 0);
  f.injector.apply(CrashFault{Selector{Selector::Kind::kLeader, 0}});
  for (uint32_t n = 1; n <= 3; ++n) {
    EXPECT_EQ(f.world.state(sim::HostId{n - 1}), sim::HostState::kUp);
  }
  f.injector.apply(CrashFault{node(2)});
  EXPECT_EQ(f.world.state(sim::HostId{1}), sim::HostState::kCrashed);
  f.injector.apply(RestartFault{Selector{Selector::Kind::kAll, 0}});
  EXPECT_EQ(f.world.state(sim::HostId{1}), sim::HostState::kUp);
}

}  // namespace
}  // namespace consim::harness
