// The fault injector's partition shapes and selectors, on a bare world: which server links are
// open after each fault, and that client links are never touched.
#include "harness/fault_injector.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

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

// A record of `kind` from `node`, as the trace would hand it to the injector.
sim::TraceRecord record_of(uint32_t node, std::string_view kind) {
  sim::TraceRecord record;
  record.node = sim::HostId{node - 1};
  record.kind = Name::intern(std::string(kind));
  return record;
}

TEST(FaultInjector, ACrashPointStrikesOnceAtItsStep) {
  Fixture f(3);
  EXPECT_FALSE(*f.injector.crash_points_armed());
  f.injector.apply(CrashPointFault{node(2), "sync", "", std::nullopt, std::nullopt});
  EXPECT_TRUE(*f.injector.crash_points_armed());
  EXPECT_FALSE(f.injector.crash_point(1, "sync"));   // another node
  EXPECT_FALSE(f.injector.crash_point(2, "write"));  // another step
  EXPECT_TRUE(f.injector.crash_point(2, "sync"));
  EXPECT_FALSE(*f.injector.crash_points_armed());
  EXPECT_FALSE(f.injector.crash_point(2, "sync"));  // spent
}

TEST(FaultInjector, ACrashPointAfterAnEventWaitsForThatNodesRecordOfThatKind) {
  Fixture f(3);
  f.injector.apply(
      CrashPointFault{Selector{Selector::Kind::kAll, 0}, "advance", "raft.vote", std::nullopt, std::nullopt});
  EXPECT_FALSE(f.injector.crash_point(3, "advance"));
  f.injector.observe(record_of(3, "raft.vote_answer"));  // a kind that only starts the same
  f.injector.observe(record_of(1, "raft.vote"));         // another node's vote
  EXPECT_FALSE(f.injector.crash_point(3, "advance"));
  f.injector.observe(record_of(3, "raft.vote"));
  EXPECT_FALSE(f.injector.crash_point(3, "send"));
  EXPECT_TRUE(f.injector.crash_point(3, "advance"));
  EXPECT_TRUE(f.injector.crash_point(1, "advance"));   // n1 voted too; "*" armed one point per node
  EXPECT_FALSE(f.injector.crash_point(2, "advance"));  // n2 never voted
  EXPECT_TRUE(*f.injector.crash_points_armed());
  f.injector.heal_all();  // the final heal disarms what is left
  EXPECT_FALSE(*f.injector.crash_points_armed());
}

TEST(FaultInjector, ACrashPointExpiresAfterItsWindow) {
  Fixture f(3);
  f.injector.apply(CrashPointFault{node(1), "write", "", 50, std::nullopt});
  f.sim.run_until(SimTime::zero() + Duration::millis(50));
  EXPECT_TRUE(*f.injector.crash_points_armed());
  f.injector.apply(CrashPointFault{node(2), "write", "", 100, std::nullopt});
  f.sim.run_until(SimTime::zero() + Duration::millis(51));
  EXPECT_FALSE(f.injector.crash_point(1, "write"));  // n1's window closed at 50 ms
  EXPECT_TRUE(f.injector.crash_point(2, "write"));   // n2's is open until 150 ms
}

TEST(FaultInjector, ACrashPointRestartsTheMachineWhenAsked) {
  Fixture f(3);
  f.injector.apply(CrashPointFault{node(2), "send", "", std::nullopt, 5});
  f.injector.apply(CrashPointFault{node(3), "send", "", std::nullopt, 5});
  ASSERT_TRUE(f.injector.crash_point(2, "send"));
  f.world.crash(sim::HostId{1});  // what the host does when the point strikes
  ASSERT_TRUE(f.injector.crash_point(3, "send"));
  f.world.crash(sim::HostId{2});
  f.world.restart(sim::HostId{2});  // brought back (and crashed again) by other faults meanwhile
  f.world.crash(sim::HostId{2});
  f.sim.run_until(SimTime::zero() + Duration::millis(4));
  EXPECT_EQ(f.world.state(sim::HostId{1}), sim::HostState::kCrashed);
  f.sim.run_until(SimTime::zero() + Duration::millis(6));
  EXPECT_EQ(f.world.state(sim::HostId{1}), sim::HostState::kUp);
  EXPECT_EQ(f.world.state(sim::HostId{2}), sim::HostState::kCrashed);  // not this point's crash any more
}

TEST(FaultInjector, AMembershipChangeGoesToTheLeader) {
  Fixture f(5, 3);
  std::vector<std::string> asked;
  f.injector.set_membership_changer([&](uint32_t leader, MembershipFault::Change change, uint32_t target) {
    asked.push_back("n" + std::to_string(leader) + " " + std::string(membership_change_name(change)) + " n" +
                    std::to_string(target));
  });
  f.injector.apply(MembershipFault{MembershipFault::Change::kAdd, node(5)});
  f.injector.apply(MembershipFault{MembershipFault::Change::kRemove, Selector{Selector::Kind::kLeader, 0}});
  f.injector.apply(MembershipFault{MembershipFault::Change::kAddLearner, node(1)});
  f.leader_now = 0;
  f.injector.apply(MembershipFault{MembershipFault::Change::kAdd, node(4)});  // nobody to ask
  EXPECT_EQ(asked, (std::vector<std::string>{"n3 add n5", "n3 remove n3", "n3 add_learner n1"}));
  EXPECT_EQ(f.injector.applied(), 4u);
}

}  // namespace
}  // namespace consim::harness
